"""`flowctl schema [RECORD] [--out DIR]`: the JSON Schema of the on-disk records (printed, or written as files)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..app import group
from ..output import Result

app = group("JSON Schemas")


@app.command("schema")
def schema(
    record: str | None = typer.Argument(None, help="Record name (epic, task, task_state, …); all records if omitted"),
    out: Path | None = typer.Option(None, "--out", help="Write <record>.schema.json files into this directory"),
) -> Result:
    """Print or write the JSON Schema of the on-disk records."""
    from flowctl_service import schemas as service

    from ..context import state

    st = state()
    if out is not None:
        data = service.write(out, record, dry_run=st.dry_run)
        if st.dry_run:
            return Result(data, raw=True)
        return Result(data, text=service.write_text(data))
    data = service.show(record)
    if st.json:
        # Never compact-stripped: a schema's keys are field names (created_at, message …), not bookkeeping.
        return Result({**data, "success": True}, raw=True)
    return Result(data, text=service.show_text(data))
