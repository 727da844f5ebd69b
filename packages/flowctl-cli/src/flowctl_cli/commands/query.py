"""Query commands: show, epics, tasks, list, cat, files (cli-core.md §5)."""

from __future__ import annotations

from typing import Optional

import click
import typer

from flowctl_core.records import DOMAINS
from flowctl_core.state_machine import TASK_STATUS_CHOICES

from ..app import group
from ..output import Result

app = group("Query commands")



@app.command("show")
def show(id: str = typer.Argument(..., help="Epic or task ID")) -> Result:
    """Show epic or task details."""
    from ..handlers import query

    return query.show(id=id)


@app.command("epics")
def epics() -> Result:
    """List all epics."""
    from flowctl_service import queries

    from ..context import store

    data = queries.epics(store())
    return Result(data, text=queries.epics_text(data), text_filter="epics")


@app.command("tasks")
def tasks(
    epic: Optional[str] = typer.Option(None, "--epic", help="Filter by epic ID"),
    status: Optional[str] = typer.Option(None, "--status", click_type=click.Choice(TASK_STATUS_CHOICES),
                                         help="Filter by status"),
    domain: Optional[str] = typer.Option(None, "--domain", click_type=click.Choice(DOMAINS),
                                         help="Filter by domain"),
) -> Result:
    """List tasks."""
    from ..handlers import query

    return query.tasks(epic=epic, status=status, domain=domain)


@app.command("list")
def list_() -> Result:
    """List all epics and tasks."""
    from flowctl_service import queries

    from ..context import store

    data = queries.list_all(store())
    return Result(data, text=queries.list_text(data))


@app.command("cat")
def cat(id: str = typer.Argument(..., help="Epic or task ID")) -> Result:
    """Print spec markdown (plain text only; --json is ignored)."""
    from ..handlers import query

    return query.cat(id=id)


@app.command("files")
def files(epic: str = typer.Option(..., "--epic", help="Epic ID")) -> Result:
    """Show file ownership map for an epic."""
    from flowctl_service import queries

    from ..context import store

    data = queries.files(store(), epic)
    return Result(data, text=queries.files_text(data), text_filter="files")
