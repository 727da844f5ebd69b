"""`flowctl hook pre-compact | subagent-context | task-completed` with Claude Code's PreCompact, SubagentStart and
TaskCompleted payloads: text and compact output, side effects in `.flow/`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flowctl_runner import Flowctl
from hook_support import WRAPPER_GATED, base, hook, plugin_root, run_wrapper

NO_COMPACT = {"FLOWCTL_COMPACT": "0"}


@pytest.fixture
def demo(initialized_flowctl: Flowctl) -> Flowctl:
    """Three open epics and one done: tasks in every status, declared files, three file locks."""
    fc = initialized_flowctl
    e1 = fc.ok("epic", "create", "--title", "Auth work", "--json")["id"]
    e2 = fc.ok("epic", "create", "--title", "Second", "--json")["id"]
    e3 = fc.ok("epic", "create", "--title", "Hooks demo", "--json")["id"]
    e4 = fc.ok("epic", "create", "--title", "Finished", "--json")["id"]
    fc.ok("task", "create", "--epic", e1, "--title", "Login API", "--files", "src/login.py,src/api.py", "--json")
    fc.ok("task", "create", "--epic", e1, "--title", "Logout", "--deps", f"{e1}.1", "--json")
    fc.ok("task", "create", "--epic", e1, "--title", "Tokens", "--deps", f"{e1}.1", "--json")
    for title in ("First thing", "Second thing", "Third thing", "Fourth thing"):
        fc.ok("task", "create", "--epic", e3, "--title", title, "--json")
    fc.ok("task", "create", "--epic", e4, "--title", "Only", "--json")
    fc.ok("start", f"{e1}.1", "--json")
    fc.ok("start", f"{e3}.1", "--json")
    fc.ok("done", f"{e3}.1", "--summary", "ok", "--json")
    fc.ok("start", f"{e3}.2", "--json")
    fc.ok("block", f"{e3}.3", "--reason", "waiting", "--json")
    fc.ok("start", f"{e4}.1", "--json")
    fc.ok("done", f"{e4}.1", "--summary", "ok", "--json")
    fc.ok("epic", "close", e4, "--json")
    fc.ok("lock", "--task", f"{e1}.1", "--files", "src/login.py,src/api.py", "--json")
    fc.ok("lock", "--task", f"{e3}.2", "--files", "docs/x.md", "--json")
    assert (e1, e2, e3) == ("fn-1-auth-work", "fn-2-second", "fn-3-hooks-demo")
    return fc


PRE_COMPACT_TEXT = """[flow-code state]
Epic fn-1-auth-work: in_progress=1 todo=2
  IN_PROGRESS: fn-1-auth-work.1 "Login API" files=[src/login.py,src/api.py]
Epic fn-2-second:
Epic fn-3-hooks-demo: blocked=1 done=1 in_progress=1 todo=1
  IN_PROGRESS: fn-3-hooks-demo.2 "Second thing"
File locks (3 active):
  docs/x.md -> fn-3-hooks-demo.2
  src/api.py -> fn-1-auth-work.1
  src/login.py -> fn-1-auth-work.1
Ready: fn-3-hooks-demo.4
[/flow-code state]
""".replace("fn-2-second:\n", "fn-2-second: \n")  # an epic without tasks keeps the trailing space

PRE_COMPACT_COMPACT = """fn-1[1w 2t]
  wip:.1 "Login API" [src/login.py,src/api.py]
Epic fn-2-second:
fn-3[1d 1w 1t 1b]
  wip:.2 "Second thing" []
locks(3):
  docs/x.md→.2
  src/api.py→.1
  src/login.py→.1
