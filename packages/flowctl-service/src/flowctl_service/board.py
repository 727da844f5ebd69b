"""A read-only, incrementally refreshed view of one `.flow/` for `flowctl watch` (plain dicts, no UI).

`BoardReader.open()` reads what the board needs once: every epic, every task's status (progress bars), the
tasks of the epics on screen in full, and the tail of the event log. `poll()` then finds what other processes
changed with cheap checks and re-reads only that:

* a directory's mtime changes whenever a file in it is created or replaced, and flowctl replaces every record
  atomically (a new inode each time), so a changed directory is listed once (`os.scandir`, no stat per file) and
  only the entries whose inode changed are read again;
* the event log is append-only: only the bytes past the last offset are read;
* locks, approvals and gaps are small files, re-read when their (inode, mtime, size) changes;
* the files of the epic on screen (`focus`) are also stat-ed one by one, so a tool that rewrites a file in place
  (same inode, directory untouched — the Rust reference does) is still seen there.

Nothing here takes the store lock: every file is replaced atomically, so a reader never sees a torn record.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flowctl_core import timefmt
from flowctl_core.errors import FlowError
from flowctl_db import FlowStore

# Board columns: title and the statuses they gather, left to right.
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("todo", ("todo",)),
    ("in progress", ("in_progress",)),
    ("blocked", ("blocked",)),
    ("failed / retry", ("failed", "upstream_failed", "up_for_retry")),
    ("done / skipped", ("done", "skipped")),
)
COLUMN_OF = {status: title for title, statuses in COLUMNS for status in statuses}
EVENT_TAIL_BYTES = 512 * 1024  # the first read of a long event log takes only its end
EVENT_KEEP = 2000  # events kept in memory (newest)
RACY_SECONDS = 1.0  # a directory changed this recently is listed again: two writes may share one mtime tick


def _is_task_file(name: str) -> bool:
    """`<epic>.<digits>.json`."""
    stem, dot, number = name[:-5].rpartition(".")
    return name.endswith(".json") and bool(dot) and bool(stem) and number.isdigit()


def _span(seconds: int) -> str:
    """`45s`, `12m`, `3h`, `2d`."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def _seconds_between(earlier: str, later: datetime) -> int | None:
    try:
        return int((later - timefmt.parse(earlier)).total_seconds())
    except (ValueError, TypeError):
        return None


def claim_age(claimed_at: str | None, now: datetime) -> str:
    """Time since the claim (`12m`); '' without one."""
    seconds = _seconds_between(claimed_at, now) if claimed_at else None
    return "" if seconds is None else _span(seconds)


def time_left(expires_at: str | None, now: datetime) -> str:
    """Time until the expiry (`44m`); `never` without one; `expired` once past."""
    if not expires_at:
        return "never"
    seconds = _seconds_between(expires_at, now)
    if seconds is None:
        return "?"
    return "expired" if seconds > 0 else _span(-seconds)


class _DirWatch:
    """One directory's entries by inode, listed again only when the directory changed."""

    __slots__ = ("path", "mtime", "scanned_at", "inodes")

    def __init__(self, path: str) -> None:
        self.path = path
        self.mtime = -1
        self.scanned_at = 0.0
        self.inodes: dict[str, int] = {}

    def changes(self) -> tuple[set[str], set[str]]:
        """(names created or replaced, names removed) since the last call."""
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            mtime = 0
        now = time.time()
        if mtime == self.mtime and mtime / 1e9 < self.scanned_at - RACY_SECONDS:
            return set(), set()
        self.mtime, self.scanned_at = mtime, now
        try:
            with os.scandir(self.path) as entries:
                current = {e.name: e.inode() for e in entries if not e.name.startswith(".")}
        except (FileNotFoundError, NotADirectoryError):
            current = {}
        old = self.inodes
        self.inodes = current
        changed = {name for name, ino in current.items() if old.get(name) != ino}
        return changed, set(old) - set(current)


