"""The undo journal that makes a multi-file change all-or-nothing.

While a batch runs, every primitive write under `.flow/` (atomic replace, append, delete) first records how to undo
it in `.state/journal.jsonl` and fsyncs that record; only then does it touch the file. When the batch finishes the
journal is deleted: that unlink is the commit point. A journal still present at the next call means the batch
died half-way; `rollback` then restores every recorded file, newest first, so readers see the state before the
batch. Rolling back is idempotent, so a crash during recovery is recovered by the next call.
"""

from __future__ import annotations

import binascii  # base64's codec itself: the base64 module imports re (start-up time)
import os

from . import json_text

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any

    PathLike = str | os.PathLike[str]

JOURNAL_NAME = "journal.jsonl"


class Journal:
    """The undo records of one running batch in `<flow>/.state/journal.jsonl`."""

    def __init__(self, flow_dir: PathLike) -> None:
        self.root = os.fspath(flow_dir)
        self.path = os.path.join(self.root, ".state", JOURNAL_NAME)
        self.recorded: set[tuple[str, str]] = set()
        self._fd: int | None = None

    def record(self, path: PathLike, kind: str) -> None:
        """Before `path` is replaced/deleted (`file`) or appended to (`append`): journal how to undo it."""
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root))
        if (rel, kind) in self.recorded or (rel, "file") in self.recorded:
            return  # the first record of a path already restores its state from before the batch
        missing = []  # folders the write will create: rolled back too (removed when empty again)
        parent = os.path.dirname(rel)
        while parent and not os.path.isdir(os.path.join(self.root, parent)):
            missing.append(parent)
            parent = os.path.dirname(parent)
        for folder in reversed(missing):
            self._write({"path": folder, "kind": "dir"})
        entry: dict[str, Any] = {"path": rel, "kind": kind}
        try:
            if kind == "append":
                entry["size"] = os.stat(path).st_size
            else:
                with open(path, "rb") as f:
                    entry["old"] = binascii.b2a_base64(f.read(), newline=False).decode("ascii")
        except FileNotFoundError:
            entry["absent"] = True
        self._write(entry)
        self.recorded.add((rel, kind))

    def _write(self, entry: dict[str, Any]) -> None:
        line = (json_text.dumps_compact(entry, ascii_only=True) + "\n").encode("ascii")
        if self._fd is None:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            _fsync_dir(os.path.dirname(self.path))  # the journal's existence must survive a crash before the first write
        os.write(self._fd, line)
        os.fsync(self._fd)

    def commit(self) -> None:
        """The batch is complete: delete the journal (the commit point)."""
        if self._fd is None:
            return
        os.close(self._fd)
        self._fd = None
        os.unlink(self.path)
        _fsync_dir(os.path.dirname(self.path))

    def abandon(self) -> None:
        """Close the journal without committing (the batch failed; the next call rolls it back)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def pending(flow_dir: PathLike) -> str | None:
    """The journal of an unfinished batch, or None."""
    path = os.path.join(flow_dir, ".state", JOURNAL_NAME)
    return path if os.path.exists(path) else None


def read_entries(path: PathLike) -> list[dict[str, Any]]:
    """The whole journal records; a torn last line (its write never started) is ignored."""
    entries = []
    with open(path, "rb") as f:
        for line in f.read().split(b"\n"):
            try:
                entry = json_text.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                entries.append(entry)
    return entries


def rollback(flow_dir: PathLike, restore: Any) -> list[str]:
    """Undo an unfinished batch, newest record first; return the restored paths (relative to the flow dir).

    `restore(path, data_or_None)` writes the old bytes atomically or deletes the file; appends are truncated back.
    The caller holds the store lock and runs this with journaling off.
    """
    root = os.fspath(flow_dir)
    path = pending(root)
    if path is None:
        return []
    entries = read_entries(path)
    restored = []
    for entry in reversed(entries):
        target = os.path.join(root, entry["path"])
        if not _inside(root, target):
            continue  # a hand-made journal never makes recovery write outside .flow/
        if entry.get("kind") == "dir":
            try:
                os.rmdir(target)  # only when empty again: a folder the batch created
            except OSError:
                pass
            continue
        if entry.get("kind") == "append" and entry.get("absent"):
            restore(target, None)  # the batch created the file: it goes, not just its lines
        elif entry.get("kind") == "append":
            size = int(entry.get("size", 0))
            if os.path.exists(target) and os.stat(target).st_size > size:
                with open(target, "r+b") as f:
                    f.truncate(size)
                    f.flush()
                    os.fsync(f.fileno())
        else:
            restore(target, None if entry.get("absent") else binascii.a2b_base64(entry.get("old", "")))
        restored.append(entry["path"])
        _remove_temp_files(*os.path.split(target))
    os.unlink(path)
    _fsync_dir(os.path.dirname(path))
    return restored


def _inside(root: str, target: str) -> bool:
    real_root = os.path.realpath(root)
    return os.path.commonpath([real_root, os.path.realpath(target)]) == real_root


def _remove_temp_files(directory: str, name: str) -> None:
    """Delete the temp files a killed atomic write of `name` left behind (`.<name>.<pid>.<n>.tmp`)."""
    try:
        leftovers = [e for e in os.listdir(directory) if e.startswith(f".{name}.") and e.endswith(".tmp")]
    except OSError:
        return
    for entry in leftovers:
        try:
            os.unlink(os.path.join(directory, entry))
        except OSError:
            pass


def _fsync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
