"""Ralph run control: pause, resume, stop, status (cli-ext §11)."""

from __future__ import annotations

from typing import Optional

import typer

from ..app import group
from ..output import Result

app = group("Ralph run control commands")

_RUN_HELP = "Run ID (auto-detect if single)"


def _control(action: str, run: Optional[str]) -> Result:
    from flowctl_service import ralph

    from ..context import state

    st = state()
    data = ralph.control(st.cwd, action, run, dry_run=st.dry_run)
    if data.get("dry_run"):
        return Result(data, raw=True)
    return Result(data, text=ralph.control_text(data))


@app.command("pause")
def pause(run: Optional[str] = typer.Option(None, "--run", help=_RUN_HELP)) -> Result:
    """Pause a Ralph run."""
    return _control("pause", run)


@app.command("resume")
def resume(run: Optional[str] = typer.Option(None, "--run", help=_RUN_HELP)) -> Result:
    """Resume a paused Ralph run."""
    return _control("resume", run)


@app.command("stop")
def stop(run: Optional[str] = typer.Option(None, "--run", help=_RUN_HELP)) -> Result:
    """Request a Ralph run to stop."""
    return _control("stop", run)


@app.command("status")
def status(run: Optional[str] = typer.Option(None, "--run", help=_RUN_HELP)) -> Result:
    """Show Ralph run status."""
    from flowctl_service import ralph

    from ..context import state

    data = ralph.status(state().cwd, run)
    return Result(data, text=ralph.status_text(data))
