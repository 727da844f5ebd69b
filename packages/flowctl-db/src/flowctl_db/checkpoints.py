"""CheckpointStore: an epic's saved snapshot `.state/checkpoint-<epic>.json` (storage.md §3.14).

Key `<epic>` names that file; key `legacy:<epic>` names `.checkpoint-<epic>.json` at the top of `.flow/`, the path
the reference's rename looked for (D7), which only epic rename still moves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl_core.json_store import FlowPaths, atomic_write, dumps_pretty, read_text, remove_file, safe_name

LEGACY = "legacy:"


class CheckpointStore:
    """One pretty sorted-key JSON file per epic; a string value is written verbatim."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    def path(self, key: str) -> Path:
        """The file of a key (`<epic>` or `legacy:<epic>`)."""
        if key.startswith(LEGACY):
            return self.paths.root / f".checkpoint-{safe_name(key[len(LEGACY):])}.json"
        return self.paths.checkpoint(key)

    def read_text(self, key: str) -> str | None:
        """The file as stored, or None when missing."""
        return read_text(self.path(key))

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: Any) -> None:
        """Write a checkpoint: a JSON value pretty with sorted keys, a string verbatim."""
        atomic_write(self.path(key), value if isinstance(value, str) else dumps_pretty(value, sort_keys=True))

    def append(self, value: Any, key: str = "") -> None:
        """Checkpoints are whole files: there is no log."""
        raise ValueError("checkpoints are not appendable")

    def delete(self, key: str) -> None:
        """Remove the checkpoint (a no-op when missing)."""
        remove_file(self.path(key))
