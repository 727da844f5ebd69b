"""Review commands: `review-backend` and `parse-findings` (cli-core.md §3.9, §3.10)."""

from __future__ import annotations

from typing import Optional

import typer

from ..app import group
from ..output import Result

app = group("Review commands")


@app.command("review-backend")
def review_backend(
    compare: Optional[str] = typer.Option(None, "--compare", help="Compare review receipts (comma-separated file paths)"),
    epic: Optional[str] = typer.Option(None, "--epic", help="Auto-discover review receipts for epic"),
) -> Result:
    """Get review backend."""
    import os

    from flowctl_service import review_backend as service

    from ..context import read_store, state

    st = read_store()
    found = service.backend(st, dict(os.environ))
    if compare is not None or epic is not None:
        data = service.compare(st, state().cwd, compare, epic)
        if data is not None:
            return Result(data, text=service.compare_text(data))
    return Result(found, text=found["backend"])


@app.command("parse-findings")
def parse_findings(
    file: str = typer.Option(..., "--file", help="Review output file (or '-' for stdin)"),
    epic: Optional[str] = typer.Option(None, "--epic", help="Epic ID (required with --register)"),
    register: bool = typer.Option(False, "--register", help="Auto-register critical/major findings as gaps"),
    source: str = typer.Option("manual", "--source", help="Gap source label"),
) -> Result:
    """Extract structured findings from review output."""
    from flowctl_service import findings

    from ..context import state, store
    from ..output import warn

    data = findings.parse(findings.read_review(file))
    if register:
        from flowctl_service.actor import resolve_actor

        findings.register_epic(epic)
        preview = findings.register(store(), resolve_actor(state().cwd), epic, data, source,
                                    dry_run=state().dry_run)
        if preview is not None:
            return Result(preview, raw=True)
    if not state().json:
        for message in data["warnings"]:
            warn(f"  Warning: {message}")
    return Result(data, text=findings.findings_text(data))
