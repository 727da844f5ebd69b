"""Service-level tests of ready, next and queue (real files in tmp_path)."""

from __future__ import annotations

import json

import pytest

from flowctl_core.errors import InvalidInputError, NotFoundError
from flowctl_db import FlowStore
from flowctl_service import scheduling as sc

E = "fn-1-auth"




def add_epic(store: FlowStore, eid: str, **fields) -> None:
    store.save_epic({"id": eid, "title": f"Epic {eid}", **fields})


def add_task(store: FlowStore, tid: str, status: str | None = None, deps: list[str] | None = None,
             priority: int | None = None, title: str | None = None, assignee: str | None = None) -> None:
    task = {"id": tid, "epic": tid.rsplit(".", 1)[0], "title": title or f"Task {tid}", "depends_on": deps or []}
    if priority is not None:
        task["priority"] = priority
    store.save_task_definition(task)
    if status is not None:
        state = {"status": status}
        if assignee:
            state["assignee"] = assignee
        store.save_state(tid, state)


def count_listings(store: FlowStore, monkeypatch) -> list:
    calls: list = []
    real = store.list_tasks

    def spy(epic_id=None):
        calls.append(epic_id)
        return real(epic_id)

    monkeypatch.setattr(store, "list_tasks", spy)
    return calls


def count_lazy_loads(store: FlowStore, monkeypatch) -> tuple[list, list]:
    listings: list = []
    loaded: list = []
    real_list, real_load = store.task_ids_by_epic, store.load_tasks

    def list_spy():
        listings.append(1)
        return real_list()

    def load_spy(task_ids):
        loaded.append(list(task_ids))
        return real_load(task_ids)

    monkeypatch.setattr(store, "task_ids_by_epic", list_spy)
    monkeypatch.setattr(store, "load_tasks", load_spy)
    return listings, loaded


# ── ready ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_ready_classifies_and_sorts(store):
    add_epic(store, E)
    add_task(store, f"{E}.1", "done")
    add_task(store, f"{E}.2", None, [f"{E}.1"], priority=5, title="B")
    add_task(store, f"{E}.3", "todo", [f"{E}.1"], priority=1, title="A")
    add_task(store, f"{E}.4", "in_progress", assignee="me")
    add_task(store, f"{E}.5", "in_progress")
    add_task(store, f"{E}.6", "blocked")
    add_task(store, f"{E}.7", "todo", [f"{E}.4", f"{E}.99"])
    add_task(store, f"{E}.8", "up_for_retry", [f"{E}.1"])
    add_task(store, f"{E}.9", "failed")
    add_task(store, f"{E}.10", "upstream_failed")
    add_task(store, f"{E}.11", "skipped")
    out = sc.ready(store, E, "me")
    assert out == {
        "actor": "me",
        "epic": E,
        "ready": [{"depends_on": [f"{E}.1"], "id": f"{E}.3", "title": "A"},
                  {"depends_on": [f"{E}.1"], "id": f"{E}.2", "title": "B"},
                  {"depends_on": [f"{E}.1"], "id": f"{E}.8", "title": f"Task {E}.8"}],
        "in_progress": [{"assignee": "me", "id": f"{E}.4", "title": f"Task {E}.4"},
                        {"assignee": "", "id": f"{E}.5", "title": f"Task {E}.5"}],
        "blocked": [{"blocked_by": ["status=blocked"], "id": f"{E}.6", "title": f"Task {E}.6"},
                    {"blocked_by": [f"{E}.4", f"{E}.99"], "id": f"{E}.7", "title": f"Task {E}.7"}],
    }


def test_ready_resolves_dependencies_in_other_epics(store, monkeypatch):
    add_epic(store, E)
    add_epic(store, "fn-2-x")
    add_task(store, "fn-2-x.1", "done")
    add_task(store, "fn-2-x.2", "todo")
    add_task(store, f"{E}.1", "todo", ["fn-2-x.1"])
    add_task(store, f"{E}.2", "todo", ["fn-2-x.2"])
    calls = count_listings(store, monkeypatch)
    out = sc.ready(store, E, "me")
    assert [t["id"] for t in out["ready"]] == [f"{E}.1"]
    assert out["blocked"] == [{"blocked_by": ["fn-2-x.2"], "id": f"{E}.2", "title": f"Task {E}.2"}]
    assert calls == [E]  # only the epic's own tasks are listed


def test_ready_errors(store):
    with pytest.raises(InvalidInputError) as err:
        sc.ready(store, "test-epic", "me")
    assert str(err.value) == ("Invalid epic ID: test-epic. Expected format: fn-N or fn-N-slug "
                              "(e.g., fn-1, fn-1-add-auth)")
    with pytest.raises(NotFoundError, match="^Epic fn-3 not found$"):
        sc.ready(store, "fn-3", "me")


# ── next ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_next_nothing(store):
    assert sc.next_unit(store, "me") == {"epic": None, "reason": "none", "status": "none", "task": None}


def test_next_order_of_rules(store, monkeypatch):
    add_epic(store, "fn-10-late")
    add_task(store, "fn-10-late.1", "todo")
    add_epic(store, "fn-2-early")
    add_task(store, "fn-2-early.1", "todo", priority=9)
    add_task(store, "fn-2-early.2", "todo", priority=1)
    add_task(store, "fn-2-early.3", "in_progress", assignee="other")
    listings, loaded = count_lazy_loads(store, monkeypatch)
    # epics by number (fn-2 before fn-10), then task priority
    assert sc.next_unit(store, "me") == {"epic": "fn-2-early", "reason": "ready_task", "status": "work",
                                         "task": "fn-2-early.2"}
    assert listings == [1]  # one listing of the tasks folder
    assert loaded == [["fn-2-early.1", "fn-2-early.2", "fn-2-early.3"]]  # fn-10-late is never read
    assert sc.next_unit(store, "me", require_plan_review=True) == {
        "epic": "fn-2-early", "reason": "needs_plan_review", "status": "plan", "task": None}
    add_task(store, "fn-2-early.4", "in_progress", assignee="me")
    assert sc.next_unit(store, "me")["reason"] == "resume_in_progress"
    assert sc.next_unit(store, "me")["task"] == "fn-2-early.4"


