"""`flowctl ready|next|queue` (cli-core.md §7.1–7.3)."""

from __future__ import annotations

from typing import Any

import typer

from ..app import group
from ..output import Result

app = group("Scheduling commands")


def ready_text(data: dict[str, Any]) -> str:
    """Plain output of `ready` (the TTY form; the `ready` compact filter shortens it when piped)."""
    actor = data["actor"]
    lines = [f"Ready tasks for {data['epic']} (actor: {actor}):"]
    if data["ready"]:
        lines += [f"  {t['id']}: {t['title']}" for t in data["ready"]]
    else:
        lines.append("  (none)")
    if data["in_progress"]:
        lines += ["", "In progress:"]
        for t in data["in_progress"]:
            who = t["assignee"] or "unknown"
            lines.append(f"  {t['id']}: {t['title']} [{who}]{' (you)' if who == actor else ''}")
    if data["blocked"]:
        lines += ["", "Blocked:"]
        lines += [f"  {t['id']}: {t['title']} (by: {', '.join(t['blocked_by'])})" for t in data["blocked"]]
    return "\n".join(lines)


@app.command("ready")
def ready(epic: str = typer.Option(..., "--epic", help="Epic ID")) -> Result:
    """List ready tasks."""
    from flowctl_service import scheduling
    from flowctl_service.workspace import resolve_actor

    from ..context import state, workflow_store

    store = workflow_store()
    data = scheduling.ready(store, epic, resolve_actor(state().cwd))
    return Result(data, text=ready_text(data), text_filter="ready")


def next_text(data: dict[str, Any]) -> str:
    """Plain output of `next`: `<status> <epic|task> <reason>`, or `none` (+ blocked epics)."""
    status = data["status"]
    if status == "work":
        return f"work {data['task']} {data['reason']}"
    if status in ("plan", "completion_review"):
        return f"{status} {data['epic']} {data['reason']}"
    if "blocked_epics" in data:
        lines = ["none blocked_by_epic_deps"]
        lines += [f"  {e}: {', '.join(deps)}" for e, deps in data["blocked_epics"].items()]
        return "\n".join(lines)
    return "none"


@app.command("next")
def next_(
    epics_file: str | None = typer.Option(None, "--epics-file", help="JSON file with ordered epic list"),
    require_plan_review: bool = typer.Option(False, "--require-plan-review", help="Require plan review before work"),
    require_completion_review: bool = typer.Option(
        False, "--require-completion-review", help="Require completion review when all tasks done"),
) -> Result:
    """Select next plan/work unit."""
    from flowctl_service import scheduling
    from flowctl_service.workspace import resolve_actor

    from ..context import state, workflow_store

    store = workflow_store()
    data = scheduling.next_unit(store, resolve_actor(state().cwd), epics_file=epics_file,
                                require_plan_review=require_plan_review,
                                require_completion_review=require_completion_review)
    return Result(data, text=next_text(data))


def _icon(row: dict[str, Any]) -> str:
    if row["status"] == "done":
        return "\u2713"
    if row["blocked_by"]:
        return "\u2298"
    return "\u25b6" if row["tasks"]["ready"] > 0 else "\u25cb"


def queue_text(data: dict[str, Any]) -> str:
    """Plain output of `queue` (not filtered): header, then per epic an icon line, a progress bar, a blank line."""
    rows = data["epics"]
    open_count = sum(1 for r in rows if r["status"] != "done")
    out = [f"Queue ({open_count} open, {len(rows) - open_count} done):", ""]
    for r in rows:
        tc = r["tasks"]
        cells = min(r["progress"] * 20 // 100, 20) if r["total_tasks"] else 0
        bar = "\u2588" * cells + "\u2591" * (20 - cells)
        out.append(f"  {_icon(r)} {r['id']}: {r['title']}")
        out.append(f"    [{bar}] {r['progress']}%  done={tc['done']} ready={tc['ready']} todo={tc['todo']} "
                   f"in_progress={tc['in_progress']} blocked={tc['blocked']}")
        if r["blocked_by"]:
            out.append(f"    \u2298 blocked by: {', '.join(r['blocked_by'])}")
        elif r["depends_on_epics"]:
            out.append(f"    \u2192 deps (resolved): {', '.join(r['depends_on_epics'])}")
        out.append("")
    return "\n".join(out) + "\n"


@app.command("queue")
def queue() -> Result:
    """Show multi-epic queue status."""
    from flowctl_service import scheduling
    from flowctl_service.workspace import resolve_actor

    from ..context import state, workflow_store

    store = workflow_store()
    data = scheduling.queue(store, resolve_actor(state().cwd))
    return Result(data, text=queue_text(data))
