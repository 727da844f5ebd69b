"""Service-level tests of `dep add` / `dep rm` and the shared dependency checks (real files in tmp_path)."""

from __future__ import annotations

import threading

import pytest

from flowctl_core.errors import DependencyError, InvalidInputError, NotFoundError
from flowctl_db import FlowStore
from flowctl_service import deps, epics, tasks

ACTOR = "tester@example.com"




@pytest.fixture
def ids(store: FlowStore) -> tuple[str, ...]:
    epic = epics.create(store, ACTOR, "Deps")["id"]
    return tuple(tasks.create(store, ACTOR, epic, f"T{i}")["id"] for i in range(1, 5))


def test_add_appends_and_logs_one_update(store, ids):
    t1, t2, t3, _ = ids
    before = len(store.events.read_all())
    assert deps.add(store, ACTOR, t3, t1) == {"depends_on": [t1], "message": f"Dependency {t1} added to {t3}",
                                              "task": t3}
    assert deps.add(store, ACTOR, t3, t2)["depends_on"] == [t1, t2]
    assert store.get_task_definition(t3)["depends_on"] == [t1, t2]
    assert [e["type"] for e in store.events.read_all()[before:]] == ["task.update", "task.update"]


def test_add_existing_writes_nothing(store, ids):
    t1, _, t3, _ = ids
    deps.add(store, ACTOR, t3, t1)
    before = len(store.events.read_all())
    stamp = store.paths.task_json(t3).stat().st_mtime_ns
    assert deps.add(store, ACTOR, t3, t1)["depends_on"] == [t1]
    assert deps.add(store, ACTOR, t3, t1, dry_run=True) == {"changes": {"mutations": []}, "dry_run": True}
    assert len(store.events.read_all()) == before and store.paths.task_json(t3).stat().st_mtime_ns == stamp


def test_add_dry_run_previews_the_update(store, ids):
    t1, _, t3, _ = ids
    preview = deps.add(store, ACTOR, t3, t1, dry_run=True)
    (m,) = preview["changes"]["mutations"]
    assert m["op"] == "update_task" and m["task"]["depends_on"] == [t1] and m["task"]["id"] == t3
    assert "depends_on" not in store.get_task_definition(t3)


@pytest.mark.parametrize(("task", "dep", "error", "message"), [
    ("bad", "{t1}", InvalidInputError, "Invalid task ID: bad. Expected format: fn-N.M or fn-N-slug.M"),
    ("{t1}", "bad", InvalidInputError, "Invalid dependency ID: bad. Expected format: fn-N.M or fn-N-slug.M"),
    ("{t1}", "fn-9-x.1", InvalidInputError,
     "Dependencies must be within the same epic. Task {t1} is in {e}, dependency fn-9-x.1 is in fn-9-x"),
    ("{e}.9", "{t1}", NotFoundError, "Task not found: {e}.9"),
    ("{t1}", "{e}.9", NotFoundError, "Dependency {e}.9 not found"),
    ("{t1}", "{t1}", DependencyError, "Task {t1} cannot depend on itself"),
])
def test_add_errors(store, ids, task, dep, error, message):
    t1 = ids[0]
    fmt = {"t1": t1, "e": t1.rsplit(".", 1)[0]}
    with pytest.raises(error) as info:
        deps.add(store, ACTOR, task.format(**fmt), dep.format(**fmt))
    assert str(info.value) == message.format(**fmt)


def test_add_refuses_a_cycle_and_names_it(store, ids):
    t1, t2, t3, _ = ids
    deps.add(store, ACTOR, t2, t1)
    deps.add(store, ACTOR, t3, t2)
    with pytest.raises(DependencyError) as info:
        deps.add(store, ACTOR, t1, t3)
    assert str(info.value) == f"Dependency cycle detected: {t1} -> {t3} -> {t2} -> {t1}"
    assert "depends_on" not in store.get_task_definition(t1)


def test_remove(store, ids):
    t1, t2, t3, _ = ids
    tasks.set_deps(store, ACTOR, t3, f"{t1},{t2}")
    assert deps.remove(store, ACTOR, t3, t1) == {"depends_on": [t2], "message": f"Dependency {t1} removed from {t3}",
                                                 "removed": True, "task": t3}
    assert deps.remove(store, ACTOR, t3, t1) == {"depends_on": [t2], "message": f"{t1} was not in {t3}'s dependencies",
                                                 "removed": False, "task": t3}
    preview = deps.remove(store, ACTOR, t3, t2, dry_run=True)
    assert "depends_on" not in preview["changes"]["mutations"][0]["task"]  # empty list omitted, as on disk
    deps.remove(store, ACTOR, t3, t2)
    assert "depends_on" not in store.get_task_definition(t3)
    with pytest.raises(InvalidInputError, match="^Invalid task ID: x$"):
        deps.remove(store, ACTOR, "x", t1)
    with pytest.raises(InvalidInputError, match="^Invalid dependency ID: y$"):
        deps.remove(store, ACTOR, t1, "y")
    with pytest.raises(NotFoundError, match=f"^Task not found: {t1}9$"):
        deps.remove(store, ACTOR, f"{t1}9", t2)


def test_concurrent_adds_on_one_task_lose_nothing(store, ids):
    t1, t2, t3, t4 = ids
    extra = [tasks.create(store, ACTOR, t1.rsplit(".", 1)[0], f"X{i}")["id"] for i in range(4)]
    targets = [t1, t2, t3, *extra]
    threads = [threading.Thread(target=deps.add, args=(store, ACTOR, t4, d)) for d in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(store.get_task_definition(t4)["depends_on"]) == sorted(targets)


def test_check_new_deps_on_a_plain_graph():
    graph = {"fn-1.1": [], "fn-1.2": ["fn-1.1"]}
    deps.check_new_deps(graph, "fn-1.3", ["fn-1.2"])
    with pytest.raises(DependencyError, match=r"^Dependency cycle detected: fn-1.1 -> fn-1.2 -> fn-1.1$"):
        deps.check_new_deps(graph, "fn-1.1", ["fn-1.2"])
