"""Bodies of `start`, `done` and `block` (declared in commands/lifecycle.py)."""

from __future__ import annotations

from ..output import Result


def start(id: str, force: bool, note: str | None) -> Result:
    """Start task."""
    from flowctl_service.actor import prefetch_actor, resolve_actor

    from ..context import state, workflow_store

    st = state()
    prefetch_actor(st.cwd_text)  # git answers on another core while the service modules load
    from flowctl_service import lifecycle

    store = workflow_store()
    data = lifecycle.start(store, id, resolve_actor(st.cwd_text), force=force, note=note, dry_run=st.dry_run)
    if st.dry_run:
        return Result(data, raw=True)
    return Result(data, text=data["message"])


def done(id: str, summary_file: str | None, summary: str | None, evidence_json: str | None, evidence: str | None,
         force: bool) -> Result:
    """Complete task."""
    from flowctl_service.actor import prefetch_actor, resolve_actor

    from ..context import state, workflow_store

    st = state()
    prefetch_actor(st.cwd_text)  # git answers on another core while the service modules load
    from flowctl_service import lifecycle

    store = workflow_store()
    data = lifecycle.done(store, id, resolve_actor(st.cwd_text), summary=summary, summary_file=summary_file,
                          evidence_json=evidence_json, evidence=evidence, force=force, dry_run=st.dry_run)
    if st.dry_run:
        return Result(data, raw=True)
    text = f"Task {id} completed{lifecycle.format_duration(data.get('duration_seconds'))}"
    if "warning" in data:
        text += f"\n  warning: {data['warning']}"
    return Result(data, text=text)


def block(id: str, text: str | None, reason: str | None, reason_file: str | None) -> Result:
    """Block task with reason."""
    from flowctl_service import lifecycle

    from ..context import state, workflow_store

    why = lifecycle.resolve_block_reason(reason, reason_file, text)  # resolved before anything else, as the reference
    st = state()
    store = workflow_store()
    data = lifecycle.block(store, id, why, dry_run=st.dry_run)
    if st.dry_run:
        return Result(data, raw=True)
    return Result(data, text=data["message"])
