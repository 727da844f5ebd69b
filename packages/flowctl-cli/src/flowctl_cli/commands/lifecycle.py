"""`flowctl start|done|block|fail|restart` (cli-core.md §7.4–7.8)."""

from __future__ import annotations

import typer

from ..app import group
from ..output import Result

app = group("Lifecycle commands")


@app.command("start")
def start(
    id: str = typer.Argument(..., help="Task ID"),
    force: bool = typer.Option(False, "--force", help="Skip status/dependency/claim checks"),
    note: str | None = typer.Option(None, "--note", help="Claim note"),
) -> Result:
    """Start task."""
    from ..handlers import lifecycle

    return lifecycle.start(id=id, force=force, note=note)


@app.command("done")
def done(
    id: str = typer.Argument(..., help="Task ID"),
    summary_file: str | None = typer.Option(None, "--summary-file", help="Done summary markdown file"),
    summary: str | None = typer.Option(None, "--summary", help="Done summary (inline text)"),
    evidence_json: str | None = typer.Option(None, "--evidence-json", help="Evidence JSON file path or inline JSON string"),
    evidence: str | None = typer.Option(None, "--evidence", help="Evidence JSON (inline string, legacy)"),
    force: bool = typer.Option(False, "--force", help="Skip status checks"),
) -> Result:
    """Complete task."""
    from ..handlers import lifecycle

    return lifecycle.done(id=id, summary_file=summary_file, summary=summary, evidence_json=evidence_json,
                          evidence=evidence, force=force)


@app.command("block")
def block(
    id: str = typer.Argument(..., help="Task ID"),
    text: str | None = typer.Argument(None, help="Block reason (positional form used by agents)"),
    reason: str | None = typer.Option(None, "--reason", help="Block reason (inline text)"),
    reason_file: str | None = typer.Option(None, "--reason-file", help="Block reason from file (deprecated, use --reason)"),
) -> Result:
    """Block task with reason."""
    from ..handlers import lifecycle

    return lifecycle.block(id=id, text=text, reason=reason, reason_file=reason_file)


@app.command("fail")
def fail(
    id: str = typer.Argument(..., help="Task ID"),
    reason: str | None = typer.Option(None, "--reason", help="Reason for failure"),
    force: bool = typer.Option(False, "--force", help="Skip status checks"),
) -> Result:
    """Mark task as failed (triggers upstream_failed propagation to downstream)."""
    from flowctl_service import lifecycle

    from ..context import state, workflow_store

    st = state()
    store = workflow_store()
    data = lifecycle.fail(store, id, reason=reason, force=force, dry_run=st.dry_run)
    if st.dry_run:
        return Result(data, raw=True)
    payload = {k: v for k, v in data.items() if k not in ("retry_count", "max_retries")}
    return Result(payload, text=lifecycle.fail_text(data))


@app.command("restart")
def restart(
    id: str = typer.Argument(..., help="Task ID"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be reset without doing it"),
    force: bool = typer.Option(False, "--force", help="Allow restart even if tasks are in_progress"),
) -> Result:
    """Restart task and cascade-reset downstream dependents."""
    from flowctl_service import lifecycle

    from ..context import state, workflow_store

    st = state()
    preview = dry_run or st.dry_run  # the global flag is hoisted to the root, so it lands in st.dry_run
    store = workflow_store()
    data = lifecycle.restart(store, id, force=force, dry_run=preview)
    text = lifecycle.restart_text(id, data, preview)
    if preview:
        payload = {"already_todo": data["skipped"], "dry_run": True,
                   "in_progress_overridden": data["in_progress_overridden"], "would_reset": data["reset"]}
        return Result(payload, text=text)
    return Result({"cascade_from": data["cascade_from"], "reset": data["reset"], "skipped": data["skipped"]},
                  text=text)
