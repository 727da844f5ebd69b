"""PhaseStore: completion lists, dedup, legacy ids, reset (D34 fix), corrupt files."""

from __future__ import annotations

import pytest

from flowctl_core.errors import CorruptFileError
from flowctl_db.phases import migrate_phase_id


def test_put_matches_storage_example(flow):
    flow.phases.put("", {"fn-3-add-oauth-login.2": ["1", "2", "5"], "fn-1.1": ["1"]})
    assert flow.paths.phases.read_text() == (
        '{\n  "fn-1.1": [\n    "1"\n  ],\n  "fn-3-add-oauth-login.2": [\n    "1",\n    "2",\n    "5"\n  ]\n}')
    assert flow.phases.completed("fn-3-add-oauth-login.2") == ["1", "2", "5"]
    assert flow.phases.completed("fn-1.2") == []


def test_legacy_ids_mapped_on_read_only(flow):
    flow.paths.phases.write_text('{"t": ["0", "1.5", "2a", "2.5", "5c", "5b", "7", 3]}')
    assert flow.phases.raw("t") == ["0", "1.5", "2a", "2.5", "5c", "5b", "7"]
    assert flow.phases.completed("t") == ["1", "3", "4", "6", "9", "11", "7"]
    assert migrate_phase_id("12") == "12"


def test_non_array_value_reads_empty(flow):
    flow.paths.phases.write_text('{"t": "oops"}')
    assert flow.phases.completed("t") == [] and flow.phases.raw("t") == []


def test_plan_reset_computes_without_writing(flow):
    assert flow.phases.plan_reset(["fn-1.1"]) == (None, 0)
    assert not flow.paths.phases.exists()
    flow.phases.put("", {t: ["1"] for t in ("fn-1.1", "fn-1.2", "fn-1.3")})
    before = flow.paths.phases.read_bytes()
    data, removed = flow.phases.plan_reset(["fn-1.2", "fn-1.3", "fn-9.9"])
    assert (data, removed) == ({"fn-1.1": ["1"]}, 2)
    assert flow.paths.phases.read_bytes() == before  # planning writes nothing
    flow.phases.put("", data)
    assert flow.phases.completed("fn-1.2") == [] and flow.phases.completed("fn-1.1") == ["1"]
    assert flow.phases.plan_reset([]) == (None, 0)


@pytest.mark.parametrize("content", ["{bad", '["1"]'])
def test_corrupt_file_raises_and_is_left_alone(flow, content):
    flow.paths.phases.write_text(content)
    for call in (lambda: flow.phases.completed("t"), flow.phases.read_all,
                 lambda: flow.phases.plan_reset(["t"])):
        with pytest.raises(CorruptFileError) as err:
            call()
        assert str(flow.paths.phases) in str(err.value)
    assert flow.paths.phases.read_text() == content
