"""CheckpointStore: an epic's saved snapshot `.state/checkpoint-<epic>.json` (storage.md §3.14, §8.8).

Key `<epic>` names that file; key `legacy:<epic>` names `.checkpoint-<epic>.json` at the top of `.flow/`, the path
the reference's rename looked for (D7), which only epic rename still moves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl_core.errors import CorruptFileError
from flowctl_core.json_store import (
    FlowPaths,
    atomic_write,
    dumps_pretty,
    load_json,
    read_text,
    remove_file,
    safe_name,
)

LEGACY = "legacy:"


def encode(snapshot: Any) -> bytes:
    """The file's bytes: pretty JSON, keys sorted at every level, no trailing newline (as the reference writes)."""
    return dumps_pretty(snapshot, sort_keys=True).encode("utf-8")


class CheckpointStore:
    """One pretty sorted-key JSON file per epic; a string value is written verbatim."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    def path(self, key: str) -> Path:
        """The file of a key (`<epic>` or `legacy:<epic>`)."""
        if key.startswith(LEGACY):
            return self.paths.root / f".checkpoint-{safe_name(key[len(LEGACY):])}.json"
        return self.paths.checkpoint(key)

    def exists(self, key: str) -> bool:
        """True when the checkpoint file exists."""
        return self.path(key).exists()

    def read_text(self, key: str) -> str | None:
        """The file as stored, or None when missing."""
        return read_text(self.path(key))

    def read(self, key: str) -> dict[str, Any] | None:
        """The snapshot object, None when there is none; CorruptFileError when it is not a JSON object."""
        path = self.path(key)
        data = load_json(path)
        if data is None:
            return None
        if not isinstance(data, dict):
            raise CorruptFileError(path, "expected a JSON object (a checkpoint)")
        return data

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: Any) -> None:
        """Write a checkpoint: a JSON value pretty with sorted keys, a string verbatim."""
        atomic_write(self.path(key), value if isinstance(value, str) else encode(value))

    def append(self, value: Any, key: str = "") -> None:
        """Checkpoints are whole files: there is no log."""
        raise ValueError("checkpoints are not appendable")

    def delete(self, key: str) -> None:
        """Remove the checkpoint (a no-op when missing)."""
        remove_file(self.path(key))
