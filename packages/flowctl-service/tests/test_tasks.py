"""Service-level tests of the `task` group (real files in tmp_path)."""

from __future__ import annotations

import json

import pytest

from flowctl_core import records, spec_md
from flowctl_core.errors import (
    ConflictError,
    DependencyError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
)
from flowctl_db import FlowStore
from flowctl_service import epics, tasks, worker_phases

ACTOR = "tester@example.com"




@pytest.fixture
def epic(store: FlowStore) -> str:
    return epics.create(store, ACTOR, "Auth")["id"]


def new(store: FlowStore, epic: str, title: str = "T", **kw) -> str:
    return tasks.create(store, ACTOR, epic, title, **kw)["id"]


def events(store: FlowStore) -> list[dict]:
    return store.events.read_all()


def set_status(store: FlowStore, tid: str, status: str, **extra) -> None:
    store.save_state(tid, {**records.blank_state(status), **extra})


# ── create ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_create_writes_definition_spec_state_and_three_events(store, epic):
    before = len(events(store))
    out = tasks.create(store, ACTOR, epic, "Register app")
    tid = f"{epic}.1"
    assert out == {"depends_on": [], "epic": epic, "id": tid, "message": f"Task {tid} created",
                   "spec_path": f".flow/tasks/{tid}.md", "title": "Register app"}
    definition = json.loads(store.paths.task_json(tid).read_text())
    assert list(definition) == ["id", "epic", "title", "status", "domain", "file_path", "created_at", "updated_at"]
    assert definition["file_path"] == f".flow/tasks/{tid}.md" and definition["status"] == "todo"
    assert store.read_task_spec(tid) == spec_md.task_spec_template(tid, "Register app")
    assert list(json.loads(store.paths.task_state(tid).read_text())) == ["status", "retry_count", "updated_at"]
    new_events = events(store)[before:]
    assert [e["type"] for e in new_events] == ["task.create", "task_spec.set", "task_state.set"]
    assert all(e["actor"] == ACTOR and e["stream_id"] == f"mutation:{epic}" for e in new_events)


def test_create_numbers_follow_the_highest_existing_task(store, epic):
    assert [new(store, epic) for _ in range(3)] == [f"{epic}.1", f"{epic}.2", f"{epic}.3"]
    store.delete_task(f"{epic}.2")
    assert new(store, epic) == f"{epic}.4"


def test_create_with_every_option(store, epic, tmp_path):
    t1 = new(store, epic)
    acc = tmp_path / "acc.md"
    acc.write_text("- [ ] Works\n")
    out = tasks.create(store, ACTOR, epic, "Wire", deps=f" {t1}, ,", acceptance_file=str(acc), priority=1,
                       domain="backend", files="src/a.rs, src/b.rs")
    definition = store.get_task_definition(out["id"])
    assert definition["priority"] == 1 and definition["domain"] == "backend"
    assert definition["depends_on"] == [t1] and definition["files"] == ["src/a.rs", "src/b.rs"]
    assert "## Acceptance\n- [ ] Works\n\n\n## Done summary" in store.read_task_spec(out["id"])


def test_create_dry_run_writes_nothing(store, epic):
    before = len(events(store))
    preview = tasks.create(store, ACTOR, epic, "Dry", dry_run=True)
    assert preview["dry_run"] is True
    assert [m["op"] for m in preview["changes"]["mutations"]] == ["create_task", "set_task_spec", "set_task_state"]
    assert preview["changes"]["mutations"][0]["task"]["id"] == f"{epic}.1"
    assert not store.paths.task_json(f"{epic}.1").exists() and len(events(store)) == before


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"epic_id": "bad"}, InvalidInputError,
     "Invalid epic ID: bad. Expected format: fn-N or fn-N-slug (e.g., fn-1, fn-1-add-auth)"),
    ({"epic_id": "fn-9-x"}, NotFoundError, "Epic fn-9-x not found"),
    ({"deps": "nope"}, InvalidInputError, "Invalid dependency ID: nope. Expected format: fn-N.M or fn-N-slug.M"),
    ({"deps": "fn-7-x.1"}, InvalidInputError, "Dependency fn-7-x.1 must be within the same epic ({epic})"),
    ({"deps": "{epic}.5"}, NotFoundError, "Dependency {epic}.5 not found"),
    ({"deps": "{epic}.1"}, DependencyError, "Task {epic}.1 cannot depend on itself"),
    ({"priority": -1}, InvalidInputError, "Invalid priority -1: priority must be a non-negative integer"),
    ({"priority": 2**31}, InvalidInputError, "Invalid priority 2147483648: priority must be at most 2147483647"),
    ({"acceptance_file": "/nonexistent/acc.md"}, InvalidInputError,
     "Failed to read file '/nonexistent/acc.md': No such file or directory (os error 2)"),
])
def test_create_errors(store, epic, kwargs, error, message):
    kwargs = {k: v.format(epic=epic) if isinstance(v, str) else v for k, v in kwargs.items()}
    epic_id = kwargs.pop("epic_id", epic)
    with pytest.raises(error) as info:
        tasks.create(store, ACTOR, epic_id, "T", **kwargs)
    assert str(info.value) == message.format(epic=epic)
    assert not store.paths.task_json(f"{epic}.1").exists()


