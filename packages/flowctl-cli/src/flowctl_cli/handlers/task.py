"""Body of `task create` (declared in commands/task.py)."""

from __future__ import annotations

from ..output import Result, preview_of


def create(epic: str, title: str, deps: str | None, acceptance_file: str | None, priority: int | None,
           domain: str | None, files: str | None, dep: str | None) -> Result:
    """Create a new task."""
    from flowctl_service.actor import prefetch_actor, resolve_actor

    from ..context import dry_run, state, store

    preview = dry_run()
    if not preview:
        prefetch_actor(state().cwd_text)  # git answers on another core while the service modules load
    from flowctl_service import tasks

    if dep is not None:
        deps = f"{deps},{dep}" if deps else dep
    tasks.validate_priority(priority)  # an argument error: reported before anything is read
    st = store()
    actor = None if preview else resolve_actor(state().cwd_text)  # nothing is applied, so nobody needs to be named
    data = tasks.create(st, actor, epic, title, deps=deps, acceptance_file=acceptance_file,
                        priority=priority, domain=domain, files=files, dry_run=preview)
    return preview_of(data) or Result(data, text=f"Task {data.get('id')} created: {title}")
