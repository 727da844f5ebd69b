"""`flowctl watch`: the live terminal board (needs the `tui` extra: Textual)."""

from __future__ import annotations

import typer

from ..app import group

app = group("Live board")

INSTALL_HINT = ("flowctl watch needs the terminal UI extra (Textual): install it with "
                "`pip install 'flowctl-cli[tui]'` or `uv tool install --compile-bytecode 'flowctl-cli[tui]'`")


@app.command("watch")
def watch(
    epic: str = typer.Option(None, "--epic", help="Show only this epic"),
    light: bool = typer.Option(False, "--light", help="Start with the light theme (t toggles)"),
    no_color: bool = typer.Option(False, "--no-color", help="No colours (also NO_COLOR=1)"),
    interval: float = typer.Option(0.3, "--interval", help="Seconds between checks for changes (0.1-10)"),
) -> int:
    """Live board of epics and tasks, details, activity and graph (read-only; q quits)."""
    from flowctl_core.errors import InvalidInputError

    try:
        import textual  # noqa: F401  (the optional extra)
    except ImportError:
        raise InvalidInputError(INSTALL_HINT) from None
    if not 0.1 <= interval <= 10:
        raise InvalidInputError("--interval must be between 0.1 and 10 seconds")
    from flowctl_service import lookup

    from ..context import store

    flow = store()
    if epic is not None:
        lookup.epic_id(epic)
        lookup.epic(flow, epic)
    import sys

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InvalidInputError("flowctl watch needs a terminal (stdin and stdout); agents read `flowctl status`")
    if no_color:
        import os

        os.environ["NO_COLOR"] = "1"
    from ..tui.watch_app import WatchApp

    WatchApp(flow, epic=epic, dark=not light, interval=interval).run()
    return 0
