"""PhaseStore: per-task worker phase progress in `.state/phases.json` (storage.md §3.11, §8.5)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flowctl_core.json_store import FlowPaths, load_json_object, remove_file, write_json

# Legacy phase ids mapped on read only (the file keeps what was written).
LEGACY_PHASE_IDS = {"0": "1", "1.5": "3", "2a": "4", "2.5": "6", "5c": "9", "5b": "11"}


def migrate_phase_id(phase: str) -> str:
    """Map a legacy phase id to its sequential id; other ids unchanged."""
    return LEGACY_PHASE_IDS.get(phase, phase)


class PhaseStore:
    """`.state/phases.json`: a sorted-key pretty object `task-id -> [phase-id…]` in completion order."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    def _load(self) -> dict[str, Any]:
        return load_json_object(self.paths.phases)

    def _save(self, data: dict[str, Any]) -> None:
        write_json(self.paths.phases, data, sort_keys=True)

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: dict[str, Any]) -> None:
        """Replace `.state/phases.json` with the object `value`."""
        write_json(self.paths.phases, value, sort_keys=True)

    def append(self, value: Any, key: str = "") -> None:
        """This file is a whole-file store: it has no log."""
        raise ValueError("phases.json is not appendable")

    def delete(self, key: str) -> None:
        """Remove `.state/phases.json`."""
        remove_file(self.paths.phases)

    def read_all(self) -> dict[str, Any]:
        """The whole mapping as stored ({} when missing; CorruptFileError when it is not an object)."""
        return self._load()

    def raw(self, task_id: str) -> list[str]:
        """The stored phase ids of a task (string elements only; a non-array value reads as [])."""
        value = self._load().get(task_id)
        if not isinstance(value, list):
            return []
        return [v for v in value if isinstance(v, str)]

    def completed(self, task_id: str) -> list[str]:
        """Completed phase ids of a task, legacy ids mapped (`0`→`1`, `2a`→`4`, …)."""
        return [migrate_phase_id(p) for p in self.raw(task_id)]

    def plan_reset(self, task_ids: Iterable[str]) -> tuple[dict[str, Any] | None, int]:
        """(new mapping or None when nothing changes, how many entries go) for forgetting tasks' progress (D34).

        The caller writes the mapping with `changes.put("phases", "", data)` under the store lock.
        """
        data = self._load()
        removed = 0
        for task_id in task_ids:
            if task_id in data:
                del data[task_id]
                removed += 1
        return (data if removed else None), removed
