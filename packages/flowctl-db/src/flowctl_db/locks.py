"""LockStore: advisory per-file locks between tasks in `.state/locks.json` (storage.md §3.9, §8.1, decision D-4).

Compatibility matrix (the intended semantics of the libSQL predecessor):

    held \\ requested   write   read   directory_add
    write               no      no     no
    read                no      yes    yes
    directory_add       no      yes    yes

Entries may carry `holder_pid` and `expires_at`; entries written by the reference lack them and then never expire
by time. Expired entries and entries whose holder process is dead are purged on acquire and ignored by readers.
"""

from __future__ import annotations

import builtins  # `list` below names LockStore.list inside the class
import os

from flowctl_core import records, timefmt
from flowctl_core.errors import ConflictError, CorruptFileError, InvalidInputError
from flowctl_core.json_store import FlowPaths, load_json, remove_file, write_json

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

MODES = records.LOCK_MODES
DEFAULT_TTL_SECONDS = 45 * 60

_SHARED = frozenset({("read", "read"), ("read", "directory_add"),
                     ("directory_add", "read"), ("directory_add", "directory_add")})


def compatible(requested: str, held: str) -> bool:
    """True when a lock in mode `requested` may coexist with another task's lock in mode `held`."""
    return (requested, held) in _SHARED


def owner_label(entry: dict[str, Any]) -> str:
    """`"<task>(<mode>)"` — the holder with its own mode (D20 fix)."""
    return f"{entry['task_id']}({entry['mode']})"


class LockConflictError(ConflictError):
    """A file is held by other tasks in incompatible modes; `holders` lists those entries."""

    def __init__(self, file_path: str, holders: list[dict[str, Any]]) -> None:
        self.file = file_path
        self.holders = holders
        named = ", ".join(f"task '{h['task_id']}' ({h['mode']})" for h in holders)
        super().__init__(f"file '{file_path}' already locked by {named}")

    @property
    def owners(self) -> list[str]:
        """The conflicting holders as `"<task>(<mode>)"` strings."""
        return [owner_label(h) for h in self.holders]


def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return True  # unknown holder: only the TTL can free it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but belongs to someone else, or cannot be probed
    return True


