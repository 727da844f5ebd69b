"""ReviewStore: review receipts and audit payloads under `reviews/` (storage.md §3.18)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flowctl_core.json_store import (
    FlowPaths,
    atomic_write,
    dumps_pretty,
    load_json,
    read_text,
    remove_file,
    safe_name,
)


def receipt_bytes(value: Any) -> str:
    """How a receipt is stored: a JSON value pretty with sorted keys and no final newline; a string verbatim."""
    return value if isinstance(value, str) else dumps_pretty(value, sort_keys=True)


class ReviewStore:
    """`reviews/<name>`: one file per receipt; the key is the plain file name (no directory part)."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    def path(self, name: str) -> Path:
        """`reviews/<name>`; a name that is not a plain file name is refused (InvalidInputError)."""
        return self.paths.reviews / safe_name(name)

    def names(self) -> list[str]:
        """Every file name in `reviews/`, sorted ([] when the directory is missing)."""
        try:
            return sorted(n for n in os.listdir(self.paths.reviews) if (self.paths.reviews / n).is_file())
        except (FileNotFoundError, NotADirectoryError):
            return []

    def read(self, name: str) -> Any:
        """The parsed receipt, or None when missing (CorruptFileError when it does not parse)."""
        return load_json(self.path(name))

    def read_text(self, name: str) -> str | None:
        """The file as stored, or None when missing."""
        return read_text(self.path(name))

    def modified_at(self, name: str) -> float | None:
        """The file's mtime (seconds since the epoch), or None when missing."""
        try:
            return self.path(name).stat().st_mtime
        except OSError:
            return None

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: Any) -> None:
        """Write receipt `key`: a JSON value pretty with sorted keys (no final newline), a string verbatim."""
        atomic_write(self.path(key), receipt_bytes(value))

    def append(self, value: Any, key: str = "") -> None:
        """Receipts are whole files: there is no log."""
        raise ValueError("reviews/ is not appendable")

    def delete(self, key: str) -> None:
        """Remove receipt `key` (a no-op when missing)."""
        remove_file(self.path(key))
