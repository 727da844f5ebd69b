"""The `hook` group as a command: help, global flags, and the same answer on the fast path and through typer."""

from __future__ import annotations

from pathlib import Path

from flowctl_runner import Flowctl
from hook_support import hook, pre_bash

HOOKS = ("auto-memory", "ralph-guard", "commit-gate", "pre-compact", "subagent-context", "task-completed",
         "rtk-rewrite")


def test_help_lists_the_seven_hooks(flowctl: Flowctl) -> None:
    run = flowctl("hook", "--help")
    assert run.code == 0 and all(name in run.out for name in HOOKS)
    assert "hook" in flowctl("--help").out
    assert flowctl("hook").code == 2  # a group without a subcommand is a usage error
    assert flowctl("hook", "no-such-hook").code == 2


def test_fast_path_and_typer_path_answer_alike(initialized_flowctl: Flowctl, tmp_path: Path) -> None:
    fc = initialized_flowctl
    fc.env["TMPDIR"] = str(tmp_path)
    epic = fc.ok("epic", "create", "--title", "Gate", "--json")["id"]
    fc.ok("task", "create", "--epic", epic, "--title", "T", "--json")
    fc.ok("start", f"{epic}.1", "--json")
    payload = pre_bash("git commit -m x", fc.cwd)
    fast = hook(fc, "commit-gate", payload)  # plain call: main.py's fast path
    for flags in (("--json",), ("--compact",), ("-v",)):  # -v goes through typer and the `hook` group
        other = hook(fc, "commit-gate", payload, None, *flags)
        assert (other.code, other.out, other.err) == (fast.code, fast.out, fast.err) == (2, fast.out, fast.err)
    assert fast.code == 2 and fast.err.startswith("BLOCKED: git commit requires passing guard first.")


def _files(fc: Flowctl) -> set[str]:
    """Every file of the work tree and of `.flow` (which is a link into the git directory)."""
    import os

    out = set()
    for top, prefix in ((fc.cwd, ""), (fc.flow.resolve(), ".flow/")):
        for root, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if d != ".git"]
            out |= {prefix + os.path.relpath(os.path.join(root, n), top) for n in names}
    return out


def test_no_hook_writes_outside_its_files(initialized_flowctl: Flowctl, tmp_path: Path) -> None:
    """Every hook with an empty payload in a fresh repo: exit 0, nothing printed but context, no stray file."""
    fc = initialized_flowctl
    (tmp_path / "tmp").mkdir()
    fc.env.update({"TMPDIR": str(tmp_path / "tmp"), "PATH": "/usr/bin:/bin"})
    before = _files(fc)
    for name in HOOKS:
        run = hook(fc, name, "{}")
        assert run.code == 0 and run.err == "", (name, run.err)
        assert run.out in ("", "ctx: \n"), (name, run.out)
    new = _files(fc) - before
    assert new == {".flow/hooks-log/events.jsonl"}, new  # task-completed logs every call it gets
    assert list((tmp_path / "tmp").iterdir()) == []


def test_dry_run_decides_but_writes_nothing(initialized_flowctl: Flowctl, tmp_path: Path) -> None:
    import json

    from hook_support import base, post_bash, pre_edit

    fc = initialized_flowctl
    (tmp_path / "tmp").mkdir()
    fc.env["TMPDIR"] = str(tmp_path / "tmp")
    epic = fc.ok("epic", "create", "--title", "Dry", "--json")["id"]
    for title in ("One", "Two"):
        fc.ok("task", "create", "--epic", epic, "--title", title, "--json")
    fc.ok("start", f"{epic}.1", "--json")
    fc.ok("lock", "--task", f"{epic}.1", "--files", "src/a.py", "--json")
    locks_before = fc.ok("lock-check", "--json")
    # task-completed: the Changes it would apply, no log line, the lock still held
    payload = base("TaskCompleted", fc.cwd, task_subject="s", teammate_name=f"worker-{epic}.1", team_name="t")
    run = hook(fc, "task-completed", payload, None, "--dry-run")
    preview = json.loads(run.out)
    assert run.code == 0 and preview["dry_run"] is True
    assert [m["value"]["event"] for m in preview["changes"]["mutations"]] == ["task_completed", "files_unlocked"]
    assert not (fc.flow / "hooks-log").exists() and fc.ok("lock-check", "--json") == locks_before
    # commit-gate: a guard pass is not recorded, the wrapper's throttle file is left alone
    (tmp_path / "tmp" / "flowctl-commit-gate-ts").write_text("1")
    assert hook(fc, "commit-gate", post_bash("flowctl guard", "✓ guard passed", fc.cwd), None, "--dry-run").code == 0
    assert sorted(p.name for p in (tmp_path / "tmp").iterdir()) == ["flowctl-commit-gate-ts"]
    # ralph-guard: a conflict still blocks, a free file is not taken, no state or log file
    env = {"FLOW_RALPH": "1", "FLOW_TEAMS": "1", "FLOW_TASK_ID": f"{epic}.2"}
    run = hook(fc, "ralph-guard", pre_edit("Edit", str(fc.cwd / "src" / "a.py"), fc.cwd), env, "--dry-run")
    assert run.code == 2 and f"is locked by task '{epic}.1'" in run.err
    assert hook(fc, "ralph-guard", pre_edit("Edit", str(fc.cwd / "src" / "b.py"), fc.cwd), env, "--dry-run").code == 0
    assert fc.ok("lock-check", "--json") == locks_before
    assert sorted(p.name for p in (tmp_path / "tmp").iterdir()) == ["flowctl-commit-gate-ts"]
