"""gap add | list | resolve | check as service functions: validation, D5/D6 fields, dry-run, the close gate."""

from __future__ import annotations

import json

import pytest

from flowctl_core.errors import InvalidInputError, InvalidTransitionError, NotFoundError
from flowctl_db import FlowStore
from flowctl_service import epics, gaps, tasks

ACTOR = "dev@example.com"


def make_epic(store: FlowStore, title: str = "Auth work") -> str:
    return epics.create(store, ACTOR, title)["id"]


def tree(store: FlowStore) -> dict[str, bytes]:
    root = store.flow_dir
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_add_gap_payloads_and_file(store: FlowStore) -> None:
    eid = make_epic(store)
    first = gaps.add_gap(store, ACTOR, eid, "  Missing auth check  ", source="flow-gap-analyst")
    assert first == {"created": True, "id": 1, "message": f"Gap 1 added to {eid}",
                     "gap": {"capability": "Missing auth check", "id": 1, "priority": "required",
                             "source": "flow-gap-analyst", "status": "open"}}
    again = gaps.add_gap(store, ACTOR, eid, "missing AUTH check", priority="nice-to-have")
    assert again["created"] is False and again["message"] == "Gap already exists: 1"
    assert again["gap"]["priority"] == "required"
    assert gaps.add_text(again) == "Gap already exists: 1 \u2014 Missing auth check"
    second = gaps.add_gap(store, ACTOR, eid, "Rate limiting", "important", task=f"{eid}.2")
    assert gaps.add_text(second) == "Gap 2 added: [important] Rate limiting"
    on_disk = json.loads(store.paths.gaps_json(eid).read_text())
    assert on_disk[1] == {"id": 2, "capability": "Rate limiting", "priority": "important", "source": "manual",
                          "resolved": False, "task": f"{eid}.2"}


@pytest.mark.parametrize(("args", "message"), [
    (("fn-1-auth-work.1", "x"), "Invalid epic ID: fn-1-auth-work.1"),
    (("bad", "x"), "Invalid epic ID: bad"),
    (("../../etc", "x"), "Invalid epic ID: ../../etc"),
    (("fn-9", "x"), "Epic not found: fn-9"),
])
def test_every_subcommand_validates_the_epic(store: FlowStore, args: tuple[str, str], message: str) -> None:
    make_epic(store)
    for call in (lambda: gaps.add_gap(store, ACTOR, *args), lambda: gaps.list_gaps(store, args[0]),
                 lambda: gaps.check(store, args[0]), lambda: gaps.resolve_gap(store, ACTOR, args[0], 1)):
        with pytest.raises((InvalidInputError, NotFoundError)) as err:
            call()
        assert str(err.value) == message
    assert not store.paths.gaps.exists()


def test_add_rejects_bad_priority_task_and_empty_capability(store: FlowStore) -> None:
    eid = make_epic(store)
    with pytest.raises(InvalidInputError, match="Invalid priority 'urgent'"):
        gaps.add_gap(store, ACTOR, eid, "x", priority="urgent")
    with pytest.raises(InvalidInputError, match="Invalid task ID: ../x"):
        gaps.add_gap(store, ACTOR, eid, "x", task="../x")
    with pytest.raises(InvalidInputError, match="Capability cannot be empty"):
        gaps.add_gap(store, ACTOR, eid, "   ")
    assert not store.paths.gaps_json(eid).exists()


def test_dry_run_previews_and_writes_nothing(store: FlowStore) -> None:
    eid = make_epic(store)
    gaps.add_gap(store, ACTOR, eid, "A")
    before = tree(store)
    preview = gaps.add_gap(store, ACTOR, eid, "B", dry_run=True)
    assert preview["dry_run"] is True
    [mutation] = preview["changes"]["mutations"]
    assert (mutation["op"], mutation["store"], mutation["key"]) == ("put", "gaps", eid)
    assert [g["capability"] for g in mutation["value"]] == ["A", "B"]
    assert gaps.add_gap(store, ACTOR, eid, "a", dry_run=True) == {"changes": {"mutations": []}, "dry_run": True}
    resolved = gaps.resolve_gap(store, ACTOR, eid, 1, evidence="e", dry_run=True)
    assert resolved["changes"]["mutations"][0]["value"][0]["resolved"] is True
    assert tree(store) == before


def test_add_gaps_registers_a_batch_in_one_write(store: FlowStore) -> None:
    eid = make_epic(store)
    gaps.add_gap(store, ACTOR, eid, "Existing")
    entries = [{"capability": "New one", "priority": "important", "source": "impl-review"},
               {"capability": "existing"}, {"capability": "NEW ONE "}]
    before = tree(store)
    preview = gaps.add_gaps(store, ACTOR, eid, entries, dry_run=True)
    [mutation] = preview["changes"]["mutations"]
    assert [g["capability"] for g in mutation["value"]] == ["Existing", "New one"]
    assert tree(store) == before
    found = gaps.add_gaps(store, ACTOR, eid, entries)
    assert [(r["id"], r["created"], r["gap"]["priority"]) for r in found] == [
        (2, True, "important"), (1, False, "required"), (2, False, "important")]
    assert [g["source"] for g in store.gaps.read(eid)] == ["manual", "impl-review"]
    assert gaps.add_gaps(store, ACTOR, eid, []) == []
    with pytest.raises(InvalidInputError, match="Invalid task ID"):
        gaps.add_gaps(store, ACTOR, eid, [{"capability": "x"}, {"capability": "y", "task": "bad"}])
    assert len(store.gaps.read(eid)) == 2  # nothing of a refused batch is written


