"""`flowctl ready|next|queue` end to end (real flowctl, real git repositories)."""

from __future__ import annotations

import pytest

E = "fn-1-add-oauth-login"
T1, T2, T3, T4 = (f"{E}.{i}" for i in range(1, 5))


@pytest.fixture
def board(initialized_flowctl):
    """fn-1 with .1 Design flow, .2 Implement (deps .1), .3 Docs (deps .2), .4 Part A (in progress by tester)."""
    initialized_flowctl.ok("epic", "create", "--title", "Add OAuth Login!", "--json")
    initialized_flowctl.ok("task", "create", "--epic", E, "--title", "Design flow", "--json")
    initialized_flowctl.ok("task", "create", "--epic", E, "--title", "Implement", "--deps", T1, "--json")
    initialized_flowctl.ok("task", "create", "--epic", E, "--title", "Docs", "--deps", T2, "--json")
    initialized_flowctl.ok("task", "create", "--epic", E, "--title", "Part A", "--json")
    initialized_flowctl.ok("start", T4, env={"FLOW_ACTOR": "tester"})
    return initialized_flowctl


TESTER = {"FLOW_ACTOR": "tester"}


def test_ready_fixture_and_usage(flowctl):
    assert flowctl.fail("--json", "ready", "--epic", "test-epic").error == (
        "Invalid epic ID: test-epic. Expected format: fn-N or fn-N-slug (e.g., fn-1, fn-1-add-auth)")
    flowctl.fail("ready", code=2)
    assert flowctl.fail("ready", "--epic", "fn-5").error == "Epic fn-5 not found"


def test_ready_plain_tty_form(board):
    assert board.ok("--no-compact", "ready", "--epic", E, env=TESTER) == (
        f"Ready tasks for {E} (actor: tester):\n"
        f"  {T1}: Design flow\n"
        "\n"
        "In progress:\n"
        f"  {T4}: Part A [tester] (you)\n"
        "\n"
        "Blocked:\n"
        f"  {T2}: Implement (by: {T1})\n"
        f"  {T3}: Docs (by: {T2})\n")


def test_ready_compact_filter(board):
    assert board.ok("ready", "--epic", E, env=TESTER) == (
        "Ready fn-1 [tester]:\n.1 Design flow\nWIP:\n.4 Part A [tester] (you)\nBLK:\n.2 Implement (by: .1)\n"
        ".3 Docs (by: .2)\n")


def test_ready_none_and_other_actor(board):
    board.ok("start", T1, env=TESTER)
    out = board.ok("--no-compact", "ready", "--epic", E, env={"FLOW_ACTOR": "someone"})
    assert out.startswith(f"Ready tasks for {E} (actor: someone):\n  (none)\n\nIn progress:\n")
    assert f"  {T1}: Design flow [tester]\n" in out


def test_ready_json(board):
    assert board.ok("ready", "--epic", E, "--json", env=TESTER) == {
        "actor": "tester",
        "blocked": [{"blocked_by": [T1], "id": T2, "title": "Implement"},
                    {"blocked_by": [T2], "id": T3, "title": "Docs"}],
        "epic": E,
        "in_progress": [{"assignee": "tester", "id": T4, "title": "Part A"}],
        "ready": [{"depends_on": [], "id": T1, "title": "Design flow"}],
    }


def test_next_in_fresh_repo(flowctl):
    assert flowctl.ok("next", "--json") == {"epic": None, "reason": "none", "status": "none", "task": None}
    assert flowctl.ok("next") == "none\n"
    assert flowctl.flow.exists()


def test_next_forms(board, tmp_path):
    assert board.ok("--json", "next", env=TESTER) == {"epic": E, "reason": "resume_in_progress", "status": "work",
                                                      "task": T4}
    assert board.ok("next", env=TESTER) == f"work {T4} resume_in_progress\n"
    assert board.ok("next", env={"FLOW_ACTOR": "other"}) == f"work {T1} ready_task\n"
    assert board.ok("next", "--require-plan-review") == f"plan {E} needs_plan_review\n"
    board.ok("epic", "review", E, "ship")
    assert board.ok("next", "--require-plan-review", "--json", env={"FLOW_ACTOR": "o"})["task"] == T1


