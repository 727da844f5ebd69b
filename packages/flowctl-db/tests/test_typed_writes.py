"""TypedStore writes: models in, the same bytes as the dict path out, under the store lock and the undo journal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import storage_examples as E  # the real files of storage.md §3 (flowctl-core's tests folder is on pytest's path)

from flowctl_core import models as M
from flowctl_core.errors import ConflictError, CorruptFileError, FlowError, InvalidInputError, NotFoundError
from flowctl_db import FlowStore
from flowctl_db.typed import TypedStore

EPIC = "fn-3-add-oauth-login"
TASK1, TASK2 = f"{EPIC}.1", f"{EPIC}.2"
SPEC = "# fn-3-add-oauth-login Add OAuth login\r\n\nUser text, stored byte for byte: é ✓\n"


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def records() -> dict[str, object]:
    """The on-disk records of one workspace as the dict path holds them (unknown keys included)."""
    epic = {**json.loads(E.EPIC_FULL), "x_custom": {"kept": [1, None]}}
    return {
        "epic": epic,
        "tasks": [json.loads(E.TASK_MINIMAL), {**json.loads(E.TASK_FULL), "x_note": None}],
        "state": json.loads(E.STATE_STARTED),
        "gaps": json.loads(E.GAPS),
        "approvals": json.loads(E.APPROVALS),
        "locks": json.loads(E.LOCKS),
        "config": {**json.loads(E.CONFIG_DEFAULT), "max_retries": 3, "notifications": {"slack": None}},
        "meta": json.loads(E.META),
        "pipeline": json.loads(E.PIPELINE),
        "phases": json.loads(E.PHASES),
    }


def write_dict_path(store: FlowStore) -> None:
    """The records written the way the CLI's applier writes them: FlowStore writers and sub-store `put`s."""
    r = records()
    store.ensure_dirs()
    with store.lock(), store.transaction():
        store.save_epic(r["epic"])
        store.write_epic_spec(EPIC, SPEC)
        for task in r["tasks"]:
            store.save_task_definition(task)
            store.write_task_spec(task["id"], f"# {task['id']}\n")
        store.save_state(TASK2, r["state"])
        store.gaps.put(EPIC, r["gaps"])
        store.approvals.put("", r["approvals"])
        store.locks.put("", r["locks"])
        store.config.put("", r["config"])
        store.meta.put("", r["meta"])
        store.pipeline.put("", r["pipeline"])
        store.phases.put("", r["phases"])


def write_typed_path(typed: TypedStore) -> None:
    """The same records built as models and written through the typed façade."""
    r = records()
    typed.store.ensure_dirs()
    typed.save_epic(M.Epic.model_validate(r["epic"]))
    typed.save_epic_spec(EPIC, SPEC)
    for task in r["tasks"]:
        typed.save_task(M.Task.model_validate(task))
        typed.save_task_spec(task["id"], f"# {task['id']}\n")
    typed.save_state(TASK2, M.TaskState.model_validate(r["state"]))
    typed.save_gaps(EPIC, [M.GapEntry.model_validate(g) for g in r["gaps"]])
    for approval in r["approvals"]:
        typed.save_approval(M.Approval.model_validate(approval))
    typed.save_locks([M.LockEntry.model_validate(e) for e in r["locks"]])
    typed.save_config(M.Config.model_validate(r["config"]))
    typed.save_meta(M.Meta.model_validate(r["meta"]))
    typed.save_pipeline(M.PipelineProgress.model_validate(r["pipeline"]))
    typed.save_worker_phases(M.WorkerPhaseProgress.model_validate(r["phases"]))


