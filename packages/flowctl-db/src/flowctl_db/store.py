"""FlowStore: one .flow/ directory — its records, its lock and its auxiliary stores."""

from __future__ import annotations

import os

from flowctl_core import json_store
from flowctl_core.json_store import FlowPaths

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:  # the sub-stores are imported on first use to keep CLI start-up small
    from functools import cached_property as _cached_property
    from pathlib import Path
    from typing import Any

    from flowctl_core.json_store import Journaled, StoreLock

    from .approvals import ApprovalStore
    from .archive import ArchiveStore
    from .checkpoints import CheckpointStore
    from .documents import JsonDocument
    from .events import EventStore
    from .gaps import GapStore
    from .hooks_log import HooksLogStore
    from .invariants import InvariantsStore
    from .locks import LockStore
    from .memory import MemoryStore
    from .outputs import OutputStore
    from .phases import PhaseStore
    from .pipeline import PipelineStore
    from .reviews import ReviewStore
    from .scout_cache import ScoutCacheStore


# Sub-store names accepted by `FlowStore.substore` (the `store` of a put/append/delete mutation).
SUBSTORES = frozenset({"events", "pipeline", "phases", "locks", "memory", "approvals", "gaps", "config", "meta",
                        "reviews", "outputs", "checkpoints", "archive", "scout_cache", "hooks_log", "invariants"})


if not TYPE_CHECKING:

    class _cached_property:  # noqa: N801 - functools.cached_property without importing functools (start-up time)
        """Compute an attribute on first access and keep it in the instance (it then shadows this descriptor)."""

        def __init__(self, func: Any) -> None:
            self.func = func
            self.__doc__ = func.__doc__

        def __set_name__(self, owner: type, name: str) -> None:
            self.name = name

        def __get__(self, instance: Any, owner: type | None = None) -> Any:
            if instance is None:
                return self
            value = instance.__dict__[self.name] = self.func(instance)
            return value


