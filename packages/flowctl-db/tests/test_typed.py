"""TypedStore: the FlowStore's records as pydantic models, read from and written back to identical bytes."""

from __future__ import annotations

import json

import storage_examples as E  # the real files of storage.md §3 (flowctl-core's tests folder is on pytest's path)

from flowctl_core import models as M
from flowctl_db import FlowStore
from flowctl_db.typed import TypedStore

EPIC = "fn-3-add-oauth-login"
TASK = f"{EPIC}.2"


def _seed(flow: FlowStore) -> None:
    flow.ensure_dirs()
    flow.paths.epic_json(EPIC).write_text(E.EPIC_FULL)
    flow.paths.task_json(TASK).write_text(E.TASK_FULL)
    flow.save_state(TASK, json.loads(E.STATE_STARTED))


def test_reads_records_as_models(tmp_path):
    flow = FlowStore(tmp_path / "a" / ".flow")
    _seed(flow)
    typed = TypedStore(flow)
    epic = typed.epic(EPIC)
    assert isinstance(epic, M.Epic) and epic.id == EPIC
    assert [e.id for e in typed.epics()] == [EPIC]
    (task,) = typed.tasks(EPIC)
    assert isinstance(task, M.Task) and task.epic == EPIC and typed.task(TASK) == task
    state = typed.state(TASK)
    assert isinstance(state, M.TaskState) and state.status == "in_progress"
    assert typed.epic("fn-9-nope") is None and typed.task(f"{EPIC}.9") is None and typed.state(f"{EPIC}.9") is None
    assert typed.gaps(EPIC) == [] and typed.locks() == [] and typed.approvals() == [] and typed.events() == []


def test_models_write_back_the_bytes_the_dict_path_reads(tmp_path):
    source = FlowStore(tmp_path / "a" / ".flow")
    _seed(source)
    typed = TypedStore(source)
    copy = FlowStore(tmp_path / "b" / ".flow")
    copy.ensure_dirs()
    epic, task, state = typed.epic(EPIC), typed.task(TASK), typed.state(TASK)
    assert epic and task and state
    copy.save_epic(epic.to_disk())
    copy.save_task_definition(task.to_disk())
    copy.save_state(TASK, state.to_disk())
    for rel in (f"epics/{EPIC}.json", f"tasks/{TASK}.json", f".state/tasks/{TASK}.state.json"):
        assert (copy.flow_dir / rel).read_bytes() == (source.flow_dir / rel).read_bytes(), rel
    # and the same bytes as the dict path writes from what it reads
    assert epic.to_disk() == source.get_epic(EPIC) and task.to_disk() == source.get_task_definition(TASK)


def test_aux_stores_as_models(tmp_path):
    flow = FlowStore(tmp_path / ".flow")
    flow.ensure_dirs()
    flow.paths.gaps_json(EPIC).parent.mkdir(parents=True, exist_ok=True)
    flow.paths.gaps_json(EPIC).write_text(E.GAPS)
    flow.paths.events.write_text(E.EVENTS)
    typed = TypedStore(flow)
    gaps = typed.gaps(EPIC)
    assert gaps and all(isinstance(g, M.GapEntry) for g in gaps)
    assert [g.to_disk() for g in gaps] == flow.gaps.read(EPIC)
    kinds = {type(e).__name__ for e in typed.events()}
    assert {"MutationEvent", "LifecycleEvent", "DecisionEvent"} <= kinds


def test_workspace_documents_as_models(tmp_path):
    flow = FlowStore(tmp_path / ".flow")
    flow.ensure_dirs()
    typed = TypedStore(flow)
    # a workspace without them: the defaults `init` writes, no meta, no progress
    assert typed.config().to_disk() == json.loads(E.CONFIG_DEFAULT) and typed.meta() is None
    assert typed.pipeline().root == {} and typed.worker_phases().root == {}
    flow.paths.config.write_text(E.CONFIG_DEFAULT)
    flow.paths.meta.write_text(E.META)
    flow.paths.pipeline.write_text(E.PIPELINE)
    flow.paths.phases.write_text(E.PHASES)
    config, meta = typed.config(), typed.meta()
    assert config.memory.enabled is True and config.review.backend is None and config.plan_sync.cross_epic is False
    assert meta is not None and meta.next_epic == 1
    assert typed.pipeline().root == {EPIC: "work", "fn-4-billing": "plan"}
    assert typed.worker_phases().root == {TASK: ["1", "2", "5"]}
    flow.paths.pipeline.write_text('{"fn-4-billing": 7, "fn-5-x": "close"}')  # a non-string value is no entry
    assert typed.pipeline().root == {"fn-5-x": "close"}