class LockStore:
    """`.state/locks.json`: a pretty JSON array of lock entries in struct order (`[]` when empty)."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    # -- file access ---------------------------------------------------------------------------------------
    def _load(self) -> list[dict[str, Any]]:
        path = self.paths.at("locks")
        data = load_json(path)
        if data is None:
            return []
        if not isinstance(data, list):
            raise CorruptFileError(path, "expected a JSON array of locks")
        entries = [records.normalize(records.LOCK, item, path) for item in data]
        for entry in entries:
            self._expiry(entry)  # validate now so a bad timestamp is reported as a corrupt file
        return entries

    def _save(self, entries: list[dict[str, Any]]) -> None:
        path = self.paths.at("locks")
        write_json(path, [records.normalize(records.LOCK, e, path) for e in entries])

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: list[dict[str, Any]]) -> None:
        """Replace `.state/locks.json` with the lock entries `value`."""
        self._save(value)

    def append(self, value: Any, key: str = "") -> None:
        """The lock table is a whole-file store: it has no log."""
        raise ValueError("locks.json is not appendable")

    def delete(self, key: str) -> None:
        """Remove `.state/locks.json`."""
        remove_file(self.paths.at("locks"))

    def _expiry(self, entry: dict[str, Any]) -> int | None:
        """`expires_at` in Unix microseconds (None: no expiry)."""
        text = entry.get("expires_at")
        if text is None:
            return None
        try:
            return timefmt.epoch_us(text)
        except (ValueError, TypeError) as err:
            raise CorruptFileError(self.paths.at("locks"), f"lock on `{entry['file_path']}`: bad expires_at {text!r}") from err

    def _is_live(self, entry: dict[str, Any], now: int) -> bool:
        expires = self._expiry(entry)
        if expires is not None and expires < now:
            return False
        return _pid_alive(entry.get("holder_pid"))

    def _split_live(self, entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
        now = timefmt.now_us()
        live = [e for e in entries if self._is_live(e, now)]
        return live, len(entries) - len(live)

    # -- acquiring -----------------------------------------------------------------------------------------
    @staticmethod
    def _validate(file_path: str, task_id: str, mode: str) -> None:
        if mode not in MODES:
            raise InvalidInputError(f"Invalid lock mode '{mode}'. Use: {', '.join(MODES)}")
        if not isinstance(file_path, str) or not file_path:
            raise InvalidInputError("File path cannot be empty")
        if not isinstance(task_id, str) or not task_id:
            raise InvalidInputError("Task id cannot be empty")

    @staticmethod
    def _new_entry(file_path: str, task_id: str, mode: str, ttl_seconds: float,
                   pid: int | None) -> dict[str, Any]:
        now = timefmt.now_us()
        entry: dict[str, Any] = {"file_path": file_path, "task_id": task_id, "mode": mode,
                                 "locked_at": timefmt.fmt_off_us(now)}
        if pid is not None:
            entry["holder_pid"] = pid
        entry["expires_at"] = timefmt.fmt_off_us(now + _micros(ttl_seconds))
        return entry

    @staticmethod
    def _place(entries: list[dict[str, Any]], file_path: str, task_id: str, mode: str, ttl_seconds: float,
               pid: int | None) -> dict[str, Any]:
        """Check the matrix against `entries` (live ones) and add/replace the task's entry in place."""
        conflicts = [e for e in entries
                     if e["file_path"] == file_path and e["task_id"] != task_id and not compatible(mode, e["mode"])]
        if conflicts:
            raise LockConflictError(file_path, conflicts)
        entries[:] = [e for e in entries if not (e["file_path"] == file_path and e["task_id"] == task_id)]
        entry = LockStore._new_entry(file_path, task_id, mode, ttl_seconds, pid)
        entries.append(entry)  # re-locking moves the entry to the end with a new mode and time
        return entry

    # Planning: each `plan_*` reads the table and computes the new one without writing it. The caller holds the
    # store lock and writes the table with `changes.put("locks", "", entries)` (None: nothing to write).
    def plan_acquire(self, file_path: str, task_id: str, mode: str = "write",
                     ttl_seconds: float = DEFAULT_TTL_SECONDS,
                     pid: int | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """(new table, the new entry) for locking one file; LockConflictError names incompatible holders."""
        self._validate(file_path, task_id, mode)
        entries, _purged = self._split_live(self._load())
        entry = self._place(entries, file_path, task_id, mode, ttl_seconds, pid)
        return entries, entry

    def plan_acquire_many(self, files: Iterable[str], task_id: str, mode: str = "write",
                          ttl_seconds: float = DEFAULT_TTL_SECONDS,
                          pid: int | None = None) -> tuple[list[dict[str, Any]] | None, dict[str, Any]]:
        """(new table or None, outcome) for locking several files; partial success allowed.

        The outcome is `{"locked": [file…], "already_locked": [{"file", "owners", "detail"}…]}`; stale entries
        found on the way are dropped from the new table.
        """
        files = list(files)
        for file_path in files:
            self._validate(file_path, task_id, mode)
        locked: list[str] = []
        refused: list[dict[str, Any]] = []
        entries, purged = self._split_live(self._load())
        for file_path in files:
            try:
                self._place(entries, file_path, task_id, mode, ttl_seconds, pid)
            except LockConflictError as err:
                refused.append({"file": file_path, "owners": err.owners, "detail": str(err)})
            else:
                locked.append(file_path)
        return (entries if locked or purged else None), {"locked": locked, "already_locked": refused}

    # -- reading -------------------------------------------------------------------------------------------
    def check(self, file_path: str) -> list[dict[str, Any]]:
        """Every live holder of a file: `[{task_id, mode, locked_at, expires_at?}]` in acquisition order."""
        entries, _ = self._split_live(self._load())
        out = []
        for e in entries:
            if e["file_path"] == file_path:
                holder = {"task_id": e["task_id"], "mode": e["mode"], "locked_at": e["locked_at"]}
                if "expires_at" in e:
                    holder["expires_at"] = e["expires_at"]
                out.append(holder)
        return out

    def list(self, include_stale: bool = False) -> list[dict[str, Any]]:
        """All lock entries in file order (stale ones — expired or dead holder — left out unless asked)."""
        entries = self._load()
        return entries if include_stale else self._split_live(entries)[0]

    # -- releasing (planning only, see above) ----------------------------------------------------------------
    def plan_release(self, task_id: str,
                     files: Iterable[str] | None = None) -> tuple[builtins.list[dict[str, Any]] | None, int]:
        """(new table or None, count) for releasing a task's locks — only on `files` when given (D18 fix)."""
        wanted = None if files is None else set(files)
        if not os.path.exists(self.paths.at("locks")):
            return None, 0
        entries = self._load()
        keep = [e for e in entries if not (e["task_id"] == task_id and (wanted is None or e["file_path"] in wanted))]
        removed = len(entries) - len(keep)
        return (keep if removed else None), removed

    def plan_release_all(self) -> tuple[builtins.list[dict[str, Any]] | None, int]:
        """([] or None when there is no file, how many entries there were) for clearing every lock."""
        if not os.path.exists(self.paths.at("locks")):
            return None, 0
        return [], len(self._load())

    def plan_purge(self) -> tuple[builtins.list[dict[str, Any]] | None, int]:
        """(new table or None, count) for dropping expired and dead-holder entries."""
        entries, purged = self._split_live(self._load())
        return (entries if purged else None), purged

    def plan_heartbeat(self, task_id: str,
                       ttl_seconds: float = DEFAULT_TTL_SECONDS) -> tuple[builtins.list[dict[str, Any]] | None, int]:
        """(new table or None, count) for extending `expires_at` of the task's locks to now + ttl."""
        entries = self._load()
        expires = timefmt.fmt_off_us(timefmt.now_us() + _micros(ttl_seconds))
        count = 0
        for e in entries:
            if e["task_id"] == task_id:
                e["expires_at"] = expires
                count += 1
        return (entries if count else None), count


def _micros(seconds: float) -> int:
    """A duration in whole microseconds, rounded as timedelta(seconds=…) rounds it."""
    return round(seconds * 1_000_000)

