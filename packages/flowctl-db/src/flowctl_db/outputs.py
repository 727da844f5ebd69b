"""OutputStore: a task's handoff notes `outputs/<task-id>.md`, stored verbatim (storage.md §3.17)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flowctl_core.json_store import FlowPaths, atomic_write, read_text, remove_file, safe_name


class OutputStore:
    """`outputs/<task-id>.md`: one Markdown file per task; the key is the task id."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    def path(self, task_id: str) -> Path:
        """`outputs/<task-id>.md` (a key that cannot name a file is refused)."""
        return self.paths.outputs / f"{safe_name(task_id)}.md"

    def task_ids(self) -> list[str]:
        """The task ids that have an output file, sorted by file name."""
        try:
            names = sorted(os.listdir(self.paths.outputs))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return [n[:-3] for n in names if n.endswith(".md") and not n.startswith(".")]

    def entries(self) -> list[dict[str, Any]]:
        """`{task_id, path, mtime_ns}` of every `<name>.md` output file, unsorted (the caller filters the names)."""
        try:
            scan = list(os.scandir(self.paths.outputs))
        except (FileNotFoundError, NotADirectoryError):
            return []
        out = []
        for entry in scan:
            if not entry.name.endswith(".md") or entry.name.startswith("."):
                continue
            try:
                mtime_ns = entry.stat().st_mtime_ns
            except OSError:  # removed since the listing
                continue
            out.append({"task_id": entry.name[:-3], "path": str(self.paths.outputs / entry.name),
                        "mtime_ns": mtime_ns})
        return out

    def read(self, task_id: str) -> str | None:
        """The output verbatim, or None when missing."""
        return read_text(self.path(task_id))

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: str) -> None:
        """Write `outputs/<key>.md` verbatim."""
        atomic_write(self.path(key), value)

    def append(self, value: Any, key: str = "") -> None:
        """Outputs are whole files: there is no log."""
        raise ValueError("outputs/ is not appendable")

    def delete(self, key: str) -> None:
        """Remove `outputs/<key>.md` (a no-op when missing)."""
        remove_file(self.path(key))
