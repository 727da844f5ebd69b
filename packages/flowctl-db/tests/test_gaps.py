"""GapStore and the gap rules: exact file format, dedup, task/evidence/resolved_at (D5/D6), gate, corrupt files
(D26). The rules are pure (`with_added`, `with_resolved`, `find`); `add`/`resolve` below run them the way the
service does — under the store lock, written back with `put`."""

from __future__ import annotations

import json

import pytest

from flowctl_core import timefmt
from flowctl_core.errors import CorruptFileError, InvalidInputError, NotFoundError
from flowctl_db.gaps import find, gap_item, with_added, with_resolved

EPIC = "fn-3-add-oauth-login"


def add(flow, epic_id, capability, priority="required", source="manual", task=None):
    with flow.lock():
        gaps, gap, created = with_added(flow.gaps.read(epic_id), capability, priority, source, task)
        if created:
            flow.gaps.put(epic_id, gaps)
    return gap, created


def resolve(flow, epic_id, gap_id=None, capability=None, evidence=None):
    with flow.lock():
        gaps, gap, changed = with_resolved(flow.gaps.read(epic_id), timefmt.now_off(), gap_id, capability, evidence)
        if changed:
            flow.gaps.put(epic_id, gaps)
    return gap, changed


def test_rules_are_pure():
    gaps = [{"id": 1, "capability": "A", "priority": "required", "source": "m", "resolved": False}]
    added, gap, created = with_added(gaps, "B", task="fn-1.1")
    assert created and len(gaps) == 1 and added == [gaps[0], gap]
    resolved, done, changed = with_resolved(added, "2026-01-01T00:00:00+00:00", gap_id=1, evidence="e")
    assert changed and gaps[0]["resolved"] is False and resolved == [done, gap]
    assert done == {**gaps[0], "resolved": True, "evidence": "e", "resolved_at": "2026-01-01T00:00:00+00:00"}


def test_add_matches_storage_example(flow):
    gap, created = add(flow, EPIC, "  Missing CSRF protection ", source="flow-gap-analyst")
    assert created is True
    assert gap == {"id": 1, "capability": "Missing CSRF protection", "priority": "required",
                   "source": "flow-gap-analyst", "resolved": False}
    assert flow.paths.gaps_json(EPIC).read_text() == """[
  {
    "id": 1,
    "capability": "Missing CSRF protection",
    "priority": "required",
    "source": "flow-gap-analyst",
    "resolved": false
  }
]"""


def test_duplicate_capability_is_not_added(flow):
    add(flow, EPIC, "Missing CSRF protection")
    before = flow.paths.gaps_json(EPIC).read_bytes()
    gap, created = add(flow, EPIC, "missing csrf PROTECTION ", priority="nice-to-have")
    assert created is False
    assert gap["id"] == 1 and gap["priority"] == "required" and gap["capability"] == "Missing CSRF protection"
    assert flow.paths.gaps_json(EPIC).read_bytes() == before


def test_ids_are_max_plus_one(flow):
    flow.paths.gaps.mkdir()
    flow.paths.gaps_json(EPIC).write_text(json.dumps([
        {"id": 7, "capability": "a", "priority": "important", "source": "s"},
        {"id": 2, "capability": "b", "priority": "required", "source": "s", "resolved": True}]))
    gap, _ = add(flow, EPIC, "c")
    assert gap["id"] == 8
    assert [g["id"] for g in flow.gaps.read(EPIC)] == [7, 2, 8]
    assert flow.gaps.read(EPIC)[0]["resolved"] is False  # default filled on read


def test_task_is_stored_after_resolved(flow):
    gap, _ = add(flow, EPIC, "Rate limiting", priority="important", source="manual", task=f"{EPIC}.2")
    assert list(gap) == ["id", "capability", "priority", "source", "resolved", "task"]
    assert flow.gaps.read(EPIC) == [gap]
    assert '"resolved": false,\n    "task": "fn-3-add-oauth-login.2"\n  }' in flow.paths.gaps_json(EPIC).read_text()


def test_resolve_by_id_stores_evidence_and_time(flow):
    add(flow, EPIC, "A", task="fn-3-add-oauth-login.1")
    add(flow, EPIC, "B")
    before = timefmt.now()
    gap, changed = resolve(flow, EPIC, gap_id=1, evidence="tests pass")
    assert changed is True
    assert list(gap) == ["id", "capability", "priority", "source", "resolved", "task", "evidence", "resolved_at"]
    assert gap["resolved"] is True and gap["evidence"] == "tests pass"
    assert gap["resolved_at"].endswith("+00:00") and timefmt.parse(gap["resolved_at"]) >= before.replace(
        microsecond=0)
    assert flow.gaps.read(EPIC)[0] == gap  # round trip
    assert flow.gaps.read(EPIC)[1]["resolved"] is False
    before_bytes = flow.paths.gaps_json(EPIC).read_bytes()
    again, changed = resolve(flow, EPIC, gap_id=1, evidence="other")
    assert changed is False and again == gap
    assert flow.paths.gaps_json(EPIC).read_bytes() == before_bytes


