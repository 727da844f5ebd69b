"""Graph and history commands: dag, estimate, replay, diff, events (cli-core.md §4)."""

from __future__ import annotations

import typer

from ..app import group
from ..output import Result

app = group("History commands")


@app.command("dag")
def dag(
    id: str = typer.Argument(..., help="Epic ID"),
    format: str = typer.Option("text", "--format", help="text (ASCII boxes), mermaid or dot (Graphviz)"),
) -> Result:
    """Render ASCII DAG of task dependencies for an epic (JSON when piped); --format mermaid|dot for a picture."""
    from ..context import read_store

    if format not in ("text", "mermaid", "dot"):
        import click

        raise click.BadParameter(f"'{format}' is not one of 'text', 'mermaid', 'dot'", param_hint="'--format'")
    if format == "text":
        from flowctl_service import history

        data = history.dag_layers(read_store(), id)
        return Result(data, text=history.render_dag_text(data), text_filter="dag", json_when_piped=True)
    from flowctl_service import pictures

    graph = pictures.epic_graph(read_store(), id)
    picture = pictures.render(graph, format)
    # The picture is printed as is, piped or not (it is meant for a file); --json wraps it with the graph.
    return Result({**graph, "format": format, "diagram": picture}, text=picture)


@app.command("estimate")
def estimate(epic: str = typer.Option(..., "--epic", help="Epic ID")) -> Result:
    """Estimate remaining time for an epic (JSON when piped)."""
    from flowctl_service import history

    from ..context import read_store

    data = history.estimate(read_store(), epic)
    return Result(data, text=history.estimate_text(data), json_when_piped=True)


@app.command("replay")
def replay(
    epic_id: str = typer.Argument(..., help="Epic ID"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be reset without doing it"),
    force: bool = typer.Option(False, "--force", help="Allow replay even if tasks are in_progress"),
) -> Result:
    """Replay: reset all tasks in an epic to todo."""
    from flowctl_service import history

    from ..context import state, store

    # The global --dry-run (hoisted to the root wherever it was typed) counts as this command's own flag.
    data = history.replay(store(), epic_id, dry_run=dry_run or state().dry_run, force=force)
    return Result(history.replay_json(data), text=history.replay_text(data))


@app.command("diff")
def diff(epic_id: str = typer.Argument(..., help="Epic ID")) -> Result:
    """Show git diff summary for an epic's branch."""
    from flowctl_service import history

    from ..context import state, store
    from ..output import warn

    data, warning = history.diff(store(), state().cwd, epic_id)
    if warning:
        warn(warning)
    return Result(data, text=history.diff_text(data))


@app.command("events")
def events(epic: str = typer.Option(..., "--epic", help="Epic ID")) -> Result:
    """Query the event log for an epic."""
    from flowctl_service import history

    from ..context import workflow_store

    data = history.events(workflow_store(), epic)
    return Result(data, text=history.events_text(data))
