"""Body of `lock` (declared in commands/locks.py)."""

from __future__ import annotations

from ..output import Result, preview_of


def lock(task: str, files: str, mode: str, ttl: float | None) -> Result:
    """Lock files for a task (Teams mode)."""
    from flowctl_service import file_locks

    from ..context import dry_run, store

    data = file_locks.lock(store(), task, files, mode, ttl, dry_run=dry_run())
    return preview_of(data) or Result(data, text=file_locks.lock_text(data))
