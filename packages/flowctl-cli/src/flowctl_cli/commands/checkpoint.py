"""`flowctl checkpoint …`: snapshot and restore of one epic (cli-ext.md §8, decision D-9)."""

from __future__ import annotations

import typer

from ..app import group
from ..output import Result, result_or_preview

app = group("Checkpoint commands")


@app.command("save")
def save(epic: str = typer.Option(..., "--epic", help="Epic ID")) -> Result:
    """Save epic state to checkpoint."""
    from flowctl_service import checkpoints

    from ..context import state, store

    data = checkpoints.save(store(), epic, dry_run=state().dry_run)
    return result_or_preview(data, "" if data.get("dry_run") else checkpoints.save_text(data))


@app.command("restore")
def restore(epic: str = typer.Option(..., "--epic", help="Epic ID")) -> Result:
    """Restore epic state from checkpoint."""
    from flowctl_service import checkpoints
    from flowctl_service.actor import resolve_actor

    from ..context import state, store

    st = store()
    cli = state()
    actor = None if cli.dry_run else resolve_actor(cli.cwd)
    data = checkpoints.restore(st, actor, epic, dry_run=cli.dry_run)
    return result_or_preview(data, data.get("message", ""))


@app.command("delete")
def delete(epic: str = typer.Option(..., "--epic", help="Epic ID")) -> Result:
    """Delete checkpoint for epic."""
    from flowctl_service import checkpoints

    from ..context import state, store

    data = checkpoints.delete(store(), epic, dry_run=state().dry_run)
    return result_or_preview(data, data.get("message", ""))
