"""`plan-depth --request TEXT`: classify request depth for adaptive plan step selection (cli-ext.md §20)."""

from __future__ import annotations

import typer

from ..app import group
from ..output import Result

app = group("Plan depth")


@app.command("plan-depth")
def plan_depth(request: str = typer.Option(..., "--request", help="Request text to classify")) -> Result:
    """Classify request depth for adaptive plan step selection."""
    from flowctl_service import plan_depth as service

    data = service.classify(request)
    return Result(data, text=service.classify_text(data))
