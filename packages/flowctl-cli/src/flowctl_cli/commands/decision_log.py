"""`flowctl log …`: the decision log in the event log (cli-ext.md §5)."""

from __future__ import annotations

from typing import Optional

import typer

from ..app import group
from ..output import Result, result_or_preview

app = group("Decision logging for workflow traceability")


@app.command("decision")
def decision(key: str = typer.Option(..., "--key", help='Decision key (e.g., "review_backend", "branch_strategy")'),
             value: str = typer.Option(..., "--value", help='Decision value (e.g., "rp-mcp", "worktree")'),
             reason: str = typer.Option(..., "--reason", help="Why this decision was made"),
             epic: Optional[str] = typer.Option(None, "--epic", help="Epic ID (optional, for scoping)"),
             task: Optional[str] = typer.Option(None, "--task", help="Task ID (optional, for scoping)")) -> Result:
    """Record a workflow decision."""
    from flowctl_service import decisions

    from ..context import state, workflow_store

    data = decisions.log_decision(workflow_store(), key, value, reason, epic, task, dry_run=state().dry_run)
    return result_or_preview(data, None if data.get("dry_run") else decisions.decision_text(data))


@app.command("decisions")
def decisions_(epic: Optional[str] = typer.Option(None, "--epic", help="Filter by epic ID"),
               task: Optional[str] = typer.Option(None, "--task", help="Filter by task ID"),
               limit: int = typer.Option(20, "--limit", min=0, help="Maximum number of results (default 20)")) -> Result:
    """Query stored decisions."""
    from flowctl_service import decisions

    from ..context import read_store

    events = decisions.find(read_store(), epic, task, limit)
    return Result(decisions.listing(events), text=decisions.listing_text(events))
