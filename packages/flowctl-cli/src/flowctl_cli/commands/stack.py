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

    from ..context import state, store

    st = store()  # `.flow` must exist before the input is read, as in the reference
    data = stack.set_stack(st, _read_input(file), dry_run=state().dry_run)
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


def _read_input(file: str) -> str:
    """The text of `file`, or of stdin for `-` (errors worded like the reference's)."""
    import sys

    from flowctl_core.errors import InvalidInputError, os_error_text

    try:
        if file == "-":
            return sys.stdin.buffer.read().decode("utf-8")
        with open(file, "rb") as handle:
            return handle.read().decode("utf-8")
    except UnicodeDecodeError as err:
        where = "stdin" if file == "-" else file
        raise InvalidInputError(f"Failed to read {where}: stream did not contain valid UTF-8") from err
    except OSError as err:
        where = "stdin" if file == "-" else file
        raise InvalidInputError(f"Failed to read {where}: {os_error_text(err)}") from err
