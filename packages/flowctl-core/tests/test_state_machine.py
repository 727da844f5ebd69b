from __future__ import annotations

import itertools

import pytest

from flowctl_core import state_machine as sm
from flowctl_core.errors import InvalidTransitionError


def test_all_statuses_order() -> None:
    assert sm.ALL_STATUSES == (
        "todo",
        "in_progress",
        "done",
        "blocked",
        "skipped",
        "failed",
        "up_for_retry",
        "upstream_failed",
    )
    assert (sm.TODO, sm.IN_PROGRESS, sm.DONE, sm.BLOCKED) == ("todo", "in_progress", "done", "blocked")
    assert (sm.SKIPPED, sm.FAILED, sm.UP_FOR_RETRY, sm.UPSTREAM_FAILED) == (
        "skipped",
        "failed",
        "up_for_retry",
        "upstream_failed",
    )


def test_predicates() -> None:
    assert {s for s in sm.ALL_STATUSES if sm.is_satisfied(s)} == {"done", "skipped"}
    assert {s for s in sm.ALL_STATUSES if sm.is_terminal(s)} == {"done", "skipped"}
    assert {s for s in sm.ALL_STATUSES if sm.is_failed(s)} == {"failed", "upstream_failed"}
    assert {s for s in sm.ALL_STATUSES if sm.is_active(s)} == {"in_progress"}
    assert not sm.is_satisfied(None)
    assert not sm.is_satisfied("DONE")
    assert sm.is_valid_status("todo") and not sm.is_valid_status("Todo")


ALLOWED = {
    ("todo", "in_progress"),
    ("todo", "skipped"),
    ("in_progress", "done"),
    ("in_progress", "failed"),
    ("in_progress", "blocked"),
    ("failed", "up_for_retry"),
    ("up_for_retry", "in_progress"),
    ("blocked", "todo"),
    ("failed", "todo"),
}


def test_transition_table_exhaustive() -> None:
    for a, b in itertools.product(sm.ALL_STATUSES, repeat=2):
        expected = b == "upstream_failed" or (a, b) in ALLOWED
        assert sm.can_transition(a, b) is expected, (a, b)


def test_upstream_failed_from_everywhere_including_itself() -> None:
    for s in sm.ALL_STATUSES:
        assert sm.can_transition(s, "upstream_failed")
    assert sm.valid_targets("done") == ["upstream_failed"]
    assert sm.valid_targets("todo") == ["in_progress", "skipped", "upstream_failed"]
    assert sm.valid_targets("failed") == ["todo", "up_for_retry", "upstream_failed"]


def test_unknown_statuses_rejected() -> None:
    assert not sm.can_transition("bogus", "upstream_failed")
    assert not sm.can_transition("todo", "bogus")


def test_transition_error() -> None:
    err = sm.transition_error("done", "in_progress")
    assert isinstance(err, InvalidTransitionError)
    assert str(err) == "invalid transition from done to in_progress"
    assert sm.transition_error_message("todo", "done") == "invalid transition from todo to done"
    with pytest.raises(InvalidTransitionError, match="^invalid transition from todo to done$"):
        sm.check_transition("todo", "done")
    sm.check_transition("todo", "in_progress")


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("todo", "todo"),
        ("TODO", "todo"),
        ("in_progress", "in_progress"),
        ("In-Progress", "in_progress"),
        ("INPROGRESS", "in_progress"),
        ("done", "done"),
        ("Blocked", "blocked"),
        ("skipped", "skipped"),
        ("failed", "failed"),
        ("up_for_retry", "up_for_retry"),
        ("up-for-retry", "up_for_retry"),
        ("UpForRetry", "up_for_retry"),
        ("upstream_failed", "upstream_failed"),
        ("upstream-failed", "upstream_failed"),
        ("upstreamfailed", "upstream_failed"),
    ],
)
def test_parse_status_lenient(text: str, status: str) -> None:
    assert sm.parse_status_lenient(text) == status


@pytest.mark.parametrize("text", ["", "in progress", "in_progress ", "complete", "up_for-retry", None, 3])
def test_parse_status_lenient_unknown(text: object) -> None:
    assert sm.parse_status_lenient(text) is None


def test_epic_and_review_statuses() -> None:
    assert sm.EPIC_STATUSES == ("open", "done")
    assert sm.REVIEW_STATUSES == ("unknown", "passed", "failed")
    assert sm.review_from_word("ship") == "passed"
    assert sm.review_from_word("needs_work") == "failed"
    assert sm.review_from_word("unknown") == "unknown"
    assert sm.review_from_word("SHIP") == "unknown"
    assert sm.REVIEW_WORDS == ("ship", "needs_work", "unknown")