def test_typed_and_dict_paths_write_identical_trees(tmp_path):
    dict_store = FlowStore(tmp_path / "dict" / ".flow")
    write_dict_path(dict_store)
    typed_store = FlowStore(tmp_path / "typed" / ".flow")
    write_typed_path(TypedStore(typed_store, log_mutations=False))
    expected = tree(dict_store.flow_dir)
    assert {f"epics/{EPIC}.json", ".state/approvals.json", ".state/locks.json", "config.json", "meta.json",
            ".state/pipeline.json", ".state/phases.json"} <= set(expected)
    assert tree(typed_store.flow_dir) == expected
    # and both read back as the same models
    a, b = TypedStore(dict_store), TypedStore(typed_store)
    assert (a.epics(), a.tasks(), a.state(TASK2), a.gaps(EPIC), a.approvals(), a.locks(include_stale=True)) == \
           (b.epics(), b.tasks(), b.state(TASK2), b.gaps(EPIC), b.approvals(), b.locks(include_stale=True))
    assert (a.config(), a.meta(), a.pipeline(), a.worker_phases()) == \
           (b.config(), b.meta(), b.pipeline(), b.worker_phases())


def test_typed_writes_log_the_mutation_events_of_the_applier(tmp_path):
    store = FlowStore(tmp_path / ".flow")
    typed = TypedStore(store, actor="embedder@example.com")
    write_typed_path(typed)
    epic = typed.epic(EPIC)
    assert epic is not None
    typed.save_epic(epic.model_copy(update={"title": "OAuth"}))
    events = typed.events()
    assert all(isinstance(e, M.MutationEvent) for e in events)
    assert [(e.type, e.entity_id, e.task_id) for e in events] == [  # type: ignore[attr-defined]
        ("epic.create", EPIC, None), ("epic_spec.set", EPIC, None),
        ("task.create", TASK1, TASK1), ("task_spec.set", TASK1, TASK1),
        ("task.create", TASK2, TASK2), ("task_spec.set", TASK2, TASK2),
        ("task_state.set", TASK2, TASK2), ("epic.update", EPIC, None),
    ]  # gaps, approvals and locks log nothing, as in the CLI
    first = json.loads(store.paths.events.read_text().splitlines()[0])
    assert first["stream_id"] == f"mutation:{EPIC}" and first["actor"] == "embedder@example.com"
    assert list(first) == sorted(first) and first["session_id"] == ""


def test_read_write_round_trip_leaves_every_byte(tmp_path):
    store = FlowStore(tmp_path / ".flow")
    write_dict_path(store)
    before = tree(store.flow_dir)
    typed = TypedStore(store, log_mutations=False)
    with typed.batch():
        for epic in typed.epics():
            typed.save_epic(epic)
        for task in typed.tasks():
            typed.save_task(task)
        state = typed.state(TASK2)
        assert state is not None
        typed.save_state(TASK2, state)
        typed.save_gaps(EPIC, typed.gaps(EPIC))
        for gap in typed.gaps(EPIC):
            typed.save_gap(EPIC, gap)
        for approval in typed.approvals():
            typed.save_approval(approval)
        typed.save_locks(typed.locks(include_stale=True))
        meta = typed.meta()
        assert meta is not None
        typed.save_config(typed.config())
        typed.save_meta(meta)
        typed.save_pipeline(typed.pipeline())
        typed.save_worker_phases(typed.worker_phases())
    assert tree(store.flow_dir) == before


def test_unknown_keys_survive_a_typed_edit(tmp_path):
    store = FlowStore(tmp_path / ".flow")
    write_dict_path(store)
    typed = TypedStore(store)
    epic = typed.epic(EPIC)
    assert epic is not None
    typed.save_epic(epic.model_copy(update={"status": "done"}))
    on_disk = json.loads(store.paths.epic_json(EPIC).read_text())
    assert on_disk["status"] == "done" and on_disk["x_custom"] == {"kept": [1, None]}
    assert list(on_disk)[-1] == "x_custom"  # unknown keys after the known ones (D-1)
    task = typed.task(TASK2)
    assert task is not None
    typed.save_task(task.model_copy(update={"title": "Callback"}))
    assert json.loads(store.paths.task_json(TASK2).read_text())["x_note"] is None