def test_create_rejects_a_cycle_through_a_forward_reference(store, epic):
    t1 = new(store, epic)
    # A hand-edited forward reference: task 1 waits for the not yet created task 2.
    store.save_task_definition({**store.get_task_definition(t1), "depends_on": [f"{epic}.2"]})
    with pytest.raises(DependencyError) as info:
        tasks.create(store, ACTOR, epic, "Two", deps=t1)
    assert str(info.value) == f"Dependency cycle detected: {epic}.2 -> {t1} -> {epic}.2"


def test_create_without_deps_reads_only_task_numbers(store, epic, monkeypatch):
    def boom(*_a, **_k):
        raise AssertionError("task create must not list tasks")

    monkeypatch.setattr(FlowStore, "list_tasks", boom)
    assert new(store, epic) == f"{epic}.1"


# ── spec ───────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_spec_file_replaces_verbatim(store, epic, tmp_path):
    tid = new(store, epic)
    f = tmp_path / "s.md"
    f.write_text("# whole\nnew body")
    assert tasks.spec(store, tid, file=str(f)) == {"id": tid, "message": f"Task {tid} spec replaced"}
    assert store.read_task_spec(tid) == "# whole\nnew body"


def test_spec_sections_in_order(store, epic, tmp_path):
    tid = new(store, epic)
    d = tmp_path / "d.md"
    d.write_text("## Description\n\nNew desc line\n\n")
    a = tmp_path / "a.md"
    a.write_text("- [ ] A1\n")
    out = tasks.spec(store, tid, accept=str(a), desc=str(d))
    assert out == {"id": tid, "message": f"Task {tid} updated: ## Description, ## Acceptance",
                   "sections": ["## Description", "## Acceptance"]}
    body = store.read_task_spec(tid)
    assert "## Description\nNew desc line\n## Investigation targets" in body
    assert "## Acceptance\n- [ ] A1\n## Done summary" in body and body.endswith("- PRs:")


def test_spec_errors(store, epic):
    with pytest.raises(InvalidInputError, match=r"^Invalid task ID: x\. Expected format: fn-N\.M or fn-N-slug\.M$"):
        tasks.spec(store, "x", file="f")
    with pytest.raises(InvalidInputError, match="^Requires --file, --description, --acceptance, or --investigation$"):
        tasks.spec(store, f"{epic}.1")
    with pytest.raises(NotFoundError, match=f"^Task {epic}.1 not found$"):
        tasks.spec(store, f"{epic}.1", file="f")


# ── reset ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_reset_todo_is_a_no_op(store, epic):
    tid = new(store, epic)
    before = len(events(store))
    assert tasks.reset(store, ACTOR, tid) == {"message": f"{tid} already todo", "reset": []}
    assert tasks.reset(store, ACTOR, tid, dry_run=True) == {"message": f"{tid} already todo", "reset": []}
    assert len(events(store)) == before


def test_reset_clears_state_evidence_and_phases_with_cascade(store, epic):
    t1 = new(store, epic)
    t2 = new(store, epic, deps=t1)
    t3 = new(store, epic, deps=t2)
    t4 = new(store, epic, deps=t1)
    set_status(store, t1, "done", evidence={"commits": ["abc"]})
    set_status(store, t2, "failed")
    set_status(store, t3, "upstream_failed")
    set_status(store, t4, "in_progress")
    store.write_task_spec(t1, store.read_task_spec(t1).replace("- Commits:", "- Commits: abc"))
    worker_phases.mark_done(store, t1, "1")
    assert tasks.reset(store, ACTOR, t1, cascade=True) == {"reset": [t1, t2, t3]}
    assert [store.get_task(t)["status"] for t in (t1, t2, t3, t4)] == ["todo", "todo", "todo", "in_progress"]
    assert store.get_state(t1) == {"status": "todo", "retry_count": 0, "updated_at": store.get_state(t1)["updated_at"]}
    assert store.read_task_spec(t1).endswith("## Evidence\n- Commits:\n- Tests:\n- PRs:\n")
    assert store.phases.completed(t1) == []


