"""`flowctl worker-prompt`: the bootstrap prompt a worker starts from (cli-core §3.12; phases in numeric order, D35)."""

from __future__ import annotations

from typing import Optional

import click
import typer

from ..app import group
from ..output import Result

app = group("Worker prompt")


@app.command("worker-prompt")
def worker_prompt(task: str = typer.Option(..., "--task", help="Task ID"),
                  tdd: bool = typer.Option(False, "--tdd", help="Include TDD Phase 4"),
                  review: Optional[str] = typer.Option(None, "--review", click_type=click.Choice(["rp", "codex"]),
                                                       help="Include review Phase 8 (rp or codex)"),
                  bootstrap: bool = typer.Option(False, "--bootstrap",
                                                 help="Output minimal bootstrap prompt (~200 tokens)")) -> Result:
    """Output trimmed worker prompt based on mode flags."""
    from flowctl_service import worker_phases

    data = worker_phases.worker_prompt(task, tdd=tdd, review=review)
    return Result(data, text=data["prompt"])

