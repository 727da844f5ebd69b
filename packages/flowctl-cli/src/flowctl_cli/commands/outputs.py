"""`flowctl outputs …`: narrative hand-off files between tasks (cli-ext.md §7)."""

from __future__ import annotations

from typing import Optional

import click
import typer

from ..app import group
from ..output import Result

app = group("Outputs commands (narrative handoff between tasks)")


@app.command("write")
def write(task_id: str = typer.Argument(..., metavar="TASK_ID", help="Task ID (e.g. fn-1.3)"),
          file: str = typer.Option(..., "--file", help="Path to content file, or '-' for stdin")) -> Result:
    """Write output markdown for a task (from file or stdin via '-')."""
    from flowctl_service import outputs

    from ..context import state, store

    content = outputs.read_input(task_id, file)  # the reference validates and reads before opening the store
    dry_run = state().dry_run
    data = outputs.write(store(), None, task_id, content, dry_run=dry_run)
    if dry_run:
        return Result(data, raw=True)
    return Result(data, text=outputs.write_text(data))


@app.command("list")
def list_(epic: str = typer.Option(..., "--epic", help="Epic ID"),
          limit: Optional[int] = typer.Option(None, "--limit", click_type=click.IntRange(min=0),
                                              help="Max entries to return")) -> Result:
    """List prior outputs for an epic, newest-first."""
    from flowctl_service import outputs

    from ..context import store

    data = outputs.list_for_epic(store(), epic, limit)
    return Result(outputs.list_payload(data), text=outputs.list_text(data))


@app.command("show")
def show(task_id: str = typer.Argument(..., metavar="TASK_ID", help="Task ID (e.g. fn-1.3)")) -> Result:
    """Print the full markdown content for a task's output file."""
    from flowctl_service import outputs

    from ..context import store

    data = outputs.show(store(), task_id)
    return Result(data, text=data["content"], verbatim=True)
