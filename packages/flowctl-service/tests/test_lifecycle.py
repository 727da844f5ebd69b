"""Service-level tests of start, done, block, fail and restart (real files in tmp_path)."""

from __future__ import annotations

import json

import pytest

from flowctl_core import spec_md
from flowctl_core.errors import (
    ConflictError,
    DependencyError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    StoreIOError,
)
from flowctl_core.timefmt import fmt_z, now
from flowctl_db import FlowStore
from flowctl_service import file_locks, worker_phases
from flowctl_service import lifecycle as lc

E = "fn-1-auth"
T1, T2, T3, T4 = (f"{E}.{i}" for i in range(1, 5))




def add_epic(store: FlowStore, eid: str = E, status: str = "open") -> None:
    store.save_epic({"id": eid, "title": f"Epic {eid}", "status": status})


def add_task(store: FlowStore, tid: str, deps: list[str] | None = None, state: dict | None = None,
             spec: bool = True) -> None:
    store.save_task_definition({"id": tid, "epic": tid.rsplit(".", 1)[0], "title": f"Task {tid}",
                                "depends_on": deps or []})
    if spec:
        store.write_task_spec(tid, spec_md.task_spec_template(tid, f"Task {tid}"))
    if state is not None:
        store.save_state(tid, {"retry_count": 0, "updated_at": fmt_z(now()), **state})


def events(store: FlowStore) -> list[dict]:
    return store.events.read_all()


@pytest.fixture
def chain(store: FlowStore) -> FlowStore:
    """Epic with T1 <- T2 <- T3 (T3 depends on T2 depends on T1) and an independent T4."""
    add_epic(store)
    add_task(store, T1, state={"status": "todo"})
    add_task(store, T2, [T1], state={"status": "todo"})
    add_task(store, T3, [T2])
    add_task(store, T4)
    return store


# ── start ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_start_writes_claim_in_reference_order_and_logs_two_events(chain):
    assert lc.start(chain, T1, "alice") == {"id": T1, "message": f"Task {T1} started", "status": "in_progress"}
    state = json.loads(chain.paths.task_state(T1).read_text())
    assert list(state) == ["status", "assignee", "claimed_at", "retry_count", "updated_at"]
    assert state["status"] == "in_progress" and state["assignee"] == "alice"
    evs = events(chain)
    assert [e["type"] for e in evs] == ["task_started", "started"]
    assert evs[0] == {"epic_id": E, "stream_id": f"task:{T1}", "task_id": T1, "timestamp": evs[0]["timestamp"],
                      "type": "task_started"}
    assert evs[1] == {"actor": "lifecycle", "source_cmd": "flowctl start", "stream_id": f"task:{T1}",
                      "timestamp": evs[1]["timestamp"], "type": "started"}


def test_start_error_order(chain):
    with pytest.raises(InvalidInputError) as err:
        lc.start(chain, "test-task-1", "a")
    assert str(err.value) == ("validation error: Invalid task ID: test-task-1. Expected format: fn-N.M or "
                              "fn-N-slug.M (e.g., fn-1.2, fn-1-add-auth.2)")
    with pytest.raises(NotFoundError, match=r"^task not found: fn-1-auth\.9$"):
        lc.start(chain, f"{E}.9", "a")
    with pytest.raises(DependencyError) as err:
        lc.start(chain, T2, "a")
    assert str(err.value) == f"dependency unsatisfied: task {T2} blocked by {T1} is 'todo', not 'done'"
    add_task(chain, f"{E}.5", [f"{E}.77"])
    with pytest.raises(DependencyError) as err:
        lc.start(chain, f"{E}.5", "a")
    assert str(err.value) == f"dependency unsatisfied: task {E}.5 blocked by {E}.77 not found"


@pytest.mark.parametrize("status", ["blocked", "done", "failed", "skipped", "upstream_failed"])
def test_start_refuses_other_statuses_without_force(chain, status):
    chain.save_state(T4, {"status": status})
    with pytest.raises(InvalidTransitionError) as err:
        lc.start(chain, T4, "a")
    assert str(err.value) == f"invalid transition: Cannot start task {T4}: invalid transition '{status}' → 'in_progress'"
    assert lc.start(chain, T4, "a", force=True)["status"] == "in_progress"


def test_start_in_progress_by_other_actor_is_a_claim_conflict(chain):
    lc.start(chain, T1, "alice")
    with pytest.raises(ConflictError) as err:
        lc.start(chain, T1, "bob")
    assert str(err.value) == f"cross-actor violation: Cannot start task {T1}: claimed by 'alice'"