R:.4
""".replace("fn-2-second:\n", "fn-2-second: \n")


def test_pre_compact_text_and_compact(demo: Flowctl) -> None:
    payload = base("PreCompact", demo.cwd, trigger="auto", custom_instructions="")
    run = hook(demo, "pre-compact", payload, NO_COMPACT)
    assert (run.code, run.out, run.err) == (0, PRE_COMPACT_TEXT, "")
    run = hook(demo, "pre-compact", payload)
    assert (run.code, run.out, run.err) == (0, PRE_COMPACT_COMPACT, "")
    assert demo.tty("hook", "pre-compact") == PRE_COMPACT_TEXT


def test_pre_compact_without_epics_or_flow(initialized_flowctl: Flowctl, flowctl: Flowctl, tmp_path: Path) -> None:
    run = hook(initialized_flowctl, "pre-compact", base("PreCompact", tmp_path, trigger="manual"))
    assert (run.code, run.out, run.err) == (0, "", "")


def test_pre_compact_corrupt_epic_allows_and_explains(demo: Flowctl) -> None:
    (demo.flow / "epics" / "fn-2-second.json").write_text("{oops")
    run = hook(demo, "pre-compact", base("PreCompact", demo.cwd, trigger="auto"))
    assert run.code == 0 and run.out == ""
    assert run.err.startswith("flowctl hook pre-compact: Corrupt file ") and "fn-2-second.json" in run.err


def test_pre_compact_corrupt_task_keeps_the_rest(demo: Flowctl) -> None:
    (demo.flow / "tasks" / "fn-1-auth-work.2.json").write_text("{oops")
    run = hook(demo, "pre-compact", base("PreCompact", demo.cwd, trigger="auto"), NO_COMPACT)
    assert run.code == 0
    assert "Epic fn-1-auth-work" not in run.out and "Epic fn-3-hooks-demo: blocked=1" in run.out
    assert "File locks (3 active):" in run.out
    assert "epic fn-1-auth-work: Corrupt file" in run.err


def test_subagent_context(demo: Flowctl) -> None:
    payload = base("SubagentStart", demo.cwd, agent_id="agent-1", agent_type="worker")
    run = hook(demo, "subagent-context", payload)
    assert (run.code, run.out, run.err) == (0, "ctx: fn-1.1(wip) fn-3.2(wip)\n", "")
    text = hook(demo, "subagent-context", payload, NO_COMPACT).out
    prefix = "Active flow-code tasks: "
    assert text.startswith(prefix) and text.endswith("\n")
    data = json.loads(text[len(prefix):])
    assert data["count"] == 2 and "success" not in data
    assert data["tasks"][0] == {"depends_on": [], "domain": "general", "epic": "fn-1-auth-work",
                                "id": "fn-1-auth-work.1", "priority": None, "status": "in_progress",
                                "title": "Login API"}
    assert text[len(prefix):].rstrip("\n") == json.dumps(data, sort_keys=True, separators=(",", ":"))


def test_subagent_context_without_active_tasks(initialized_flowctl: Flowctl, flowctl: Flowctl) -> None:
    assert hook(initialized_flowctl, "subagent-context", {}).out == "ctx: \n"
    assert hook(initialized_flowctl, "subagent-context", {}, NO_COMPACT).out == (
        'Active flow-code tasks: {"count":0,"tasks":[]}\n')


def hooks_log(fc: Flowctl) -> list[dict]:
    path = fc.flow / "hooks-log" / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def completed(fc: Flowctl, teammate: str, team: str, subject: str) -> dict:
    return base("TaskCompleted", fc.cwd, task_id="7", task_subject=subject, task_description="",
                teammate_name=teammate, team_name=team)


def test_task_completed_logs_and_unlocks(demo: Flowctl) -> None:
    run = hook(demo, "task-completed", completed(demo, "worker-fn-3-hooks-demo.2", "alpha", "Implement thing"))
    assert (run.code, run.out, run.err) == (0, "", "")
    first, second = hooks_log(demo)
    assert first.pop("time") == second.pop("time")
    assert first == {"event": "task_completed", "flow_task": "fn-3-hooks-demo.2", "subject": "Implement thing",
                     "team": "alpha", "teammate": "worker-fn-3-hooks-demo.2"}
    assert second == {"event": "files_unlocked", "task": "fn-3-hooks-demo.2"}
    assert demo.ok("lock-check", "--json")["count"] == 2
    raw = (demo.flow / "hooks-log" / "events.jsonl").read_text().splitlines()[0]
    assert raw.startswith('{"event":"task_completed","flow_task":') and '"time":"20' in raw


def test_task_completed_todo_unknown_and_garbage(demo: Flowctl) -> None:
    hook(demo, "task-completed", completed(demo, "bob", "t", "Do fn-3-hooks-demo.4 now"))
    hook(demo, "task-completed", completed(demo, "bob", "t", "nothing"))
    hook(demo, "task-completed", completed(demo, "worker-fn-9-nope.1", "t", "x"))
    assert hook(demo, "task-completed", "garbage").code == 0
    events = [{k: v for k, v in e.items() if k != "time"} for e in hooks_log(demo)]
    assert events == [
        {"event": "task_completed", "flow_task": "fn-3-hooks-demo.4", "subject": "Do fn-3-hooks-demo.4 now",
         "team": "t", "teammate": "bob"},
        {"event": "task_completed", "flow_task": "bob", "subject": "nothing", "team": "t", "teammate": "bob"},
        {"event": "task_completed", "flow_task": "fn-9-nope.1", "subject": "x", "team": "t",
         "teammate": "worker-fn-9-nope.1"},
        {"event": "task_completed", "flow_task": "", "subject": "", "team": "", "teammate": ""},
    ]
    assert demo.ok("lock-check", "--json")["count"] == 3


def test_task_completed_without_flow(flowctl: Flowctl) -> None:
    run = hook(flowctl, "task-completed", completed(flowctl, "worker-fn-1.1", "t", "s"))
    assert (run.code, run.out, run.err) == (0, "", "")
    assert not (flowctl.cwd / ".flow").exists()


def test_wrappers_under_sh(demo: Flowctl, tmp_path: Path) -> None:
    env = {"CLAUDE_PLUGIN_ROOT": str(plugin_root(tmp_path)), "TMPDIR": str(tmp_path)}
    proc = run_wrapper(WRAPPER_GATED.replace("{name}", "pre-compact"), base("PreCompact", demo.cwd), demo.cwd, env)
    assert (proc.returncode, proc.stdout) == (0, PRE_COMPACT_COMPACT)
    proc = run_wrapper(WRAPPER_GATED.replace("{name}", "subagent-context"), base("SubagentStart", demo.cwd),
                       demo.cwd, env)
    assert (proc.returncode, proc.stdout) == (0, "ctx: fn-1.1(wip) fn-3.2(wip)\n")
    proc = run_wrapper(WRAPPER_GATED.replace("{name}", "task-completed"),
                       completed(demo, "worker-fn-1-auth-work.1", "a", "s"), demo.cwd, env)
    assert proc.returncode == 0 and hooks_log(demo)[-1]["event"] == "files_unlocked"
