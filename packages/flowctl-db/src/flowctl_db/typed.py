"""A typed, read-only view of a FlowStore: the same files, returned as the pydantic models of `flowctl_core.models`.

For embedders who want checked types. It reads through the FlowStore (and its sub-stores), so it sees exactly what
the CLI sees; a model's `to_disk()` gives back the dict the FlowStore writes, byte for byte (tests/test_typed.py).
The CLI never imports this module: pydantic costs ~90 ms of start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from flowctl_core import models as M
from flowctl_core.errors import CorruptFileError

if TYPE_CHECKING:
    from .store import FlowStore


class TypedStore:
    """Models instead of dicts over one FlowStore: `TypedStore(FlowStore(path)).epics()`."""

    def __init__(self, store: FlowStore) -> None:
        self.store = store

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
        ids = [t["id"] for t in self.store.list_tasks(epic_id)]
        return [t for t in map(self.task, ids) if t is not None]

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


_R = TypeVar("_R", bound=M.StructRecord)


def _model(cls: type[_R], data: dict[str, Any], path: object) -> _R:
    """Validate one record read by the FlowStore; CorruptFileError naming `path` when it does not fit."""
    model = cls.from_disk(data, path)
    if not isinstance(model, cls):
        raise CorruptFileError(path, f"not a {cls.__name__} record")
    return model
