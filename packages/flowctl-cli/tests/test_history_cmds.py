"""dag / estimate / replay / diff / events end to end (dag and estimate also on a real TTY)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from flowctl_runner import Flowctl, init_git_repo

from flowctl_db import FlowStore

E = "fn-1-add-oauth-login"
T_AT = "2026-11-26T14:49:46.304449427Z"
FULL = {"FLOWCTL_COMPACT": "0"}


def seed(flow) -> FlowStore:
    s = FlowStore(flow)
    s.save_epic({"id": E, "title": "Add OAuth Login!", "branch_name": "feat/oauth2", "created_at": T_AT,
                 "updated_at": T_AT})
    for n, deps in ((1, []), (2, [1]), (3, [])):
        tid = f"{E}.{n}"
        s.save_task_definition({"id": tid, "epic": E, "title": f"Task {n}", "status": "todo",
                                "depends_on": [f"{E}.{d}" for d in deps], "created_at": T_AT, "updated_at": T_AT})
    s.save_state(f"{E}.1", {"status": "done", "duration_seconds": 90, "retry_count": 0, "updated_at": T_AT})
    s.save_state(f"{E}.3", {"status": "in_progress", "assignee": "x", "retry_count": 0, "updated_at": T_AT})
    return s


@pytest.fixture
def seeded_flowctl(initialized_flowctl):
    seed(initialized_flowctl.flow)
    return initialized_flowctl


@pytest.fixture
def bare(tmp_path):
    """flowctl in a second git repository that has no .flow."""
    return Flowctl(init_git_repo(tmp_path / "bare"))




# ── dag ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_dag_json_when_piped(seeded_flowctl):
    expected = {"epic": E, "layers": [
        {"layer": 0, "nodes": [{"deps": [], "id": f"{E}.1", "status": "done"},
                               {"deps": [], "id": f"{E}.3", "status": "in_progress"}]},
        {"layer": 1, "nodes": [{"deps": [f"{E}.1"], "id": f"{E}.2", "status": "todo"}]}]}
    assert seeded_flowctl.ok("dag", E) == expected
    assert seeded_flowctl.ok("dag", E, "--json") == expected
    assert seeded_flowctl.ok("--json", "dag", E, env=FULL) == {**expected, "success": True}


def test_dag_plain_on_tty(seeded_flowctl):
    assert seeded_flowctl.tty("dag", E) == (
        f"DAG for {E}\n\n"
        "┌───────────┐\n│ .1 [done] │\n└───────────┘\n"
        "┌───────────┐\n│ .3 [ >> ] │\n└───────────┘\n"
        "  │\n  ↓\n"
        "  └── ┌───────────┐\n      │ .2 [todo] │\n      └───────────┘\n")
    assert seeded_flowctl.tty("--compact", "dag", E) == "DAG:fn-1\n.1 [done]\n.3 [ >> ]\n.2 [todo]\n"


def test_dag_errors(seeded_flowctl, bare):
    assert seeded_flowctl.fail("dag", "fn-5").error == "No tasks found for epic fn-5"
    assert bare.fail("dag", E).error == f"No tasks found for epic {E}"  # no .flow check at all
    s = FlowStore(seeded_flowctl.flow)
    task = s.get_task_definition(f"{E}.1")
    s.save_task_definition({**task, "depends_on": [f"{E}.2"]})
    assert seeded_flowctl.fail("dag", E).error == f"Cycle detected in DAG: {E}.1 -> {E}.2 -> {E}.1"
    seeded_flowctl.fail("dag", code=2)


def test_dag_mermaid_and_dot_print_the_picture_even_when_piped(seeded_flowctl):
    mermaid = seeded_flowctl.ok("dag", E, "--format", "mermaid")
    assert mermaid.startswith("flowchart TD\n")
    for n, status in ((1, "done"), (2, "todo"), (3, "in_progress")):
        assert f'["{E}.{n}<br/>Task {n}<br/><i>{status}</i>"]' in mermaid
    assert "    n0 ==> n1\n" in mermaid  # the critical path .1 -> .2
    assert "    class n1 ready\n" in mermaid
    assert seeded_flowctl.tty("dag", E, "--format", "mermaid") == mermaid
    dot = seeded_flowctl.ok("dag", E, "--format", "dot")
    assert dot.startswith(f'digraph "{E}" {{') and f'"{E}.1" -> "{E}.2" [' in dot
    wrapped = seeded_flowctl.ok("dag", E, "--format", "dot", "--json")
    assert wrapped["diagram"] == dot and wrapped["format"] == "dot"
    assert wrapped["critical_path"] == [f"{E}.1", f"{E}.2"] and wrapped["ready"] == [f"{E}.2"]
    assert wrapped["edges"] == [[f"{E}.1", f"{E}.2"]]
    assert seeded_flowctl.ok("dag", E, "--format", "text") == seeded_flowctl.ok("dag", E)  # default unchanged
    assert "'png' is not one of" in seeded_flowctl.fail("dag", E, "--format", "png", code=2).err
    assert seeded_flowctl.fail("dag", "fn-5", "--format", "dot").error == "No tasks found for epic fn-5"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_dag_dot_renders_in_graphviz(seeded_flowctl):
    dot = seeded_flowctl.ok("dag", E, "--format", "dot")
    rendered = subprocess.run(["dot", "-Tjson"], input=dot, capture_output=True, text=True, timeout=60, check=True)
    layout = json.loads(rendered.stdout)
    objects = layout["objects"]
    assert {o["name"] for o in objects} == {f"{E}.1", f"{E}.2", f"{E}.3"}
    status_of = {o["name"]: o["class"].split()[0] for o in objects}
    assert status_of == {f"{E}.1": "done", f"{E}.2": "todo", f"{E}.3": "in_progress"}
    assert [(objects[e["tail"]]["name"], objects[e["head"]]["name"]) for e in layout["edges"]] == [
        (f"{E}.1", f"{E}.2")]
    svg = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60, check=True).stdout
    assert svg.count("<g id=\"node") == 3 and 'class="node done critical"' in svg


# ── estimate ────────────────────────────────────────────────────────────────────────────────────────────────────


def test_estimate(seeded_flowctl):
    assert seeded_flowctl.ok("estimate", "--epic", E) == {"avg_duration_secs": 90, "done_tasks": 1, "epic": E,
                                               "estimated_remaining_secs": 180, "incomplete_tasks": 2,
                                               "total_tasks": 3}
    assert seeded_flowctl.tty("estimate", "--epic", E) == ("Estimated remaining: 3m 0s (2 tasks, avg 90s/task)\n"
                                                    "  Done: 1/3, Remaining: 2\n")
    assert seeded_flowctl.fail("estimate", "--epic", "fn-4").error == "No tasks found for epic fn-4"
    seeded_flowctl.fail("estimate", code=2)


# ── replay ──────────────────────────────────────────────────────────────────────────────────────────────────────


def test_replay_refuses_in_progress_then_forces(seeded_flowctl):
    assert seeded_flowctl.fail("replay", E).error == f"Tasks in progress: {E}.3. Use --force to override."
    assert seeded_flowctl.ok("replay", E, "--force", "--json") == {"count": 2, "epic": E, "reset": [f"{E}.1", f"{E}.3"]}
    state = json.loads((seeded_flowctl.flow / ".state" / "tasks" / f"{E}.1.state.json").read_text())
    assert list(state) == ["status", "retry_count", "updated_at"] and state["status"] == "todo"
    assert seeded_flowctl.ok("show", f"{E}.3", "--json")["status"] == "todo"


def test_replay_full_json_and_plain(seeded_flowctl):
    full = seeded_flowctl.ok("replay", E, "--force", "--json", env=FULL)
    assert full == {"count": 2, "epic": E, "message": f"Run /flow-code:work {E} to re-execute",
                    "reset": [f"{E}.1", f"{E}.3"], "success": True}
    assert seeded_flowctl.ok("replay", E) == (f"Reset 0 task(s) to todo for epic {E}\n\n"
                                   f"To re-execute, run:  /flow-code:work {E}\n")


@pytest.mark.parametrize("args", [["replay", E, "--dry-run", "--force"], ["--dry-run", "replay", E, "--force"]])
def test_replay_dry_run_local_or_global(seeded_flowctl, args):
    state_file = seeded_flowctl.flow / ".state" / "tasks" / f"{E}.1.state.json"
    before = state_file.read_bytes()
    assert seeded_flowctl.ok(*args, "--json") == {"count": 2, "dry_run": True, "epic": E, "would_reset": [f"{E}.1", f"{E}.3"]}
    assert seeded_flowctl.ok(*args) == (f"Dry run — would reset 2 task(s) to todo:\n  {E}.1 (done) -> todo\n"
                             f"  {E}.3 (in_progress) -> todo\n")
    assert state_file.read_bytes() == before


def test_replay_resets_worker_phases(seeded_flowctl):
    seeded_flowctl.ok("worker-phase", "done", "--task", f"{E}.1", "--phase", "1")
    seeded_flowctl.ok("replay", E, "--force")
    assert json.loads((seeded_flowctl.flow / ".state" / "phases.json").read_text()) == {}


def test_replay_errors(seeded_flowctl, bare):
    assert seeded_flowctl.fail("replay", "bad").error == ("Invalid epic ID: bad. Expected format: fn-N or fn-N-slug "
                                               "(e.g., fn-1, fn-1-add-auth)")
    assert seeded_flowctl.fail("replay", "fn-6").error == "No tasks found for epic fn-6"
    assert bare.fail("replay", E).error == ".flow/ does not exist. Run 'flowctl init' first."
    seeded_flowctl.fail("replay", code=2)


# ── diff ────────────────────────────────────────────────────────────────────────────────────────────────────────


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_diff(seeded_flowctl):
    (seeded_flowctl.cwd / "f.txt").write_text("a\n")
    git(seeded_flowctl.cwd, "add", "f.txt")
    git(seeded_flowctl.cwd, "commit", "-qm", "base")
    base = git(seeded_flowctl.cwd, "rev-parse", "HEAD")
    git(seeded_flowctl.cwd, "checkout", "-qb", "feat/oauth2")
    (seeded_flowctl.cwd / "f.txt").write_text("a\nb\n")
    git(seeded_flowctl.cwd, "commit", "-qam", "feat: x")
    sha = git(seeded_flowctl.cwd, "rev-parse", "--short", "HEAD")
    run = seeded_flowctl("diff", E, "--json")
    assert run.code == 0 and run.err == ""
    assert run.json == {"base_ref": base, "branch": "feat/oauth2", "diff_stat": "f.txt | 1 +\n 1 file changed, "
                        "1 insertion(+)", "epic": E, "log": f"{sha} feat: x"}
    assert seeded_flowctl.ok("diff", E) == (f"Epic: {E}  Branch: feat/oauth2\nBase: {base[:12]}\n\nCommits:\n  {sha} feat: x\n\n"
                                 "Diff summary:\n  f.txt | 1 +\n   1 file changed, 1 insertion(+)\n")


def test_diff_without_base_warns(seeded_flowctl):
    run = seeded_flowctl("diff", E, "--json")
    assert run.code == 0
    assert run.err == "Warning: could not find merge-base with main, showing full branch history\n"
    assert run.json == {"base_ref": None, "branch": "feat/oauth2", "diff_stat": "", "epic": E, "log": ""}


def test_diff_errors(seeded_flowctl):
    assert seeded_flowctl.fail("diff", "fn-8").error == "No branch found for epic fn-8. Set with: flowctl epic branch fn-8 <name>"
    assert seeded_flowctl.fail("diff", "fn-8.1").error.startswith("Invalid epic ID: fn-8.1.")
    seeded_flowctl.fail("diff", code=2)


# ── events ──────────────────────────────────────────────────────────────────────────────────────────────────────


def test_events(seeded_flowctl):
    store = FlowStore(seeded_flowctl.flow)
    lines = [{"actor": "dev@example.com", "entity_id": E, "epic_id": E, "session_id": "", "stream_id": f"mutation:{E}",
              "task_id": None, "timestamp": "2026-11-26T14:49:46.296492477+00:00", "type": "epic.create"},
             {"epic_id": "fn-10-x", "stream_id": "task:fn-10-x.1", "task_id": "fn-10-x.1",
              "timestamp": "2026-11-26T14:49:47+00:00", "type": "task_started"},
             {"actor": "lifecycle", "source_cmd": "flowctl start", "stream_id": f"task:{E}.1",
              "timestamp": "2026-11-26T14:49:48+00:00", "type": "started"}]
    for line in lines:
        store.events.append(line)
    assert seeded_flowctl.ok("events", "--epic", E, "--json") == {"count": 2, "epic": E, "events": [lines[0], lines[2]]}
    assert seeded_flowctl.ok("events", "--epic", "fn-1", "--json")["count"] == 0  # exact matching: fn-1 is not fn-1-add-oauth-login
    assert seeded_flowctl.ok("events", "--epic", E, env=FULL) == (
        f"Events for epic {E} (2 total):\n\n"
        f"  [mutation:{E}] epic.create — 2026-11-26T14:49:46.296492477+00:00\n"
        f"  [task:{E}.1] started — 2026-11-26T14:49:48+00:00\n")
    assert seeded_flowctl.ok("events", "--epic", "fn-1") == "No events found for epic fn-1\n"


def test_events_auto_creates_flow(flowctl):
    assert flowctl.ok("events", "--epic", "fn-1", "--json") == {"count": 0, "epic": "fn-1", "events": []}
    assert flowctl.flow.is_symlink() and flowctl.flow.resolve() == (flowctl.cwd / ".git" / "flow-state" / "flow").resolve()
    flowctl.fail("events", code=2)
