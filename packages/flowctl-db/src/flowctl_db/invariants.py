"""InvariantsStore: the project's architecture invariants `invariants.md`, stored verbatim (cli-ext §10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl_core.json_store import FlowPaths, atomic_write, read_text, remove_file


class InvariantsStore:
    """`invariants.md`: one Markdown file; the key is always ""."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    @property
    def path(self) -> Path:
        """`<flow>/invariants.md`."""
        return self.paths.root / "invariants.md"

    def exists(self) -> bool:
        """True when the file exists."""
        return self.path.exists()

    def read(self) -> str | None:
        """The text verbatim (no newline translation), or None when missing; not UTF-8 is CorruptFileError."""
        return read_text(self.path)

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: str) -> None:
        """Write the file verbatim (`key` is always "")."""
        atomic_write(self.path, value)

    def append(self, value: Any, key: str = "") -> None:
        """A whole-file store: there is no log."""
        raise ValueError("invariants.md is not appendable")

    def delete(self, key: str) -> None:
        """Remove the file (a no-op when missing)."""
        remove_file(self.path)