def test_restart_own_in_progress_is_an_idempotent_resume(chain):
    lc.start(chain, T1, "alice")
    before = chain.paths.task_state(T1).read_bytes()
    assert lc.start(chain, T1, "alice")["status"] == "in_progress"
    assert chain.paths.task_state(T1).read_bytes() == before  # D14: nothing rewritten
    assert len(events(chain)) == 2
    claimed = json.loads(before)["claimed_at"]
    lc.start(chain, T1, "alice", note="resuming after crash")
    state = chain.get_state(T1)
    assert state["claimed_at"] == claimed and state["claim_note"] == "resuming after crash"


def test_start_note_is_stored_as_claim_note(chain):
    lc.start(chain, T1, "alice", note="taking auth")
    assert chain.get_state(T1)["claim_note"] == "taking auth"


def test_todo_claimed_by_someone_else_needs_force_which_takes_over(chain):
    chain.save_state(T4, {"status": "todo", "assignee": "alice", "claimed_at": "2020-01-01T00:00:00Z"})
    with pytest.raises(ConflictError, match="claimed by 'alice'"):
        lc.start(chain, T4, "bob")
    lc.start(chain, T4, "bob", force=True)
    state = chain.get_state(T4)
    assert state["assignee"] == "bob" and state["claimed_at"] != "2020-01-01T00:00:00Z"


def test_force_start_keeps_own_claim_time_and_clears_results(chain):
    chain.save_state(T4, {"status": "done", "assignee": "a", "claimed_at": "2020-01-01T00:00:00Z",
                          "completed_at": "2020-01-02T00:00:00Z", "evidence": {"commits": ["x"]},
                          "duration_seconds": 5, "baseline_rev": "b0", "final_rev": "f1", "summary": "s",
                          "retry_count": 2, "custom": 1})
    lc.start(chain, T4, "a", force=True)
    state = chain.get_state(T4)
    assert state == {"status": "in_progress", "assignee": "a", "claimed_at": "2020-01-01T00:00:00Z",
                     "baseline_rev": "b0", "retry_count": 2, "updated_at": state["updated_at"], "custom": 1}


def test_up_for_retry_is_startable_by_anyone(chain):
    chain.save_state(T4, {"status": "up_for_retry", "assignee": "alice", "retry_count": 1})
    lc.start(chain, T4, "bob")
    state = chain.get_state(T4)
    assert state["assignee"] == "bob" and state["retry_count"] == 1 and "claimed_at" in state


def test_dependency_in_another_epic_counts_when_satisfied(chain):
    add_epic(chain, "fn-2-other")
    add_task(chain, "fn-2-other.1", state={"status": "done"})
    add_task(chain, "fn-2-other.2", state={"status": "todo"})
    add_task(chain, f"{E}.5", ["fn-2-other.1"])
    add_task(chain, f"{E}.6", ["fn-2-other.2"])
    assert lc.start(chain, f"{E}.5", "a")["status"] == "in_progress"
    with pytest.raises(DependencyError, match="fn-2-other.2 is 'todo'"):
        lc.start(chain, f"{E}.6", "a")


def test_start_dry_run_writes_nothing(chain):
    before = chain.paths.task_state(T1).read_bytes()
    preview = lc.start(chain, T1, "alice", dry_run=True)
    assert preview["dry_run"] is True
    m, *logged = preview["changes"]["mutations"]
    assert m["op"] == "set_task_state" and m["task_id"] == T1 and m["state"]["assignee"] == "alice"
    assert [(e["op"], e["store"], e["value"]["type"]) for e in logged] == [
        ("append", "events", "task_started"), ("append", "events", "started")]  # the event lines it would log
    assert chain.paths.task_state(T1).read_bytes() == before and events(chain) == []


# ── done ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_done_checks(chain):
    with pytest.raises(InvalidTransitionError, match=rf"^invalid transition: Task {T1} is 'todo', not 'in_progress'$"):
        lc.done(chain, T1, "a")
    chain.save_state(T4, {"status": "done"})
    with pytest.raises(InvalidTransitionError, match=rf"^invalid transition: Task {T4} is already done$"):
        lc.done(chain, T4, "a")
    lc.start(chain, T1, "alice")
    with pytest.raises(ConflictError) as err:
        lc.done(chain, T1, "bob")
    assert str(err.value) == f"cross-actor violation: Cannot complete task {T1}: claimed by 'alice'"
    with pytest.raises(StoreIOError) as err:
        lc.done(chain, T1, "alice", summary_file="/nonexistent/s.md")
    assert str(err.value) == "io error: Cannot read summary file: No such file or directory (os error 2)"
    assert lc.done(chain, T1, "bob", force=True)["status"] == "done"