def test_next_completion_review_and_blocked_epics(initialized_flowctl):
    initialized_flowctl.ok("epic", "create", "--title", "One", "--json")
    initialized_flowctl.ok("task", "create", "--epic", "fn-1-one", "--title", "Only", "--json")
    initialized_flowctl.ok("start", "fn-1-one.1")
    initialized_flowctl.ok("done", "fn-1-one.1")
    assert initialized_flowctl.ok("next", "--require-completion-review") == "completion_review fn-1-one needs_completion_review\n"
    initialized_flowctl.ok("epic", "create", "--title", "Two", "--json")
    initialized_flowctl.ok("task", "create", "--epic", "fn-2-two", "--title", "X", "--json")
    initialized_flowctl.ok("epic", "add-dep", "fn-2-two", "fn-1-one")
    assert initialized_flowctl.ok("next") == "none blocked_by_epic_deps\n  fn-2-two: fn-1-one\n"
    assert initialized_flowctl.ok("next", "--json") == {"blocked_epics": {"fn-2-two": ["fn-1-one"]}, "epic": None,
                                        "reason": "blocked_by_epic_deps", "status": "none", "task": None}


def test_next_epics_file_errors(initialized_flowctl):
    (initialized_flowctl.cwd / "e.json").write_text('{"epics": ["bad"]}')
    assert initialized_flowctl.fail("next", "--epics-file", "e.json").error == 'Invalid epic ID in epics file: "bad"'
    (initialized_flowctl.cwd / "e.json").write_text('{"epics": ["fn-3"]}')
    assert initialized_flowctl.fail("next", "--epics-file", "e.json").error == "Epic fn-3 not found"
    (initialized_flowctl.cwd / "e.json").write_text('{}')
    assert initialized_flowctl.fail("next", "--epics-file", "e.json").error == "Epics file must be JSON with key 'epics' as a list"
    assert initialized_flowctl.fail("next", "--epics-file", "nope.json").error == \
        "Cannot read epics file: No such file or directory (os error 2)"


def test_queue_plain_and_json(board):
    board.ok("start", T1, env=TESTER)
    board.ok("done", T1, env=TESTER)
    board.ok("epic", "create", "--title", "Later", "--json")
    board.ok("epic", "add-dep", "fn-2-later", E)
    assert board.ok("queue") == (
        "Queue (2 open, 0 done):\n"
        "\n"
        f"  \u25b6 {E}: Add OAuth Login!\n"
        "    [\u2588\u2588\u2588\u2588\u2588\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591"
        "\u2591\u2591\u2591\u2591] 25%  done=1 ready=1 todo=2 in_progress=1 blocked=0\n"
        "\n"
        "  \u2298 fn-2-later: Later\n"
        "    [\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591"
        "\u2591\u2591\u2591\u2591] 0%  done=0 ready=0 todo=0 in_progress=0 blocked=0\n"
        f"    \u2298 blocked by: {E}\n"
        "\n")
    data = board.ok("queue", "--json", env=TESTER)
    assert data["actor"] == "tester" and data["total"] == 2
    assert data["epics"][0] == {"blocked_by": [], "depends_on_epics": [], "id": E, "progress": 25, "status": "open",
                                "tasks": {"blocked": 0, "done": 1, "in_progress": 1, "ready": 1, "todo": 2},
                                "title": "Add OAuth Login!", "total_tasks": 4}
    full = board.ok("--no-compact", "queue", "--json")
    assert full["epics"][0]["plan_review_status"] == "unknown" and full["success"] is True


def test_queue_resolved_deps_line(initialized_flowctl):
    initialized_flowctl.ok("epic", "create", "--title", "One", "--json")
    initialized_flowctl.ok("epic", "create", "--title", "Two", "--json")
    initialized_flowctl.ok("epic", "add-dep", "fn-2-two", "fn-1-one")
    initialized_flowctl.ok("epic", "close", "fn-1-one", "--skip-gap-check")
    out = initialized_flowctl.ok("queue")
    assert out.startswith("Queue (1 open, 1 done):\n\n  \u25cb fn-2-two: Two\n")
    assert "    \u2192 deps (resolved): fn-1-one\n" in out
    assert "  \u2713 fn-1-one: One\n" in out
