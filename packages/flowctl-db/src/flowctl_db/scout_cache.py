"""ScoutCacheStore: cached scout results `.state/scout-cache/<file>` (storage.md §3.15, cli-ext.md §12).

One file per key `<scout-type>:<commit>`, holding the result text verbatim. The file name encodes the key
reversibly (D8 fixed): `%`, `_`, `/`, `\\`, control characters, a leading `.` and whitespace at either end are
percent-escaped (their UTF-8 bytes), then every `:` becomes `_`. So `repo:<sha>` keeps the reference's name
`repo_<sha>`, while keys that the reference mapped to one file (`docs/x:ab` and `docs_x:ab`) get different ones.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flowctl_core.errors import InvalidInputError
from flowctl_core.json_store import (
    MAX_NAME_BYTES,
    FlowPaths,
    atomic_write,
    read_bytes,
    remove_file,
    safe_name,
)

_ESCAPED = frozenset("%_/\\\x7f") | frozenset(chr(c) for c in range(32))


def file_name(key: str) -> str:
    """The cache file name of a key (reversible, so distinct keys never share a file)."""
    out = []
    last = len(key) - 1
    for position, char in enumerate(key):
        if (char in _ESCAPED or (position == 0 and (char == "." or char.isspace()))
                or (position == last and char.isspace())):
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
        elif char == ":":
            out.append("_")
        else:
            out.append(char)
    name = "".join(out)
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise InvalidInputError(f"Scout cache key is too long to name a file ({len(name.encode('utf-8'))} bytes "
                                f"encoded, at most {MAX_NAME_BYTES}): {key[:60]}…")
    return name


class ScoutCacheStore:
    """`.state/scout-cache/`: one file per cache key, content verbatim."""

    def __init__(self, paths: FlowPaths) -> None:
        self.dir = paths.state / "scout-cache"

    def _path(self, name: str) -> Path:
        return self.dir / safe_name(name)

    def read(self, name: str) -> tuple[bytes, int] | None:
        """(content, mtime in ns) of a cache file, or None when there is none."""
        path = self._path(name)
        data = read_bytes(path)
        if data is None:
            return None
        try:
            return data, path.stat().st_mtime_ns
        except FileNotFoundError:  # cleared in between
            return None

    def names(self) -> list[str]:
        """Names of the cache files (not directories, not our own temporary files), sorted."""
        try:
            scan = list(os.scandir(self.dir))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(e.name for e in scan if not e.name.startswith(".") and not e.is_dir(follow_symlinks=False))

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: str) -> None:
        """Write cache file `key` (a file name from `file_name`) with `value` verbatim."""
        atomic_write(self._path(key), value)

    def append(self, value: Any, key: str = "") -> None:
        """Cache entries are whole files: there is no log."""
        raise ValueError("the scout cache is not appendable")

    def delete(self, key: str) -> None:
        """Remove cache file `key`."""
        remove_file(self._path(key))
