"""ArchiveStore: files of archived epics under `.archive/<epic>/` (specs and review receipts, verbatim)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flowctl_core.json_store import FlowPaths, atomic_write, read_text, remove_file, safe_name


class ArchiveStore:
    """`.archive/<epic>/<name>`; the key is `<epic>/<name>`, both parts plain file names."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    def directory(self, epic_id: str) -> Path:
        """`.archive/<epic>/`."""
        return self.paths.archive / safe_name(epic_id)

    def path(self, key: str) -> Path:
        """The file of a key `<epic>/<name>`."""
        epic_id, slash, name = key.partition("/")
        if not slash:
            raise ValueError(f"archive key must be <epic>/<name>: {key!r}")
        return self.directory(epic_id) / safe_name(name)

    def names(self, epic_id: str) -> list[str]:
        """The file names archived for an epic, sorted."""
        directory = self.directory(epic_id)
        try:
            return sorted(n for n in os.listdir(directory) if (directory / n).is_file())
        except (FileNotFoundError, NotADirectoryError):
            return []

    def read_text(self, key: str) -> str | None:
        """An archived file verbatim, or None when missing."""
        return read_text(self.path(key))

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: str) -> None:
        """Write an archived file verbatim."""
        atomic_write(self.path(key), value)

    def append(self, value: Any, key: str = "") -> None:
        """Archived files are whole files: there is no log."""
        raise ValueError(".archive/ is not appendable")

    def delete(self, key: str) -> None:
        """Remove an archived file; the epic's folder goes too once it is empty."""
        path = self.path(key)
        remove_file(path)
        try:
            path.parent.rmdir()
        except OSError:
            pass  # not empty (or already gone): nothing more to do
