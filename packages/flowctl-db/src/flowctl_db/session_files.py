"""Scratch files the hooks keep outside `.flow/` (temp dir or a Ralph run dir): tiny, per repository and session.

Every write is atomic (temp file + rename) so a hook killed at its timeout never leaves half a file, and a
reader that finds a missing or unreadable file gets None: these files only cache or remember, never decide alone.
"""

from __future__ import annotations

import os

from flowctl_core.errors import StoreIOError
from flowctl_core.json_store import append_line, atomic_write

TYPE_CHECKING = False  # typing and pathlib stay unloaded: hooks call these on their every-call paths
if TYPE_CHECKING:
    PathLike = str | os.PathLike[str]


def read_text(path: PathLike, limit: int = 1 << 20) -> str | None:
    """The file's text (at most `limit` bytes, undecodable bytes replaced), or None when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except OSError:
        return None


def write_text(path: PathLike, text: str) -> None:
    """Replace the file atomically; its directory must exist (no directory is created outside `.flow/`)."""
    if not os.path.isdir(os.path.dirname(path) or "."):
        raise StoreIOError(f"IO error: {path}: directory does not exist")
    atomic_write(path, text)


def age_seconds(path: PathLike, now: float) -> float | None:
    """Seconds since the file was last modified, or None when it does not exist."""
    try:
        return now - os.stat(path).st_mtime
    except OSError:
        return None


def remove(path: PathLike) -> bool:
    """Delete the file if it is there; return whether it was."""
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


def append_log(path: PathLike, line: str, rotate_at: int = 1 << 20) -> None:
    """Append one line to a debug log (its directory must exist); a log over `rotate_at` bytes becomes `<name>.1`."""
    if not os.path.isdir(os.path.dirname(path) or "."):
        raise StoreIOError(f"IO error: {path}: directory does not exist")
    try:
        if os.stat(path).st_size > rotate_at:
            os.replace(path, os.fspath(path) + ".1")
    except OSError:
        pass
    append_line(path, line)
