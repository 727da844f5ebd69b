"""PipelineStore: the epic-level phase pipeline in `.state/pipeline.json` (storage.md §3.10, §8.4).

The phase rules (order, prompts, completion) are the service's (`flowctl_service.pipeline`); this store reads the
file and writes it whole through the applier.
"""

from __future__ import annotations

from typing import Any

from flowctl_core.json_store import FlowPaths, load_json_object, remove_file, write_json


class PipelineStore:
    """`.state/pipeline.json`: a sorted-key pretty object `epic-id -> phase`."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    def _load(self) -> dict[str, Any]:
        return load_json_object(self.paths.pipeline)

    def read(self, epic_id: str) -> str | None:
        """The stored phase string of an epic (None when absent or not a string); corrupt file raises."""
        value = self._load().get(epic_id)
        return value if isinstance(value, str) else None

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: dict[str, Any]) -> None:
        """Replace `.state/pipeline.json` with the object `value`."""
        write_json(self.paths.pipeline, value, sort_keys=True)

    def append(self, value: Any, key: str = "") -> None:
        """This file is a whole-file store: it has no log."""
        raise ValueError("pipeline.json is not appendable")

    def delete(self, key: str) -> None:
        """Remove `.state/pipeline.json`."""
        remove_file(self.paths.pipeline)

    def read_all(self) -> dict[str, Any]:
        """The whole mapping as stored."""
        return self._load()
