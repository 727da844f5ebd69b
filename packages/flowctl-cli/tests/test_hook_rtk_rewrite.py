"""`flowctl hook rtk-rewrite` with a fake `rtk` on PATH: what it is sent, and what each answer leads to."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from flowctl_runner import Flowctl
from hook_support import WRAPPER_UNGUARDED, FakeProgram, alive, hook, plugin_root, pre_bash, run_wrapper


@pytest.fixture
def rtk(tmp_path: Path) -> FakeProgram:
    return FakeProgram(tmp_path / "bin", "rtk")


@pytest.fixture
def fc(flowctl: Flowctl, tmp_path: Path, rtk: FakeProgram) -> Flowctl:
    """flowctl (no `.flow`: the hook does not need one) with the fake rtk first on PATH and a private TMPDIR."""
    flowctl.env.update({"PATH": f"{rtk.dir}{os.pathsep}{flowctl.env['PATH']}", "TMPDIR": str(tmp_path)})
    return flowctl


def test_rewrite_answer_and_what_rtk_receives(fc: Flowctl, rtk: FakeProgram) -> None:
    rtk.answer("rtk git status\n")
    run = hook(fc, "rtk-rewrite", pre_bash("git status", fc.cwd), {"MARKER": "m1"})
    assert (run.code, run.err) == (0, "")
    assert run.out == ('{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow",'
                       '"permissionDecisionReason":"RTK token optimization",'
                       '"updatedInput":{"command":"rtk git status"}}}\n')
    [call] = rtk.calls
    assert call["argv"] == ["rewrite", "git status"] and call["stdin"] == ""
    assert call["cwd"] == str(fc.cwd) and call["env"]["MARKER"] == "m1"


def test_command_with_quotes_is_one_argument(fc: Flowctl, rtk: FakeProgram) -> None:
    rtk.answer("rtk echo")
    hook(fc, "rtk-rewrite", pre_bash('echo "a b"; rm -rf "$HOME/x" `id`', fc.cwd))
    assert rtk.calls[0]["argv"] == ["rewrite", 'echo "a b"; rm -rf "$HOME/x" `id`']


@pytest.mark.parametrize(("stdout", "exit_code"), [("git status\n", 0), ("   \n", 0), ("rtk git status", 1)])
def test_no_rewrite_passes_through(fc: Flowctl, rtk: FakeProgram, stdout: str, exit_code: int) -> None:
    rtk.answer(stdout, exit=exit_code)
    run = hook(fc, "rtk-rewrite", pre_bash("git status", fc.cwd))
    assert (run.code, run.out, run.err) == (0, "", "")
    assert len(rtk.calls) == 1


def test_empty_command_does_not_call_rtk(fc: Flowctl, rtk: FakeProgram) -> None:
    for payload in (pre_bash("", fc.cwd), {}, "garbage"):
        assert (hook(fc, "rtk-rewrite", payload).code, rtk.calls) == (0, [])


def test_without_rtk_passes_and_caches_nothing(flowctl: Flowctl, tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    flowctl.env.update({"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path / "tmp")})
    run = hook(flowctl, "rtk-rewrite", pre_bash("git status", flowctl.cwd))
    assert (run.code, run.out, run.err) == (0, "", "")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_rtk_appearing_mid_session_is_used_at_once(flowctl: Flowctl, tmp_path: Path) -> None:
    bin_dir = tmp_path / "later"
    flowctl.env.update({"PATH": f"{bin_dir}{os.pathsep}{flowctl.env['PATH']}", "TMPDIR": str(tmp_path)})
    assert hook(flowctl, "rtk-rewrite", pre_bash("ls", flowctl.cwd)).out == ""
    FakeProgram(bin_dir, "rtk").answer("rtk ls")
    assert json.loads(hook(flowctl, "rtk-rewrite", pre_bash("ls", flowctl.cwd)).out)[
        "hookSpecificOutput"]["updatedInput"] == {"command": "rtk ls"}


def test_hanging_rtk_is_killed_within_the_budget(fc: Flowctl, rtk: FakeProgram) -> None:
    rtk.answer("rtk ls", sleep=30, child=True)
    t0 = time.monotonic()
    run = hook(fc, "rtk-rewrite", pre_bash("ls", fc.cwd))
    assert time.monotonic() - t0 < 5  # the hook's timeout in hooks.json
    assert (run.code, run.out) == (0, "")
    assert run.err == "flowctl hook rtk-rewrite: rtk timed out after 3s; command left unchanged\n"
    assert not alive(rtk.calls[0]["pid"]) and not alive(rtk.child_pid)


def test_wrapper_under_sh(fc: Flowctl, rtk: FakeProgram, tmp_path: Path) -> None:
    rtk.answer("rtk git log")
    env = {"CLAUDE_PLUGIN_ROOT": str(plugin_root(tmp_path)), "PATH": fc.env["PATH"], "TMPDIR": str(tmp_path)}
    proc = run_wrapper(WRAPPER_UNGUARDED.replace("{name}", "rtk-rewrite"), pre_bash("git log", fc.cwd), fc.cwd, env)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["hookSpecificOutput"]["updatedInput"] == {"command": "rtk git log"}
