"""`flowctl stack detect | set | show`: the project's tech-stack profile in config.json (cli-ext §9)."""

from __future__ import annotations

import typer

from ..app import group
from ..output import Result

app = group("Stack profile commands")


@app.command("detect")
def detect(dry_run: bool = typer.Option(False, "--dry-run", help="Show detection without saving")) -> Result:
    """Auto-detect project stack."""
    from flowctl_service import stack

    from ..context import state, store

    st = state()
    # The global --dry-run (hoisted to the root wherever it was typed) counts as this command's own flag.
    data = stack.detect(store(), st.cwd, dry_run=dry_run or st.dry_run)
    return Result(data, text=stack.detect_text(data))


@app.command("set")
def set_(file: str = typer.Option(..., "--file", help="JSON file path (or - for stdin)")) -> Result:
    """Set stack config from JSON file."""
    from flowctl_service import stack
    from flowctl_service.user_content import read_input

    from ..context import state, store

    st = store()  # `.flow` must exist before the input is read, as in the reference
    data = stack.set_stack(st, read_input(file, failure="Failed to read {path}"), dry_run=state().dry_run)
    if "dry_run" in data:
        return Result(data, raw=True)
    return Result(data, text=stack.pretty(data["stack"]))


@app.command("show")
def show() -> Result:
    """Show current stack config."""
    from flowctl_service import stack

    from ..context import store

    data = stack.show(store())
    return Result(data, text=stack.show_text(data))
