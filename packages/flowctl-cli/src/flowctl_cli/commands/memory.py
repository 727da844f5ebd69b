"""`flowctl memory …`: atomic memory entries, Memory v2 (cli-ext.md §6)."""

from __future__ import annotations

from typing import Optional

import click
import typer

from ..app import group
from ..output import Result

app = group("Memory commands (v2: atomic entries)")


def _store():  # noqa: ANN202 - FlowStore, imported lazily
    from ..context import store

    return store()


def _dry_run() -> bool:
    from ..context import state

    return state().dry_run


def _written(data: dict, payload: dict, text: str) -> Result:
    """The result of a writing command: the raw Changes preview under --dry-run, else payload and text."""
    if data.get("dry_run") is True and "changes" in data:
        return Result(data, raw=True)
    return Result(payload, text=text)


@app.command("init")
def init() -> Result:
    """Initialize memory (auto-migrates legacy)."""
    from flowctl_service import memory

    data = memory.init(_store(), dry_run=_dry_run())
    return _written(data, data, memory.init_text(data) if "path" in data else "")


@app.command("add")
def add(
    args: list[str] = typer.Argument(..., metavar="[TYPE] CONTENT",
                                     help="Type (pitfall, convention, or decision) and entry content"),
    type_: Optional[str] = typer.Option(None, "--type", help="Type, instead of the positional one"),
    module: Optional[str] = typer.Option(None, "--module", help='Module scope (e.g. "flowctl-core", "auth")'),
    severity: Optional[str] = typer.Option(None, "--severity", help="Severity: critical, high, medium, low"),
    problem_type: Optional[str] = typer.Option(None, "--problem-type",
                                               help="Problem type (e.g. build_error, test_failure, best_practice)"),
    tags: Optional[str] = typer.Option(None, "--tags", help="Tags (comma-separated)"),
) -> Result:
    """Add atomic memory entry."""
    from flowctl_service import memory

    # `memory add <type> <content>` (the reference) and `memory add --type <type> <content>` (docs, hooks).
    if type_ is not None and len(args) == 1:
        entry_type, content = type_, args[0]
    elif type_ is None and len(args) == 2:
        entry_type, content = args
    elif type_ is None and len(args) == 1:
        raise click.UsageError("Missing argument 'CONTENT' (give the type positionally or with --type).")
    else:
        raise click.UsageError("Give the type once: `memory add <type> <content>` or `memory add --type <type> "
                               "<content>`.")
    data = memory.add_entry(_store(), None, entry_type, content, module=module, severity=severity,
                            problem_type=problem_type, tags=tags, dry_run=_dry_run())
    return _written(data, memory.add_payload(data), memory.add_text(data) if "id" in data else "")


@app.command("read")
def read(type_: Optional[str] = typer.Option(None, "--type", help="Filter by type")) -> Result:
    """Read entries (L3: full content)."""
    from flowctl_service import memory

    data = memory.read(_store(), type_)
    return Result(memory.read_payload(data), text=memory.read_text(data))


@app.command("list")
def list_(
    module: Optional[str] = typer.Option(None, "--module", help="Filter by module"),
    track: Optional[str] = typer.Option(None, "--track", help="Filter by track (bug or knowledge)"),
    type_: Optional[str] = typer.Option(None, "--type", help="Filter by type (pitfall, convention, decision)"),
) -> Result:
    """List entries with ref counts."""
    from flowctl_service import memory

    data = memory.list_entries(_store(), module=module, track=track, entry_type=type_)
    return Result(data, text=memory.list_text(data), text_filter="memory")


@app.command("search")
def search(
    pattern: str = typer.Argument(..., help="Search pattern (regex)"),
    module: Optional[str] = typer.Option(None, "--module", help="Filter by module"),
    type_: Optional[str] = typer.Option(None, "--type", help="Filter by type (pitfall, convention, decision)"),
    severity: Optional[str] = typer.Option(None, "--severity", help="Filter by severity (critical, high, medium, low)"),
    track: Optional[str] = typer.Option(None, "--track", help="Filter by track (bug or knowledge)"),
) -> Result:
    """Search entries by pattern."""
    from flowctl_service import memory

    data = memory.search(_store(), pattern, module=module, entry_type=type_, severity=severity, track=track)
    return Result(data, text=memory.search_text(data))


@app.command("inject")
def inject(
    type_: Optional[str] = typer.Option(None, "--type", help="Filter by type"),
    tags: Optional[str] = typer.Option(None, "--tags", help="Filter by tags (comma-separated)"),
    full: bool = typer.Option(False, "--full", help="L3: inject full content of all entries"),
) -> Result:
    """Inject relevant entries (progressive disclosure)."""
    from flowctl_service import memory

    data = memory.inject(_store(), entry_type=type_, tags=tags, full=full, dry_run=_dry_run())
    return _written(data, data, memory.inject_text(data) if "level" in data else "")


@app.command("verify")
def verify(entry_id: int = typer.Argument(..., metavar="ID", help="Entry ID to verify")) -> Result:
    """Mark entry as verified (still valid)."""
    from flowctl_service import memory

    data = memory.verify(_store(), None, entry_id, dry_run=_dry_run())
    return _written(data, data, memory.verify_text(data) if "id" in data else "")


@app.command("gc")
def gc(
    days: int = typer.Option(90, "--days", help="Remove entries older than N days with 0 refs"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be removed"),
) -> Result:
    """Garbage collect stale entries."""
    from flowctl_service import memory

    data = memory.gc(_store(), None, days=days, dry_run=dry_run or _dry_run())
    return Result(memory.gc_payload(data), text=memory.gc_text(data))
