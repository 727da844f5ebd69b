"""`flowctl phase next|done`: the epic-level pipeline `/flow-code:run` loops over (cli-ext §19)."""

from __future__ import annotations

import typer

from ..app import group
from ..output import Result

app = group("Epic-level pipeline phase progression")


@app.command("next")
def next_(epic: str = typer.Option(..., "--epic", help="Epic ID")) -> Result:
    """Show current pipeline phase for an epic."""
    from flowctl_service import pipeline

    from ..context import state, workflow_store

    data = pipeline.next_phase(workflow_store(), epic, dry_run=state().dry_run)
    if "dry_run" in data:
        return Result(data, raw=True)
    return Result(data, text=pipeline.next_text(data))


@app.command("done")
def done(epic: str = typer.Option(..., "--epic", help="Epic ID"),
         phase: str = typer.Option(..., "--phase", help="Phase name to mark done (must match current phase)")) -> Result:
    """Mark current phase as done and advance to next."""
    from flowctl_service import pipeline

    from ..context import state, workflow_store

    data = pipeline.mark_done(workflow_store(), epic, phase, dry_run=state().dry_run)
    if "dry_run" in data:
        return Result(data, raw=True)
    return Result(data, text=pipeline.done_text(data))
