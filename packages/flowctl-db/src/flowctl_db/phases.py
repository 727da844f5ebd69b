"""PhaseStore: per-task worker phase progress in `.state/phases.json` (storage.md §3.11, §8.5)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flowctl_core.json_store import FlowPaths, load_json_object, remove_file, store_lock, write_json

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

    def reset(self, task_id: str) -> bool:
        """Forget a task's phase progress (restart/reset/replay, D34 fix); return whether it had any."""
        return self.reset_many([task_id]) > 0

    def reset_many(self, task_ids: Iterable[str]) -> int:
        """Forget several tasks' progress in one locked write; return how many entries were removed."""
        with store_lock(self.paths.root):
            data = self._load()
            removed = 0
            for task_id in task_ids:
                if task_id in data:
                    del data[task_id]
                    removed += 1
            if removed:
                self._save(data)
        return removed