def test_save_gap_replaces_by_id_or_appends(tmp_path):
    store = FlowStore(tmp_path / ".flow")
    write_dict_path(store)
    typed = TypedStore(store)
    (gap,) = typed.gaps(EPIC)
    typed.save_gap(EPIC, gap.model_copy(update={"resolved": True, "evidence": "fixed", "resolved_at": "2026-12-01"}))
    typed.save_gap(EPIC, M.GapEntry(id=7, capability="Rate limits", priority="important", source="typed"))
    assert [(g.id, g.resolved, g.evidence) for g in typed.gaps(EPIC)] == [(1, True, "fixed"), (7, False, None)]
    assert store.gaps.read(EPIC) == [g.to_disk() for g in typed.gaps(EPIC)]


def _bad_writes(typed: TypedStore) -> list[tuple[object, type[FlowError], str]]:
    """(a write that must be refused, the error class, a piece of its message)."""
    epic = typed.epic(EPIC)
    task = typed.task(TASK2)
    state = typed.state(TASK2)
    assert epic and task and state
    wrong_status = epic.model_copy()
    wrong_status.status = "bogus"  # type: ignore[assignment]  # assignment is not validated by pydantic
    other_epic = task.model_copy(update={"epic": "fn-9-other"})
    gap = typed.gaps(EPIC)[0]
    lock = typed.locks(include_stale=True)[0]
    config = typed.config()
    config.max_retries = "three"  # type: ignore[assignment]
    bogus_phase = typed.pipeline()
    bogus_phase.root[EPIC] = "bogus"  # type: ignore[assignment]
    return [
        (lambda: typed.save_epic(epic.model_copy(update={"id": "fn-x"})), InvalidInputError, "Invalid epic ID: fn-x"),
        (lambda: typed.save_epic(epic.model_copy(update={"id": TASK1})), InvalidInputError, "Invalid epic ID"),
        (lambda: typed.save_epic(wrong_status), InvalidInputError, "Invalid epic: field `status`"),
        (lambda: typed.save_epic(json.loads(E.EPIC_FULL)), InvalidInputError, "expected a Epic model, got dict"),
        (lambda: typed.save_task(other_epic), InvalidInputError, f"Task {TASK2} does not belong to epic fn-9-other"),
        (lambda: typed.save_task(task.model_copy(update={"id": "fn-9-other.1", "epic": "fn-9-other"})),
         NotFoundError, "Epic not found: fn-9-other"),
        (lambda: typed.save_task(task.model_copy(update={"depends_on": ["../../etc"]})), InvalidInputError,
         "Invalid task ID: ../../etc"),
        (lambda: typed.save_state(f"{EPIC}.9", state), NotFoundError, f"Task not found: {EPIC}.9"),
        (lambda: typed.save_state(EPIC, state), InvalidInputError, f"Invalid task ID: {EPIC}"),
        (lambda: typed.save_epic_spec("fn-9-other", "x"), NotFoundError, "Epic not found"),
        (lambda: typed.save_gaps(EPIC, [gap, gap.model_copy(update={"capability": "other"})]), InvalidInputError,
         "id 1 appears twice"),
        (lambda: typed.save_gaps(EPIC, [gap, gap.model_copy(update={"id": 2, "capability": " missing CSRF "
                                                                                           "PROTECTION"})]),
         InvalidInputError, "appears twice"),
        (lambda: typed.save_gap("../x", gap), InvalidInputError, "Invalid epic ID"),
        (lambda: typed.save_approval(typed.approvals()[0].model_copy(update={"id": "apv-new", "task_id": TASK1[:-1]
                                                                            + "7"})),
         NotFoundError, "Task not found"),
        (lambda: typed.save_locks([lock, lock.model_copy(update={"task_id": TASK1, "mode": "read"})]),
         ConflictError, "src/auth/callback.rs"),
        (lambda: typed.save_locks([lock.model_copy(update={"expires_at": "tomorrow"})]), InvalidInputError,
         "bad expires_at"),
        (lambda: typed.save_config(config), InvalidInputError, "Invalid config: field `max_retries`"),
        (lambda: typed.save_config(json.loads(E.CONFIG_DEFAULT)), InvalidInputError, "expected a Config model"),
        (lambda: typed.save_pipeline(bogus_phase), InvalidInputError, "Invalid pipeline"),
        (lambda: typed.save_pipeline(M.PipelineProgress({"../x": "work"})), InvalidInputError, "Invalid epic ID: ../x"),
        (lambda: typed.save_worker_phases(M.WorkerPhaseProgress({EPIC: ["1"]})), InvalidInputError,
         f"Invalid task ID: {EPIC}"),
        # what JSON (as serde reads it) cannot hold
        (lambda: typed.save_config(M.Config(stack={"weights": {1, 2}})), InvalidInputError,
         "Invalid config: not JSON (Object of type set is not JSON serializable)"),
        (lambda: typed.save_config(M.Config(stack={"ratio": float("nan")})), InvalidInputError,
         "Invalid config: not JSON (Out of range float values are not JSON compliant"),
        (lambda: typed.save_epic(epic.model_copy(update={"title": "broken \ud800 emoji"})), InvalidInputError,
         "Invalid epic: not JSON ('utf-8' codec can't encode character '\\ud800'"),
        (lambda: typed.save_epic_spec(EPIC, "# \udcff"), InvalidInputError,
         "Invalid spec: not UTF-8 text (surrogates not allowed at index 2)"),
    ]


