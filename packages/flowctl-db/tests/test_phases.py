"""PhaseStore: completion lists, dedup, legacy ids, reset (D34 fix), corrupt files."""

from __future__ import annotations

import pytest

from flowctl_core.errors import CorruptFileError
from flowctl_db.phases import migrate_phase_id


def test_mark_done_matches_storage_example(flow):
    for p in ("1", "2", "5"):
        flow.phases.mark_done("fn-3-add-oauth-login.2", p)
    assert flow.paths.phases.read_text() == (
        '{\n  "fn-3-add-oauth-login.2": [\n    "1",\n    "2",\n    "5"\n  ]\n}')


def test_mark_done_dedups_and_returns_completed(flow):
    assert flow.phases.mark_done("fn-1.1", "1") == ["1"]
    before = flow.paths.phases.read_bytes()
    assert flow.phases.mark_done("fn-1.1", "1") == ["1"]
    assert flow.paths.phases.read_bytes() == before
    assert flow.phases.mark_done("fn-1.1", "2") == ["1", "2"]
    assert flow.phases.completed("fn-1.2") == []


def test_keys_sorted_and_other_tasks_kept(flow):
    flow.phases.mark_done("fn-2.1", "1")
    flow.phases.mark_done("fn-1.1", "1")
    assert flow.paths.phases.read_text().index("fn-1.1") < flow.paths.phases.read_text().index("fn-2.1")
    assert flow.phases.completed("fn-2.1") == ["1"]


def test_legacy_ids_mapped_on_read_only(flow):
    flow.paths.phases.write_text('{"t": ["0", "1.5", "2a", "2.5", "5c", "5b", "7", 3]}')
    assert flow.phases.raw("t") == ["0", "1.5", "2a", "2.5", "5c", "5b", "7"]
    assert flow.phases.completed("t") == ["1", "3", "4", "6", "9", "11", "7"]
    assert migrate_phase_id("12") == "12"
    flow.phases.mark_done("t", "1")  # already done under its legacy id
    assert flow.phases.raw("t") == ["0", "1.5", "2a", "2.5", "5c", "5b", "7"]


def test_non_array_value_reads_empty_and_is_never_appended_to(flow):
    flow.paths.phases.write_text('{"t": "oops"}')
    assert flow.phases.completed("t") == []
    with pytest.raises(CorruptFileError):
        flow.phases.mark_done("t", "1")
    assert flow.paths.phases.read_text() == '{"t": "oops"}'


def test_reset_and_reset_many(flow):
    assert flow.phases.reset("fn-1.1") is False
    assert not flow.paths.phases.exists()
    for t in ("fn-1.1", "fn-1.2", "fn-1.3"):
        flow.phases.mark_done(t, "1")
    assert flow.phases.reset("fn-1.1") is True
    assert flow.phases.completed("fn-1.1") == []
    assert flow.phases.reset_many(["fn-1.2", "fn-1.3", "fn-9.9"]) == 2
    assert flow.paths.phases.read_text() == "{}"
    assert flow.phases.reset_many([]) == 0


@pytest.mark.parametrize("content", ["{bad", '["1"]'])
def test_corrupt_file_raises_and_is_left_alone(flow, content):
    flow.paths.phases.write_text(content)
    for call in (lambda: flow.phases.completed("t"), lambda: flow.phases.mark_done("t", "1"),
                 lambda: flow.phases.reset("t")):
        with pytest.raises(CorruptFileError) as err:
            call()
        assert str(flow.paths.phases) in str(err.value)
    assert flow.paths.phases.read_text() == content
