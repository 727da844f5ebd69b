"""`flowctl config get|set`."""

from __future__ import annotations

import typer

from ..app import group
from ..output import Result, dumps

app = group("Config commands")


@app.command("get")
def get(key: str = typer.Argument(..., help="Config key (e.g., memory.enabled)")) -> Result:
    """Get config value."""
    from flowctl_service import config

    from ..context import read_store

    found, value = config.lookup(read_store(), key)
    text = f"{key}: {dumps(value)}" if found else f"{key}: (not set)"
    return Result({"key": key, "value": value}, text=text)


@app.command("set")
def set_(key: str = typer.Argument(..., help="Config key"), value: str = typer.Argument(..., help="Value")) -> Result:
    """Set config value."""
    from flowctl_service import config

    from ..context import dry_run, store

    stored = config.set_value(store(), key, value, dry_run=dry_run())
    if dry_run():
        return Result(stored, raw=True)
    message = f"Set {key} = {dumps(stored)}"
    return Result({"key": key, "value": stored, "message": message}, text=message)
