"""`.flow`-state hooks: pre-compact (§16.4), subagent-context (§16.5), task-completed (§16.6).

The reference runs `flowctl epics/tasks/ready/lock-check/show/unlock` as child processes; here the same service
functions are called in-process, with the payloads those children print in compact mode. Fixes (decisions
"hook"): in-progress tasks show their declared files, and every file lock is listed with its task.
"""

from __future__ import annotations

from flowctl_core.errors import FlowError

from . import TYPE_CHECKING, HookContext, Outcome, dumps, text_at

if TYPE_CHECKING:
    from typing import Any


def pre_compact(ctx: HookContext) -> Outcome:
    """`[flow-code state]` summary of open epics, in-progress tasks, file locks and ready tasks (filter hook_precompact)."""
    flow = ctx.flow_dir()
    if flow is None:
        return Outcome()
    from flowctl_db import FlowStore

    from .. import file_locks, queries, scheduling

    store = FlowStore(flow)
    notes: list[str] = []
    lines: list[str] = []
    try:
        open_epics = [e["id"] for e in queries.epics(store)["epics"] if e.get("status") != "done"]
    except FlowError as err:
        return Outcome(stderr=f"flowctl hook pre-compact: {err} (no state summary)\n")
    for epic_id in open_epics:
        try:
            tasks = sorted(store.list_tasks(epic_id), key=lambda t: t["id"])
            counts: dict[str, int] = {}
            for task in tasks:
                counts[task["status"]] = counts.get(task["status"], 0) + 1
            lines.append(f"Epic {epic_id}: " + " ".join(f"{s}={n}" for s, n in sorted(counts.items())))
            for task in tasks:
                if task["status"] == "in_progress":
                    files = queries.declared_files(store, task)[:3]
                    shown = f" files=[{','.join(files)}]" if files else ""
                    lines.append(f'  IN_PROGRESS: {task["id"]} "{task["title"]}"{shown}')
        except FlowError as err:
            notes.append(f"flowctl hook pre-compact: epic {epic_id}: {err}")
    try:
        locks = file_locks.lock_check(store)
        if locks["count"]:
            lines.append(f"File locks ({locks['count']} active):")
            lines += [f"  {row['file']} -> {row['task_id']}" for row in sorted(locks["locks"], key=_by_file)]
    except FlowError as err:
        notes.append(f"flowctl hook pre-compact: file locks: {err}")
    for epic_id in open_epics:
        try:
            ready = scheduling.ready(store, epic_id, "")["ready"]
        except FlowError as err:
            notes.append(f"flowctl hook pre-compact: ready tasks of {epic_id}: {err}")
            continue
        if ready:
            lines.append("Ready: " + ", ".join(t["id"] for t in ready[:5]))
    stderr = "".join(n + "\n" for n in notes)
    if not lines:
        return Outcome(stderr=stderr)
    text = "[flow-code state]\n" + "".join(line + "\n" for line in lines) + "[/flow-code state]\n"
    return Outcome(0, text, stderr, text_filter="hook_precompact")


def _by_file(row: dict[str, Any]) -> tuple[str, str]:
    return row["file"], row["task_id"]


def subagent_context(ctx: HookContext) -> Outcome:
    """`Active flow-code tasks: <tasks --status in_progress JSON>` (filter hook_subagent)."""
    flow = ctx.flow_dir()
    if flow is None:
        return Outcome()
    from flowctl_db import FlowStore

    from .. import queries

    payload = queries.tasks(FlowStore(flow), status="in_progress")
    return Outcome(0, f"Active flow-code tasks: {dumps(payload)}", text_filter="hook_subagent")


def task_completed(ctx: HookContext) -> Outcome:
    """Log an Agent Teams task completion in `.flow/hooks-log/events.jsonl` and release the task's file locks."""
    flow = ctx.flow_dir()
    if flow is None:
        return Outcome()
    import re

    data = ctx.payload()
    teammate, team, subject = (text_at(data, k) for k in ("teammate_name", "team_name", "task_subject"))
    task_id = teammate.removeprefix("worker-")
    if not task_id.startswith("fn-"):
        m = re.search(r"fn-[a-z0-9-]+\.\d+", subject)
        if m:
            task_id = m.group(0)
    from flowctl_core import changes
    from flowctl_db import FlowStore

    store = FlowStore(flow)
    when = _utc_seconds(ctx.clock())
    preview = changes.Changes()
    _log(ctx, store, preview, {"event": "task_completed", "flow_task": task_id, "subject": subject, "team": team,
                               "teammate": teammate, "time": when})
    if task_id.startswith("fn-"):
        from .. import file_locks, queries

        try:
            status = queries.show(store, task_id).get("status")
        except FlowError:  # not a task id, or no such task: nothing to release (like a failed `show`)
            status = None
        if status in ("in_progress", "done"):
            if not ctx.dry_run:
                file_locks.unlock(store, task_id)
            _log(ctx, store, preview, {"event": "files_unlocked", "task": task_id, "time": when})
    return Outcome(stdout=dumps(preview.preview()) + "\n") if ctx.dry_run else Outcome()


def _log(ctx: HookContext, store: Any, preview: Any, event: dict[str, Any]) -> None:
    from flowctl_core import changes

    from ..applier import commit

    batch = changes.Changes([changes.append("hooks_log", event)])
    if ctx.dry_run:
        preview.extend(batch)
    else:
        commit(store, batch, "hook")


def _utc_seconds(seconds: float) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
