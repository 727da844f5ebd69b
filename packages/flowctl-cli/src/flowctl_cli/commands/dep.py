"""`flowctl dep add|rm TASK DEP` (cli-core.md §9.9)."""

from __future__ import annotations

import typer

from ..app import group
from ..output import Result, preview_of

app = group("Dependency commands")


def _run(action: str, task: str, depends_on: str) -> Result:
    from flowctl_service import deps
    from flowctl_service.actor import resolve_actor

    from ..context import state, store

    st = store()
    dry_run = state().dry_run
    actor = None if dry_run else resolve_actor(state().cwd)
    fn = deps.add if action == "add" else deps.remove
    data = fn(st, actor, task, depends_on, dry_run=dry_run)
    return preview_of(data) or Result(data, text=data["message"])


@app.command("add")
def add(task: str = typer.Argument(..., metavar="TASK", help="Task ID"),
        depends_on: str = typer.Argument(..., metavar="DEPENDS_ON", help="Dependency task ID")) -> Result:
    """Add a dependency."""
    return _run("add", task, depends_on)


@app.command("rm")
def rm(task: str = typer.Argument(..., metavar="TASK", help="Task ID"),
       depends_on: str = typer.Argument(..., metavar="DEPENDS_ON", help="Dependency to remove")) -> Result:
    """Remove a dependency."""
    return _run("rm", task, depends_on)
