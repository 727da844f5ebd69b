"""Admin commands: init, detect, status, doctor, validate, state-path."""

from __future__ import annotations

import typer

from ..app import group
from ..output import Result

app = group("Admin commands")


@app.command("init")
def init() -> Result:
    """Initialize .flow/ directory."""
    from flowctl_service import admin

    from ..context import state

    data = admin.init(state().cwd)
    return Result(data, text=data["message"])
