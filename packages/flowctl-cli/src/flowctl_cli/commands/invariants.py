"""`flowctl invariants init | show | check`: the architecture invariant registry (cli-ext §10)."""

from __future__ import annotations

from typing import Optional

import typer

from ..app import group
from ..output import Result

app = group("Architecture invariant registry")


@app.command("init")
def init(force: bool = typer.Option(False, "--force", help="Overwrite existing")) -> Result:
    """Create invariants.md template."""
    from flowctl_service import invariants

    from ..context import state, store

    data = invariants.init(store(), force=force, dry_run=state().dry_run)
    if "dry_run" in data:
        return Result(data, raw=True)
    return Result(data, text=f"Created: {data['path']}" if data["created"] else data["message"])


@app.command("show")
def show() -> Result:
    """Show invariants."""
    from flowctl_service import invariants

    from ..context import store

    data = invariants.show(store())
    return Result(data, text=invariants.show_text(data))


@app.command("check")
def check(timeout: Optional[float] = typer.Option(
        None, "--timeout", min=0.001,
        help="Seconds each command may run before it is killed (default: FLOWCTL_COMMAND_TIMEOUT or 600)")) -> Result:
    """Run all verify commands."""
    from flowctl_service import invariants

    from ..context import state, store
    from ..output import warn

    st = state()
    data, outputs = invariants.check(store(), st.cwd, timeout=timeout)
    text, errors = invariants.check_text(data, outputs)
    if errors and not st.json:
        warn(errors)  # the commands' own stderr (the reference let them write it directly)
    return Result(data, text=text, exit_code=0 if data["all_passed"] else 1)