def test_done_evidence_errors(chain):
    lc.start(chain, T1, "a")
    cases = [
        ({"evidence_json": "/nope.json"}, "io error: Cannot read evidence file: No such file or directory (os error 2)"),
        ({"evidence_json": "{bad"}, "validation error: Evidence JSON invalid: "),
        ({"evidence": "nope"}, "validation error: Evidence invalid JSON: "),
        # --evidence-json wins; a value not starting with "{" is a path, even "[1]" (reference rule)
        ({"evidence_json": "[1]", "evidence": "{}"}, "io error: Cannot read evidence file: "),
        ({"evidence": "[1]"}, "validation error: Evidence JSON must be an object with keys: commits/tests/prs"),
    ]
    for kwargs, prefix in cases:
        with pytest.raises((InvalidInputError, StoreIOError)) as err:
            lc.done(chain, T1, "a", **kwargs)
        assert str(err.value).startswith(prefix), (kwargs, str(err.value))
    assert chain.get_state(T1)["status"] == "in_progress"


def test_done_stores_summary_and_whole_evidence_and_fills_the_spec(chain, tmp_path):
    lc.start(chain, T1, "a")
    summary = tmp_path / "summary.md"
    summary.write_text("Registered the app\n")
    ev = tmp_path / "ev.json"
    ev.write_text(json.dumps({"commits": [1, "9f1c2ab", ""], "tests": "pytest -q", "prs": 5, "files_changed": 3,
                              "review_iterations": 2, "tests_passed": True,
                              "workspace_changes": {"baseline_rev": "a1", "final_rev": "b2", "files_changed": 3,
                                                    "insertions": 10, "deletions": 1}}))
    out = lc.done(chain, T1, "a", summary="ignored because the file wins", summary_file=str(summary),
                  evidence_json=str(ev))
    assert out["status"] == "done" and "warning" not in out and out["duration_seconds"] >= 0
    state = json.loads(chain.paths.task_state(T1).read_text())
    assert state["evidence"] == {"commits": ["9f1c2ab"], "tests": ["pytest -q"], "files_changed": 3,
                                 "review_iterations": 2,
                                 "workspace_changes": {"baseline_rev": "a1", "final_rev": "b2", "files_changed": 3,
                                                       "insertions": 10, "deletions": 1},
                                 "tests_passed": True}
    assert state["summary"] == "Registered the app"
    assert state["final_rev"] == "b2" and state["baseline_rev"] == "a1"
    assert state["completed_at"] == state["updated_at"]
    spec = chain.read_task_spec(T1)
    assert "## Done summary\nRegistered the app\n\n## Evidence\n- Commits: 9f1c2ab\n- Tests: pytest -q\n- PRs:\n" in spec


def test_done_default_evidence_is_empty_object_and_spec_untouched(chain):
    lc.start(chain, T1, "a")
    spec = chain.read_task_spec(T1)
    lc.done(chain, T1, "a")
    assert chain.get_state(T1)["evidence"] == {}
    assert chain.read_task_spec(T1) == spec  # template already shows empty evidence and TBD


def test_done_workspace_warnings_and_invalid_counts_are_not_stored(chain):
    lc.start(chain, T1, "a")
    out = lc.done(chain, T1, "a", evidence='{"workspace_changes":{"baseline_rev":"x"},"insertions":-1}')
    assert out["warning"] == ("workspace_changes missing keys: final_rev, files_changed, insertions, deletions; "
                              "evidence insertions must be a non-negative integer (not stored)")
    assert chain.get_state(T1)["evidence"] == {}
    lc.start(chain, T2, "a", force=True)
    assert lc.done(chain, T2, "a", evidence='{"workspace_changes":"x"}')["warning"] == \
        "workspace_changes must be an object"


def test_done_writes_review_receipt_releases_locks_and_logs(chain):
    lc.start(chain, T1, "a")
    file_locks.lock(chain, T1, "src/a.py")
    file_locks.lock(chain, T4, "src/b.py")
    lc.done(chain, T1, "a", evidence_json='{"review_receipt":{"type":"impl_review","mode":"rp","verdict":"SHIP"}}')
    receipt = chain.paths.reviews / f"impl_review-{T1}-rp.json"
    assert receipt.read_text() == '{\n  "mode": "rp",\n  "type": "impl_review",\n  "verdict": "SHIP"\n}'
    assert [lk["task_id"] for lk in chain.locks.list()] == [T4]
    assert [e["type"] for e in events(chain)][-2:] == ["task_completed", "completed"]
    lc.start(chain, T2, "a")
    lc.done(chain, T2, "a", evidence_json='{"review_receipt":{"verdict":"SHIP","type":"../../x"}}')
    assert (chain.paths.reviews / f"review-{T2}-unknown.json").exists()


