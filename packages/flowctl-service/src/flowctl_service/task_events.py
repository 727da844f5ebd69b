"""Builders for the event lines the lifecycle commands append to `.state/events.jsonl` (storage.md §7.4).

Two shapes, both kept byte-compatible with the reference (keys are sorted when the line is written):

* audit events (start, done, fail): ``{"epic_id", "stream_id": "task:<id>", "task_id", "timestamp", "type"}``
  with types ``task_started``, ``task_completed``, ``task_failed``;
* task events (start, done, block, fail, restart): ``{"actor": "lifecycle", "source_cmd": "flowctl <cmd>",
  "stream_id": "task:<id>", "timestamp", "type"}`` with types ``started``, ``completed``, ``blocked``, ``failed``
  and — D33 fixed — ``restarted`` for ``restart`` (the reference logged ``started`` there).
"""

from __future__ import annotations

from flowctl_core.timefmt import now_off

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any

TASK_STARTED = "task_started"
TASK_COMPLETED = "task_completed"
TASK_FAILED = "task_failed"

STARTED = "started"
COMPLETED = "completed"
BLOCKED = "blocked"
FAILED = "failed"
RESTARTED = "restarted"

LIFECYCLE_ACTOR = "lifecycle"


def task_stream(task_id: str) -> str:
    """The event stream of one task: ``task:<id>``."""
    return f"task:{task_id}"


def _epic_of(task_id: str) -> str:
    # The reference derives the epic from the id and falls back to "" when the id has no task part.
    head, dot, tail = task_id.rpartition(".")
    return head if dot and tail.isdigit() else ""


def audit_event(task_id: str, event_type: str) -> dict[str, Any]:
    """An audit line (``task_started`` / ``task_completed`` / ``task_failed``) for a task."""
    return {
        "epic_id": _epic_of(task_id),
        "stream_id": task_stream(task_id),
        "task_id": task_id,
        "timestamp": now_off(),
        "type": event_type,
    }


def task_event(task_id: str, event_type: str, command: str) -> dict[str, Any]:
    """A lifecycle line (``started`` / ``completed`` / ``blocked`` / ``failed`` / ``restarted``) for a task.

    `command` is the subcommand name; the line records it as ``source_cmd: "flowctl <command>"``.
    """
    return {
        "actor": LIFECYCLE_ACTOR,
        "source_cmd": f"flowctl {command}",
        "stream_id": task_stream(task_id),
        "timestamp": now_off(),
        "type": event_type,
    }


def start_events(task_id: str) -> list[dict[str, Any]]:
    """The two lines `start` appends: ``task_started`` then ``started``."""
    return [audit_event(task_id, TASK_STARTED), task_event(task_id, STARTED, "start")]


def done_events(task_id: str) -> list[dict[str, Any]]:
    """The two lines `done` appends: ``task_completed`` then ``completed``."""
    return [audit_event(task_id, TASK_COMPLETED), task_event(task_id, COMPLETED, "done")]


def block_events(task_id: str) -> list[dict[str, Any]]:
    """The one line `block` appends: ``blocked`` (the reference has no audit counterpart)."""
    return [task_event(task_id, BLOCKED, "block")]


def fail_events(task_id: str) -> list[dict[str, Any]]:
    """The two lines `fail` appends (either outcome): ``task_failed`` then ``failed``."""
    return [audit_event(task_id, TASK_FAILED), task_event(task_id, FAILED, "fail")]


def restart_events(task_id: str) -> list[dict[str, Any]]:
    """The one line `restart` appends on the target's stream: ``restarted`` (D33: not ``started``)."""
    return [task_event(task_id, RESTARTED, "restart")]