def _file_key(path: Any) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class BoardReader:
    """Read-only board model of one store. `epic` narrows the board (and the event log) to one epic."""

    def __init__(self, store: FlowStore, epic: str | None = None,
                 clock: Callable[[], datetime] = timefmt.now) -> None:
        self.store = store
        self.epic = epic
        self.clock = clock
        self.epics: dict[str, dict[str, Any]] = {}
        self.statuses: dict[str, dict[str, str]] = {}  # epic id -> task id -> status
        self._counts: dict[str, dict[str, int]] = {}  # epic id -> status -> count (dropped when statuses change)
        self.tasks: dict[str, dict[str, dict[str, Any]]] = {}  # loaded epics: epic id -> task id -> board row
        self.events: list[dict[str, Any]] = []  # newest last
        self.locks: list[dict[str, Any]] = []
        self.approvals: list[dict[str, Any]] = []
        self.gaps: dict[str, list[dict[str, Any]]] = {}
        self.errors: list[str] = []  # files that could not be read (corrupt); shown, never fatal
        p = store.paths
        self._dirs = {"epics": _DirWatch(str(p.epics)), "tasks": _DirWatch(str(p.tasks)),
                      "state": _DirWatch(str(p.state_tasks)), "gaps": _DirWatch(str(p.gaps))}
        self._files: dict[str, tuple[int, int, int] | None] = {}
        self._event_offset = 0
        self.focus: str | None = epic  # the epic on screen: its files are checked one by one
        self.pending: dict[str, list[str]] = {}  # epics whose task statuses are not read yet (open(defer=True))
        self._focus_keys: dict[str, tuple[Any, Any]] = {}

    # ── reading ──────────────────────────────────────────────────────────────────────────────────────────────

    def open(self, defer: bool = False) -> dict[str, Any]:
        """Read the board once; returns `summary()`. With `defer`, task statuses are read only for the epic in
        `focus` (the first open epic when unset); the others stay `pending` until `read_pending()` and
        `merge_pending()` (a UI runs the first in a thread and shows the board meanwhile)."""
        for watch in self._dirs.values():
            watch.changes()
        for name in self._dirs["epics"].inodes:
            if name.endswith(".json"):
                self._read_epic(name[:-5])
        ids_by_epic = self.store.task_ids_by_epic()
        if self.epic is not None:
            ids_by_epic = {self.epic: ids_by_epic.get(self.epic, [])}
        self.pending = ids_by_epic
        if defer:
            if self.focus is None:
                self.focus = self.default_focus(ids_by_epic)
            if self.focus in ids_by_epic:
                self.statuses[self.focus] = self._read_statuses(ids_by_epic.pop(self.focus))
        else:
            self.merge_pending(self.read_pending())
        for name in self._dirs["gaps"].inodes:
            if name.endswith(".json"):
                self._read_gaps(name[:-5])
        self._read_small_files(force=True)
        events, self._event_offset = self.store.events.read_from(0, EVENT_TAIL_BYTES)
        self.events = events[-EVENT_KEEP:]
        return self.summary()

    def default_focus(self, ids_by_epic: dict[str, list[str]] | None = None) -> str | None:
        """The epic a board shows first: `--epic`, else the first open epic (by number) that has tasks."""
        if self.epic is not None:
            return self.epic
        with_tasks = ids_by_epic if ids_by_epic is not None else self.statuses
        ids = sorted(set(self.epics) | set(with_tasks), key=_epic_sort_key)
        for epic_id in ids:
            if (self.epics.get(epic_id) or {}).get("status", "open") != "done" and with_tasks.get(epic_id):
                return epic_id
        return ids[0] if ids else None

    def _read_statuses(self, task_ids: list[str]) -> dict[str, str]:
        statuses = {}
        for task_id in task_ids:
            status = self._guard(task_id, lambda task_id=task_id: self.store.task_status(task_id))
            if status is not None:
                statuses[task_id] = status
        return statuses

    def read_pending(self) -> dict[str, dict[str, str]]:
        """The statuses of the epics still pending (reads only: safe to run in another thread)."""
        return {epic_id: self._read_statuses(task_ids) for epic_id, task_ids in list(self.pending.items())}

    def merge_pending(self, found: dict[str, dict[str, str]]) -> None:
        """Adopt statuses read by `read_pending`; what `poll` read meanwhile is newer and wins."""
        for epic_id, statuses in found.items():
            self.statuses[epic_id] = {**statuses, **self.statuses.get(epic_id, {})}
            self._counts.pop(epic_id, None)
            self.pending.pop(epic_id, None)

    def _guard(self, what: str, read: Callable[[], Any]) -> Any:
        """Run a read; a corrupt or unreadable file is recorded in `errors` and skipped."""
        try:
            return read()
        except FlowError as err:
            self.errors.append(f"{what}: {err}")
            return None

    def _read_epic(self, epic_id: str) -> None:
        if self.epic is not None and epic_id != self.epic:
            return
        epic = self._guard(epic_id, lambda: self.store.get_epic(epic_id))
        if epic is None:
            self.epics.pop(epic_id, None)
        else:
            self.epics[epic_id] = epic

    def _read_gaps(self, epic_id: str) -> None:
        if self.epic is not None and epic_id != self.epic:
            return
        gaps = self._guard(f"gaps/{epic_id}.json", lambda: self.store.gaps.read(epic_id))
        if gaps:
            self.gaps[epic_id] = gaps
        else:
            self.gaps.pop(epic_id, None)

    def _read_small_files(self, force: bool = False) -> set[str]:
        changed = set()
        p = self.store.paths
        for name, path, read in (("locks", p.locks, lambda: self.store.locks.list()),
                                 ("approvals", p.approvals, lambda: self.store.approvals.list(pending_only=True))):
            key = _file_key(path)
            if force or key != self._files.get(name):
                self._files[name] = key
                value = self._guard(name, read)
                setattr(self, name, value or [])
                changed.add(name)
        return changed

    def load_epic(self, epic_id: str) -> dict[str, dict[str, Any]]:
        """The epic's tasks as board rows (read once, then kept up to date by `poll`)."""
        rows = self.tasks.get(epic_id)
        if rows is None:
            rows = self.tasks[epic_id] = {}
            for task_id in sorted(self.statuses.get(epic_id, {})):
                self._read_task(task_id, rows)
        return rows

    def _read_task(self, task_id: str, rows: dict[str, dict[str, Any]]) -> None:
        task = self._guard(task_id, lambda: self.store.get_task(task_id))
        if task is None:
            rows.pop(task_id, None)
            return
        state = self._guard(task_id, lambda: self.store.get_state(task_id)) or {}
        rows[task_id] = {
            "id": task_id, "title": task["title"], "status": task["status"], "priority": task.get("priority"),
            "depends_on": list(task.get("depends_on") or []), "assignee": state.get("assignee"),
            "claimed_at": state.get("claimed_at"), "evidence": state.get("evidence"),
            "blocked_reason": state.get("blocked_reason"), "failure_reason": state.get("failure_reason"),
            "summary": state.get("summary"), "retry_count": state.get("retry_count", 0),
            "files": list(task.get("files") or []), "domain": task.get("domain"),
        }

    # ── polling ──────────────────────────────────────────────────────────────────────────────────────────────

    def poll(self) -> dict[str, Any]:
        """Apply what changed on disk since the last call: `{"tasks": ids, "specs": ids, "epics": ids,
        "events": n new, "files": names of locks/approvals/gaps that changed}` (all empty: nothing happened)."""
        changed_tasks: set[str] = set()
        changed_specs: set[str] = set()
        changed_epics: set[str] = set()
        new, gone = self._dirs["epics"].changes()
        for name in new | gone:
            if name.endswith(".json"):
                self._read_epic(name[:-5])
                changed_epics.add(name[:-5])
        new, gone = self._dirs["state"].changes()
        for name in new | gone:
            if name.endswith(".state.json"):
                changed_tasks.add(name[:-len(".state.json")])
        new, gone = self._dirs["tasks"].changes()
        for name in new | gone:
            if _is_task_file(name):
                changed_tasks.add(name[:-5])
            elif name.endswith(".md"):
                changed_specs.add(name[:-3])
        changed_tasks |= self._focus_changes()
        for task_id in sorted(changed_tasks):
            self._refresh_task(task_id)
        files = self._read_small_files()
        new, gone = self._dirs["gaps"].changes()
        for name in new | gone:
            if name.endswith(".json"):
                self._read_gaps(name[:-5])
                files.add("gaps")
        events, self._event_offset = self.store.events.read_from(self._event_offset)
        if events:
            self.events = (self.events + events)[-EVENT_KEEP:]
        return {"tasks": sorted(changed_tasks), "specs": sorted(changed_specs), "epics": sorted(changed_epics),
                "events": len(events), "files": sorted(files)}

    def _focus_changes(self) -> set[str]:
        """Tasks of the focused epic whose definition or state file changed (inode, mtime or size)."""
        if self.focus is None:
            self._focus_keys = {}
            return set()
        p = self.store.paths
        keys = {}
        for task_id in self.statuses.get(self.focus, {}):
            keys[task_id] = (_file_key(os.path.join(p.tasks, task_id + ".json")),
                             _file_key(os.path.join(p.state_tasks, task_id + ".state.json")))
        old, self._focus_keys = self._focus_keys, keys
        if not old or next(iter(old)).rpartition(".")[0] != self.focus:
            return set()  # first look at this epic: nothing to compare with yet
        return {task_id for task_id, key in keys.items() if old.get(task_id, key) != key}

    def _refresh_task(self, task_id: str) -> None:
        epic_id = task_id[: task_id.rfind(".")]
        if self.epic is not None and epic_id != self.epic:
            return
        status = self._guard(task_id, lambda: self.store.task_status(task_id))
        statuses = self.statuses.setdefault(epic_id, {})
        self._counts.pop(epic_id, None)
        if status is None:
            statuses.pop(task_id, None)
        else:
            statuses[task_id] = status
        rows = self.tasks.get(epic_id)
        if rows is not None:
            self._read_task(task_id, rows)

    # ── views ────────────────────────────────────────────────────────────────────────────────────────────────

    def _epic_ids(self) -> list[str]:
        if self.epic is not None:
            return [self.epic]
        return sorted(set(self.epics) | set(self.statuses) | set(self.pending), key=_epic_sort_key)

    def counts(self, epic_id: str) -> dict[str, int]:
        """Tasks of the epic by status (kept until a status of that epic changes)."""
        counts = self._counts.get(epic_id)
        if counts is None:
            counts = self._counts[epic_id] = {}
            for status in self.statuses.get(epic_id, {}).values():
                counts[status] = counts.get(status, 0) + 1
        return counts

    def epic_rows(self) -> list[dict[str, Any]]:
        """One row per epic (with tasks, or shown by --epic): id, title, status, total, counts by status."""
        rows = []
        for epic_id in self._epic_ids():
            counts = self.counts(epic_id)
            epic = self.epics.get(epic_id) or {}
            rows.append({"id": epic_id, "title": epic.get("title", ""), "status": epic.get("status", "open"),
                         "total": sum(counts.values()), "done": counts.get("done", 0) + counts.get("skipped", 0),
                         "counts": counts, "loading": epic_id in self.pending})
        return rows

    def columns(self, epic_id: str, text_filter: str = "") -> dict[str, list[dict[str, Any]]]:
        """The epic's tasks in board columns (`COLUMNS` order), each row with `age` (claim age) added."""
        now = self.clock()
        out: dict[str, list[dict[str, Any]]] = {title: [] for title, _ in COLUMNS}
        needle = text_filter.lower()
        rows = self.load_epic(epic_id)
        for task_id in sorted(rows, key=_task_sort_key):
            row = rows[task_id]
            if needle and needle not in " ".join(
                    str(v) for v in (row["id"], row["title"], row["assignee"] or "", row["status"])).lower():
                continue
            out[COLUMN_OF.get(row["status"], "todo")].append({**row, "age": claim_age(row["claimed_at"], now)})
        return out

    def details(self, task_id: str) -> dict[str, Any] | None:
        """Everything the details pane shows: the row, its spec, dependents within the epic, its events."""
        epic_id = task_id[: task_id.rfind(".")]
        rows = self.load_epic(epic_id)
        row = rows.get(task_id)
        if row is None:
            return None
        spec = self._guard(task_id, lambda: self.store.read_task_spec(task_id)) or ""
        dependents = sorted((t for t, r in rows.items() if task_id in r["depends_on"]), key=_task_sort_key)
        stream = f"task:{task_id}"
        events = [e for e in reversed(self.events)
                  if e.get("stream_id") == stream or e.get("task_id") == task_id or e.get("entity_id") == task_id]
        return {**row, "spec": spec, "dependents": dependents, "events": events,
                "age": claim_age(row["claimed_at"], self.clock())}

    def graph(self, epic_id: str) -> dict[str, Any]:
        """The epic's dependency graph (`pictures.build_graph`) from the rows in memory; FlowError on a cycle."""
        from flowctl_core.errors import NotFoundError

        from .pictures import build_graph, other_task

        rows = self.load_epic(epic_id)
        if not rows:
            raise NotFoundError(f"No tasks found for epic {epic_id}")
        tasks = [rows[t] for t in sorted(rows)]  # id-string order, as `dag`
        return build_graph(epic_id, tasks, lambda task_id: self._guard(task_id, lambda: other_task(self.store, task_id)))

    def activity(self, epic_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """The event log tail, newest first, optionally only one epic's events."""
        from flowctl_db.events import stream_belongs_to_epic

        out = []
        for event in reversed(self.events):
            if epic_id is None or event.get("epic_id") == epic_id or stream_belongs_to_epic(
                    event.get("stream_id"), epic_id):
                out.append(event)
                if len(out) >= limit:
                    break
        return out

    def open_gaps(self) -> list[dict[str, Any]]:
        """Unresolved gaps of every epic on the board: each gap with its `epic`."""
        return [{**gap, "epic": epic_id} for epic_id in sorted(self.gaps, key=_epic_sort_key)
                for gap in self.gaps[epic_id] if not gap.get("resolved")]

    def summary(self) -> dict[str, Any]:
        """Counts for the header: epics, tasks, by status."""
        ids = self._epic_ids()
        total: dict[str, int] = {}
        for epic_id in ids:
            for status, n in self.counts(epic_id).items():
                total[status] = total.get(status, 0) + n
        return {"epics": len(ids), "tasks": sum(total.values()), "counts": total}


def _epic_sort_key(epic_id: str) -> tuple[int, str]:
    head = epic_id[3:].split("-", 1)[0] if epic_id.startswith("fn-") else ""
    return (int(head) if head.isdigit() else 1 << 30, epic_id)


def _task_sort_key(task_id: str) -> tuple[str, int]:
    epic, _, number = task_id.rpartition(".")
    return (epic, int(number) if number.isdigit() else 0)
