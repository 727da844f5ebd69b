"""approval, log and checkpoint as service functions: rules, errors, waiting, dry-run previews."""

from __future__ import annotations

import json
import threading
import time

import pytest

from flowctl_core.errors import (
    CorruptFileError,
    FlowError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
)
from flowctl_db import FlowStore
from flowctl_service import approvals, checkpoints, decisions, epics, lifecycle, tasks

ACTOR = "dev@example.com"


@pytest.fixture
def task(store: FlowStore) -> str:
    eid = epics.create(store, ACTOR, "Auth work")["id"]
    return tasks.create(store, ACTOR, eid, "Login")["id"]


def tree(store: FlowStore) -> dict[str, bytes]:
    root = store.flow_dir
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ── approvals ─────────────────────────────────────────────────────────────────────────────────────────────────────


def test_approval_lifecycle(store: FlowStore, task: str) -> None:
    created = approvals.create(store, task, "file_access", '{"files": ["a.rs"]}')
    assert (created["status"], created["payload"], created["task_id"]) == ("pending", {"files": ["a.rs"]}, task)
    assert approvals.show(store, created["id"]) == created
    assert approvals.list_approvals(store, pending_only=True) == [created]
    resolved = approvals.resolve(store, ACTOR, created["id"], False, "too risky")
    assert (resolved["status"], resolved["reason"], resolved["resolver"]) == ("rejected", "too risky", ACTOR)
    assert approvals.list_approvals(store, pending_only=True) == []
    with pytest.raises(InvalidTransitionError) as err:
        approvals.resolve(store, ACTOR, created["id"], True)
    assert str(err.value) == f"approve: invalid transition: approval {created['id']} is already rejected"
    assert approvals.record_text(resolved) == f"{created['id']}\ttask={task}\tstatus=rejected"
    assert approvals.list_text([]) == "(no approvals)"


def test_payload_parsing(tmp_path) -> None:  # noqa: ANN001
    assert approvals.parse_payload('"s"') == "s"
    assert approvals.parse_payload("[1, 2]") == [1, 2]
    good = tmp_path / "p.json"
    good.write_text('{"a": {"b": 1}}')
    assert approvals.parse_payload(f"@{good}") == {"a": {"b": 1}}
    for value, message in [("Infinity", "invalid --payload JSON: expected value at line 1 column 1"),
                           ("[" * 129 + "]" * 129,
                            "invalid --payload JSON: recursion limit exceeded (nested deeper than 128)"),
                           ("[" * 100_000, "invalid --payload JSON: recursion limit exceeded"),
                           ("", "invalid --payload JSON: EOF while parsing a value at line 1 column 0")]:
        with pytest.raises(InvalidInputError) as err:
            approvals.parse_payload(value)
        assert str(err.value) == message


def test_create_checks_kind_then_payload_then_task(store: FlowStore, task: str) -> None:
    before = tree(store)
    for args, message in [((task, "bogus", "{bad"), "invalid --kind: bogus"),
                          ((task + "9", "generic", "{bad"), "invalid --payload JSON: key must be a string at line 1 column 2"),
                          (("nope", "generic", "1"), "create: validation error: Invalid task ID: nope"),
                          (("fn-1-auth-work.7", "generic", "1"),
                           "create: validation error: task fn-1-auth-work.7 does not exist")]:
        with pytest.raises(FlowError) as err:
            approvals.create(store, *args)
        assert str(err.value) == message
    assert tree(store) == before


def test_unknown_ids_are_approval_errors(store: FlowStore) -> None:
    for call, op in [(lambda: approvals.show(store, "apv-x"), "get"),
                     (lambda: approvals.resolve(store, ACTOR, "apv-x", True), "approve"),
                     (lambda: approvals.resolve(store, ACTOR, "apv-x", False), "reject")]:
        with pytest.raises(NotFoundError) as err:
            call()
        assert str(err.value) == f"{op}: approval not found: apv-x"


def test_corrupt_file_errors_name_it_without_a_prefix(store: FlowStore, task: str) -> None:
    store.paths.approvals.write_text("garbage")
    for call in (lambda: approvals.list_approvals(store), lambda: approvals.show(store, "x"),
                 lambda: approvals.create(store, task, "generic", "1"),
                 lambda: approvals.resolve(store, ACTOR, "x", True)):
        with pytest.raises(CorruptFileError) as err:
            call()
        assert str(err.value).startswith(f"Corrupt file {store.paths.approvals}: ")
    assert store.paths.approvals.read_text() == "garbage"


def test_wait_returns_once_resolved_and_times_out(store: FlowStore, task: str) -> None:
    apv = approvals.create(store, task, "generic", "{}")["id"]
    started = time.monotonic()
    with pytest.raises(FlowError) as err:
        approvals.wait(store, apv, timeout=0.3, poll=0.05)
    assert str(err.value) == f"timeout waiting for approval {apv} (status still pending after 0.3s)"
    assert 0.3 <= time.monotonic() - started < 2
    with store.lock():  # a waiter never takes the store lock: it still answers while another process holds it
        with pytest.raises(FlowError, match="after 0s"):
            approvals.wait(store, apv, timeout=0, poll=0.05)
    timer = threading.Timer(0.2, lambda: approvals.resolve(store, ACTOR, apv, True))
    timer.start()
    try:
        assert approvals.wait(store, apv, timeout=10, poll=0.05)["status"] == "approved"
    finally:
        timer.join()