def test_reset_without_cascade_and_dry_run(store, epic):
    t1 = new(store, epic)
    t2 = new(store, epic, deps=t1)
    set_status(store, t1, "done")
    set_status(store, t2, "done")
    preview = tasks.reset(store, ACTOR, t1, dry_run=True)
    assert [m["op"] for m in preview["changes"]["mutations"]] == ["update_task", "set_task_spec", "set_task_state"]
    assert store.get_task(t1)["status"] == "done"
    assert tasks.reset(store, ACTOR, t1) == {"reset": [t1]}
    assert store.get_task(t2)["status"] == "done"


def test_reset_errors(store, epic):
    tid = new(store, epic)
    set_status(store, tid, "in_progress")
    with pytest.raises(InvalidTransitionError, match=f"^Cannot reset in_progress task {tid}. Complete or block"):
        tasks.reset(store, ACTOR, tid)
    set_status(store, tid, "done")
    epics.close(store, epic)
    with pytest.raises(InvalidTransitionError, match=f"^Cannot reset task in closed epic {epic}$"):
        tasks.reset(store, ACTOR, tid)


# ── skip (D9 fixed) ────────────────────────────────────────────────────────────────────────────────────────────────


def test_skip_persists_skipped_and_satisfies_dependents(store, epic):
    from flowctl_core.dag import TaskDag

    t1 = new(store, epic)
    t2 = new(store, epic, deps=t1)
    set_status(store, t1, "in_progress", assignee="a@b")
    before = len(events(store))
    out = tasks.skip(store, ACTOR, t1, reason="not needed")
    assert out == {"id": t1, "message": f"Task {t1} skipped", "reason": "not needed", "status": "skipped"}
    state = store.get_state(t1)
    assert state["status"] == "skipped" and state["assignee"] == "a@b"
    assert store.get_task_definition(t1)["status"] == "todo"  # the definition never carries the status
    statuses = {t["id"]: t["status"] for t in store.list_tasks(epic)}
    assert TaskDag(store.list_tasks(epic)).ready_tasks(statuses) == [t2]
    assert [e["type"] for e in events(store)[before:]] == ["task.update", "task_state.set"]


def test_skip_dry_run_and_errors(store, epic):
    tid = new(store, epic)
    preview = tasks.skip(store, ACTOR, tid, dry_run=True)
    ops = preview["changes"]["mutations"]
    assert [m["op"] for m in ops] == ["update_task", "set_task_state"]
    assert ops[0]["task"]["status"] == "skipped" and ops[1]["state"]["status"] == "skipped"
    assert store.get_task(tid)["status"] == "todo"
    set_status(store, tid, "done")
    with pytest.raises(InvalidTransitionError, match=f"^Cannot skip already-done task {tid}$"):
        tasks.skip(store, ACTOR, tid)
    with pytest.raises(InvalidInputError, match="^Invalid task ID: nope$"):
        tasks.skip(store, ACTOR, "nope")
    with pytest.raises(NotFoundError, match=f"^Task {epic}.9 not found$"):
        tasks.skip(store, ACTOR, f"{epic}.9")


# ── split (D10 fixed) ──────────────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def split_setup(store, epic):
    t1 = new(store, epic)
    t2 = new(store, epic, deps=t1, priority=3, domain="backend", files="a.py")
    t3 = new(store, epic, deps=t2)
    return t1, t2, t3


def test_split_chain(store, epic, split_setup):
    t1, t2, t3 = split_setup
    out = tasks.split(store, ACTOR, t2, "A | B|C", chain=True)
    subs = [f"{epic}.4", f"{epic}.5", f"{epic}.6"]
    assert out == {"chain": True, "message": f"Task {t2} split into 3 sub-tasks", "original": t2, "split_into": subs}
    defs = [store.get_task_definition(s) for s in subs]
    assert [d["title"] for d in defs] == ["A", "B", "C"]
    assert [d.get("depends_on") for d in defs] == [[t1], [subs[0]], [subs[1]]]
    assert all(d["priority"] == 3 and d["domain"] == "backend" and "files" not in d for d in defs)
    assert len({d["created_at"] for d in defs}) == 1
    assert store.get_task(t2)["status"] == "skipped"
    assert store.get_task_definition(t3)["depends_on"] == [subs[-1]]
    assert tasks.split_text(out).splitlines()[-1] == f"Original task marked as skipped. Downstream deps updated to {subs[-1]}."


