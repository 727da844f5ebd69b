"""The decision log: `log decision` appends to the event log, `log decisions` reads it back (cli-ext.md §5).

Decisions are `type: decision` lines of `.state/events.jsonl` on stream `decision:<epic or _global>`. Fixes over
the reference: `--epic`/`--task` must be well-formed ids, a `--task` without `--epic` is filed under the task's
epic, `--limit 0` lists nothing, and the plain-text timestamp is cut by characters, never mid-character.
"""

from __future__ import annotations

from typing import Any

from flowctl_core import changes as ch
from flowctl_core import ids
from flowctl_core.errors import InvalidInputError
from flowctl_db import FlowStore

from .applier import commit

GLOBAL = "_global"
DEFAULT_LIMIT = 20


def log_decision(store: FlowStore, key: str, value: str, reason: str, epic_id: str | None = None,
                 task_id: str | None = None, *, dry_run: bool = False) -> dict[str, Any]:
    """Append one decision event; returns `{"epic_id", "event_type", "key", "reason", "task_id", "value"}`."""
    from flowctl_core.timefmt import now_off

    # Ids that no record could have (malformed, or too long to name a file) are refused like everywhere else.
    if epic_id is not None:
        if not ids.is_epic_id(epic_id):
            raise InvalidInputError(f"Invalid epic ID: {epic_id}")
        store.paths.epic_json(epic_id)
    if task_id is not None:
        if not ids.is_task_id(task_id):
            raise InvalidInputError(f"Invalid task ID: {task_id}")
        store.paths.task_json(task_id)
        if epic_id is None:
            epic_id = ids.epic_id_from_task(task_id)
    epic = epic_id or GLOBAL
    event = {"epic_id": epic, "key": key, "reason": reason, "stream_id": f"decision:{epic}", "task_id": task_id,
             "timestamp": now_off(), "type": "decision", "value": value}
    preview = commit(store, ch.Changes([ch.append("events", event)]), None, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"epic_id": epic, "event_type": "decision", "key": key, "reason": reason, "task_id": task_id,
            "value": value}


def decision_text(result: dict[str, Any]) -> str:
    """Plain form of `log decision`."""
    return f"Decision logged: {result['key']}={result['value']} (reason: {result['reason']})"


def _text_or(value: Any, default: str) -> str:
    return value if isinstance(value, str) else default


def find(store: FlowStore, epic_id: str | None = None, task_id: str | None = None,
         limit: int = DEFAULT_LIMIT) -> list[dict[str, Any]]:
    """Decision events as stored, newest first, optionally of one epic and/or task, at most `limit` of them."""
    if limit < 0:
        raise InvalidInputError(f"Invalid limit {limit}: must be a non-negative integer")
    found: list[dict[str, Any]] = []
    if not limit:
        return found
    for event in store.events.newest_first(contains="decision"):
        if event.get("type") != "decision":
            continue
        if epic_id is not None and event.get("epic_id") != epic_id:
            continue
        if task_id is not None and event.get("task_id") != task_id:
            continue
        found.append(event)
        if len(found) >= limit:
            break
    return found


def listing(events: list[dict[str, Any]]) -> dict[str, Any]:
    """`{"count", "decisions": [{"epic_id", "key", "reason", "task_id", "timestamp", "value"}]}`: a missing string
    field reads as "" and a missing task as null, as in the reference."""
    items = [{"epic_id": _text_or(e.get("epic_id"), ""), "key": _text_or(e.get("key"), ""),
              "reason": _text_or(e.get("reason"), ""), "task_id": e.get("task_id"),
              "timestamp": _text_or(e.get("timestamp"), ""), "value": _text_or(e.get("value"), "")}
             for e in events]
    return {"count": len(items), "decisions": items}


def listing_text(events: list[dict[str, Any]]) -> str:
    """Plain form of `log decisions`: a missing field prints as `?` (the task as `-`)."""
    if not events:
        return "No decisions recorded."
    lines = [f"Decisions ({len(events)}):"]
    for e in events:
        stamp = _text_or(e.get("timestamp"), "?")[:19]  # characters, never half a character (Appendix B 18)
        lines.append(f"  [{stamp}] {_text_or(e.get('key'), '?')}={_text_or(e.get('value'), '?')} \u2014 "
                     f"{_text_or(e.get('reason'), '?')} (epic: {_text_or(e.get('epic_id'), '?')}, "
                     f"task: {_text_or(e.get('task_id'), '-')})")
    return "\n".join(lines)
