"""dag / estimate / replay / diff / events over real files (and a real git repository for diff)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from flowctl_core.errors import DependencyError, InvalidInputError, InvalidTransitionError, NotFoundError
from flowctl_db import FlowStore
from flowctl_service import history, worker_phases

E = "fn-1-add-oauth-login"
T_AT = "2026-11-26T14:49:46.304449427Z"


@pytest.fixture
def store(store: FlowStore) -> FlowStore:
    """The empty store of conftest, with this module's epics."""
    s = store
    s.save_epic({"id": E, "title": "Add OAuth Login!", "branch_name": "feat/oauth2",
                 "created_at": T_AT, "updated_at": T_AT})
    return s


def add_task(s: FlowStore, tid: str, status: str | None = None, deps=(), **state) -> None:
    s.save_task_definition({"id": tid, "epic": tid.rsplit(".", 1)[0], "title": f"Task {tid}", "status": "todo",
                            "depends_on": list(deps), "created_at": T_AT, "updated_at": T_AT})
    if status is not None:
        s.save_state(tid, {"status": status, **state, "retry_count": state.pop("retry_count", 0)})


# ── dag ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_dag_layers_longest_path(store):
    add_task(store, f"{E}.1", "done")
    add_task(store, f"{E}.2", "in_progress", deps=[f"{E}.1"])
    add_task(store, f"{E}.3", deps=[f"{E}.1", f"{E}.2"])
    add_task(store, f"{E}.4", "blocked")
    assert history.dag_layers(store, E) == {"epic": E, "layers": [
        {"layer": 0, "nodes": [{"deps": [], "id": f"{E}.1", "status": "done"},
                               {"deps": [], "id": f"{E}.4", "status": "blocked"}]},
        {"layer": 1, "nodes": [{"deps": [f"{E}.1"], "id": f"{E}.2", "status": "in_progress"}]},
        {"layer": 2, "nodes": [{"deps": [f"{E}.1", f"{E}.2"], "id": f"{E}.3", "status": "todo"}]},
    ]}


def test_render_dag_text_matches_reference_drawing(store):
    add_task(store, f"{E}.1", "in_progress")
    add_task(store, f"{E}.2", deps=[f"{E}.1"])
    text = history.render_dag_text(history.dag_layers(store, E))
    assert text == (
        f"DAG for {E}\n\n"
        "┌───────────┐\n│ .1 [ >> ] │\n└───────────┘\n"
        "  │\n  ↓\n"
        "  └── ┌───────────┐\n      │ .2 [todo] │\n      └───────────┘\n")


def test_render_dag_icons():
    payload = {"epic": "fn-1", "layers": [{"layer": 0, "nodes": [
        {"id": "fn-1.1", "status": "done", "deps": []}, {"id": "fn-1.2", "status": "blocked", "deps": []},
        {"id": "fn-1.3", "status": "failed", "deps": []}]}]}
    text = history.render_dag_text(payload)
    assert "│ .1 [done] │" in text and "│ .2 [blck] │" in text and "│ .3 [ ?? ] │" in text


def test_dag_errors(store):
    with pytest.raises(NotFoundError, match=rf"^No tasks found for epic {E}$"):
        history.dag_layers(store, E)
    add_task(store, f"{E}.1", deps=[f"{E}.3"])
    add_task(store, f"{E}.2", deps=[f"{E}.1"])
    add_task(store, f"{E}.3", deps=[f"{E}.2"])
    add_task(store, f"{E}.4", deps=[f"{E}.3"])  # downstream of the cycle: not reported as a member (D48)
    with pytest.raises(DependencyError) as err:
        history.dag_layers(store, E)
    assert str(err.value) == f"Cycle detected in DAG: {E}.1 -> {E}.3 -> {E}.2 -> {E}.1"
    add_task(store, f"{E}.5", deps=["fn-9.1"])
    with pytest.raises(DependencyError) as err:
        history.dag_layers(store, E)
    assert str(err.value) == f"Failed to build DAG: unknown dependency: task {E}.5 depends on fn-9.1"


# ── estimate ────────────────────────────────────────────────────────────────────────────────────────────────────


def test_estimate(store):
    add_task(store, f"{E}.1", "done", duration_seconds=100)
    add_task(store, f"{E}.2", "done", duration_seconds=51)
    add_task(store, f"{E}.3", "done")  # done without a duration: counted as done, not in the average
    add_task(store, f"{E}.4", "skipped")
    add_task(store, f"{E}.5", "in_progress")
    add_task(store, f"{E}.6")
    data = history.estimate(store, E)
    assert data == {"avg_duration_secs": 75, "done_tasks": 3, "epic": E, "estimated_remaining_secs": 150,
                    "incomplete_tasks": 2, "total_tasks": 6}
    assert history.estimate_text(data) == ("Estimated remaining: 2m 30s (2 tasks, avg 75s/task)\n"
                                           "  Done: 3/6, Remaining: 2\n")
    with pytest.raises(NotFoundError, match=r"^No tasks found for epic fn-8$"):
        history.estimate(store, "fn-8")


# ── replay ──────────────────────────────────────────────────────────────────────────────────────────────────────