def test_split_without_chain_every_sub_task_inherits_the_deps(store, epic, split_setup):
    t1, t2, t3 = split_setup
    out = tasks.split(store, ACTOR, t2, "A|B")
    subs = out["split_into"]
    assert [store.get_task_definition(s)["depends_on"] for s in subs] == [[t1], [t1]]
    # Without a chain neither sub-task finishes the other: dependents wait for both (the last one included).
    assert store.get_task_definition(t3)["depends_on"] == subs
    assert store.get_task(t2)["status"] == "skipped"


def test_split_dry_run_and_errors(store, epic, split_setup):
    _t1, t2, _t3 = split_setup
    preview = tasks.split(store, ACTOR, t2, "A|B", dry_run=True)
    assert [m["op"] for m in preview["changes"]["mutations"]] == [
        "create_task", "set_task_spec", "create_task", "set_task_spec", "update_task", "set_task_state", "update_task"]
    assert not store.paths.task_json(f"{epic}.4").exists()
    with pytest.raises(InvalidInputError, match=r"^Need at least 2 sub-task titles separated by '\|'$"):
        tasks.split(store, ACTOR, t2, "A| |")
    set_status(store, t2, "done")
    with pytest.raises(InvalidTransitionError, match=f"^Cannot split task {t2} with status 'done'$"):
        tasks.split(store, ACTOR, t2, "A|B")


# ── backends ───────────────────────────────────────────────────────────────────────────────────────────────────────


def test_set_and_show_backend(store, epic):
    tid = new(store, epic)
    epics.set_backend(store, epic, impl="codex:gpt-5", sync="none")
    out = tasks.set_backend(store, tid, review="codex:o3", sync="")
    assert out == {"id": tid, "impl": None, "message": f"Task {tid} backend specs updated: review=codex:o3, sync=null",
                   "review": "codex:o3", "sync": None}
    keys = list(store.get_task_definition(tid))
    assert keys.index("review") == keys.index("domain") + 1
    shown = tasks.show_backend(store, tid)
    assert shown == {"epic": epic, "id": tid, "impl": {"source": "epic", "spec": "codex:gpt-5"},
                     "review": {"source": "task", "spec": "codex:o3"},
                     "sync": {"source": "epic", "spec": "none"}}
    assert tasks.show_backend_text(shown) == "impl: codex:gpt-5 (epic)\nreview: codex:o3 (task)\nsync: none (epic)"
    with pytest.raises(InvalidInputError, match="^At least one of --impl, --review, or --sync must be provided$"):
        tasks.set_backend(store, tid)
    with pytest.raises(NotFoundError):
        tasks.show_backend(store, f"{epic}.7")


# ── set-deps ───────────────────────────────────────────────────────────────────────────────────────────────────────


def test_set_deps_adds_only_new(store, epic):
    t1, t2, t3 = new(store, epic), new(store, epic), new(store, epic)
    assert tasks.set_deps(store, ACTOR, t3, f"{t1},{t2}") == {
        "added": [t1, t2], "depends_on": [t1, t2], "message": f"Dependencies set for {t3}", "task": t3}
    before = len(events(store))
    assert tasks.set_deps(store, ACTOR, t3, t1)["added"] == []
    assert len(events(store)) == before
    assert tasks.set_deps(store, ACTOR, t3, t1, dry_run=True) == {"changes": {"mutations": []}, "dry_run": True}


def test_set_deps_errors(store, epic):
    t1, t2 = new(store, epic), new(store, epic, deps=f"{epic}.1")
    with pytest.raises(InvalidInputError, match="^--deps cannot be empty$"):
        tasks.set_deps(store, ACTOR, t1, " , ")
    with pytest.raises(InvalidInputError, match=f"^Dependencies must be within same epic. Task {t1} is in {epic}, "
                                                 "dependency fn-9.1 is in fn-9$"):
        tasks.set_deps(store, ACTOR, t1, "fn-9.1")
    with pytest.raises(DependencyError, match=f"^Dependency cycle detected: {t1} -> {t2} -> {t1}$"):
        tasks.set_deps(store, ACTOR, t1, t2)
    with pytest.raises(NotFoundError, match=f"^Task {epic}.8 not found$"):
        tasks.set_deps(store, ACTOR, f"{epic}.8", t1)
    assert store.get_task_definition(t1).get("depends_on") is None


def test_refuses_to_overwrite_an_orphaned_definition(store, epic, monkeypatch):
    from flowctl_core import json_store

    new(store, epic)
    monkeypatch.setattr(json_store, "task_numbers", lambda paths, e: [])
    with pytest.raises(ConflictError, match=f"^Refusing to overwrite existing task {epic}.1. Check for orphaned"):
        new(store, epic)
