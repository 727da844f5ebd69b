"""BoardReader (the model of `flowctl watch`) over real files: open, incremental poll, views."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from flowctl_db import FlowStore
from flowctl_service import board

E = "fn-1-add-oauth-login"
E2 = "fn-2-billing"
T_AT = "2026-11-26T14:49:46.304449Z"
NOW = datetime(2026, 11, 26, 16, 30, 0, tzinfo=UTC)


def add_task(s: FlowStore, tid: str, status: str | None = None, deps=(), **state) -> None:
    s.save_task_definition({"id": tid, "epic": tid.rsplit(".", 1)[0], "title": f"Task {tid}", "status": "todo",
                            "depends_on": list(deps), "created_at": T_AT, "updated_at": T_AT})
    if status is not None:
        s.save_state(tid, {"status": status, "retry_count": 0, "updated_at": T_AT, **state})


@pytest.fixture
def seeded(store: FlowStore) -> FlowStore:
    for epic_id, title in ((E, "OAuth"), (E2, "Billing")):
        store.save_epic({"id": epic_id, "title": title, "created_at": T_AT, "updated_at": T_AT})
    add_task(store, f"{E}.1", "done", evidence={"commits": ["abc"]})
    add_task(store, f"{E}.2", "in_progress", deps=[f"{E}.1"], assignee="bob@x", claimed_at="2026-11-26T16:18:00Z")
    add_task(store, f"{E}.3", "up_for_retry")
    add_task(store, f"{E}.4", deps=[f"{E}.2"])
    add_task(store, f"{E2}.1")
    return store


def reader(s: FlowStore, epic=None) -> board.BoardReader:
    r = board.BoardReader(s, epic, clock=lambda: NOW)
    r.open()
    return r


def test_open_counts_every_epic_and_columns_the_focused_one(seeded):
    r = reader(seeded)
    assert r.summary() == {"epics": 2, "tasks": 5, "counts": {"done": 1, "in_progress": 1, "up_for_retry": 1,
                                                              "todo": 2}}
    assert [(row["id"], row["title"], row["done"], row["total"]) for row in r.epic_rows()] == [
        (E, "OAuth", 1, 4), (E2, "Billing", 0, 1)]
    cols = r.columns(E)
    assert {title: [t["id"] for t in rows] for title, rows in cols.items()} == {
        "todo": [f"{E}.4"], "in progress": [f"{E}.2"], "blocked": [], "failed / retry": [f"{E}.3"],
        "done / skipped": [f"{E}.1"]}
    assert cols["in progress"][0]["assignee"] == "bob@x" and cols["in progress"][0]["age"] == "12m"
    assert [t["id"] for t in r.columns(E, "BOB")["in progress"]] == [f"{E}.2"]
    assert sum(len(v) for v in r.columns(E, "bob").values()) == 1
    details = r.details(f"{E}.2")
    assert details["dependents"] == [f"{E}.4"] and details["depends_on"] == [f"{E}.1"]
    assert details["spec"] == "" and r.details(f"{E}.9") is None
    assert r.details(f"{E}.1")["evidence"] == {"commits": ["abc"]}
    only = reader(seeded, E2)
    assert [row["id"] for row in only.epic_rows()] == [E2] and only.summary()["tasks"] == 1


def test_open_can_defer_the_other_epics_statuses(seeded):
    r = board.BoardReader(seeded, clock=lambda: NOW)
    r.open(defer=True)
    assert r.focus == E and list(r.pending) == [E2]
    assert [(row["id"], row["loading"], row["total"]) for row in r.epic_rows()] == [(E, False, 4), (E2, True, 0)]
    found = r.read_pending()
    add_task(seeded, f"{E2}.1", "done")  # a change seen by a poll before the slow read is merged: the poll wins
    r.poll()
    r.merge_pending(found)
    assert r.pending == {} and r.statuses[E2] == {f"{E2}.1": "done"}
    seeded.save_epic({**seeded.get_epic(E), "status": "done"})
    assert board.BoardReader(seeded).default_focus({E: [f"{E}.1"], E2: [f"{E2}.1"]}) == E  # not read yet: open
    closed = board.BoardReader(seeded)
    closed.open()
    assert closed.default_focus() == E2  # the first open epic


def test_poll_sees_only_what_changed(seeded):
    r = reader(seeded)
    r.focus = E
    r.columns(E)
    assert r.poll() == {"tasks": [], "specs": [], "epics": [], "events": 0, "files": []}
    seeded.save_state(f"{E}.4", {"status": "blocked", "retry_count": 0, "updated_at": T_AT})  # a new file
    seeded.write_task_spec(f"{E}.1", "# new spec\n")
    add_task(seeded, f"{E2}.2", "done")
    changes = r.poll()
    assert changes["tasks"] == [f"{E}.4", f"{E2}.2"] and changes["specs"] == [f"{E}.1"]
    r.focus = None  # only the directory check now: an existing file replaced atomically (same name, new inode)
    seeded.save_state(f"{E2}.2", {"status": "todo", "retry_count": 0, "updated_at": T_AT})
    assert r.poll()["tasks"] == [f"{E2}.2"] and r.statuses[E2][f"{E2}.2"] == "todo"
    r.focus = E
    assert [t["id"] for t in r.columns(E)["blocked"]] == [f"{E}.4"]
    assert r.epic_rows()[1]["total"] == 2 and r.details(f"{E}.1")["spec"] == "# new spec\n"
    assert not any(r.poll().values())


def test_poll_sees_an_in_place_rewrite_in_the_focused_epic(seeded):
    r = reader(seeded)
    r.focus = E
    r.columns(E)
    r.poll()
    path = seeded.paths.task_state(f"{E}.3")
    record = json.loads(path.read_text())
    with open(path, "r+") as f:  # same inode, directory untouched (a non-atomic writer)
        f.seek(0)
        f.truncate()
        f.write(json.dumps({**record, "status": "failed"}, indent=2))
    assert r.poll()["tasks"] == [f"{E}.3"]
    assert r.columns(E)["failed / retry"][0]["status"] == "failed"


def test_events_are_followed_from_the_last_offset(seeded):
    for n in range(3):
        seeded.events.append({"stream_id": f"task:{E}.1", "type": f"e{n}", "timestamp": T_AT, "epic_id": E})
    r = reader(seeded)
    assert [e["type"] for e in r.activity()] == ["e2", "e1", "e0"]
    seeded.events.append({"stream_id": f"task:{E2}.1", "type": "other", "timestamp": T_AT})
    with open(seeded.paths.events, "ab") as f:
        f.write(b'{"stream_id": "task:fn-1-add-oauth-login.1", "type": "half')  # still being written
    assert r.poll()["events"] == 1
    assert [e["type"] for e in r.activity()] == ["other", "e2", "e1", "e0"]
    assert [e["type"] for e in r.activity(E)] == ["e2", "e1", "e0"]
    with open(seeded.paths.events, "ab") as f:
        f.write(b'"}\n')
    assert r.poll()["events"] == 1 and r.activity()[0]["type"] == "half"
    assert [e["type"] for e in r.details(f"{E}.1")["events"]] == ["half", "e2", "e1", "e0"]


def test_locks_approvals_gaps_are_read_without_writing(seeded):
    seeded.locks.put("", [{"file_path": "a.py", "task_id": f"{E}.2", "mode": "write", "locked_at": T_AT,
                           "expires_at": "2099-01-01T00:00:00+00:00"}])
    seeded.gaps.put(E, [{"id": 1, "capability": "Revoke", "priority": "required", "source": "manual"},
                        {"id": 2, "capability": "Old", "priority": "nice-to-have", "source": "manual",
                         "resolved": True}])
    files = lambda: {p: p.stat().st_mtime_ns for p in seeded.flow_dir.rglob("*") if p.is_file()}  # noqa: E731
    before = files()
    r = reader(seeded)
    assert files() == before  # the reader wrote nothing
    assert [lock["file_path"] for lock in r.locks] == ["a.py"]
    assert [g["capability"] for g in r.open_gaps()] == ["Revoke"] and r.approvals == []
    seeded.approvals.put("", [{"created_at": 1, "id": "apv-1", "kind": "file_access", "payload": None,
                               "status": "pending", "task_id": f"{E}.2"}])
    seeded.locks.put("", [])
    before = files()
    assert r.poll()["files"] == ["approvals", "locks"]
    assert files() == before
    assert r.locks == [] and [a["id"] for a in r.approvals] == ["apv-1"]
    assert not (seeded.flow_dir / ".lock").exists()  # and never took the store lock


def test_a_corrupt_file_is_reported_not_fatal(seeded):
    seeded.paths.task_state(f"{E}.3").write_text("{not json")
    r = reader(seeded)
    assert any(f"{E}.3" in err for err in r.errors)
    assert r.summary()["tasks"] == 4


def test_time_spans():
    assert board.claim_age("2026-11-26T16:29:15Z", NOW) == "45s"
    assert board.claim_age("2026-11-24T16:30:00Z", NOW) == "2d"
    assert board.claim_age(None, NOW) == board.claim_age("garbage", NOW) == ""
    assert board.time_left(None, NOW) == "never"
    assert board.time_left("2026-11-26T16:00:00Z", NOW) == "expired"
    assert board.time_left("2026-11-26T19:30:00+00:00", NOW) == "3h"
    assert board.time_left("2026-11-26T17:00:00+00:00", NOW) == "30m"