def test_approval_dry_runs_write_nothing(store: FlowStore, task: str) -> None:
    apv = approvals.create(store, task, "generic", "{}")["id"]
    before = tree(store)
    preview = approvals.create(store, task, "mutation", '{"type": "split"}', dry_run=True)
    assert [len(m["value"]) for m in preview["changes"]["mutations"]] == [2]
    preview = approvals.resolve(store, ACTOR, apv, True, dry_run=True)
    assert preview["changes"]["mutations"][0]["value"][0]["status"] == "approved"
    assert tree(store) == before


# ── decision log ──────────────────────────────────────────────────────────────────────────────────────────────────


def test_decisions_round_trip(store: FlowStore, task: str) -> None:
    epic = task.rsplit(".", 1)[0]
    assert decisions.log_decision(store, "k1", "v1", "r1") == {
        "epic_id": "_global", "event_type": "decision", "key": "k1", "reason": "r1", "task_id": None, "value": "v1"}
    assert decisions.log_decision(store, "k2", "v2", "r2", task_id=task)["epic_id"] == epic
    decisions.log_decision(store, "k3", "v3", "r3", epic_id=epic)
    found = decisions.find(store)
    assert [e["key"] for e in found] == ["k3", "k2", "k1"]
    assert [e["key"] for e in decisions.find(store, epic_id=epic)] == ["k3", "k2"]
    assert [e["key"] for e in decisions.find(store, task_id=task)] == ["k2"]
    assert decisions.find(store, limit=0) == []
    with pytest.raises(InvalidInputError):
        decisions.find(store, limit=-1)
    listing = decisions.listing(found[:1])
    assert listing == {"count": 1, "decisions": [{"epic_id": epic, "key": "k3", "reason": "r3", "task_id": None,
                                                  "timestamp": found[0]["timestamp"], "value": "v3"}]}
    assert decisions.listing_text([]) == "No decisions recorded."
    preview = decisions.log_decision(store, "k4", "v4", "r4", dry_run=True)
    assert preview["changes"]["mutations"][0]["op"] == "append"
    assert len(decisions.find(store)) == 3


@pytest.mark.parametrize(("epic", "task", "message"), [
    ("bad", None, "Invalid epic ID: bad"), ("fn-1.1", None, "Invalid epic ID: fn-1.1"),
    (None, "fn-1", "Invalid task ID: fn-1"), ("fn-1-" + "a" * 300, None, "cannot name a file"),
])
def test_decision_ids_are_validated(store: FlowStore, epic: str | None, task: str | None, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        decisions.log_decision(store, "k", "v", "r", epic, task)
    assert not store.paths.events.exists()


# ── checkpoints ───────────────────────────────────────────────────────────────────────────────────────────────────


def test_checkpoint_save_restore_delete(store: FlowStore, task: str) -> None:
    epic = task.rsplit(".", 1)[0]
    lifecycle.start(store, task, ACTOR)
    saved = checkpoints.save(store, epic)
    path = store.checkpoints.path(epic)
    assert saved == {"checkpoint": str(path), "epic": epic, "message": f"Checkpoint saved for {epic}",
                     "size_bytes": path.stat().st_size}
    snapshot = tree(store)
    lifecycle.done(store, task, ACTOR, summary="finished")
    later = tasks.create(store, ACTOR, epic, "Later")["id"]
    lifecycle.start(store, later, ACTOR)
    preview = checkpoints.restore(store, ACTOR, epic, dry_run=True)
    ops = [(m["op"], m.get("task_id")) for m in preview["changes"]["mutations"]]
    assert ops == [("set_task_spec", task), ("set_task_state", task), ("set_task_state", later)]
    assert checkpoints.restore(store, ACTOR, epic)["restored_from"] == str(path)
    assert store.get_task(task)["status"] == "in_progress" and store.get_task(later)["status"] == "todo"
    now = tree(store)
    assert {k: v for k, v in now.items() if later not in k and "events" not in k} == {
        k: v for k, v in snapshot.items() if "events" not in k}
    assert checkpoints.restore(store, ACTOR, epic, dry_run=True)["changes"]["mutations"] == []
    assert checkpoints.delete(store, epic)["deleted"] is True
    assert checkpoints.delete(store, epic) == {"deleted": False, "epic": epic,
                                               "message": f"No checkpoint found for {epic}"}


@pytest.mark.parametrize(("doc", "detail"), [
    ({"epic": {"id": "fn-2-x"}}, "missing field"),
    ({"tasks": {}}, "`tasks` must be an array"),
    ({"tasks": [1]}, "task entry 1 is not an object"),
    ({"epic_spec": 5}, "`epic_spec` must be a string"),
    ({"tasks": [{"task": {"id": "fn-2-x.1", "epic": "fn-2-x", "title": "t", "created_at": "2026-01-01T00:00:00Z",
                          "updated_at": "2026-01-01T00:00:00Z"}}]}, "not a task of"),
])
def test_a_bad_checkpoint_restores_nothing(store: FlowStore, task: str, doc: dict, detail: str) -> None:
    epic = task.rsplit(".", 1)[0]
    path = store.checkpoints.path(epic)
    path.write_text(json.dumps(doc))
    before = tree(store)
    with pytest.raises(CorruptFileError, match=detail) as err:
        checkpoints.restore(store, ACTOR, epic)
    assert err.value.path == str(path)
    with pytest.raises(CorruptFileError):
        checkpoints.save(store, epic)  # never overwritten either
    assert tree(store) == before
