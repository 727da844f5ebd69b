"""`flowctl ready|next|queue` (cli-core.md §7.1–7.3)."""

from __future__ import annotations

import typer

from ..app import group
from ..output import Result

app = group("Scheduling commands")


@app.command("ready")
def ready(epic: str = typer.Option(..., "--epic", help="Epic ID")) -> Result:
    """List ready tasks."""
    from flowctl_service import scheduling
    from flowctl_service.workspace import resolve_actor

    from ..context import state, workflow_store

    store = workflow_store()
    data = scheduling.ready(store, epic, resolve_actor(state().cwd))
    return Result(data, text=scheduling.ready_text(data), text_filter="ready")


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
    return Result(data, text=scheduling.next_text(data))


@app.command("queue")
def queue() -> Result:
    """Show multi-epic queue status."""
    from flowctl_service import scheduling
    from flowctl_service.workspace import resolve_actor

    from ..context import state, workflow_store

    store = workflow_store()
    data = scheduling.queue(store, resolve_actor(state().cwd))
    return Result(data, text=scheduling.queue_text(data))
