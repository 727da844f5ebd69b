"""`flowctl worker-phase next|done`: the worker agent's per-task phase gate (cli-ext §18)."""

from __future__ import annotations

from typing import Optional

import click
import typer

from ..app import SubGroup, group
from ..output import Result

_REVIEW = click.Choice(["rp", "codex"])
_SIZE = click.Choice(["S", "M", "L"])


class _Group(SubGroup):
    """agents/worker.md writes a bare `--review`: accept it as review on (the backend does not change the gate)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        fixed: list[str] = []
        for i, arg in enumerate(args):
            fixed.append(arg)
            if arg == "--review" and (i + 1 == len(args) or args[i + 1].startswith("-")):
                fixed.append("rp")
        return super().parse_args(ctx, fixed)


app = group("Phase-gate sequential execution for workers", cls=_Group)


@app.command("next")
def next_(task: str = typer.Option(..., "--task", help="Task ID"),
          tdd: bool = typer.Option(False, "--tdd", help="Include TDD phases"),
          review: Optional[str] = typer.Option(None, "--review", click_type=_REVIEW, help="Include review phase"),
          size: Optional[str] = typer.Option(None, "--size", click_type=_SIZE,
                                             help="Task size: S (small/fast), M (medium/default), L (large/thorough)"),
          ) -> Result:
    """Return the next uncompleted phase."""
    from flowctl_service import worker_phases

    from ..context import workflow_store

    data = worker_phases.next_phase(workflow_store(), task, tdd=tdd, review=review is not None, size=size or "M")
    return Result(data, text=worker_phases.next_text(data))


@app.command("done")
def done(task: str = typer.Option(..., "--task", help="Task ID"),
         phase: str = typer.Option(..., "--phase", help="Phase ID to mark done"),
         tdd: bool = typer.Option(False, "--tdd", help="Include TDD phases"),
         review: Optional[str] = typer.Option(None, "--review", click_type=_REVIEW, help="Include review phase"),
         size: Optional[str] = typer.Option(None, "--size", click_type=_SIZE,
                                            help="Task size: S (small/fast), M (medium/default), L (large/thorough)"),
         ) -> Result:
    """Mark a phase as completed."""
    from flowctl_service import worker_phases

    from ..context import state, workflow_store

    data = worker_phases.mark_done(workflow_store(), task, phase, tdd=tdd, review=review is not None,
                                   size=size or "M", dry_run=state().dry_run)
    if "dry_run" in data:
        return Result(data, raw=True)
    return Result(data, text=worker_phases.done_text(data))
