"""Validated ids and record lookups with the reference's exact error texts (cli-core.md §1.8)."""

from __future__ import annotations

from flowctl_core import ids
from flowctl_core.errors import InvalidInputError, NotFoundError
from flowctl_db import FlowStore

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any


def epic_id(value: str) -> str:
    """Return `value` if it is an epic id, else the standard invalid-epic error."""
    if not ids.is_epic_id(value):
        raise InvalidInputError(ids.invalid_epic_id_message(value))
    return value


def task_id(value: str, variant: str = "long", prefix: str = "") -> str:
    """Return `value` if it is a task id, else the standard invalid-task error (variant long|medium|short)."""
    if not ids.is_task_id(value):
        raise InvalidInputError(prefix + ids.invalid_task_id_message(value, variant))
    return value


def any_id(value: str) -> str:
    """Return `value` if it is an epic or task id, else the standard invalid-id error."""
    if ids.parse_id(value) is None:
        raise InvalidInputError(ids.invalid_any_id_message(value))
    return value


def epic(store: FlowStore, eid: str) -> dict[str, Any]:
    """The epic record; `Epic <id> not found` when missing."""
    rec = store.get_epic(eid)
    if rec is None:
        raise NotFoundError(f"Epic {eid} not found")
    return rec


def task(store: FlowStore, tid: str) -> dict[str, Any]:
    """The merged task; `Task <id> not found` when missing."""
    rec = store.get_task(tid)
    if rec is None:
        raise NotFoundError(f"Task {tid} not found")
    return rec
