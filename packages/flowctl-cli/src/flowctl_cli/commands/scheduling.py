"""`flowctl ready|next|queue` (cli-core.md §7.1–7.3)."""

from __future__ import annotations

import typer

from ..app import group
from ..output import Result

app = group("Scheduling commands")


@app.command("ready")
def ready(epic: str = typer.Option(..., "--epic", help="Epic ID")) -> Result:
    """List ready tasks."""
    from ..handlers import scheduling

    return scheduling.ready(epic=epic)


@app.command("next")
def next_(
    epics_file: str | None = typer.Option(None, "--epics-file", help="JSON file with ordered epic list"),
    require_plan_review: bool = typer.Option(False, "--require-plan-review", help="Require plan review before work"),
    require_completion_review: bool = typer.Option(
        False, "--require-completion-review", help="Require completion review when all tasks done"),
) -> Result:
    """Select next plan/work unit."""
    from ..handlers import scheduling

    return scheduling.next_(epics_file=epics_file, require_plan_review=require_plan_review,
                            require_completion_review=require_completion_review)


@app.command("queue")
def queue() -> Result:
    """Show multi-epic queue status."""
    from flowctl_service import scheduling
    from flowctl_service.actor import resolve_actor

    from ..context import state, workflow_store

    store = workflow_store()
    data = scheduling.queue(store, resolve_actor(state().cwd))
    return Result(data, text=scheduling.queue_text(data))
