"""Task, epic and review statuses; the core task transition table (storage.md §5.1, §5.2).

Statuses are plain strings (the snake_case names stored on disk). Only ``start`` consults the transition table in
the reference; other commands apply their own rules (§5.4), which live in the service layer.
"""

from __future__ import annotations

from flowctl_core.errors import InvalidTransitionError

TODO = "todo"
IN_PROGRESS = "in_progress"
DONE = "done"
BLOCKED = "blocked"
SKIPPED = "skipped"
FAILED = "failed"
UP_FOR_RETRY = "up_for_retry"
UPSTREAM_FAILED = "upstream_failed"

ALL_STATUSES: tuple[str, ...] = (
    TODO,
    IN_PROGRESS,
    DONE,
    BLOCKED,
    SKIPPED,
    FAILED,
    UP_FOR_RETRY,
    UPSTREAM_FAILED,
)

# The order `tasks --status` offers them: the reference's four first, then the statuses it did not accept.
TASK_STATUS_CHOICES: tuple[str, ...] = (TODO, IN_PROGRESS, BLOCKED, DONE, SKIPPED, FAILED, UP_FOR_RETRY,
                                        UPSTREAM_FAILED)

SATISFIED_STATUSES = frozenset((DONE, SKIPPED))
TERMINAL_STATUSES = frozenset((DONE, SKIPPED))
FAILED_STATUSES = frozenset((FAILED, UPSTREAM_FAILED))
ACTIVE_STATUSES = frozenset((IN_PROGRESS,))

# Epic statuses.
EPIC_OPEN = "open"
EPIC_DONE = "done"
EPIC_STATUSES: tuple[str, ...] = (EPIC_OPEN, EPIC_DONE)

# Review statuses as stored, and the words the CLI accepts for them.
REVIEW_UNKNOWN = "unknown"
REVIEW_PASSED = "passed"
REVIEW_FAILED = "failed"
REVIEW_STATUSES: tuple[str, ...] = (REVIEW_UNKNOWN, REVIEW_PASSED, REVIEW_FAILED)
REVIEW_WORDS: tuple[str, ...] = ("ship", "needs_work", "unknown")


def is_satisfied(status: str | None) -> bool:
    """True when the status counts as met for dependents (done, skipped)."""
    return status in SATISFIED_STATUSES


def is_terminal(status: str | None) -> bool:
    """True for done and skipped."""
    return status in TERMINAL_STATUSES


def is_failed(status: str | None) -> bool:
    """True for failed and upstream_failed."""
    return status in FAILED_STATUSES


def is_active(status: str | None) -> bool:
    """True for in_progress."""
    return status in ACTIVE_STATUSES


def is_valid_status(status: object) -> bool:
    """True for one of the eight exact snake_case status names."""
    return status in ALL_STATUSES


# Allowed (from, to) pairs besides "anything -> upstream_failed".
_TRANSITIONS = frozenset(
    (
        (TODO, IN_PROGRESS),
        (TODO, SKIPPED),
        (IN_PROGRESS, DONE),
        (IN_PROGRESS, FAILED),
        (IN_PROGRESS, BLOCKED),
        (FAILED, UP_FOR_RETRY),
        (UP_FOR_RETRY, IN_PROGRESS),
        (BLOCKED, TODO),
        (FAILED, TODO),
    )
)


def can_transition(from_status: str, to_status: str) -> bool:
    """True if the core table allows from_status -> to_status (upstream_failed is reachable from every status)."""
    if to_status == UPSTREAM_FAILED:
        return from_status in ALL_STATUSES
    return (from_status, to_status) in _TRANSITIONS


def valid_targets(from_status: str) -> list[str]:
    """Statuses reachable from from_status in one step, in ALL_STATUSES order."""
    return [to for to in ALL_STATUSES if can_transition(from_status, to)]


def transition_error_message(from_status: str, to_status: str) -> str:
    """Text ``invalid transition from <from> to <to>``."""
    return f"invalid transition from {from_status} to {to_status}"


def transition_error(from_status: str, to_status: str) -> InvalidTransitionError:
    """The error for a rejected transition; str() is ``invalid transition from <from> to <to>``."""
    return InvalidTransitionError(transition_error_message(from_status, to_status))


def check_transition(from_status: str, to_status: str) -> None:
    """Raise InvalidTransitionError unless the core table allows the transition."""
    if not can_transition(from_status, to_status):
        raise transition_error(from_status, to_status)


_LENIENT = {
    "todo": TODO,
    "in_progress": IN_PROGRESS,
    "in-progress": IN_PROGRESS,
    "inprogress": IN_PROGRESS,
    "done": DONE,
    "blocked": BLOCKED,
    "skipped": SKIPPED,
    "failed": FAILED,
    "up_for_retry": UP_FOR_RETRY,
    "up-for-retry": UP_FOR_RETRY,
    "upforretry": UP_FOR_RETRY,
    "upstream_failed": UPSTREAM_FAILED,
    "upstream-failed": UPSTREAM_FAILED,
    "upstreamfailed": UPSTREAM_FAILED,
}


def parse_status_lenient(s: object) -> str | None:
    """Case-insensitive status parser accepting hyphenated/joined forms; None if unknown."""
    if not isinstance(s, str):
        return None
    return _LENIENT.get(s.lower())


def review_from_word(word: str) -> str:
    """CLI review word to stored review status: ship->passed, needs_work->failed, anything else->unknown."""
    if word == "ship":
        return REVIEW_PASSED
    if word == "needs_work":
        return REVIEW_FAILED
    return REVIEW_UNKNOWN
