"""`flowctl approval …`: blocking decisions raised by workers and resolved by the supervisor (cli-ext.md §3)."""

from __future__ import annotations

from typing import Optional

import typer

from ..app import group
from ..output import Result, result_or_preview

app = group("Approval commands (request/resolve blocking decisions)")


def _record(data: dict) -> Result:
    from flowctl_service.approvals import record_text

    return result_or_preview(data, record_text(data))


@app.command("create")
def create(task: str = typer.Option(..., "--task", help="Task ID requesting approval"),
           kind: str = typer.Option(..., "--kind", help="Approval kind: file_access | mutation | generic"),
           payload: str = typer.Option(..., "--payload", help="JSON payload, or `@path/to/file.json` to read from disk"),
           ) -> Result:
    """Create a new pending approval."""
    from flowctl_service import approvals

    from ..context import state, store

    return _record(approvals.create(store(), task, kind, payload, dry_run=state().dry_run))


@app.command("list")
def list_(pending: bool = typer.Option(False, "--pending", help="Show only pending approvals")) -> Result:
    """List approvals."""
    from flowctl_service import approvals

    from ..context import read_store

    items = approvals.list_approvals(read_store(), pending)
    return Result(items, text=approvals.list_text(items))


@app.command("show")
def show(approval_id: str = typer.Argument(..., metavar="ID", help="Approval ID"),
         wait: bool = typer.Option(False, "--wait", help="Poll until status != pending"),
         timeout: int = typer.Option(300, "--timeout", min=0, help="Max seconds to wait (default 300)")) -> Result:
    """Show a single approval, optionally waiting for resolution."""
    from flowctl_service import approvals

    from ..context import read_store

    st = read_store()
    data = approvals.wait(st, approval_id, timeout) if wait else approvals.show(st, approval_id)
    return _record(data)


def _resolve(approval_id: str, approve: bool, reason: Optional[str]) -> Result:
    from flowctl_service import approvals
    from flowctl_service.actor import resolve_actor

    from ..context import state, store

    st = store()
    cli = state()
    return _record(approvals.resolve(st, resolve_actor(cli.cwd), approval_id, approve, reason, dry_run=cli.dry_run))


@app.command("approve")
def approve(approval_id: str = typer.Argument(..., metavar="ID", help="Approval ID")) -> Result:
    """Approve a pending approval."""
    return _resolve(approval_id, True, None)


@app.command("reject")
def reject(approval_id: str = typer.Argument(..., metavar="ID", help="Approval ID"),
           reason: Optional[str] = typer.Option(None, "--reason", help="Optional reason")) -> Result:
    """Reject a pending approval."""
    return _resolve(approval_id, False, reason)
