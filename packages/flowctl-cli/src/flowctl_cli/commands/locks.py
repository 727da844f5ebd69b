"""File-lock commands (Teams mode): lock, unlock, heartbeat, lock-check (cli-core.md §6, decision D-4)."""

from __future__ import annotations

from typing import Optional

import click
import typer

from ..app import group
from ..output import Result, preview_of

app = group("File lock commands")

_MODES = ("read", "write", "directory_add")


@app.command("lock")
def lock(
    task: str = typer.Option(..., "--task", help="Task ID that owns the files"),
    files: str = typer.Option(..., "--files", help="Comma-separated file paths to lock"),
    mode: str = typer.Option("write", "--mode", click_type=click.Choice(_MODES),
                             help="Lock mode: read, write, or directory_add (default: write)"),
    ttl: Optional[float] = typer.Option(None, "--ttl", help="Seconds until the lock expires (default 2700)"),
) -> Result:
    """Lock files for a task (Teams mode)."""
    from ..handlers import locks

    return locks.lock(task=task, files=files, mode=mode, ttl=ttl)


@app.command("unlock")
def unlock(
    task: Optional[str] = typer.Option(None, "--task", help="Task ID to unlock files for"),
    files: Optional[str] = typer.Option(None, "--files", help="Comma-separated file paths (default: all of them)"),
    all_: bool = typer.Option(False, "--all", help="Clear ALL file locks"),
) -> Result:
    """Unlock files for a task (Teams mode)."""
    from flowctl_service import file_locks

    from ..context import dry_run, store

    data = file_locks.unlock(store(), task, files, all_, dry_run=dry_run())
    return preview_of(data) or Result(data, text=data["message"])


@app.command("heartbeat")
def heartbeat(
    task: str = typer.Option(..., "--task", help="Task ID to extend locks for"),
    ttl: Optional[float] = typer.Option(None, "--ttl", help="Seconds from now until the locks expire (default 2700)"),
) -> Result:
    """Extend lock TTL for a task (Teams mode heartbeat)."""
    from flowctl_service import file_locks

    from ..context import dry_run, store

    data = file_locks.heartbeat(store(), task, ttl, dry_run=dry_run())
    return preview_of(data) or Result(data, text=file_locks.heartbeat_text(data))


@app.command("lock-check")
def lock_check(file: Optional[str] = typer.Option(None, "--file", help="Specific file to check")) -> Result:
    """Check file lock status (Teams mode)."""
    from flowctl_service import file_locks

    from ..context import store

    data = file_locks.lock_check(store(), file)
    return Result(data, text=file_locks.lock_check_text(data))