def test_done_duration_from_claim(chain):
    chain.save_state(T4, {"status": "in_progress", "assignee": "a", "claimed_at": "2020-01-01T00:00:00Z"})
    out = lc.done(chain, T4, "a")
    assert out["duration_seconds"] > 10**8
    assert lc.format_duration(125) == " (2m 5s)" and lc.format_duration(5) == " (5s)"
    assert lc.format_duration(None) == ""


# ── block ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_block_keeps_claim_and_logs_one_event(chain):
    lc.start(chain, T1, "a")
    assert lc.block(chain, T1, "  waiting for API keys \n") == {"id": T1, "message": f"Task {T1} blocked",
                                                                 "status": "blocked"}
    state = json.loads(chain.paths.task_state(T1).read_text())
    assert list(state) == ["status", "assignee", "claimed_at", "blocked_reason", "retry_count", "updated_at"]
    assert state["blocked_reason"] == "waiting for API keys"
    assert events(chain)[-1]["type"] == "blocked" and events(chain)[-1]["source_cmd"] == "flowctl block"


def test_block_errors(chain):
    chain.save_state(T4, {"status": "done"})
    with pytest.raises(InvalidTransitionError, match=rf"^invalid transition: Cannot block task {T4}: status is 'done'$"):
        lc.block(chain, T4, "x")
    with pytest.raises(InvalidInputError, match="^validation error: Reason file is empty$"):
        lc.block(chain, T1, "  ")
    assert lc.block(chain, T3, "any non-done status")["status"] == "blocked"


def test_block_reason_resolution(tmp_path):
    assert lc.resolve_block_reason("a", None, "b") == "a"
    assert lc.resolve_block_reason(None, None, "b") == "b"
    f = tmp_path / "r.md"
    f.write_text("from file")
    assert lc.resolve_block_reason(None, str(f)) == "from file"
    with pytest.raises(InvalidInputError, match=r"^Cannot read reason file: No such file or directory \(os error 2\)$"):
        lc.resolve_block_reason(None, str(tmp_path / "nope"))
    with pytest.raises(InvalidInputError, match="^Either --reason or --reason-file is required$"):
        lc.resolve_block_reason(None, None)


# ── fail ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_fail_requires_in_progress(chain):
    with pytest.raises(InvalidTransitionError, match=rf"^invalid transition: Task {T1} is 'todo', not 'in_progress'$"):
        lc.fail(chain, T1)


def test_fail_with_retries_left_goes_up_for_retry(chain):
    chain.config.put("", {"max_retries": 2})
    file_locks.lock(chain, T1, "a.py")
    lc.start(chain, T1, "alice", note="n")
    out = lc.fail(chain, T1, reason="flaky")
    assert out == {"id": T1, "message": f"Task {T1} up_for_retry", "reason": "flaky", "status": "up_for_retry",
                   "retry_count": 1, "max_retries": 2}
    state = chain.get_state(T1)
    assert state == {"status": "up_for_retry", "assignee": "alice", "retry_count": 1,
                     "updated_at": state["updated_at"], "failure_reason": "flaky"}
    assert chain.get_state(T2)["status"] == "todo"  # no propagation
    assert len(chain.locks.list()) == 1  # only a final failure releases locks
    assert [e["type"] for e in events(chain)][-2:] == ["task_failed", "failed"]


def test_exhausted_fail_keeps_claim_and_propagates_but_not_over_in_progress(chain):
    chain.save_state(T3, {"status": "in_progress", "assignee": "carol"})
    file_locks.lock(chain, T1, "a.py")
    lc.start(chain, T1, "alice")
    claimed = chain.get_state(T1)["claimed_at"]
    out = lc.fail(chain, T1)
    assert out == {"id": T1, "message": f"Task {T1} failed", "reason": "Task failed", "status": "failed",
                   "upstream_failed": [T2], "in_progress_dependents": [T3]}
    state = chain.get_state(T1)
    assert (state["status"], state["assignee"], state["claimed_at"], state["failure_reason"]) == \
        ("failed", "alice", claimed, "Task failed")
    t2 = json.loads(chain.paths.task_state(T2).read_text())
    assert t2["status"] == "upstream_failed" and list(t2) == ["status", "retry_count", "updated_at"]
    assert chain.get_state(T3)["status"] == "in_progress"
    assert chain.locks.list() == []


