"""The typed façade and the CLI's dict path read and write identical bytes, on a workspace made by the real flowctl."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowctl_core import changes, timefmt
from flowctl_db import FlowStore
from flowctl_db.typed import TypedStore
from flowctl_service import applier

STAMP = "2026-12-05T10:00:00.123456789+00:00"
NOT_TYPED = {".lock", ".state/events.jsonl"}  # files the replay does not write (the lock; events: see the next test)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def cli_flow(initialized_flowctl) -> Path:
    """A workspace written by the CLI: an epic, two tasks (one started), gaps, an approval, file locks, a config
    change, pipeline and worker-phase progress."""
    f = initialized_flowctl
    epic = f.ok("epic", "create", "--title", "Typed paths", "--json")["id"]
    f.ok("task", "create", "--epic", epic, "--title", "One", "--json")
    f.ok("task", "create", "--epic", epic, "--title", "Two", "--deps", f"{epic}.1", "--json")
    f.ok("start", f"{epic}.1", "--json")
    f.ok("gap", "add", "--epic", epic, "--capability", "Rate limits", "--json")
    f.ok("gap", "add", "--epic", epic, "--capability", "Audit log", "--priority", "nice-to-have",
         "--task", f"{epic}.2", "--json")
    f.ok("gap", "resolve", "--epic", epic, "--id", "1", "--evidence", "done in .1", "--json")
    f.ok("approval", "create", "--task", f"{epic}.1", "--kind", "file_access", "--payload", '{"file": "a.py"}',
         "--json")
    f.ok("lock", "--task", f"{epic}.1", "--files", "a.py,b.py", "--json")
    f.ok("lock", "--task", f"{epic}.2", "--files", "c.py", "--mode", "read", "--json")
    f.ok("config", "set", "memory.enabled", "false", "--json")
    f.ok("phase", "next", "--epic", epic, "--json")
    f.ok("phase", "done", "--epic", epic, "--phase", "plan", "--json")
    f.ok("worker-phase", "done", "--task", f"{epic}.1", "--phase", "1", "--json")
    return f.flow.resolve()


def _replay(source: TypedStore, target: TypedStore) -> None:
    """Read every record of `source` as models and write it into `target` through the typed façade."""
    target.store.ensure_dirs()
    for epic in source.epics():
        target.save_epic(epic)
        target.save_epic_spec(epic.id, source.store.read_epic_spec(epic.id))
        for task in source.tasks(epic.id):
            target.save_task(task)
            target.save_task_spec(task.id, source.store.read_task_spec(task.id))
            state = source.state(task.id)
            if state is not None:
                target.save_state(task.id, state)
        target.save_gaps(epic.id, source.gaps(epic.id))
    for approval in source.approvals():  # one approval here: "newest first" is also the file order
        target.save_approval(approval)
    target.save_locks(source.locks(include_stale=True))  # the CLI's holders have exited: their locks are stale
    meta = source.meta()
    assert meta is not None
    target.save_meta(meta)
    target.save_config(source.config())
    target.save_pipeline(source.pipeline())
    target.save_worker_phases(source.worker_phases())


def test_typed_replay_of_a_cli_workspace_writes_the_cli_bytes(cli_flow, tmp_path):
    source = TypedStore(FlowStore(cli_flow))
    target = TypedStore(FlowStore(tmp_path / "typed" / ".flow"), log_mutations=False)
    _replay(source, target)
    cli_files = {k: v for k, v in tree(cli_flow).items() if k not in NOT_TYPED}
    assert {".state/approvals.json", ".state/locks.json", "config.json", "meta.json", ".state/pipeline.json",
            ".state/phases.json"} <= set(cli_files)
    assert b'"enabled": false' in cli_files["config.json"] and b"plan_review" in cli_files[".state/pipeline.json"]
    assert any(name.startswith("gaps/") for name in cli_files)
    typed_files = {k: v for k, v in tree(target.store.flow_dir).items() if k != ".lock"}
    assert typed_files == cli_files


def test_typed_writes_and_the_applier_write_identical_trees_with_events(cli_flow, tmp_path, monkeypatch):
    monkeypatch.setattr(timefmt, "now_off", lambda: STAMP)  # the façade's clock
    monkeypatch.setattr(applier, "now_off", lambda: STAMP)  # the applier's clock
    source = FlowStore(cli_flow)
    typed = TypedStore(FlowStore(tmp_path / "typed" / ".flow"), actor="dev@example.com")
    _replay(TypedStore(source), typed)

    dict_store = FlowStore(tmp_path / "dict" / ".flow")
    dict_store.ensure_dirs()
    batch = changes.Changes()
    for epic in source.list_epics():
        batch.push(changes.create_epic(epic)).push(changes.set_epic_spec(epic["id"], source.read_epic_spec(epic["id"])))
        for task in source.list_tasks(epic["id"]):
            batch.push(changes.create_task(source.get_task_definition(task["id"])))
            batch.push(changes.set_task_spec(task["id"], source.read_task_spec(task["id"])))
            state = source.get_state(task["id"])
            if state is not None:
                batch.push(changes.set_task_state(task["id"], state))
        batch.push(changes.put("gaps", epic["id"], source.gaps.read(epic["id"])))
    batch.push(changes.put("approvals", "", source.approvals.read_raw()))
    batch.push(changes.put("locks", "", source.locks.list(include_stale=True)))
    batch.push(changes.put("meta", "", source.meta.read())).push(changes.put("config", "", source.config.read()))
    batch.push(changes.put("pipeline", "", source.pipeline.read_all()))
    batch.push(changes.put("phases", "", source.phases.read_all()))
    with dict_store.lock():
        applier.commit(dict_store, batch, "dev@example.com")

    expected = tree(dict_store.flow_dir)
    assert expected[".state/events.jsonl"].count(b"\n") == 8  # epic, spec, 2 × (task, spec, state)
    assert tree(typed.store.flow_dir) == expected
