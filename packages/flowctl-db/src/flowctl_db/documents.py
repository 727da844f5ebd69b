"""JsonDocument: a one-file JSON object store (`config.json`, `meta.json`) with the sub-store write interface."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl_core.json_store import load_json_object, remove_file, write_json


class JsonDocument:
    """One pretty, sorted-key JSON object file; `put("", obj)` replaces it whole."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        """True when the file exists."""
        return self.path.exists()

    def read(self) -> dict[str, Any]:
        """The object as stored ({} when missing; CorruptFileError when it is not an object)."""
        return load_json_object(self.path)

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Replace the document (`key` is always "")."""
        write_json(self.path, value, sort_keys=True)

    def append(self, value: Any, key: str = "") -> None:
        """A document has no log."""
        raise ValueError(f"{self.path.name} is not appendable")

    def delete(self, key: str) -> None:
        """Remove the file."""
        remove_file(self.path)