def test_exhausted_fail_keeps_retry_count(chain):
    chain.config.put("", {"max_retries": 1})
    chain.save_state(T4, {"status": "in_progress", "assignee": "a", "retry_count": 1})
    assert lc.fail(chain, T4)["status"] == "failed"
    assert chain.get_state(T4)["retry_count"] == 1


def test_propagation_survives_unknown_deps_and_cycles_elsewhere(chain):
    add_task(chain, f"{E}.5", [f"{E}.99"])  # unknown dep: the reference skipped propagation entirely
    add_task(chain, f"{E}.6", [f"{E}.7"])
    add_task(chain, f"{E}.7", [f"{E}.6"])  # cycle
    lc.start(chain, T1, "a")
    assert lc.fail(chain, T1)["upstream_failed"] == [T2, T3]


def test_propagation_skips_satisfied_and_failed_and_writes_blank_state_when_missing(chain):
    chain.save_state(T2, {"status": "done", "assignee": "x"})
    lc.start(chain, T1, "a", force=True)
    out = lc.fail(chain, T1)
    assert out["upstream_failed"] == [T3]  # T2 done stays; T3 depends transitively
    assert chain.get_state(T2)["status"] == "done"
    assert chain.get_state(T3)["status"] == "upstream_failed"


def test_fail_dry_run_previews_propagation(chain):
    lc.start(chain, T1, "a")
    preview = lc.fail(chain, T1, dry_run=True)
    states = [m for m in preview["changes"]["mutations"] if m["op"] == "set_task_state"]
    assert [m["task_id"] for m in states] == [T1, T2, T3]
    assert chain.get_state(T1)["status"] == "in_progress"


# ── restart ───────────────────────────────────────────────────────────────────────────────────────────────────────


def test_restart_cascades_resets_phases_releases_locks_and_logs_restarted(chain):
    chain.save_state(T1, {"status": "done"})
    chain.save_state(T2, {"status": "failed", "retry_count": 2})
    worker_phases.mark_done(chain, T1, "1")
    worker_phases.mark_done(chain, T4, "1")
    file_locks.lock(chain, T2, "a.py")
    out = lc.restart(chain, T1)
    assert out == {"cascade_from": T1, "reset": [T1, T2], "skipped": [T3], "in_progress_overridden": []}
    for tid in (T1, T2):
        assert json.loads(chain.paths.task_state(tid).read_text()).keys() == {"status", "retry_count", "updated_at"}
        assert chain.get_state(tid)["status"] == "todo"
    assert chain.phases.completed(T1) == [] and chain.phases.completed(T4) == ["1"]
    assert chain.locks.list() == []
    (ev,) = events(chain)
    assert ev == {"actor": "lifecycle", "source_cmd": "flowctl restart", "stream_id": f"task:{T1}",
                  "timestamp": ev["timestamp"], "type": "restarted"}


def test_restart_refuses_in_progress_unless_forced_and_dry_run_writes_nothing(chain):
    chain.save_state(T2, {"status": "in_progress", "assignee": "x"})
    with pytest.raises(InvalidInputError) as err:
        lc.restart(chain, T1)
    assert str(err.value) == f"validation error: Cannot restart: tasks in progress: {T2}. Use --force to override."
    before = chain.paths.task_state(T2).read_bytes()
    out = lc.restart(chain, T1, force=True, dry_run=True)
    assert out == {"cascade_from": T1, "reset": [T2], "skipped": [T1, T3], "in_progress_overridden": [T2]}
    assert chain.paths.task_state(T2).read_bytes() == before and events(chain) == []
    lc.restart(chain, T1, force=True)
    assert chain.get_state(T2)["status"] == "todo"


def test_restart_nothing_to_do_logs_its_one_event(chain):
    assert lc.restart(chain, T3) == {"cascade_from": T3, "reset": [], "skipped": [T3], "in_progress_overridden": []}
    assert [(e["type"], e["stream_id"]) for e in events(chain)] == [("restarted", f"task:{T3}")]  # cli-core §7.8


def test_restart_errors(store):
    add_epic(store, status="done")
    add_task(store, T1)
    with pytest.raises(InvalidInputError, match=rf"^validation error: Cannot restart task in closed epic {E}$"):
        lc.restart(store, T1)
    with pytest.raises(NotFoundError, match=rf"^task not found: {E}.5$"):
        lc.restart(store, f"{E}.5")
    with pytest.raises(InvalidInputError, match="^validation error: Invalid task ID: fn-1"):
        lc.restart(store, "fn-1")
