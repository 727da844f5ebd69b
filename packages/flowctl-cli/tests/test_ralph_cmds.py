"""`flowctl ralph` over a real scripts/ralph/runs tree, including ralph.sh's `latest` symlink (cli-ext §11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flowctl_runner import Flowctl

RALPH_SH_PROGRESS = (
    "# Ralph Progress Log\nRun: {run}\nStarted: 2026-01-01T00:00:00Z\n---\n"
    "## 2026-01-01T00:01:00Z - iter 1\nstatus=plan epic=fn-1-auth task= reason=\ntask_status=\n---\n"
    "## 2026-01-01T00:02:00Z - iter 2\nstatus=work epic=fn-1-auth task=fn-1-auth.2 reason=\n---\n"
)
COMPLETE = "\ncompletion_reason=DONE\npromise=COMPLETE\n"


def make_run(repo: Path, run: str, progress: str = "iteration: 1\n", latest: bool = False) -> Path:
    runs = repo / "scripts" / "ralph" / "runs"
    run_dir = runs / run
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "progress.txt").write_text(progress.format(run=run))
    if latest:
        link = runs / "latest"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(run)
    return run_dir


def test_pause_resume_stop_with_run(flowctl: Flowctl, repo: Path) -> None:
    run_dir = make_run(repo, "test-run")
    assert flowctl.ok("ralph", "pause", "--run", "test-run", "--json") == {"action": "paused", "run": "test-run"}
    assert (run_dir / "PAUSE").read_bytes() == b""
    assert flowctl.ok("ralph", "resume", "--run", "test-run") == "Resumed test-run\n"
    assert not (run_dir / "PAUSE").exists()
    assert flowctl.ok("ralph", "stop", "--run", "test-run") == "Stop requested for test-run\n"
    assert (run_dir / "STOP").exists()
    assert flowctl.ok("ralph", "resume", "--run", "test-run", "--json")["action"] == "resumed"  # nothing to delete


def test_json_on_a_terminal_keeps_success(flowctl: Flowctl, repo: Path) -> None:
    make_run(repo, "run-a")
    out = flowctl.tty("ralph", "pause", "--json")
    assert json.loads(out) == {"action": "paused", "run": "run-a", "success": True}
    assert flowctl.tty("ralph", "status") == "run-a (iteration 1) [PAUSED]\n"


def test_latest_symlink_is_not_a_second_run(flowctl: Flowctl, repo: Path) -> None:
    run_dir = make_run(repo, "20260101-000000-ab12", RALPH_SH_PROGRESS, latest=True)
    assert flowctl.ok("ralph", "pause") == "Paused 20260101-000000-ab12\n"
    assert (run_dir / "PAUSE").exists()
    status = flowctl.ok("ralph", "status", "--json")
    assert status == {"current_epic": "fn-1-auth", "current_task": "fn-1-auth.2", "iteration": 2, "paused": True,
                      "run": "20260101-000000-ab12", "stopped": False}


def test_latest_names_the_run_it_points_to(flowctl: Flowctl, repo: Path) -> None:
    make_run(repo, "run-a")
    run_b = make_run(repo, "run-b", latest=True)
    assert flowctl.ok("ralph", "stop", "--run", "latest", "--json") == {"action": "stop_requested", "run": "run-b"}
    assert (run_b / "STOP").exists()
    run = flowctl.fail("ralph", "pause")
    assert run.error == "Multiple active runs, specify --run: run-a, run-b"
    assert not (run_b / "PAUSE").exists()


def test_no_runs_and_unknown_run(flowctl: Flowctl, repo: Path) -> None:
    assert flowctl.fail("ralph", "status").error == "No active runs"
    make_run(repo, "run-a")
    assert flowctl.fail("ralph", "pause", "--run", "nope").error == "Run nope not found or not active"
    assert flowctl.fail("ralph", "pause", "--run", "../../..").error == "Run ../../.. not found or not active"
    assert not (repo / "scripts" / "PAUSE").exists()


def test_completed_runs_are_invisible(flowctl: Flowctl, repo: Path) -> None:
    make_run(repo, "done-run", "iteration: 3\n" + COMPLETE)
    make_run(repo, "live-run")
    assert flowctl.ok("ralph", "pause", "--json")["run"] == "live-run"
    assert flowctl.fail("ralph", "stop", "--run", "done-run").error == "Run done-run not found or not active"
    assert not (repo / "scripts/ralph/runs/done-run/STOP").exists()


def test_only_one_marker_is_still_active(flowctl: Flowctl, repo: Path) -> None:
    make_run(repo, "half", "completion_reason=STOPPED\n")
    assert flowctl.ok("ralph", "status", "--json")["run"] == "half"


def test_directories_without_progress_and_files_are_ignored(flowctl: Flowctl, repo: Path) -> None:
    runs = repo / "scripts" / "ralph" / "runs"
    (runs / "empty").mkdir(parents=True)
    (runs / "stray.txt").write_text("iteration: 9\n")
    make_run(repo, "real")
    assert flowctl.ok("ralph", "status", "--json")["run"] == "real"


def test_works_from_a_subdirectory(flowctl: Flowctl, repo: Path) -> None:
    run_dir = make_run(repo, "run-a")
    sub = repo / "src" / "deep"
    sub.mkdir(parents=True)
    assert flowctl.ok("ralph", "pause", cwd=sub) == "Paused run-a\n"
    assert (run_dir / "PAUSE").exists()


def test_outside_git_uses_the_working_directory(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    run_dir = make_run(plain, "run-x")
    Flowctl(plain).ok("ralph", "stop")
    assert (run_dir / "STOP").exists()


@pytest.mark.parametrize(("progress", "line"), [
    ("iteration: 1\n", "run-a (iteration 1) [running]"),
    ("Epic: fn-2-second\n", "run-a (starting, epic fn-2-second) [running]"),
    ("ITERATION 7\ntask fn-3.1\n", "run-a (iteration 7, working on fn-3.1) [running]"),
    (RALPH_SH_PROGRESS, "run-a (iteration 2, working on fn-1-auth.2) [running]"),
    ("# Ralph Progress Log\n---\n", "run-a (starting) [running]"),
])
def test_status_lines(flowctl: Flowctl, repo: Path, progress: str, line: str) -> None:
    make_run(repo, "run-a", progress)
    assert flowctl.ok("ralph", "status") == line + "\n"


def test_status_paused_and_stopped(flowctl: Flowctl, repo: Path) -> None:
    run_dir = make_run(repo, "run-a", "iteration: 4\ntask: fn-2-second.3\n")
    (run_dir / "PAUSE").touch()
    (run_dir / "STOP").touch()
    assert flowctl.ok("ralph", "status") == "run-a (iteration 4, working on fn-2-second.3) [PAUSED, STOPPED]\n"
    assert flowctl.ok("ralph", "status", "--json") == {
        "current_epic": None, "current_task": "fn-2-second.3", "iteration": 4, "paused": True, "run": "run-a",
        "stopped": True}


def test_dry_run_previews_and_writes_nothing(flowctl: Flowctl, repo: Path) -> None:
    run_dir = make_run(repo, "run-a")
    (run_dir / "PAUSE").touch()
    before = sorted(p.name for p in run_dir.iterdir())
    preview = flowctl.ok("ralph", "stop", "--dry-run")
    assert preview == {"action": "stop_requested", "dry_run": True, "run": "run-a",
                       "files": [{"op": "create", "path": str((run_dir / "STOP").resolve())}]}
    assert flowctl.ok("--dry-run", "ralph", "resume")["files"][0]["op"] == "delete"
    assert sorted(p.name for p in run_dir.iterdir()) == before
