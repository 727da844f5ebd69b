"""`flowctl guard [--layer L]`: run the stack's test/lint/typecheck commands (cli-core §3.11)."""

from __future__ import annotations

from typing import Optional

import typer

from ..app import group
from ..output import Result

app = group("Guard")


@app.command("guard")
def guard(layer: str = typer.Option("all", "--layer", help="Run guards for specific layer"),
          timeout: Optional[float] = typer.Option(
              None, "--timeout", min=0.001,
              help="Seconds each command may run before it is killed (default: FLOWCTL_COMMAND_TIMEOUT or 600)"),
          ) -> Result:
    """Run test/lint/typecheck guards from stack config."""
    from flowctl_service import guard as guards

    from ..context import state, store

    data = guards.run_guard(store(), state().cwd, layer, timeout=timeout)
    return Result(data, text=guards.guard_text(data), text_filter="guard", exit_code=1 if guards.failed(data) else 0)
