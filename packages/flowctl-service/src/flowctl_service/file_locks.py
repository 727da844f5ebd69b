"""File locks between tasks (Teams mode): lock, unlock, heartbeat, lock-check (cli-core.md §6, storage.md §8.1).

Decision D-4 over the reference's D1–D3, D18–D21: `write` is exclusive, `read` and `directory_add` are shared;
every conflicting holder is reported with its own mode; `unlock --files` releases only those files; locks expire
after a TTL (45 min by default) that `heartbeat` extends; task ids are validated (D52). `store.locks` computes the
new table under the store lock; the applier writes it (`put("locks", "", entries)`), or `--dry-run` previews it.
"""

from __future__ import annotations

from flowctl_core import changes, json_text
from flowctl_core.errors import InvalidInputError
from flowctl_db import FlowStore

from . import lookup
from .applier import commit

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_TTL_SECONDS = 45 * 60
MAX_TTL_SECONDS = 100 * 365 * 86400  # far beyond any session, and the expiry stays a valid timestamp


def split_files(files: str | None) -> list[str]:
    """A comma-separated file list: entries trimmed, empties dropped, duplicates kept once (first wins)."""
    out: list[str] = []
    for part in (files or "").split(","):
        name = part.strip()
        if name and name not in out:
            out.append(name)
    return out


def _ttl(ttl_seconds: float | None) -> float:
    if ttl_seconds is None:
        return DEFAULT_TTL_SECONDS
    if not ttl_seconds > 0:  # also NaN
        raise InvalidInputError(f"--ttl must be a positive number of seconds, got {ttl_seconds:g}")
    if ttl_seconds > MAX_TTL_SECONDS:
        raise InvalidInputError(f"--ttl must be at most {MAX_TTL_SECONDS} seconds (100 years), got {ttl_seconds:g}")
    return ttl_seconds


def _write(store: FlowStore, entries: list[dict[str, Any]] | None, dry_run: bool) -> dict[str, Any] | None:
    """Write the new lock table (nothing when None); the preview under --dry-run."""
    batch = changes.Changes([] if entries is None else [changes.put("locks", "", entries)])
    return commit(store, batch, dry_run=dry_run)


def lock(store: FlowStore, task_id: str, files: str, mode: str = "write",
         ttl_seconds: float | None = None, *, dry_run: bool = False) -> dict[str, Any]:
    """Lock files for a task; files held by others in an incompatible mode are reported, the rest are locked.

    `{"already_locked": [{"detail", "file", "owners": ["<task>(<its mode>)"]}], "locked": [...], "mode", "task"}`.
    Re-locking one's own file refreshes its mode and expiry.
    """
    lookup.task_id(task_id)
    wanted = split_files(files)
    if not wanted:
        raise InvalidInputError("No files specified for locking.")
    ttl = _ttl(ttl_seconds)
    with store.lock():
        entries, outcome = store.locks.plan_acquire_many(wanted, task_id, mode, ttl_seconds=ttl)
        preview = _write(store, entries, dry_run)
    if preview is not None:
        return preview
    return {"locked": outcome["locked"], "already_locked": outcome["already_locked"], "task": task_id, "mode": mode}


def lock_text(payload: dict[str, Any]) -> str:
    """Plain form of `lock`."""
    lines = []
    if payload["locked"]:
        lines.append(f"Locked {len(payload['locked'])} file(s) for task {payload['task']} (mode: {payload['mode']})")
    for item in payload["already_locked"]:
        lines.append(f"Already locked: {item['file']} (owners: {json_text.dumps_compact(item['owners'])})")
    return "\n".join(lines) + ("\n" if lines else "")


def unlock(store: FlowStore, task_id: str | None = None, files: str | None = None,
           all_: bool = False, *, dry_run: bool = False) -> dict[str, Any]:
    """Release all locks (`all_`), a task's locks, or only the given files of a task (D18 fix)."""
    if all_:
        with store.lock():
            entries, count = store.locks.plan_release_all()
            preview = _write(store, entries, dry_run)
        return preview or {"cleared": count, "message": f"Cleared {count} file lock(s)"}
    if task_id is None:
        raise InvalidInputError("--task is required (or use --all to clear all locks)")
    lookup.task_id(task_id)
    only = split_files(files) if files is not None else None
    with store.lock():
        entries, count = store.locks.plan_release(task_id, only)
        preview = _write(store, entries, dry_run)
    return preview or {"task": task_id, "unlocked": count, "message": f"Released {count} lock(s) for task {task_id}"}


def heartbeat(store: FlowStore, task_id: str, ttl_seconds: float | None = None, *,
              dry_run: bool = False) -> dict[str, Any]:
    """Extend the expiry of every lock the task holds to now + TTL; report how many were extended."""
    lookup.task_id(task_id)
    ttl = _ttl(ttl_seconds)
    with store.lock():
        entries, count = store.locks.plan_heartbeat(task_id, ttl_seconds=ttl)
        preview = _write(store, entries, dry_run)
    return preview or {"task": task_id, "extended": count,
            "message": f"Heartbeat acknowledged: extended {count} lock(s) by {_minutes(ttl)}"}


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def heartbeat_text(payload: dict[str, Any]) -> str:
    """Plain form of `heartbeat`."""
    return f"Heartbeat acknowledged for task {payload['task']} (extended {payload['extended']} lock(s))\n"


def lock_check(store: FlowStore, file: str | None = None) -> dict[str, Any]:
    """One file's live holders with their real modes (D2/D3 fix), or every live lock when no file is given."""
    if file is not None:
        holders = store.locks.check(file)
        if not holders:
            return {"file": file, "locked": False}
        return {"file": file, "locked": True, "locks": holders}
    entries = store.locks.list()
    rows = []
    for e in entries:
        row = {"file": e["file_path"], "task_id": e["task_id"], "locked_at": e["locked_at"], "mode": e["mode"]}
        if e.get("expires_at") is not None:
            row["expires_at"] = e["expires_at"]
        rows.append(row)
    return {"locks": rows, "count": len(rows)}


def lock_check_text(payload: dict[str, Any]) -> str:
    """Plain form of `lock-check`."""
    if "file" in payload:
        if not payload["locked"]:
            return f"{payload['file']}: not locked\n"
        holders = payload["locks"]
        if len(holders) == 1 and holders[0]["mode"] == "write":
            return f"{payload['file']}: locked by {holders[0]['task_id']}\n"
        named = ", ".join(f"{h['task_id']} [{h['mode']}]" for h in holders)
        return f"{payload['file']}: locked by {named}\n"
    rows = payload["locks"]
    if not rows:
        return "No file locks active.\n"
    lines = [f"Active file locks ({len(rows)}):", ""]
    lines += [f"  {r['file']} \u2192 {r['task_id']} [{r['mode']}] (since {r['locked_at']})" for r in rows]
    return "\n".join(lines) + "\n"
