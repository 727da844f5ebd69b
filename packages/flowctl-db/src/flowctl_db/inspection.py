"""Raw file reads for the health commands (detect, validate, doctor): they report damage instead of failing on it.

The normal record readers raise on the first corrupt file; these classify each file so that every problem can be
listed. The doctor's writability probe lives here too: it is the one write that is not a record (a temporary file
in `.state/`, removed at once).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl_core.errors import CorruptFileError, FlowError
from flowctl_core.json_store import (
    atomic_write,
    load_record,
    parse_json_bytes,
    read_bytes,
    read_spec,
    remove_file,
)

__all__ = ["classify_json", "load_record", "probe_writable", "read_spec"]


def classify_json(path: Path) -> tuple[str, Any]:
    """("missing", None) | ("unreadable", error) | ("invalid", parse error) | ("ok", parsed value) for a JSON file."""
    try:
        data = read_bytes(path)
    except FlowError as err:
        return "unreadable", str(err)
    if data is None:
        return "missing", None
    try:
        return "ok", parse_json_bytes(data, path)
    except CorruptFileError as err:
        return "invalid", err.detail


def probe_writable(directory: Path) -> None:
    """Write and remove `<directory>/.doctor-probe`; raises FlowError/OSError when the folder is not writable."""
    probe = directory / ".doctor-probe"
    atomic_write(probe, "probe")
    remove_file(probe)