def test_list_filters_and_shows_stored_fields(store: FlowStore) -> None:
    eid = make_epic(store)
    gaps.add_gap(store, ACTOR, eid, "A", task=f"{eid}.1")
    gaps.add_gap(store, ACTOR, eid, "B", "nice-to-have")
    gaps.resolve_gap(store, ACTOR, eid, "1", evidence="tests pass")
    listed = gaps.list_gaps(store, eid)
    assert listed["count"] == 2 and listed["epic"] == eid
    first = listed["gaps"][0]
    assert (first["status"], first["task"], first["evidence"]) == ("resolved", f"{eid}.1", "tests pass")
    assert first["resolved_at"].endswith("+00:00")
    assert listed["gaps"][1] == {"capability": "B", "id": 2, "priority": "nice-to-have", "source": "manual",
                                 "status": "open"}
    assert [g["id"] for g in gaps.list_gaps(store, eid, "open")["gaps"]] == [2]
    assert gaps.list_text(gaps.list_gaps(store, eid)) == ("  \u2713 1 [required] A\n"
                                                          "  \u2717 2 [nice-to-have] B\n")
    empty = make_epic(store, "Second")
    assert gaps.list_text(gaps.list_gaps(store, empty, "resolved"), "resolved") == (
        f"No gaps for {empty} (status=resolved)")


def test_resolve_by_id_capability_and_repeat(store: FlowStore) -> None:
    eid = make_epic(store)
    gaps.add_gap(store, ACTOR, eid, "Rate limiting")
    gaps.add_gap(store, ACTOR, eid, "Logging")
    assert gaps.resolve_gap(store, ACTOR, eid, capability="  rate LIMITING ", evidence="x") == {
        "capability": "  rate LIMITING ", "changed": True, "message": "Gap for '  rate LIMITING ' resolved"}
    assert gaps.resolve_gap(store, ACTOR, eid, capability="rate limiting")["changed"] is False
    assert gaps.resolve_gap(store, ACTOR, eid, "2", capability="Rate limiting") == {
        "changed": True, "id": 2, "message": "Gap 2 resolved"}  # --id wins
    before = store.paths.gaps_json(eid).read_bytes()
    assert gaps.resolve_gap(store, ACTOR, eid, 2, evidence="again") == {
        "changed": False, "id": 2, "message": "Gap 2 already resolved"}
    assert store.paths.gaps_json(eid).read_bytes() == before  # evidence of the first resolve kept


@pytest.mark.parametrize(("gap_id", "capability", "message"), [
    ("x", None, "Invalid gap ID: x"), ("-1", None, "Invalid gap ID: -1"), ("4294967296", None,
                                                                           "Invalid gap ID: 4294967296"),
    ("\u0661", None, "Invalid gap ID: \u0661"), ("9", None, "Gap 9 not found"),
    (None, "Nope", "Gap for capability 'Nope' not found"), (None, None, "Either --capability or --id is required"),
])
def test_resolve_errors(store: FlowStore, gap_id: str | None, capability: str | None, message: str) -> None:
    eid = make_epic(store)
    gaps.add_gap(store, ACTOR, eid, "A")
    with pytest.raises((InvalidInputError, NotFoundError)) as err:
        gaps.resolve_gap(store, ACTOR, eid, gap_id, capability)
    assert str(err.value) == message


def test_resolve_without_epic_finds_the_only_holder(store: FlowStore) -> None:
    one, two = make_epic(store, "One"), make_epic(store, "Two")
    gaps.add_gap(store, ACTOR, one, "A")
    gaps.add_gap(store, ACTOR, one, "B")
    gaps.add_gap(store, ACTOR, two, "C")
    assert gaps.resolve_gap(store, ACTOR, None, "2")["changed"] is True
    assert gaps.list_gaps(store, one)["gaps"][1]["status"] == "resolved"
    assert gaps.resolve_gap(store, ACTOR, None, capability="c")["changed"] is True
    with pytest.raises(InvalidInputError) as err:
        gaps.resolve_gap(store, ACTOR, None, "1")
    assert str(err.value) == f"Gap 1 exists in several epics ({one}, {two}); pass --epic"
    with pytest.raises(NotFoundError, match="Gap 7 not found"):
        gaps.resolve_gap(store, ACTOR, None, "7")


def test_check_is_the_gate_epic_close_applies(store: FlowStore) -> None:
    eid = make_epic(store)
    task = tasks.create(store, ACTOR, eid, "Only")["id"]
    tasks.skip(store, ACTOR, task)
    gaps.add_gap(store, ACTOR, eid, "Missing auth check")
    gaps.add_gap(store, ACTOR, eid, "Optional caching", "nice-to-have")
    gaps.add_gap(store, ACTOR, eid, "Rate limiting", "important")
    result = gaps.check(store, eid)
    assert result["gate"] == "fail" and [g["id"] for g in result["open_blocking"]] == [1, 3]
    assert gaps.check_text(result) == (f"Gap check FAIL for {eid} \u2014 2 blocking gap(s):\n"
                                       "  \u2717 [required] Missing auth check\n  \u2717 [important] Rate limiting")
    with pytest.raises(InvalidTransitionError, match="2 unresolved blocking gap"):
        epics.close(store, eid)
    gaps.resolve_gap(store, ACTOR, eid, 1)
    gaps.resolve_gap(store, ACTOR, eid, 3)
    result = gaps.check(store, eid)
    assert result["gate"] == "pass"
    assert gaps.check_text(result) == f"Gap check PASS for {eid} (2 resolved, 1 non-blocking)"
    assert epics.close(store, eid)["status"] == "done"
