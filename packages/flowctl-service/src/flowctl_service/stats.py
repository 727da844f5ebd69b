"""`stats` dashboard: figures computed from `.flow/` records and the event log (cli-ext.md §17).

Read-only; a missing `.flow` gives zeros and creates nothing. `summary` and `epic` keep the reference's keys. Where
the reference (after dropping its database) printed stubs, the figures are computed from the files, with the keys
and texts of its database-era dashboard:

* `weekly`: tasks started / completed / failed per `%Y-W%W` week, from the `task_started`, `task_completed` and
  `task_failed` events of the last N weeks;
* `bottlenecks`: blocked tasks first, then done / in-progress tasks by recorded duration (longest first);
* `dora`: lead time (mean duration of tasks completed in 30 days), throughput (completions in 28 days / 4), change
  failure rate (failed / (completed + failed) events in 30 days) and time to restore (from a task's failure or
  block to its next completion, for restorations in 30 days);
* `rollup`: per-month completions, closed epics and mean lead time, computed on the fly (nothing is stored).

`tokens` and `cleanup` stay as in the reference: no file records token usage, and the event log is append-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from flowctl_db import FlowStore

# Event types of the audit lines written by start / done / fail, and of block's lifecycle line.
STARTED, COMPLETED, FAILED, BLOCKED = "task_started", "task_completed", "task_failed", "blocked"


# ── records ───────────────────────────────────────────────────────────────────────────────────────────────────


def _tasks(store: FlowStore) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """(epic, merged task, runtime state or {}) for every task of every listed epic, in id order."""
    for epic in store.list_epics():
        for task in store.list_tasks(epic["id"]):
            yield epic, task, store.get_state(task["id"]) or {}


def _when(value: Any) -> datetime | None:
    """A timestamp as an aware datetime, None when absent or unparseable (hand-edited files)."""
    from flowctl_core.timefmt import parse

    if not isinstance(value, str):
        return None
    try:
        return parse(value)
    except ValueError:
        return None


def _duration(state: dict[str, Any]) -> int | None:
    value = state.get("duration_seconds")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _events(store: FlowStore, types: tuple[str, ...]) -> Iterator[tuple[str, str, datetime]]:
    """(type, task id, time) of the task events of the given types, in file order (bad lines skipped)."""
    if not store.exists():
        return
    for event in store.events.read_all():
        kind, stream, at = event.get("type"), event.get("stream_id"), _when(event.get("timestamp"))
        if kind in types and isinstance(stream, str) and stream.startswith("task:") and at is not None:
            yield kind, stream[len("task:"):], at


def _now() -> datetime:
    from flowctl_core.timefmt import now

    return now()


# ── summary / epic (the reference's figures) ──────────────────────────────────────────────────────────────────


def summary(store: FlowStore) -> dict[str, Any]:
    """Counts of epics, tasks by status (tasks of listed epics only) and non-empty event-log lines."""
    epics = store.list_epics()
    statuses = store.task_statuses()
    counts = {"done": 0, "in_progress": 0, "blocked": 0}
    total = 0
    for epic in epics:
        for status in statuses.get(epic["id"], {}).values():
            total += 1
            if status in counts:
                counts[status] += 1
    return {"total_epics": len(epics), "open_epics": sum(1 for e in epics if e.get("status") == "open"),
            "total_tasks": total, "done_tasks": counts["done"], "in_progress_tasks": counts["in_progress"],
            "blocked_tasks": counts["blocked"], "total_events": store.events.count_lines() if store.exists() else 0,
            "total_tokens": 0, "total_cost_usd": 0.0}


def summary_text(d: dict[str, Any]) -> str:
    """The 5-line plain summary."""
    return (f"flowctl Stats Summary\n{'=' * 40}\n"
            f"Epics:       {d['total_epics']} total, {d['open_epics']} open\n"
            f"Tasks:       {d['total_tasks']} total, {d['done_tasks']} done, {d['in_progress_tasks']} in progress, "
            f"{d['blocked_tasks']} blocked\n"
            f"Events:      {d['total_events']}\n")


def per_epic(store: FlowStore, epic_id: str | None = None) -> dict[str, Any]:
    """One row per epic (or the one named): task and done counts and the mean recorded task duration."""
    rows = []
    for epic in store.list_epics():
        if epic_id is not None and epic["id"] != epic_id:
            continue
        tasks = store.list_tasks(epic["id"])
        durations = [d for d in (_duration(store.get_state(t["id"]) or {}) for t in tasks) if d is not None]
        rows.append({"epic_id": epic["id"], "title": epic.get("title", ""), "status": epic.get("status", "open"),
                     "task_count": len(tasks), "done_count": sum(1 for t in tasks if t["status"] == "done"),
                     "avg_duration_secs": sum(durations) // len(durations) if durations else 0,
                     "total_tokens": 0, "total_cost": 0.0})
    return {"epics": rows, "count": len(rows)}


def truncate(text: str, width: int) -> str:
    """At most `width` characters: longer text keeps `width - 3` characters and gets `...` (never a split char)."""
    return text if len(text) <= width else text[:max(width - 3, 0)] + "..."


def per_epic_text(d: dict[str, Any]) -> str:
    """The EPIC / STATUS / DONE/TOTAL table (counts unpadded, as the reference prints them)."""
    if not d["epics"]:
        return "No epic stats found.\n"
    lines = [f"{'EPIC':<30} {'STATUS':>6} {'DONE':>5}/{'TOTAL':>5}", "-" * 55]
    lines += [f"{truncate(e['epic_id'], 30):<30} {e['status']:>6} {e['done_count']}/{e['task_count']}"
              for e in d["epics"]]
    return "\n".join(lines) + "\n"


# ── weekly ────────────────────────────────────────────────────────────────────────────────────────────────────


def weekly(store: FlowStore, weeks: int = 8, now: datetime | None = None) -> dict[str, Any]:
    """Tasks started / completed / failed per week (`%Y-W%W`, Monday weeks, UTC) over the last `weeks` weeks."""
    from datetime import UTC

    since = ((now or _now()).astimezone(UTC) - timedelta(days=7 * weeks)).date()
    field = {STARTED: "tasks_started", COMPLETED: "tasks_completed", FAILED: "tasks_failed"}
    by_week: dict[str, dict[str, Any]] = {}
    for kind, _task, at in _events(store, (STARTED, COMPLETED, FAILED)):
        day = at.astimezone(UTC).date()
        if day < since:
            continue
        week = day.strftime("%Y-W%W")
        row = by_week.setdefault(week, {"week": week, "tasks_started": 0, "tasks_completed": 0, "tasks_failed": 0})
        row[field[kind]] += 1
    return {"weekly_trends": [by_week[w] for w in sorted(by_week)]}


def weekly_text(d: dict[str, Any]) -> str:
    """WEEK / STARTED / COMPLETED / FAILED table."""
    if not d["weekly_trends"]:
        return "No weekly trend data available.\n"
    lines = [f"{'WEEK':<12} {'STARTED':>8} {'COMPLETED':>10} {'FAILED':>8}", "-" * 42]
    lines += [f"{t['week']:<12} {t['tasks_started']:>8} {t['tasks_completed']:>10} {t['tasks_failed']:>8}"
              for t in d["weekly_trends"]]
    return "\n".join(lines) + "\n"


# ── tokens (no data in files) ─────────────────────────────────────────────────────────────────────────────────


def tokens(store: FlowStore, epic_id: str | None = None) -> dict[str, Any]:
    """No file under `.flow/` records token usage, so there is nothing to break down (as in the reference)."""
    return {"token_usage": [], "message": "Token tracking not available (file-based storage)"}


def tokens_text(d: dict[str, Any]) -> str:
    return "Token usage tracking not available with file-based storage.\n"


# ── bottlenecks ───────────────────────────────────────────────────────────────────────────────────────────────


def bottlenecks(store: FlowStore, limit: int = 10) -> dict[str, Any]:
    """Blocked tasks first, then done / in-progress tasks by recorded duration, longest first (None last)."""
    rows = []
    for _epic, task, state in _tasks(store):
        if task["status"] not in ("blocked", "done", "in_progress"):
            continue
        reason = state.get("blocked_reason")
        rows.append({"task_id": task["id"], "epic_id": task.get("epic", ""), "title": task.get("title", ""),
                     "duration_secs": _duration(state), "status": task["status"],
                     "blocked_reason": reason if isinstance(reason, str) else None})
    rows.sort(key=lambda r: (r["status"] != "blocked", r["duration_secs"] is None, -(r["duration_secs"] or 0)))
    return {"bottlenecks": rows[:limit]}


def format_duration(secs: int) -> str:
    """`1.5h`, `12m` or `40s`."""
    if secs >= 3600:
        return f"{secs / 3600:.1f}h"
    return f"{secs // 60}m" if secs >= 60 else f"{secs}s"


def bottlenecks_text(d: dict[str, Any]) -> str:
    """TASK / STATUS / DURATION / TITLE table (blocked reasons appended)."""
    if not d["bottlenecks"]:
        return "No bottleneck data.\n"
    lines = [f"{'TASK':<25} {'STATUS':<10} {'DURATION':>10} TITLE", "-" * 70]
    for b in d["bottlenecks"]:
        duration = "-" if b["duration_secs"] is None else format_duration(b["duration_secs"])
        suffix = f" [blocked: {truncate(b['blocked_reason'], 30)}]" if b["blocked_reason"] else ""
        lines.append(f"{truncate(b['task_id'], 25):<25} {b['status']:<10} {duration:>10} "
                     f"{truncate(b['title'], 30)}{suffix}")
    return "\n".join(lines) + "\n"


# ── DORA ──────────────────────────────────────────────────────────────────────────────────────────────────────


def _restorations(store: FlowStore) -> Iterator[tuple[datetime, float]]:
    """(completed at, seconds since the first failure or block before it) for each task that recovered."""
    broken_since: dict[str, datetime] = {}
    for kind, task_id, at in _events(store, (FAILED, BLOCKED, COMPLETED)):
        if kind == COMPLETED:
            began = broken_since.pop(task_id, None)
            if began is not None and at >= began:
                yield at, (at - began).total_seconds()
        else:
            broken_since.setdefault(task_id, at)


def dora(store: FlowStore, now: datetime | None = None) -> dict[str, Any]:
    """Lead time, throughput, change failure rate and time to restore over the last 30 (throughput: 28) days."""
    now = now or _now()
    month_ago, four_weeks_ago = now - timedelta(days=30), now - timedelta(days=28)
    lead, completed_28d = [], 0
    for _epic, _task, state in _tasks(store):
        done_at = _when(state.get("completed_at"))
        if done_at is None:
            continue
        if done_at >= four_weeks_ago:
            completed_28d += 1
        if done_at >= month_ago and _duration(state) is not None:
            lead.append(_duration(state))
    completed = failed = 0
    for kind, _task_id, at in _events(store, (COMPLETED, FAILED)):
        if at >= month_ago:
            completed += kind == COMPLETED
            failed += kind == FAILED
    restores = [secs for at, secs in _restorations(store) if at >= month_ago]
    return {"lead_time_hours": sum(lead) / len(lead) / 3600 if lead else None,
            "throughput_per_week": completed_28d / 4.0,
            "change_failure_rate": failed / (completed + failed) if completed + failed else 0.0,
            "time_to_restore_hours": sum(restores) / len(restores) / 3600 if restores else None}


def dora_text(d: dict[str, Any]) -> str:
    """The four DORA figures, one per line."""
    def hours(value: float | None) -> str:
        return "N/A" if value is None else f"{value:.1f}h"

    return (f"DORA Metrics (last 30 days)\n{'=' * 40}\n"
            f"Lead Time:           {hours(d['lead_time_hours'])}\n"
            f"Throughput:          {d['throughput_per_week']:.1f} tasks/week\n"
            f"Change Failure Rate: {d['change_failure_rate'] * 100:.1f}%\n"
            f"Time to Restore:     {hours(d['time_to_restore_hours'])}\n")


# ── rollup / cleanup ──────────────────────────────────────────────────────────────────────────────────────────


def rollup(store: FlowStore) -> dict[str, Any]:
    """Per-month figures (`YYYY-MM`): task completions (events), epics closed, mean lead time of tasks done then."""
    months: dict[str, dict[str, Any]] = {}

    def month(at: datetime) -> dict[str, Any]:
        key = at.strftime("%Y-%m")
        return months.setdefault(key, {"month": key, "epics_completed": 0, "tasks_completed": 0, "_lead": [],
                                        "total_tokens": 0, "total_cost_usd": 0.0})

    for _kind, _task_id, at in _events(store, (COMPLETED,)):
        month(at)["tasks_completed"] += 1
    for _epic, _task, state in _tasks(store):
        done_at, secs = _when(state.get("completed_at")), _duration(state)
        if done_at is not None and secs is not None:
            month(done_at)["_lead"].append(secs)
    for epic in store.list_epics():
        closed_at = _when(epic.get("updated_at"))
        if epic.get("status") == "done" and closed_at is not None:
            month(closed_at)["epics_completed"] += 1
    rows = []
    for key in sorted(months):
        row = months[key]
        lead = row.pop("_lead")
        row["avg_lead_time_h"] = sum(lead) / len(lead) / 3600 if lead else 0.0
        rows.append(row)
    return {"months_updated": len(rows), "rollups": rows}


def rollup_text(d: dict[str, Any]) -> str:
    """`Computed N monthly rollup(s).` and one line per month."""
    lines = [f"Computed {d['months_updated']} monthly rollup(s)."]
    if d["rollups"]:
        lines.append(f"{'MONTH':<8} {'TASKS':>6} {'EPICS':>6} {'AVG LEAD':>9}")
        lines += [f"{r['month']:<8} {r['tasks_completed']:>6} {r['epics_completed']:>6} "
                  f"{r['avg_lead_time_h']:>8.1f}h" for r in d["rollups"]]
    return "\n".join(lines) + "\n"


def cleanup(store: FlowStore) -> dict[str, Any]:
    """Deletes nothing: the event log is append-only and nothing else is derived data (as in the reference)."""
    return {"deleted": 0, "message": "Cleanup not applicable (file-based storage)"}


def cleanup_text(d: dict[str, Any]) -> str:
    return "Cleanup not applicable with file-based storage.\n"