def test_resolve_by_capability_and_id_wins(flow):
    add(flow, EPIC, "Rate limiting")
    add(flow, EPIC, "Logging")
    gap, changed = resolve(flow, EPIC, capability="  rate LIMITING ")
    assert (gap["id"], changed) == (1, True)
    assert "evidence" not in gap
    gap, _ = resolve(flow, EPIC, gap_id=2, capability="Rate limiting")
    assert gap["id"] == 2
    assert find(flow.gaps.read(EPIC), capability="logging")["resolved"] is True


def test_resolve_errors(flow):
    add(flow, EPIC, "A")
    with pytest.raises(NotFoundError) as err:
        resolve(flow, EPIC, gap_id=9)
    assert str(err.value) == "Gap 9 not found"
    with pytest.raises(NotFoundError) as err:
        resolve(flow, EPIC, capability=" Nope ")
    assert str(err.value) == "Gap for capability ' Nope ' not found"
    with pytest.raises(InvalidInputError) as err:
        resolve(flow, EPIC)
    assert str(err.value) == "Either --capability or --id is required"


def test_add_errors(flow):
    with pytest.raises(InvalidInputError, match="Invalid priority 'urgent'"):
        add(flow, EPIC, "A", priority="urgent")
    with pytest.raises(InvalidInputError):
        add(flow, EPIC, "   ")
    assert not flow.paths.gaps_json(EPIC).exists()


def test_check_gate_and_open_blocking(flow):
    assert flow.gaps.check(EPIC) == {"epic": EPIC, "gate": "pass", "open_blocking": [], "open_non_blocking": [],
                                     "resolved": [], "total": 0}
    add(flow, EPIC, "Missing auth check")
    add(flow, EPIC, "Optional caching", priority="nice-to-have")
    add(flow, EPIC, "Rate limiting", priority="important")
    add(flow, EPIC, "Logging gaps")
    resolve(flow, EPIC, gap_id=4)
    result = flow.gaps.check(EPIC)
    assert result == {
        "epic": EPIC, "gate": "fail",
        "open_blocking": [
            {"capability": "Missing auth check", "id": 1, "priority": "required", "status": "open"},
            {"capability": "Rate limiting", "id": 3, "priority": "important", "status": "open"}],
        "open_non_blocking": [{"capability": "Optional caching", "id": 2, "priority": "nice-to-have",
                               "status": "open"}],
        "resolved": [{"capability": "Logging gaps", "id": 4, "priority": "required", "status": "resolved"}],
        "total": 4}
    assert [g["id"] for g in flow.gaps.open_blocking(EPIC)] == [1, 3]
    resolve(flow, EPIC, gap_id=1)
    resolve(flow, EPIC, gap_id=3)
    assert flow.gaps.check(EPIC)["gate"] == "pass"
    assert flow.gaps.open_blocking(EPIC) == []
    assert gap_item(flow.gaps.read(EPIC)[1]) == {"capability": "Optional caching", "id": 2,
                                                 "priority": "nice-to-have", "source": "manual", "status": "open"}


@pytest.mark.parametrize("content", ["corrupt", '{"id": 1}', '[{"id": 1}]', '[{"id": "1", "capability": "a", '
                                     '"priority": "required", "source": "s"}]'])
def test_corrupt_file_raises_and_is_never_overwritten(flow, content):
    path = flow.paths.gaps_json(EPIC)
    path.parent.mkdir()
    path.write_text(content)
    for call in (lambda: flow.gaps.read(EPIC), lambda: add(flow, EPIC, "x"),
                 lambda: resolve(flow, EPIC, gap_id=1), lambda: flow.gaps.check(EPIC),
                 lambda: flow.gaps.open_blocking(EPIC)):
        with pytest.raises(CorruptFileError) as err:
            call()
        assert str(path) in str(err.value)
    assert path.read_text() == content


def test_missing_file_reads_empty(flow):
    assert flow.gaps.read("fn-9") == []


def test_six_processes_add_distinct_gaps(flow, run_workers):
    # The read-compute-put of each add under the store lock; a no-op lock loses most of them (checked by hand).
    body = """
from flowctl_db.gaps import with_added
for n in range(20):
    with store.lock():
        gaps, _, _ = with_added(store.gaps.read("fn-1"), f"capability {WORKER}-{n}")
        store.gaps.put("fn-1", gaps)
"""
    run_workers(body, 6, flow.flow_dir)
    gaps = flow.gaps.read("fn-1")
    assert len(gaps) == 120
    assert sorted(g["id"] for g in gaps) == list(range(1, 121))
    assert len({g["capability"] for g in gaps}) == 120