class FlowStore:
    """The entry point over one `.flow/` directory: records, specs, config, the store lock and sub-stores."""

    def __init__(self, flow_dir: str | os.PathLike[str]) -> None:
        self.paths = FlowPaths(flow_dir)

    @property
    def flow_dir(self) -> Path:
        """The `.flow/` directory this store works on."""
        return self.paths.root

    def exists(self) -> bool:
        """True when the flow directory exists (a symlink is followed)."""
        return os.path.exists(self.paths.dir)

    def ensure_dirs(self) -> None:
        """Create `epics/ specs/ tasks/ .state/ .state/tasks/ memory/` if missing."""
        p = self.paths
        for d in (p.epics, p.specs, p.tasks, p.state, p.state_tasks, p.memory):
            d.mkdir(parents=True, exist_ok=True)

    def lock(self, timeout: float | None = None) -> StoreLock:
        """`with store.lock():` holds the store lock for a read-modify-write (re-entrant within one process)."""
        return json_store.store_lock(self.paths.dir, timeout)

    def transaction(self) -> Journaled:
        """`with store.transaction():` makes the writes inside all-or-nothing (hold the store lock around it)."""
        return json_store.journaled(self.paths.dir)

    def recover(self) -> None:
        """Roll back a batch a crash left half-done (taking the store lock does it); a no-op otherwise."""
        if os.path.exists(self.paths.at("journal")):
            with self.lock():
                pass

    # -- epics ---------------------------------------------------------------------------------------------
    def get_epic(self, epic_id: str) -> dict[str, Any] | None:
        """The epic record, or None."""
        return json_store.read_epic(self.paths, epic_id)

    def list_epics(self) -> list[dict[str, Any]]:
        """All epics sorted by id string."""
        return json_store.list_epics(self.paths)

    def has_epic(self, epic_id: str) -> bool:
        """True when `epics/<id>.json` exists (nothing is read)."""
        return os.path.exists(self.paths.record_file("epic_json", epic_id))

    def epic_numbers(self) -> list[int]:
        """Epic numbers in use, from the names in `epics/` (legacy `fn-N.json` counted too)."""
        return json_store.epic_numbers(self.paths)

    def save_epic(self, epic: dict[str, Any]) -> dict[str, Any]:
        """Write an epic record atomically."""
        return json_store.write_epic(self.paths, epic)

    def delete_epic(self, epic_id: str) -> None:
        """Remove `epics/<id>.json` and `specs/<id>.md`."""
        json_store.remove_file(self.paths.record_file("epic_json", epic_id))
        json_store.remove_file(self.paths.record_file("epic_spec", epic_id))

    def epic_spec_path(self, epic_id: str) -> Path:
        """`specs/<id>.md` (for messages naming it)."""
        return self.paths.epic_spec(epic_id)

    def epic_spec_or_none(self, epic_id: str) -> str | None:
        """The epic's spec verbatim, or None when the file is missing."""
        return json_store.read_text(self.paths.record_file("epic_spec", epic_id))

    def read_epic_spec(self, epic_id: str) -> str:
        """The epic's Markdown spec ('' when missing)."""
        return json_store.read_spec(self.paths.record_file("epic_spec", epic_id))

    def write_epic_spec(self, epic_id: str, content: str) -> None:
        """Write the epic's spec verbatim."""
        json_store.write_spec(self.paths.record_file("epic_spec", epic_id), content)

    def delete_epic_spec(self, epic_id: str) -> None:
        """Remove `specs/<id>.md`."""
        json_store.remove_file(self.paths.record_file("epic_spec", epic_id))

    # -- tasks ---------------------------------------------------------------------------------------------
    def get_task(self, task_id: str) -> dict[str, Any] | None:
        """The merged task (definition + state status), or None."""
        return json_store.read_task(self.paths, task_id)

    def get_task_definition(self, task_id: str) -> dict[str, Any] | None:
        """The task definition exactly as stored."""
        return json_store.read_task_definition(self.paths, task_id)

    def has_task(self, task_id: str) -> bool:
        """True when `tasks/<id>.json` exists (nothing is read)."""
        return os.path.exists(self.paths.record_file("task_json", task_id))

    def task_numbers(self, epic_id: str) -> list[int]:
        """Task numbers in use in an epic, from the names in `tasks/`."""
        return json_store.task_numbers(self.paths, epic_id)

    def get_task_and_state(self, task_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(merged task or None when its definition is missing, its state or None)."""
        task = json_store.read_task_definition(self.paths, task_id)
        if task is None:
            return None, None
        state = json_store.read_state(self.paths, task_id)
        return json_store.merge_state(task, state), state

    def list_tasks(self, epic_id: str | None = None) -> list[dict[str, Any]]:
        """Merged tasks of one epic (or all) sorted by id string."""
        return json_store.list_tasks(self.paths, epic_id)

    def task_ids_by_epic(self) -> dict[str, list[str]]:
        """Task ids grouped by epic from one listing of `tasks/` (no file is read)."""
        return json_store.task_ids_by_epic(self.paths)

    def task_statuses(self) -> dict[str, dict[str, str]]:
        """epic id -> {task id -> status}, reading state files only where possible (for counts)."""
        return json_store.task_statuses(self.paths)

    def task_status(self, task_id: str) -> str | None:
        """One task's merged status (state file, else definition); None when the task is gone."""
        return json_store.read_task_status(self.paths, task_id)

    def any_task_in_status(self, status: str) -> bool:
        """Whether some task's status is `status`, stopping at the first (newest epics first).

        For gates on hot paths (the commit-gate hook): a file is parsed only when its bytes hold the status text,
        so a file that cannot match is not parsed (nor reported when corrupt).
        """
        from flowctl_core import records

        needle = json_store.dumps_line(status).rstrip("\n").encode("utf-8")
        paths = self.paths
        for task_ids in reversed(list(json_store.task_ids_by_epic(paths).values())):
            for task_id in reversed(task_ids):
                record, path = records.TASK_STATE, paths.record_file("task_state", task_id)
                raw = json_store.read_bytes(path)
                if raw is None:  # no runtime state yet: the definition's status counts
                    record, path = records.TASK, paths.record_file("task_json", task_id)
                    raw = json_store.read_bytes(path)
                if raw and needle in raw:
                    data = json_store.parse_json_bytes(raw, path)
                    if records.normalize(record, data, path)["status"] == status:
                        return True
        return False

    def load_tasks(self, task_ids: list[str]) -> list[dict[str, Any]]:
        """Merged tasks for the given ids, in order (read lazily, e.g. one epic at a time)."""
        return json_store.load_tasks(self.paths, task_ids)

    def save_task_definition(self, task: dict[str, Any]) -> dict[str, Any]:
        """Write a task definition (status forced to `todo` on disk, as the reference does)."""
        return json_store.write_task_definition(self.paths, task)

    def get_state(self, task_id: str) -> dict[str, Any] | None:
        """The task's runtime state, or None when it has none."""
        return json_store.read_state(self.paths, task_id)

    def save_state(self, task_id: str, state: dict[str, Any]) -> dict[str, Any]:
        """Write the task's runtime state atomically."""
        return json_store.write_state(self.paths, task_id, state)

    def delete_state(self, task_id: str) -> None:
        """Remove `.state/tasks/<id>.state.json`."""
        json_store.remove_file(self.paths.record_file("task_state", task_id))

    def read_task_spec(self, task_id: str) -> str:
        """The task's Markdown spec ('' when missing)."""
        return json_store.read_spec(self.paths.record_file("task_spec", task_id))

    def task_spec_or_none(self, task_id: str) -> str | None:
        """The task's spec verbatim, or None when the file is missing."""
        return json_store.read_text(self.paths.record_file("task_spec", task_id))

    def write_task_spec(self, task_id: str, content: str) -> None:
        """Write the task's spec verbatim."""
        json_store.write_spec(self.paths.record_file("task_spec", task_id), content)

    def delete_task_spec(self, task_id: str) -> None:
        """Remove `tasks/<id>.md`."""
        json_store.remove_file(self.paths.record_file("task_spec", task_id))

    def delete_task(self, task_id: str) -> None:
        """Remove a task's definition, spec and state."""
        for path in (self.paths.record_file("task_json", task_id), self.paths.record_file("task_spec", task_id), self.paths.record_file("task_state", task_id)):
            json_store.remove_file(path)

    # -- config --------------------------------------------------------------------------------------------
    def read_config(self) -> dict[str, Any]:
        """config.json as stored ({} when missing; corrupt raises)."""
        return json_store.read_config(self.paths)


    # -- sub-stores ----------------------------------------------------------------------------------------
    def substore(self, name: str) -> Any:
        """The sub-store that owns a file kind; it writes only through `put(key, value)`, `append`, `delete`."""
        if name not in SUBSTORES:
            raise ValueError(f"unknown store: {name!r}")
        return getattr(self, name)

    @_cached_property
    def config(self) -> JsonDocument:
        """`config.json`."""
        from .documents import JsonDocument

        return JsonDocument(self.paths.config)

    @_cached_property
    def meta(self) -> JsonDocument:
        """`meta.json`."""
        from .documents import JsonDocument

        return JsonDocument(self.paths.meta)

    @_cached_property
    def events(self) -> EventStore:
        """`.state/events.jsonl`."""
        from .events import EventStore

        return EventStore(self.paths)

    @_cached_property
    def pipeline(self) -> PipelineStore:
        """`.state/pipeline.json`."""
        from .pipeline import PipelineStore

        return PipelineStore(self.paths)

    @_cached_property
    def phases(self) -> PhaseStore:
        """`.state/phases.json`."""
        from .phases import PhaseStore

        return PhaseStore(self.paths)

    @_cached_property
    def locks(self) -> LockStore:
        """`.state/locks.json`."""
        from .locks import LockStore

        return LockStore(self.paths)

    @_cached_property
    def memory(self) -> MemoryStore:
        """`memory/`."""
        from .memory import MemoryStore

        return MemoryStore(self.paths)

    @_cached_property
    def approvals(self) -> ApprovalStore:
        """`.state/approvals.json`."""
        from .approvals import ApprovalStore

        return ApprovalStore(self.paths)

    @_cached_property
    def gaps(self) -> GapStore:
        """`gaps/<epic>.json`."""
        from .gaps import GapStore

        return GapStore(self.paths)

    @_cached_property
    def reviews(self) -> ReviewStore:
        """`reviews/<name>` receipts."""
        from .reviews import ReviewStore

        return ReviewStore(self.paths)

    @_cached_property
    def outputs(self) -> OutputStore:
        """`outputs/<task>.md`."""
        from .outputs import OutputStore

        return OutputStore(self.paths)

    @_cached_property
    def checkpoints(self) -> CheckpointStore:
        """`.state/checkpoint-<epic>.json`."""
        from .checkpoints import CheckpointStore

        return CheckpointStore(self.paths)

    @_cached_property
    def archive(self) -> ArchiveStore:
        """`.archive/<epic>/<name>`."""
        from .archive import ArchiveStore

        return ArchiveStore(self.paths)

    @_cached_property
    def scout_cache(self) -> ScoutCacheStore:
        """`.state/scout-cache/<file>`."""
        from .scout_cache import ScoutCacheStore

        return ScoutCacheStore(self.paths)

    @_cached_property
    def hooks_log(self) -> HooksLogStore:
        """`hooks-log/events.jsonl`."""
        from .hooks_log import HooksLogStore

        return HooksLogStore(self.paths)

    @_cached_property
    def invariants(self) -> InvariantsStore:
        """`invariants.md`."""
        from .invariants import InvariantsStore

        return InvariantsStore(self.paths)
