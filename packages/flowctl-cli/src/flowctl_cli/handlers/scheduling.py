"""Bodies of `ready` and `next` (declared in commands/scheduling.py)."""

from __future__ import annotations

from ..output import Result


def ready(epic: str) -> Result:
    """List ready tasks."""
    from flowctl_service.actor import prefetch_actor, resolve_actor

    from ..context import state, workflow_store

    cwd = state().cwd_text
    prefetch_actor(cwd)  # git answers on another core while the service modules load
    from flowctl_service import scheduling

    store = workflow_store()
    data = scheduling.ready(store, epic, resolve_actor(cwd))
    return Result(data, text=scheduling.ready_text(data), text_filter="ready")


def next_(epics_file: str | None, require_plan_review: bool, require_completion_review: bool) -> Result:
    """Select next plan/work unit."""
    from flowctl_service.actor import prefetch_actor, resolve_actor

    from ..context import state, workflow_store

    cwd = state().cwd_text
    prefetch_actor(cwd)  # git answers on another core while the service modules load
    from flowctl_service import scheduling

    store = workflow_store()
    data = scheduling.next_unit(store, resolve_actor(cwd), epics_file=epics_file,
                                require_plan_review=require_plan_review,
                                require_completion_review=require_completion_review)
    return Result(data, text=scheduling.next_text(data))