def test_refused_writes_raise_a_clear_error_and_write_nothing(tmp_path):
    store = FlowStore(tmp_path / ".flow")
    write_dict_path(store)
    typed = TypedStore(store)
    before = tree(store.flow_dir)
    for write, error, text in _bad_writes(typed):
        with pytest.raises(error) as caught:
            write()  # type: ignore[operator]
        assert text in str(caught.value)
        assert tree(store.flow_dir) == before, text


def test_a_failing_batch_rolls_back_the_writes_before_it(tmp_path):
    store = FlowStore(tmp_path / ".flow")
    write_dict_path(store)
    store.paths.task_json(TASK1).write_text("{not json")  # a corrupt record is reported, never overwritten
    before = tree(store.flow_dir)
    typed = TypedStore(store)
    epic, task = typed.epic(EPIC), M.Task.model_validate(json.loads(E.TASK_MINIMAL))
    assert epic is not None
    with pytest.raises(CorruptFileError):
        with typed.batch():
            typed.save_epic(epic.model_copy(update={"title": "Renamed"}))
            typed.save_task(task)
    after = tree(store.flow_dir)
    assert json.loads(after.pop(".state/last-recovery.json"))["outcome"] == "rolled back"
    assert ".state/events.jsonl" not in before
    assert after == before  # the epic and its event line were rolled back, the log the batch created removed


# Each worker adds gaps by read-modify-write in a typed batch, and approvals through save_approval's own lock.
_WORKER = """
from flowctl_core import models as M
from flowctl_db.typed import TypedStore
typed = TypedStore(store)
for k in range(ROUNDS):
    with typed.batch():
        gaps = typed.gaps("fn-3-add-oauth-login")
        new = M.GapEntry(id=max((g.id for g in gaps), default=0) + 1, capability=f"w{WORKER}-{k}",
                         priority="important", source="typed")
        typed.save_gaps("fn-3-add-oauth-login", [*gaps, new])
    typed.save_approval(M.Approval(created_at=1, id=f"apv-{WORKER}-{k}", kind="generic", status="pending",
                                   task_id="fn-3-add-oauth-login.1"))
"""


def test_concurrent_typed_writers_lose_nothing(tmp_path, run_workers):
    store = FlowStore(tmp_path / ".flow")
    typed = TypedStore(store)
    write_typed_path(typed)
    typed.save_gaps(EPIC, [])
    store.approvals.put("", [])
    workers, rounds = 6, 5
    run_workers(_WORKER.replace("ROUNDS", str(rounds)), workers, store.flow_dir)
    gaps = typed.gaps(EPIC)
    assert sorted(g.capability for g in gaps) == sorted(f"w{w}-{k}" for w in range(workers) for k in range(rounds))
    assert [g.id for g in gaps] == list(range(1, workers * rounds + 1))
    assert sorted(a.id for a in typed.approvals()) == sorted(f"apv-{w}-{k}" for w in range(workers)
                                                             for k in range(rounds))
    assert not store.paths.journal.exists()
