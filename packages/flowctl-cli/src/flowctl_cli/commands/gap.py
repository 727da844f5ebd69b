"""`flowctl gap …`: the requirement gap registry (cli-ext.md §4)."""

from __future__ import annotations

from typing import Optional

import click
import typer

from ..app import group
from ..output import Result, result_or_preview

app = group("Requirement gap registry")

_PRIORITIES = click.Choice(["required", "important", "nice-to-have"])
_STATUSES = click.Choice(["open", "resolved"])


@app.command("add")
def add(epic: str = typer.Option(..., "--epic", help="Epic ID"),
        capability: str = typer.Option(..., "--capability", "--title", help="What is missing"),
        priority: str = typer.Option("required", "--priority", click_type=_PRIORITIES, help="Gap priority"),
        source: str = typer.Option("manual", "--source", help="Where gap was found"),
        task: Optional[str] = typer.Option(None, "--task", help="Task ID that addresses this gap")) -> Result:
    """Register a requirement gap."""
    from flowctl_service import gaps

    from ..context import state, store

    data = gaps.add_gap(store(), None, epic, capability, priority, source, task, dry_run=state().dry_run)
    return result_or_preview(data, None if data.get("dry_run") else gaps.add_text(data))


@app.command("list")
def list_(epic: str = typer.Option(..., "--epic", help="Epic ID"),
          status: Optional[str] = typer.Option(None, "--status", click_type=_STATUSES, help="Filter by status")) -> Result:
    """List gaps for an epic."""
    from flowctl_service import gaps

    from ..context import store

    data = gaps.list_gaps(store(), epic, status)
    return Result(data, text=gaps.list_text(data, status), text_filter="gap")


@app.command("resolve")
def resolve(gap_id_arg: Optional[str] = typer.Argument(None, metavar="[ID]",
                                                       help="Gap ID (same as --id; the callers' positional form)"),
            epic: Optional[str] = typer.Option(None, "--epic",
                                               help="Epic ID (default: the one epic holding that gap)"),
            capability: Optional[str] = typer.Option(None, "--capability", "--title", help="Capability to resolve"),
            gap_id: Optional[str] = typer.Option(None, "--id", help="Gap ID to resolve directly"),
            evidence: Optional[str] = typer.Option(None, "--evidence", help="How the gap was resolved")) -> Result:
    """Mark a gap as resolved."""
    from flowctl_core.errors import InvalidInputError
    from flowctl_service import gaps

    from ..context import state, store

    if gap_id_arg is not None:
        if gap_id is not None and gap_id != gap_id_arg:
            raise InvalidInputError(f"Gap ID given twice: {gap_id_arg} and --id {gap_id}")
        gap_id = gap_id_arg
    data = gaps.resolve_gap(store(), None, epic, gap_id, capability, evidence, dry_run=state().dry_run)
    return result_or_preview(data, data.get("message"))


@app.command("check")
def check(epic: str = typer.Option(..., "--epic", help="Epic ID")) -> Result:
    """Gate check: pass/fail based on unresolved gaps."""
    from flowctl_service import gaps

    from ..context import store

    data = gaps.check(store(), epic)
    return Result(data, text=gaps.check_text(data), exit_code=0 if data["gate"] == "pass" else 1)
