"""`flowctl export` / `flowctl import`: informational no-ops with file storage (cli-core §3.8)."""

from __future__ import annotations

from typing import Optional

import typer

from ..app import group
from ..output import Result

app = group("Data exchange")


@app.command("export")
def export(
    epic: Optional[str] = typer.Option(None, "--epic", help="Epic ID to export (accepted and ignored)"),
    format_: str = typer.Option("md", "--format", help="Output format (accepted and ignored)"),
) -> Result:
    """Export epics/tasks to Markdown files."""
    from flowctl_service import admin

    from ..context import store

    epics, tasks = admin.exchange_counts(store())
    data = {"epics_exported": epics, "message": "Data is already in JSON files (file-based storage)",
            "tasks_exported": tasks}
    return Result(data, text=f"Data is already in JSON files: {epics} epics, {tasks} tasks in .flow/")


@app.command("import")
def import_() -> Result:
    """Import epics/tasks from Markdown files."""
    from flowctl_service import admin

    from ..context import store

    epics, tasks = admin.exchange_counts(store())
    data = {"epics_imported": epics, "files_skipped": 0, "tasks_imported": tasks, "warnings": []}
    return Result(data, text=f"Scanned {epics} epics, {tasks} tasks from .flow/ "
                             "(file-based storage, no DB to import into)")
