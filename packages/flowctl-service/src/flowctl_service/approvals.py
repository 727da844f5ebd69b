"""Blocking decisions between workers and their supervisor: `approval create | list | show | approve | reject`
(cli-ext.md §3, storage.md §8.2).

Fixes over the reference: an unknown id is "approval not found" (D51, not a task error); the task id is validated
before it names a file (D52); elements of the file that do not parse are kept (D27); create and resolve hold the
store lock, so concurrent calls never lose an approval and exactly one of several resolutions of one id wins.
"""

from __future__ import annotations

from typing import Any

from flowctl_core import changes as ch
from flowctl_core import ids
from flowctl_core.errors import FlowError, InvalidInputError, InvalidTransitionError, NotFoundError
from flowctl_db import FlowStore
from flowctl_db import approvals as A

from .applier import commit

DEFAULT_WAIT_SECONDS = 300
POLL_SECONDS = 1.0


def _prefixed(op: str, err: FlowError) -> FlowError:
    """The reference's `<op>: <message>` form of an approval rule's error (same class, same exit code).

    Errors about the file itself (corrupt, unreadable, lock timeout) keep the wording every command uses.
    """
    if isinstance(err, NotFoundError | InvalidInputError | InvalidTransitionError):
        err.message = f"{op}: {err.message}"
    return err


def parse_payload(value: str) -> Any:
    """`--payload`: inline JSON, or `@path` naming a JSON file (at most 1 MiB); any JSON value is accepted."""
    from flowctl_core import payloads

    if value.startswith("@"):
        path = value[1:]
        return payloads.parse_json(payloads.read_capped(path), f"invalid JSON in {path}")
    if len(value.encode("utf-8", "surrogateescape")) > payloads.MAX_PAYLOAD_BYTES:
        raise InvalidInputError(f"invalid --payload JSON: larger than {payloads.MAX_PAYLOAD_BYTES} bytes")
    return payloads.parse_json(value, "invalid --payload JSON")


def create(store: FlowStore, task_id: str, kind: str, payload: str, *, dry_run: bool = False) -> dict[str, Any]:
    """A new pending approval for an existing task; returns the record (or the Changes preview)."""
    if kind not in A.KINDS:
        raise InvalidInputError(f"invalid --kind: {kind}")
    value = parse_payload(payload)
    if not ids.is_task_id(task_id):
        raise InvalidInputError(f"create: validation error: Invalid task ID: {task_id}")
    try:
        with store.lock():
            if store.get_task_definition(task_id) is None:
                raise NotFoundError(f"validation error: task {task_id} does not exist")
            raw, approval = A.with_created(store.approvals.read_raw(), task_id, kind, value)
            preview = commit(store, ch.Changes([ch.put("approvals", "", raw)]), None, dry_run=dry_run)
    except FlowError as err:
        raise _prefixed("create", err) from None
    return approval if preview is None else preview


def list_approvals(store: FlowStore, pending_only: bool = False) -> list[dict[str, Any]]:
    """Parseable approvals, newest first, optionally only the pending ones."""
    try:
        return store.approvals.list(pending_only)
    except FlowError as err:
        raise _prefixed("list", err) from None


def show(store: FlowStore, approval_id: str) -> dict[str, Any]:
    """One approval; `get: approval not found: <id>` when unknown."""
    try:
        return store.approvals.get(approval_id)
    except FlowError as err:
        raise _prefixed("get", err) from None


def wait(store: FlowStore, approval_id: str, timeout: float = DEFAULT_WAIT_SECONDS,
         poll: float = POLL_SECONDS) -> dict[str, Any]:
    """Re-read the approval until it is no longer pending; give up `timeout` seconds after the call.

    Reads only: the store lock is never taken (the file is replaced atomically), so the resolver is never held up.
    The deadline is checked after each read, and the last read happens at the deadline itself.
    """
    import time

    deadline = time.monotonic() + timeout
    while True:
        approval = show(store, approval_id)
        if approval["status"] != "pending":
            return approval
        left = deadline - time.monotonic()
        if left <= 0:
            raise FlowError(f"timeout waiting for approval {approval_id} "
                            f"(status still pending after {_seconds(timeout)}s)")
        time.sleep(min(poll, left))


def _seconds(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def resolve(store: FlowStore, actor: str | None, approval_id: str, approve: bool, reason: str | None = None,
            *, dry_run: bool = False) -> dict[str, Any]:
    """Approve or reject a pending approval (the first resolution wins; later ones are refused)."""
    try:
        with store.lock():
            raw, approval = A.with_resolved(store.approvals.read_raw(), approval_id, approve, actor, reason)
            preview = commit(store, ch.Changes([ch.put("approvals", "", raw)]), actor, dry_run=dry_run)
    except FlowError as err:
        raise _prefixed("approve" if approve else "reject", err) from None
    return approval if preview is None else preview


def record_text(approval: dict[str, Any]) -> str:
    """Plain form of one approval: `<id>\\ttask=<task>\\tstatus=<status>`."""
    return f"{approval.get('id', '?')}\ttask={approval.get('task_id', '?')}\tstatus={approval.get('status', '?')}"


def list_text(approvals: list[dict[str, Any]]) -> str:
    """Plain form of `approval list`: one `<id>\\t<kind>\\ttask=<task>\\tstatus=<status>` line each."""
    if not approvals:
        return "(no approvals)"
    return "\n".join(f"{a['id']}\t{a['kind']}\ttask={a['task_id']}\tstatus={a['status']}" for a in approvals)
