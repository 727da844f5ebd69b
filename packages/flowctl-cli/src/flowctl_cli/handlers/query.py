"""Bodies of `show`, `tasks` and `cat` (declared in commands/query.py)."""

from __future__ import annotations

from ..output import Result


def show(id: str) -> Result:
    """Show epic or task details."""
    from flowctl_service import queries

    from ..context import store

    data = queries.show(store(), id)
    return Result(data, text=queries.show_text(data), text_filter="show")


def tasks(epic: str | None, status: str | None, domain: str | None) -> Result:
    """List tasks."""
    from flowctl_service import queries

    from ..context import store

    data = queries.tasks(store(), epic, status, domain)
    return Result(data, text=queries.tasks_text(data, epic, status), text_filter="tasks")


def cat(id: str) -> Result:
    """Print spec markdown (plain text only; --json is ignored)."""
    from flowctl_service import queries

    from ..context import store

    return Result(None, text=queries.cat(store(), id), text_filter="cat", text_only=True)
