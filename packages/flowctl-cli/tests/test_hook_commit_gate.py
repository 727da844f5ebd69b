"""`flowctl hook commit-gate` fed Claude Code's PreToolUse/PostToolUse payloads, directly and through hooks.json."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from flowctl_runner import Flowctl
from hook_support import (
    WRAPPER_COMMIT_GATE_PRE,
    WRAPPER_GATED,
    claude_blocks,
    hook,
    plugin_root,
    post_bash,
    pre_bash,
    run_wrapper,
)


@pytest.fixture
def gate(initialized_flowctl: Flowctl, tmp_path: Path) -> Flowctl:
    """A repo with one in-progress task, hooks run with a private TMPDIR."""
    fc = initialized_flowctl
    (tmp_path / "tmp").mkdir()
    fc.env["TMPDIR"] = str(tmp_path / "tmp")
    epic = fc.ok("epic", "create", "--title", "Auth work", "--json")["id"]
    task = fc.ok("task", "create", "--epic", epic, "--title", "Login API", "--json")["id"]
    fc.ok("start", task, "--json")
    return fc


def pass_files(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("flow-commit-gate-*"))


def test_commit_blocked_without_guard_pass(gate: Flowctl) -> None:
    run = hook(gate, "commit-gate", pre_bash("git commit -m 'wip'", gate.cwd))
    assert run.code == 2
    assert run.err == "BLOCKED: git commit requires passing guard first.\nRun: flowctl guard\n"
    answer = json.loads(run.out)["hookSpecificOutput"]
    assert answer == {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                      "permissionDecisionReason": "BLOCKED: git commit requires passing guard first.\nRun: flowctl guard"}


@pytest.mark.parametrize("guard_output", ["✓ guard passed", "2/2 guards passed", "All guards passed (3/3)",
                                          "No stack detected", "Nothing to run"])
def test_guard_pass_lets_exactly_one_commit_through(gate: Flowctl, tmp_path: Path, guard_output: str) -> None:
    run = hook(gate, "commit-gate", post_bash("flowctl guard", guard_output, gate.cwd))
    assert (run.code, run.out, run.err) == (0, "", "")
    [stamp] = pass_files(tmp_path / "tmp")
    assert abs(int(stamp.read_text()) - time.time()) < 5
    assert hook(gate, "commit-gate", pre_bash("git commit -m 'x'", gate.cwd)).code == 0
    assert pass_files(tmp_path / "tmp") == []
    assert hook(gate, "commit-gate", pre_bash("git commit -m 'y'", gate.cwd)).code == 2


def test_failed_guard_is_not_a_pass(gate: Flowctl, tmp_path: Path) -> None:
    hook(gate, "commit-gate", post_bash("flowctl guard", "✗ lint failed (exit 1)", gate.cwd))
    hook(gate, "commit-gate", post_bash("flowctl guard", "1/2 guards passed, 1 failed", gate.cwd))
    assert pass_files(tmp_path / "tmp") == []
    assert hook(gate, "commit-gate", pre_bash("git commit -m x", gate.cwd)).code == 2


def test_pass_is_per_session(gate: Flowctl) -> None:
    hook(gate, "commit-gate", post_bash("flowctl guard", "✓ guard passed", gate.cwd, session="session-a"))
    assert hook(gate, "commit-gate", pre_bash("git commit -m x", gate.cwd, session="session-b")).code == 2
    assert hook(gate, "commit-gate", pre_bash("git commit -m x", gate.cwd, session="session-a")).code == 0


def test_stale_pass_blocks_and_stays(gate: Flowctl, tmp_path: Path) -> None:
    hook(gate, "commit-gate", post_bash("flowctl guard", "✓ guard passed", gate.cwd))
    [stamp] = pass_files(tmp_path / "tmp")
    stamp.write_text(str(int(time.time()) - 601))
    assert hook(gate, "commit-gate", pre_bash("git commit -m x", gate.cwd)).code == 2
    assert stamp.exists()


@pytest.mark.parametrize(("command", "gated"), [
    ("git commit -m x", True), ("cd src && git  commit --amend", True), ("git show commit", False),
    ("git status", False), ("echo commit", False), ("flowctl guard", False),
])
def test_which_commands_are_gated(gate: Flowctl, command: str, gated: bool) -> None:
    assert hook(gate, "commit-gate", pre_bash(command, gate.cwd)).code == (2 if gated else 0)


def test_subagent_sessions_and_other_events_pass(gate: Flowctl) -> None:
    assert hook(gate, "commit-gate", pre_bash("git commit -m x", gate.cwd, session="worker@team")).code == 0
    stop = {"session_id": "s", "hook_event_name": "Stop", "stop_hook_active": False}
    assert hook(gate, "commit-gate", stop).code == 0
    assert hook(gate, "commit-gate", "not json at all").code == 0


def test_no_task_in_progress_allows(initialized_flowctl: Flowctl, tmp_path: Path) -> None:
    fc = initialized_flowctl
    fc.env["TMPDIR"] = str(tmp_path)
    run = hook(fc, "commit-gate", pre_bash("git commit -m x", fc.cwd))
    assert (run.code, run.out, run.err) == (0, "", "")


def test_without_flow_nothing_happens(flowctl: Flowctl, tmp_path: Path) -> None:
    flowctl.env["TMPDIR"] = str(tmp_path)
    run = hook(flowctl, "commit-gate", pre_bash("git commit -m x", flowctl.cwd))
    assert (run.code, run.out, run.err) == (0, "", "")
    assert not (flowctl.cwd / ".flow").exists()


def test_corrupt_task_state_allows_and_explains(gate: Flowctl) -> None:
    state = next((gate.flow / ".state" / "tasks").glob("*.state.json"))
    state.write_text('{"status": "in_progress", torn')
    run = hook(gate, "commit-gate", pre_bash("git commit -m x", gate.cwd))
    assert run.code == 0 and run.out == ""
    assert run.err.startswith("flowctl hook commit-gate: Corrupt file ") and "allowed" in run.err
    assert state.read_text() == '{"status": "in_progress", torn'


def test_unwritable_temp_dir_allows_and_explains(gate: Flowctl, tmp_path: Path) -> None:
    run = hook(gate, "commit-gate", post_bash("flowctl guard", "✓ guard passed", gate.cwd),
               {"TMPDIR": str(tmp_path / "gone")})
    assert run.code == 0 and "flowctl hook commit-gate: IO error" in run.err
    assert not (tmp_path / "gone").exists()


def test_post_tool_use_clears_the_wrappers_shared_throttle(gate: Flowctl, tmp_path: Path) -> None:
    throttle = tmp_path / "tmp" / "flowctl-commit-gate-ts"
    throttle.write_text(str(int(time.time())))
    assert hook(gate, "commit-gate", post_bash("ls", "a\nb\n", gate.cwd)).code == 0
    assert not throttle.exists()


# -- through the plugin's hooks.json wrappers, under sh ----------------------------------------------------------

def test_wrapper_pre_tool_use_block_reaches_claude(gate: Flowctl, tmp_path: Path) -> None:
    env = {"CLAUDE_PLUGIN_ROOT": str(plugin_root(tmp_path)), "TMPDIR": str(tmp_path / "tmp")}
    proc = run_wrapper(WRAPPER_COMMIT_GATE_PRE, pre_bash("git commit -m x", gate.cwd), gate.cwd, env)
    assert proc.returncode == 0  # the wrapper's trailing `echo` swallows exit 2 ...
    assert "BLOCKED: git commit requires passing guard first." in proc.stderr
    assert claude_blocks(proc.returncode, proc.stdout)  # ... but the deny decision on stdout still blocks


def test_wrapper_throttle_no_longer_lets_a_commit_through(gate: Flowctl, tmp_path: Path) -> None:
    env = {"CLAUDE_PLUGIN_ROOT": str(plugin_root(tmp_path)), "TMPDIR": str(tmp_path / "tmp")}
    post = WRAPPER_GATED.replace("{name}", "commit-gate")
    # An unrelated Bash call runs the gate and starts the wrapper's 60 s throttle; its PostToolUse ends it.
    assert run_wrapper(WRAPPER_COMMIT_GATE_PRE, pre_bash("ls", gate.cwd), gate.cwd, env).returncode == 0
    assert (tmp_path / "tmp" / "flowctl-commit-gate-ts").exists()
    assert run_wrapper(post, post_bash("ls", "a\n", gate.cwd), gate.cwd, env).returncode == 0
    proc = run_wrapper(WRAPPER_COMMIT_GATE_PRE, pre_bash("git commit -m x", gate.cwd), gate.cwd, env)
    assert claude_blocks(proc.returncode, proc.stdout)


def test_wrapper_guard_pass_then_commit(gate: Flowctl, tmp_path: Path) -> None:
    env = {"CLAUDE_PLUGIN_ROOT": str(plugin_root(tmp_path)), "TMPDIR": str(tmp_path / "tmp")}
    post = WRAPPER_GATED.replace("{name}", "commit-gate")
    run_wrapper(post, post_bash("flowctl guard", "✓ guard passed", gate.cwd), gate.cwd, env)
    proc = run_wrapper(WRAPPER_COMMIT_GATE_PRE, pre_bash("git commit -m x", gate.cwd), gate.cwd, env)
    assert (proc.returncode, proc.stdout) == (0, "")
    assert not claude_blocks(proc.returncode, proc.stdout)
