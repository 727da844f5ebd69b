"""MemoryStore: the `memory/` directory (storage.md §3.16, §8.6).

Two stores live here:
* the library memory `memory/entries.jsonl` (append-only JSON lines; no CLI caller in the reference);
* the CLI "v2" memory used by `flowctl memory`: one `entries/NNN-<type>.md` file per entry, `index.jsonl`
  (one compact sorted-key line per entry) and `stats.json` (reference counts).

This class reads those files and writes them only through the sub-store interface (`put`, `append`, `delete`),
which the service's applier calls; the rules (ids, dedup, tags, gc …) live in `flowctl_service.memory`.
An index line or a `stats.json` that does not parse raises CorruptFileError naming the file: the reference
dropped such lines on its next rewrite and replaced such stats by `{}`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flowctl_core.errors import CorruptFileError
from flowctl_core.json_store import (
    FlowPaths,
    append_line,
    atomic_write,
    dumps_line,
    load_json_object,
    read_bytes,
    read_json_lines,
    remove_file,
    write_json,
)

INDEX_KEY = "index"
STATS_KEY = "stats"
ENTRY_PREFIX = "entries/"


def entry_key(file_name: str) -> str:
    """The sub-store key of one entry file (`entries/<file>`)."""
    return ENTRY_PREFIX + file_name


def parse_index(data: bytes, path: object) -> list[dict[str, Any]]:
    """The entries of `index.jsonl` in file order; CorruptFileError naming the file and line for a bad line.

    Blank lines are skipped. The text is scanned value by value in place (the C scanner, no string per line), and
    a value must end its line: one that runs over a line break, or shares its line, makes the line corrupt.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CorruptFileError(path, f"not valid UTF-8 ({err.reason} at byte {err.start})") from err
    scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # CPython's C scanner, absent from the stubs
    out: list[dict[str, Any]] = []
    size = len(text)
    start = 0
    while start < size:
        stop = text.find("\n", start)
        if stop < 0:
            stop = size
        first = start
        while first < stop and text[first] in " \t\r":
            first += 1
        if first < stop:
            try:
                value, end = scan(text, first)
            except (StopIteration, ValueError, RecursionError):  # ValueError: a syntax error, or int() refusing a number
                value, end = None, -1
            if end < 0 or end > stop or text[end:stop].strip() or not isinstance(value, dict):
                raise CorruptFileError(path, f"line {text.count(chr(10), 0, start) + 1} is not a JSON object")
            out.append(value)
        start = stop + 1
    return out