def test_replay_resets_non_todo_states_and_phases(store):
    add_task(store, f"{E}.1", "done", assignee="a", duration_seconds=3)
    add_task(store, f"{E}.2", "blocked", blocked_reason="x")
    add_task(store, f"{E}.3")
    worker_phases.mark_done(store, f"{E}.1", "1")
    worker_phases.mark_done(store, "fn-2.1", "1")
    data = history.replay(store, E)
    assert data == {"count": 2, "epic": E, "message": f"Run /flow-code:work {E} to re-execute",
                    "reset": [f"{E}.1", f"{E}.2"]}
    for tid in (f"{E}.1", f"{E}.2"):
        state = store.get_state(tid)
        assert list(state) == ["status", "retry_count", "updated_at"] and state["status"] == "todo"
    assert store.get_state(f"{E}.3") is None
    assert store.phases.completed(f"{E}.1") == [] and store.phases.completed("fn-2.1") == ["1"]
    assert history.replay_text(data) == (f"Reset 2 task(s) to todo for epic {E}\n\n"
                                         f"To re-execute, run:  /flow-code:work {E}\n")


def test_replay_dry_run_writes_nothing(store):
    add_task(store, f"{E}.1", "done")
    add_task(store, f"{E}.2")
    before = store.paths.task_state(f"{E}.1").read_bytes()
    data = history.replay(store, E, dry_run=True)
    assert history.replay_json(data) == {"count": 1, "dry_run": True, "epic": E, "would_reset": [f"{E}.1"]}
    assert history.replay_text(data) == f"Dry run \u2014 would reset 1 task(s) to todo:\n  {E}.1 (done) -> todo\n"
    assert store.paths.task_state(f"{E}.1").read_bytes() == before


def test_replay_refuses_in_progress_unless_forced(store):
    add_task(store, f"{E}.1", "in_progress")
    add_task(store, f"{E}.2", "in_progress")
    with pytest.raises(InvalidTransitionError) as err:
        history.replay(store, E)
    assert str(err.value) == f"Tasks in progress: {E}.1, {E}.2. Use --force to override."
    assert history.replay(store, E, force=True)["count"] == 2


def test_replay_errors(store):
    with pytest.raises(InvalidInputError, match=r"^Invalid epic ID: fn-1\.1\."):
        history.replay(store, "fn-1.1")
    with pytest.raises(NotFoundError, match=rf"^No tasks found for epic {E}$"):
        history.replay(store, E)


def test_replay_resets_legacy_done_definition(store):
    store.paths.task_json("fn-3.1").write_text('{"id":"fn-3.1","epic":"fn-3","title":"Old","status":"done"}')
    assert history.replay(store, "fn-3")["reset"] == ["fn-3.1"]
    assert store.get_task("fn-3.1")["status"] == "todo"


# ── diff ────────────────────────────────────────────────────────────────────────────────────────────────────────


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_diff_against_merge_base(store, tmp_path):
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "config", "user.email", "dev@example.com")
    _git(tmp_path, "config", "user.name", "Dev")
    (tmp_path / "f.txt").write_text("a\n")
    _git(tmp_path, "add", "f.txt")
    _git(tmp_path, "commit", "-qm", "base")
    base = _git(tmp_path, "rev-parse", "HEAD")
    _git(tmp_path, "checkout", "-qb", "feat/oauth2")
    (tmp_path / "f.txt").write_text("a\nb\n")
    _git(tmp_path, "commit", "-qam", "feat: x")
    sha = _git(tmp_path, "rev-parse", "--short", "HEAD")
    data, warning = history.diff(store, tmp_path, E)
    assert warning is None
    assert data == {"base_ref": base, "branch": "feat/oauth2", "diff_stat": _git(tmp_path, "diff", "--stat",
                    f"{base}..feat/oauth2"), "epic": E, "log": f"{sha} feat: x"}
    text = history.diff_text(data)
    assert text == (f"Epic: {E}  Branch: feat/oauth2\nBase: {base[:12]}\n\nCommits:\n  {sha} feat: x\n\n"
                           "Diff summary:\n  f.txt | 1 +\n   1 file changed, 1 insertion(+)\n")


def test_diff_without_merge_base_or_branch(store, tmp_path):
    data, warning = history.diff(store, tmp_path, E)  # not even a git repository: git output is empty
    assert warning == "Warning: could not find merge-base with main, showing full branch history"
    assert data == {"base_ref": None, "branch": "feat/oauth2", "diff_stat": "", "epic": E, "log": ""}
    assert history.diff_text(data) == f"Epic: {E}  Branch: feat/oauth2\n\nNo commits found.\n\nNo diff.\n"
    with pytest.raises(NotFoundError) as err:
        history.diff(store, tmp_path, "fn-4")
    assert str(err.value) == "No branch found for epic fn-4. Set with: flowctl epic branch fn-4 <name>"


# ── events ──────────────────────────────────────────────────────────────────────────────────────────────────────


def test_events_exact_filtering(store):
    lines = [
        {"stream_id": "mutation:fn-1", "epic_id": "fn-1", "type": "epic.create", "timestamp": "t1"},
        {"stream_id": "task:fn-1.2", "type": "started", "timestamp": "t2"},
        {"stream_id": "task:fn-10.1", "type": "started", "timestamp": "t3"},
        {"stream_id": "mutation:fn-1-x", "epic_id": "fn-1-x", "type": "epic.create", "timestamp": "t4"},
        {"stream_id": "decision:_global", "epic_id": "fn-1", "type": "decision", "timestamp": "t5"},
    ]
    for line in lines:
        store.events.append(line)
    data = history.events(store, "fn-1")
    assert data == {"count": 3, "epic": "fn-1", "events": [lines[0], lines[1], lines[4]]}
    assert history.events_text(data) == ("Events for epic fn-1 (3 total):\n\n  [mutation:fn-1] epic.create — t1\n"
                                         "  [task:fn-1.2] started — t2\n  [decision:_global] decision — t5\n")
    assert history.events_text(history.events(store, "fn-5")) == "No events found for epic fn-5\n"
