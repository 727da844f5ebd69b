"""`flowctl start|done|block|fail|restart` end to end (real flowctl, real git repositories)."""

from __future__ import annotations

import json
import re

import pytest

E = "fn-1-add-oauth-login"
T1, T2, T3 = f"{E}.1", f"{E}.2", f"{E}.3"
BAD_TASK = ("validation error: Invalid task ID: test-task-1. Expected format: fn-N.M or fn-N-slug.M "
            "(e.g., fn-1.2, fn-1-add-auth.2)")


@pytest.fixture
def chain(initialized_flowctl):
    """An epic with .1 <- .2 <- .3 created through the CLI."""
    initialized_flowctl.ok("epic", "create", "--title", "Add OAuth Login!", "--json")
    initialized_flowctl.ok("task", "create", "--epic", E, "--title", "Design flow", "--json")
    initialized_flowctl.ok("task", "create", "--epic", E, "--title", "Implement", "--deps", T1, "--json")
    initialized_flowctl.ok("task", "create", "--epic", E, "--title", "Test", "--deps", T2, "--json")
    return initialized_flowctl


def state(flowctl, tid):
    return json.loads((flowctl.flow / ".state" / "tasks" / f"{tid}.state.json").read_text())


def events(flowctl):
    return [json.loads(line) for line in (flowctl.flow / ".state" / "events.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("cmd", ["start", "done", "restart", "fail"])
def test_invalid_task_id_fixtures(flowctl, cmd):
    run = flowctl.fail("--json", cmd, "test-task-1")
    assert run.err == json.dumps({"error": BAD_TASK, "success": False}, separators=(",", ":")) + "\n"
    assert run.out == ""


def test_block_invalid_id_after_reading_reason_file(flowctl):
    assert flowctl.fail("--json", "block", "test-task-1", "--reason-file", "/dev/null").error == BAD_TASK


@pytest.mark.parametrize("cmd", ["start", "done", "restart", "block", "fail"])
def test_missing_id_is_a_usage_error(flowctl, cmd):
    flowctl.fail(cmd, code=2)


def test_workflow_commands_auto_create_flow(flowctl):
    assert flowctl.fail("start", "fn-1.1").error == "task not found: fn-1.1"
    assert flowctl.flow.is_symlink() and flowctl.flow.exists()


def test_start_outputs(chain):
    assert chain.ok("start", T1, "--json") == {"id": T1, "status": "in_progress"}
    assert chain.ok("--no-compact", "start", T1, "--json") == {
        "id": T1, "message": f"Task {T1} started", "status": "in_progress", "success": True}
    assert chain.ok("start", T1) == f"Task {T1} started\n"
    s = state(chain, T1)
    assert list(s) == ["status", "assignee", "claimed_at", "retry_count", "updated_at"]
    assert s["assignee"] == "dev@example.com"


def test_start_errors(chain):
    assert chain.fail("start", T2).error == f"dependency unsatisfied: task {T2} blocked by {T1} is 'todo', not 'done'"
    chain.ok("start", T1, env={"FLOW_ACTOR": "alice"})
    assert chain.fail("start", T1, env={"FLOW_ACTOR": "bob"}).error == \
        f"cross-actor violation: Cannot start task {T1}: claimed by 'alice'"
    assert chain.fail("start", f"{E}.9").error == f"task not found: {E}.9"
    chain.ok("block", T1, "--reason", "x", env={"FLOW_ACTOR": "alice"})
    assert chain.fail("start", T1, env={"FLOW_ACTOR": "alice"}).error == \
        f"invalid transition: Cannot start task {T1}: invalid transition 'blocked' → 'in_progress'"
    chain.ok("start", T1, "--force", env={"FLOW_ACTOR": "bob"})
    assert state(chain, T1)["assignee"] == "bob"


def test_start_note_and_resume(chain):
    chain.ok("start", T1, "--note", "on it")
    claimed = state(chain, T1)["claimed_at"]
    chain.ok("start", T1)
    s = state(chain, T1)
    assert s["claimed_at"] == claimed and s["claim_note"] == "on it"
    assert [e["type"] for e in events(chain)].count("started") == 1


def test_global_dry_run_previews_start(chain):
    run = chain("--dry-run", "start", T1)
    assert run.code == 0
    preview = json.loads(run.out)
    assert preview["dry_run"] is True and preview["changes"]["mutations"][0]["op"] == "set_task_state"
    assert state(chain, T1)["status"] == "todo"


def test_done_outputs_files_and_events(chain, tmp_path):
    chain.ok("start", T1)
    (chain.cwd / "summary.md").write_text("Registered the app\n")
    out = chain.ok("done", T1, "--summary-file", "summary.md", "--evidence-json",
                   '{"commits":["9f1c2ab"],"tests":["pytest"],"prs":[],"review_receipt":{"type":"impl_review",'
                   '"mode":"rp","verdict":"SHIP"}}', "--json")
    assert out == {"duration_seconds": out["duration_seconds"], "id": T1, "status": "done"}
    s = state(chain, T1)
    assert list(s)[:6] == ["status", "assignee", "claimed_at", "completed_at", "evidence", "duration_seconds"]
    assert s["evidence"]["commits"] == ["9f1c2ab"] and s["summary"] == "Registered the app"
    spec = (chain.flow / "tasks" / f"{T1}.md").read_text()
    assert "## Done summary\nRegistered the app\n" in spec and "- Commits: 9f1c2ab\n" in spec
    assert (chain.flow / "reviews" / f"impl_review-{T1}-rp.json").exists()
    assert [e["type"] for e in events(chain)][-2:] == ["task_completed", "completed"]
    assert chain.fail("done", T1).error == f"invalid transition: Task {T1} is already done"


def test_done_plain_text_and_warning(chain):
    chain.ok("start", T1)
    out = chain.ok("done", T1, "--summary", "ok", "--evidence", '{"workspace_changes":{"baseline_rev":"a"}}')
    assert re.fullmatch(rf"Task {T1} completed \(\d+s\)\n"  # the seconds since `start`: 0 unless the machine is busy
                        "  warning: workspace_changes missing keys: final_rev, files_changed, insertions, deletions\n", out)


def test_done_errors(chain):
    assert chain.fail("done", T1).error == f"invalid transition: Task {T1} is 'todo', not 'in_progress'"
    chain.ok("start", T1, env={"FLOW_ACTOR": "alice"})
    assert chain.fail("done", T1).error == f"cross-actor violation: Cannot complete task {T1}: claimed by 'alice'"
    env = {"FLOW_ACTOR": "alice"}
    assert chain.fail("done", T1, "--summary-file", "nope.md", env=env).error == \
        "io error: Cannot read summary file: No such file or directory (os error 2)"
    assert chain.fail("done", T1, "--evidence-json", "nope.json", env=env).error == \
        "io error: Cannot read evidence file: No such file or directory (os error 2)"
    assert chain.fail("done", T1, "--evidence", "[1]", env=env).error == \
        "validation error: Evidence JSON must be an object with keys: commits/tests/prs"
    assert chain.fail("done", T1, "--evidence", "x", env=env).error.startswith("validation error: Evidence invalid JSON: ")
    assert state(chain, T1)["status"] == "in_progress"
    assert re.fullmatch(rf"Task {T1} completed \(\d+s\)\n", chain.ok("done", T1, "--force"))


def test_block_forms_and_errors(chain, tmp_path):
    assert chain.fail("block", T1).error == "Either --reason or --reason-file is required"
    assert chain.fail("block", T1, "--reason-file", "nope.md").error == \
        "Cannot read reason file: No such file or directory (os error 2)"
    assert chain.fail("block", T1, "--reason", "  ").error == "validation error: Reason file is empty"
    assert chain.ok("block", T1, "Approval timeout: requested access to src/x") == f"Task {T1} blocked\n"
    assert state(chain, T1)["blocked_reason"] == "Approval timeout: requested access to src/x"
    (chain.cwd / "r.md").write_text("waiting for API keys\n")
    assert chain.ok("block", T2, "--reason-file", "r.md", "--json") == {"id": T2, "status": "blocked"}
    assert state(chain, T2)["blocked_reason"] == "waiting for API keys"
    chain.ok("start", T3, "--force")
    chain.ok("done", T3)
    assert chain.fail("block", T3, "--reason", "x").error == \
        f"invalid transition: Cannot block task {T3}: status is 'done'"


def test_fail_retry_then_exhausted_with_propagation(chain):
    chain.ok("config", "set", "max_retries", "1")
    assert chain.fail("fail", T1).error == f"invalid transition: Task {T1} is 'todo', not 'in_progress'"
    chain.ok("start", T1)
    assert chain.ok("fail", T1, "--reason", "flaky") == (
        f"Task {T1} up_for_retry\n  retry 1/1 \u2014 will be retried on next run\n")
    assert state(chain, T1)["failure_reason"] == "flaky"
    chain.ok("start", T1)  # up_for_retry is startable without --force (D15)
    assert chain.ok("fail", T1, "--json") == {"id": T1, "reason": "Task failed", "status": "failed",
                                             "upstream_failed": [T2, T3]}
    assert state(chain, T2)["status"] == "upstream_failed"
    assert state(chain, T1)["retry_count"] == 1


def test_fail_plain_reports_propagation_and_running_dependents(chain):
    chain.ok("start", T1)
    chain.ok("start", T2, "--force", env={"FLOW_ACTOR": "w2"})
    assert chain.ok("fail", T1) == (f"Task {T1} failed\n"
                                    "  upstream_failed propagated to 1 downstream task(s):\n"
                                    f"    {T3}\n"
                                    "  1 in-progress downstream task(s) left running (not marked upstream_failed):\n"
                                    f"    {T2}\n")


def test_restart_outputs(chain):
    chain.ok("start", T1)
    chain.ok("done", T1)
    chain.ok("start", T2)
    assert chain.fail("restart", T1).error == \
        f"validation error: Cannot restart: tasks in progress: {T2}. Use --force to override."
    assert chain.ok("restart", T1, "--dry-run", "--force") == (
        "Dry run \u2014 would restart 2 task(s):\n"
        f"  {T1} -> todo\n  {T2} -> todo (force)\nAlready todo: {T3}\n")
    assert chain.ok("--dry-run", "restart", T1, "--force", "--json") == {
        "already_todo": [T3], "dry_run": True, "in_progress_overridden": [T2], "would_reset": [T1, T2]}
    assert state(chain, T1)["status"] == "done"
    assert chain.ok("restart", T1, "--force") == (
        f"Restarted from {T1} (cascade: 1 downstream):\n\n  {T1}  -> todo (target)\n  {T2}  -> todo\n")
    assert chain.ok("restart", T1) == f"Nothing to restart \u2014 {T1} and dependents already todo.\n"
    assert chain.ok("restart", T1, "--json") == {"cascade_from": T1, "reset": [], "skipped": [T1, T2, T3]}
    last = events(chain)[-1]
    assert (last["type"], last["source_cmd"]) == ("restarted", "flowctl restart")


def test_restart_refuses_closed_epic(chain):
    for t in (T1, T2, T3):
        chain.ok("start", t, "--force")
        chain.ok("done", t)
    chain.ok("epic", "close", E, "--skip-gap-check")
    assert chain.fail("restart", T1).error == f"validation error: Cannot restart task in closed epic {E}"
