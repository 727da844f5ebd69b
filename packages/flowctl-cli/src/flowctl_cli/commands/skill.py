"""`skill register [--dir]`: the skill registry scan (cli-ext.md §13). `skill match` was removed in the reference."""

from __future__ import annotations

from typing import Optional

import typer

from ..app import group
from ..output import Result

app = group("Skill registry commands (register, match)")


@app.command("register")
def register(
    dir: Optional[str] = typer.Option(None, "--dir",
                                      help="Directory to scan (default: DROID_PLUGIN_ROOT or CLAUDE_PLUGIN_ROOT)"),
) -> Result:
    """Scan skills/*/SKILL.md and register into DB."""
    import os

    from flowctl_service import skills

    from ..output import warn

    data, warnings = skills.register(skills.plugin_root(dir, os.environ))
    for message in warnings:
        warn(message)
    return Result(data, text=skills.register_text(data))