def test_next_offers_up_for_retry(store):
    add_epic(store, E)
    add_task(store, f"{E}.1", "up_for_retry")
    assert sc.next_unit(store, "me")["task"] == f"{E}.1"


def test_next_completion_review_counts_skipped_as_complete(store):
    add_epic(store, E)
    add_task(store, f"{E}.1", "done")
    add_task(store, f"{E}.2", "skipped")
    assert sc.next_unit(store, "me")["reason"] == "none"
    assert sc.next_unit(store, "me", require_completion_review=True) == {
        "epic": E, "reason": "needs_completion_review", "status": "completion_review", "task": None}
    add_epic(store, E, completion_review="passed")
    assert sc.next_unit(store, "me", require_completion_review=True)["status"] == "none"


def test_next_epic_dependencies_and_skips(store):
    add_epic(store, "fn-1-a", depends_on_epics=["fn-2-b", "fn-1-a", "fn-9-gone"])
    add_task(store, "fn-1-a.1", "todo")
    add_epic(store, "fn-2-b", status="done")
    add_task(store, "fn-2-b.1", "todo")
    add_epic(store, "fn-3-c", archived=True)
    add_task(store, "fn-3-c.1", "todo")
    assert sc.next_unit(store, "me") == {"blocked_epics": {"fn-1-a": ["fn-9-gone"]}, "epic": None,
                                         "reason": "blocked_by_epic_deps", "status": "none", "task": None}


def test_next_epics_file(store, tmp_path):
    add_epic(store, "fn-1-a")
    add_task(store, "fn-1-a.1", "todo")
    add_epic(store, "fn-2-b")
    add_task(store, "fn-2-b.1", "todo")
    f = tmp_path / "epics.json"
    f.write_text(json.dumps({"epics": ["fn-2-b", "fn-1-a"]}))
    assert sc.next_unit(store, "me", epics_file=str(f))["task"] == "fn-2-b.1"
    f.write_text(json.dumps({"epics": ["fn-7-none"]}))
    with pytest.raises(NotFoundError, match="^Epic fn-7-none not found$"):
        sc.next_unit(store, "me", epics_file=str(f))
    errors = [
        ('{"epics": ["bad"]}', 'Invalid epic ID in epics file: "bad"'),
        ('{"epics": [5]}', "Invalid epic ID in epics file: 5"),
        ('{"epics": "fn-1"}', "Epics file must be JSON with key 'epics' as a list"),
        ("[]", "Epics file must be JSON with key 'epics' as a list"),
        ("{", "Epics file invalid JSON: "),
    ]
    for content, message in errors:
        f.write_text(content)
        with pytest.raises(InvalidInputError) as err:
            sc.next_unit(store, "me", epics_file=str(f))
        assert str(err.value).startswith(message), content
    with pytest.raises(InvalidInputError, match=r"^Cannot read epics file: No such file or directory \(os error 2\)$"):
        sc.next_unit(store, "me", epics_file=str(tmp_path / "missing.json"))


# ── queue ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_queue_counts_sorts_and_lists_once(store, monkeypatch):
    add_epic(store, "fn-1-done", status="done")
    add_task(store, "fn-1-done.1", "done")
    add_epic(store, "fn-2-open", depends_on_epics=["fn-1-done"])
    add_task(store, "fn-2-open.1", "done")
    add_task(store, "fn-2-open.2", "todo", ["fn-2-open.1"])
    add_task(store, "fn-2-open.3", "up_for_retry", ["fn-2-open.4"])
    add_task(store, "fn-2-open.4", "in_progress")
    add_task(store, "fn-2-open.5", "blocked")
    add_task(store, "fn-2-open.6", "skipped")
    add_task(store, "fn-2-open.7", "failed")
    add_epic(store, "fn-3-blocked", depends_on_epics=["fn-2-open"])
    add_epic(store, "fn-4-archived", archived=True)
    listings, loaded = count_lazy_loads(store, monkeypatch)
    out = sc.queue(store, "me")
    assert listings == [1]  # one listing of the tasks folder
    # each epic's tasks are read separately; the archived epic is not read at all
    assert loaded == [["fn-1-done.1"], [f"fn-2-open.{i}" for i in range(1, 8)], []]
    assert out["actor"] == "me" and out["total"] == 3
    assert [e["id"] for e in out["epics"]] == ["fn-2-open", "fn-3-blocked", "fn-1-done"]
    open_ = out["epics"][0]
    assert open_ == {
        "blocked_by": [], "completion_review_status": "unknown", "depends_on_epics": ["fn-1-done"],
        "id": "fn-2-open", "plan_review_status": "unknown", "progress": 33, "status": "open",
        "tasks": {"blocked": 1, "done": 2, "in_progress": 1, "ready": 1, "todo": 2},
        "title": "Epic fn-2-open", "total_tasks": 6,
    }
    assert out["epics"][1]["blocked_by"] == ["fn-2-open"] and out["epics"][1]["progress"] == 0


def test_progress_rounds_halves_up():
    assert sc._progress(1, 8) == 13  # 12.5 → 13 (Rust rounds half away from zero)
    assert sc._progress(0, 0) == 0 and sc._progress(2, 3) == 67
