"""A typed view of a FlowStore: the same files, read as and written from the pydantic models of `flowctl_core.models`.

For embedders who want checked types. Reads go through the FlowStore (and its sub-stores), so they see exactly what
the CLI sees; writes go through the same FlowStore writers the CLI's applier calls, under the store lock and the
undo journal, so both paths write identical bytes (packages/flowctl-db/tests/test_typed.py, tests/test_typed_paths.py).
The CLI never imports this module: pydantic costs ~90 ms of start-up.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from flowctl_core import changes, ids, json_text, timefmt
from flowctl_core import models as M
from flowctl_core.errors import ConflictError, CorruptFileError, InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from .store import FlowStore

# The flow directories with a typed batch open in this context: a write inside a batch joins it instead of opening
# a second undo journal on the same file.
_OPEN_BATCHES: ContextVar[frozenset[str]] = ContextVar("flowctl_typed_batches", default=frozenset())


class TypedStore:
    """Models instead of dicts over one FlowStore: `TypedStore(FlowStore(path)).epics()`, `.save_epic(epic)`.

    Every `save_*` validates the model again (a field assigned after construction is not checked by pydantic), checks
    its ids against the target, then writes under `store.lock()` inside one undo-journal transaction through the
    FlowStore writer that owns the file: a refused or failed write leaves every file as it was. Wrap several writes
    (and the reads they depend on) in `with typed.batch():` to make them one all-or-nothing read-modify-write.

    Events: like the CLI's applier, each epic, task, state or spec write appends one `mutation:<epic>` event line
    (`epic.create`, `task.update`, `task_state.set` …) to `.state/events.jsonl`, stamped with `actor`; gap,
    approval, lock, config, meta, pipeline and worker-phase writes log none, as in the CLI. `log_mutations=False`
    writes the records only (the applier's option of the same name). Records are written as given: set
    `updated_at` yourself (`model.model_copy(update=…)`).
    """

    def __init__(self, store: FlowStore, actor: str = "system", session_id: str = "", *,
                 log_mutations: bool = True) -> None:
        self.store = store
        self.actor = actor
        self.session_id = session_id
        self.log_mutations = log_mutations

    # -- reading -------------------------------------------------------------------------------------------
    def epic(self, epic_id: str) -> M.Epic | None:
        """`epics/<id>.json` as an Epic, or None."""
        data = self.store.get_epic(epic_id)
        return None if data is None else _model(M.Epic, data, self.store.paths.epic_json(epic_id))

    def epics(self) -> list[M.Epic]:
        """Every epic, in the FlowStore's order."""
        return [_model(M.Epic, e, self.store.paths.epic_json(e["id"])) for e in self.store.list_epics()]

    def task(self, task_id: str) -> M.Task | None:
        """The task definition `tasks/<id>.json` (without its runtime state), or None."""
        data = self.store.get_task_definition(task_id)
        return None if data is None else _model(M.Task, data, self.store.paths.task_json(task_id))

    def tasks(self, epic_id: str | None = None) -> list[M.Task]:
        """The task definitions of one epic (or all), in the FlowStore's order."""
        task_ids = [t["id"] for t in self.store.list_tasks(epic_id)]
        return [t for t in map(self.task, task_ids) if t is not None]

    def state(self, task_id: str) -> M.TaskState | None:
        """The runtime state `.state/tasks/<id>.state.json`, or None."""
        data = self.store.get_state(task_id)
        return None if data is None else _model(M.TaskState, data, task_id)

    def gaps(self, epic_id: str) -> list[M.GapEntry]:
        """The gap registry of one epic, in file order."""
        return [_model(M.GapEntry, g, epic_id) for g in self.store.gaps.read(epic_id)]

    def locks(self, include_stale: bool = False) -> list[M.LockEntry]:
        """The file locks held now (stale ones too when asked)."""
        return [_model(M.LockEntry, e, "locks") for e in self.store.locks.list(include_stale=include_stale)]

    def approvals(self, pending_only: bool = False) -> list[M.Approval]:
        """Approvals, newest first."""
        return [_model(M.Approval, a, "approvals") for a in self.store.approvals.list(pending_only=pending_only)]

    def events(self) -> list[M.Record]:
        """Every parseable event line, each as its event model (MutationEvent, LifecycleEvent, … UnknownEvent)."""
        return [M.parse_event(e, "events") for e in self.store.events.read_all()]

    def config(self) -> M.Config:
        """`config.json` as a Config: defaults for the keys it lacks, unknown keys kept."""
        return _model(M.Config, self.store.read_config(), self.store.paths.config)

    def meta(self) -> M.Meta | None:
        """`meta.json` as a Meta, or None when the workspace has none."""
        if not self.store.meta.exists():
            return None
        return _model(M.Meta, self.store.meta.read(), self.store.paths.meta)

    def pipeline(self) -> M.PipelineProgress:
        """`.state/pipeline.json`: epic id → pipeline phase (a value that is not a string reads as no entry)."""
        return _model(M.PipelineProgress, self.store.pipeline.read_all(), self.store.paths.pipeline)

    def worker_phases(self) -> M.WorkerPhaseProgress:
        """`.state/phases.json`: task id → completed worker phase ids, as stored (legacy ids are not mapped)."""
        return _model(M.WorkerPhaseProgress, self.store.phases.read_all(), self.store.paths.phases)

    # -- writing -------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Hold the store lock and one undo journal around several reads and writes: all of them or none land."""
        key = os.path.realpath(self.store.flow_dir)
        open_now = _OPEN_BATCHES.get()
        if key in open_now:  # nested: the outer batch already holds the lock and the journal
            yield
            return
        with self.store.lock(), self.store.transaction():
            token = _OPEN_BATCHES.set(open_now | {key})
            try:
                yield
            finally:
                _OPEN_BATCHES.reset(token)

    def save_epic(self, epic: M.Epic) -> M.Epic:
        """Create or replace `epics/<id>.json`; logs `epic.create` or `epic.update`."""
        data = _checked(M.Epic, epic, "epic")
        ids.check_safe_id(data["id"], "epic")
        for dep in data.get("depends_on_epics", []):
            ids.check_safe_id(dep, "epic")
        with self.batch():
            exists = self.store.has_epic(data["id"])
            written = self.store.save_epic(data)
            self._log(changes.update_epic(written) if exists else changes.create_epic(written))
        return _model(M.Epic, written, "epic")

    def save_task(self, task: M.Task) -> M.Task:
        """Create or replace `tasks/<id>.json` of an existing epic; logs `task.create` or `task.update`.

        As on the CLI path the definition is written with status `todo` (the status lives in the state file).
        """
        data = _checked(M.Task, task, "task")
        task_id = ids.check_safe_id(data["id"], "task")
        if ids.epic_id_from_task(task_id) != data["epic"]:
            raise InvalidInputError(f"Task {task_id} does not belong to epic {data['epic']}")
        for dep in data.get("depends_on", []):
            ids.check_safe_id(dep, "task")
        with self.batch():
            self._require_epic(data["epic"])
            exists = self.store.has_task(task_id)
            written = self.store.save_task_definition(data)
            self._log(changes.update_task(written) if exists else changes.create_task(written))
        return _model(M.Task, written, "task")

    def save_state(self, task_id: str, state: M.TaskState) -> M.TaskState:
        """Write the runtime state of an existing task; logs `task_state.set`."""
        data = _checked(M.TaskState, state, "task state")
        ids.check_safe_id(task_id, "task")
        with self.batch():
            self._require_task(task_id)
            written = self.store.save_state(task_id, data)
            self._log(changes.set_task_state(task_id, written))
        return _model(M.TaskState, written, "task state")

    def save_epic_spec(self, epic_id: str, content: str) -> None:
        """Write `specs/<id>.md` of an existing epic verbatim; logs `epic_spec.set`."""
        ids.check_safe_id(epic_id, "epic")
        _require_text(content)
        with self.batch():
            self._require_epic(epic_id)
            self.store.write_epic_spec(epic_id, content)
            self._log(changes.set_epic_spec(epic_id, content))

    def save_task_spec(self, task_id: str, content: str) -> None:
        """Write `tasks/<id>.md` of an existing task verbatim; logs `task_spec.set`."""
        ids.check_safe_id(task_id, "task")
        _require_text(content)
        with self.batch():
            self._require_task(task_id)
            self.store.write_task_spec(task_id, content)
            self._log(changes.set_task_spec(task_id, content))

    def save_gaps(self, epic_id: str, gaps: list[M.GapEntry]) -> list[M.GapEntry]:
        """Replace the gap registry `gaps/<epic>.json` of an existing epic (ids and capabilities unique)."""
        entries = [_checked(M.GapEntry, g, "gap") for g in _as_list(gaps, "gaps")]
        ids.check_safe_id(epic_id, "epic")
        _check_gaps(entries)
        with self.batch():
            self._require_epic(epic_id)
            self.store.gaps.put(epic_id, entries)
        return self.gaps(epic_id)

    def save_gap(self, epic_id: str, gap: M.GapEntry) -> M.GapEntry:
        """Replace the gap with the same id in the epic's registry, or append it."""
        entry = _checked(M.GapEntry, gap, "gap")
        ids.check_safe_id(epic_id, "epic")
        with self.batch():
            current = self.gaps(epic_id)
            new = _model(M.GapEntry, entry, "gap")
            if any(g.id == new.id for g in current):
                self.save_gaps(epic_id, [new if g.id == new.id else g for g in current])
            else:
                self.save_gaps(epic_id, [*current, new])
        return new

    def save_approval(self, approval: M.Approval) -> M.Approval:
        """Replace the approval with the same id in `.state/approvals.json`, or append a new one for an existing
        task; elements of the file that do not parse as approvals stay as they are."""
        from .approvals import parse_approval

        data = _checked(M.Approval, approval, "approval")
        if not data["id"].strip():
            raise InvalidInputError("Invalid approval: empty id")
        ids.check_safe_id(data["task_id"], "task")
        with self.batch():
            raw = self.store.approvals.read_raw()
            index = next((i for i, item in enumerate(raw)
                          if (parsed := parse_approval(item)) is not None and parsed["id"] == data["id"]), None)
            if index is None:
                self._require_task(data["task_id"])
                raw = [*raw, data]
            else:
                raw = [*raw[:index], data, *raw[index + 1:]]
            self.store.approvals.put("", raw)
        return _model(M.Approval, data, "approval")

    def save_locks(self, entries: list[M.LockEntry]) -> list[M.LockEntry]:
        """Replace the lock table `.state/locks.json`; ConflictError when two tasks hold one file incompatibly."""
        from .locks import compatible

        table = [_checked(M.LockEntry, e, "lock") for e in _as_list(entries, "locks")]
        for entry in table:
            if not entry["file_path"] or not entry["task_id"]:
                raise InvalidInputError("Invalid lock: empty file_path or task_id")
            if "expires_at" in entry:
                try:
                    timefmt.parse(entry["expires_at"])
                except (ValueError, TypeError):
                    raise InvalidInputError(f"Invalid lock on {entry['file_path']}: bad expires_at "
                                            f"{entry['expires_at']!r}") from None
        for i, a in enumerate(table):
            for b in table[i + 1:]:
                if (a["file_path"] == b["file_path"] and a["task_id"] != b["task_id"]
                        and not compatible(b["mode"], a["mode"])):
                    raise ConflictError(f"file '{a['file_path']}' locked by task '{a['task_id']}' ({a['mode']}) "
                                        f"and task '{b['task_id']}' ({b['mode']})")
        with self.batch():
            self.store.locks.put("", table)
        return [_model(M.LockEntry, e, "lock") for e in table]

    def save_config(self, config: M.Config) -> M.Config:
        """Replace `config.json` (pretty, sorted keys, as `config set` writes it)."""
        return self._replace(M.Config, config, self.store.config, "config")

    def save_meta(self, meta: M.Meta) -> M.Meta:
        """Replace `meta.json` (written once by `init`; the reference never reads it back)."""
        return self._replace(M.Meta, meta, self.store.meta, "meta")

    def save_pipeline(self, progress: M.PipelineProgress) -> M.PipelineProgress:
        """Replace `.state/pipeline.json`; every key must be an epic id (of an existing epic or not)."""
        return self._replace(M.PipelineProgress, progress, self.store.pipeline, "pipeline", key_kind="epic")

    def save_worker_phases(self, progress: M.WorkerPhaseProgress) -> M.WorkerPhaseProgress:
        """Replace `.state/phases.json`; every key must be a task id (of an existing task or not)."""
        return self._replace(M.WorkerPhaseProgress, progress, self.store.phases, "worker phases", key_kind="task")

    # -- helpers -------------------------------------------------------------------------------------------
    def _require_epic(self, epic_id: str) -> None:
        if not self.store.has_epic(epic_id):
            raise NotFoundError(f"Epic not found: {epic_id}")

    def _require_task(self, task_id: str) -> None:
        if not self.store.has_task(task_id):
            raise NotFoundError(f"Task not found: {task_id}")

    def _replace(self, cls: type[_R], model: object, owner: _WholeFile, what: str, key_kind: str = "") -> _R:
        """Write a whole-file document through its owning sub-store; its keys are ids of `key_kind` when given."""
        data = _checked(cls, model, what)
        if key_kind:
            for key in data:
                ids.check_safe_id(key, key_kind)
        with self.batch():
            owner.put("", data)
        return _model(cls, data, what)

    def _log(self, mutation: changes.Mutation) -> None:
        """Append the mutation event the CLI's applier logs for the same write (inside the open batch)."""
        if not self.log_mutations:
            return
        self.store.events.append(changes.mutation_event(mutation, self.actor, self.session_id, timefmt.now_off()))


_R = TypeVar("_R", bound=M.Record | M.RootRecord)


class _WholeFile(Protocol):
    """A sub-store that replaces its file whole (`JsonDocument`, `PipelineStore`, `PhaseStore`)."""

    def put(self, key: str, value: dict[str, Any]) -> None: ...


def _model(cls: type[_R], data: Any, path: object) -> _R:
    """Validate one record read by the FlowStore; CorruptFileError naming `path` when it does not fit."""
    model = cls.from_disk(data, path)
    if not isinstance(model, cls):
        raise CorruptFileError(path, f"not a {cls.__name__} record")
    return model


def _checked(cls: type[_R], model: object, what: str) -> Any:
    """The on-disk value of a model given to a `save_*`, validated again; InvalidInputError when it does not fit."""
    if not isinstance(model, cls):
        raise InvalidInputError(f"Invalid {what}: expected a {cls.__name__} model, got {type(model).__name__}")
    try:
        with warnings.catch_warnings():  # a wrongly typed assigned field warns on dump; it is refused just below
            warnings.simplefilter("ignore")
            data = model.to_disk()
        data = _model(cls, data, what).to_disk()
    except CorruptFileError as err:
        raise InvalidInputError(f"Invalid {what}: {err.detail}") from None
    try:  # what JSON cannot hold (a set, NaN, a lone surrogate) is refused here, before anything is written
        json_text.dumps_compact(data).encode("utf-8")
    except (TypeError, ValueError) as err:
        raise InvalidInputError(f"Invalid {what}: not JSON ({err})") from None
    return data


def _as_list(values: object, what: str) -> list[Any]:
    if not isinstance(values, (list, tuple)):
        raise InvalidInputError(f"Invalid {what}: expected a list, got {type(values).__name__}")
    return list(values)


def _require_text(content: object) -> None:
    if not isinstance(content, str):
        raise InvalidInputError(f"Invalid spec: expected a string, got {type(content).__name__}")
    try:
        content.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InvalidInputError(f"Invalid spec: not UTF-8 text ({err.reason} at index {err.start})") from None


def _check_gaps(entries: list[dict[str, Any]]) -> None:
    """Gap ids and capabilities (trimmed, case-insensitive) are unique in a registry; a gap's task is a task id."""
    from .gaps import capability_key

    seen_ids: set[int] = set()
    seen_caps: set[str] = set()
    for gap in entries:
        if gap["id"] in seen_ids:
            raise InvalidInputError(f"Invalid gaps: id {gap['id']} appears twice")
        key = capability_key(gap["capability"])
        if not key:
            raise InvalidInputError(f"Invalid gap {gap['id']}: empty capability")
        if key in seen_caps:
            raise InvalidInputError(f"Invalid gaps: capability '{gap['capability']}' appears twice")
        seen_ids.add(gap["id"])
        seen_caps.add(key)
        if gap.get("task") is not None:
            ids.check_safe_id(gap["task"], "task")