class MemoryStore:
    """The `memory/` directory: library entries (`entries.jsonl`) and the CLI v2 store."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths
        self.dir = paths.memory
        self.entries_jsonl = self.dir / "entries.jsonl"
        self.entries_dir = self.dir / "entries"
        self.index_path = self.dir / "index.jsonl"
        self.stats_path = self.dir / "stats.json"
        self._entries_str = str(self.entries_dir)

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    # Keys: "index" (index.jsonl: a list of entry objects), "stats" (stats.json), "entries/<file>" (one
    # entry's Markdown). `append` adds one line: to index.jsonl with key "index", else to entries.jsonl.
    def put(self, key: str, value: Any) -> None:
        """Replace one memory file: `index` (list of entries), `stats` (object) or `entries/<file>` (text)."""
        if key == INDEX_KEY:
            self.ensure_dirs()
            atomic_write(self.index_path, "".join(dumps_line(entry) for entry in value))
        elif key == STATS_KEY:
            write_json(self.stats_path, value, sort_keys=True)
        else:
            atomic_write(self._entry_file(key), value)

    def append(self, value: dict[str, Any], key: str = "") -> None:
        """Append one whole line: an index entry (`key="index"`) or a library entry (`entries.jsonl`)."""
        if key == INDEX_KEY:
            self.ensure_dirs()
            append_line(self.index_path, dumps_line(value))
        elif key == "":
            append_line(self.entries_jsonl, dumps_line(value))
        else:
            raise ValueError(f"not a memory log key: {key!r}")

    def delete(self, key: str) -> None:
        """Remove one memory file (`entries/<file>`, `index` or `stats`)."""
        path = {INDEX_KEY: self.index_path, STATS_KEY: self.stats_path}.get(key) or self._entry_file(key)
        remove_file(path)

    def _entry_file(self, key: str) -> Path:
        if not key.startswith(ENTRY_PREFIX):
            raise ValueError(f"not a memory file key: {key!r}")
        path = self.entry_path({"file": key[len(ENTRY_PREFIX):]})
        if path is None:
            raise ValueError(f"not a memory file key: {key!r}")
        self.ensure_dirs()
        return path

    # -- library memory (entries.jsonl) --------------------------------------------------------------------
    def read_all(self) -> list[Any]:
        """Every parseable line of `entries.jsonl`, in file order."""
        return read_json_lines(self.entries_jsonl)

    def search(self, query: str) -> list[Any]:
        """Library entries any of whose values contains `query` (case-insensitive; keys are not searched)."""
        needle = query.lower()
        return [e for e in self.read_all() if any(needle in text.lower() for text in _values_text(e))]

    # -- v2: reads -----------------------------------------------------------------------------------------
    def ensure_dirs(self) -> None:
        """Create `memory/` and `memory/entries/` if missing."""
        self.entries_dir.mkdir(parents=True, exist_ok=True)

    def index_exists(self) -> bool:
        """True when `index.jsonl` exists."""
        return self.index_path.exists()

    def stats_exists(self) -> bool:
        """True when `stats.json` exists."""
        return self.stats_path.exists()

    def index(self) -> list[dict[str, Any]]:
        """Every index entry in file order ([] when missing; CorruptFileError for a line that does not parse)."""
        data = read_bytes(self.index_path)
        return parse_index(data, self.index_path) if data else []

    def stats(self) -> dict[str, Any]:
        """`stats.json` as stored ({} when missing; CorruptFileError when it does not parse)."""
        return load_json_object(self.stats_path)

    def entry_path(self, entry: dict[str, Any]) -> Path | None:
        """The entry's content file, or None when its `file` is missing or not a plain file name."""
        name = entry.get("file")
        if not (isinstance(name, str) and _plain_file_name(name)):
            return None
        return self.entries_dir / name

    def content(self, entry: dict[str, Any]) -> str:
        """The entry file's text ('' when missing, unreadable or not UTF-8, as the reference does).

        `memory search` reads every entry's file, so this is the hot loop of a 10,000-entry search: plain string
        paths and os.read, no pathlib or buffered file objects.
        """
        name = entry.get("file")
        if not (isinstance(name, str) and _plain_file_name(name)):
            return ""
        try:
            fd = os.open(os.path.join(self._entries_str, name), os.O_RDONLY)
        except OSError:
            return ""
        try:
            chunks = []
            while chunk := os.read(fd, 1 << 16):
                chunks.append(chunk)
            return b"".join(chunks).decode("utf-8")
        except (OSError, UnicodeDecodeError):  # a directory, an I/O error, bytes that are not UTF-8
            return ""
        finally:
            os.close(fd)

    def entry_names(self) -> list[str]:
        """Names of the files in `entries/` ([] when it does not exist)."""
        try:
            return os.listdir(self.entries_dir)
        except (FileNotFoundError, NotADirectoryError):
            return []


def _plain_file_name(name: str) -> bool:
    """A name that stays inside `entries/`: no separator, not hidden, printable, not padded, not too long."""
    return (0 < len(name) <= 200 and name.isprintable() and name[0] != "." and "/" not in name
            and "\\" not in name and name == name.strip())


def _values_text(value: Any) -> Iterable[str]:
    """Every scalar value inside a JSON value, as text (keys are not included)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _values_text(v)
    elif isinstance(value, list):
        for v in value:
            yield from _values_text(v)
    elif isinstance(value, str):
        yield value
    elif value is not None:
        yield str(value).lower() if isinstance(value, bool) else str(value)
