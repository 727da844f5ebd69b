"""Ralph run control (cli-ext §11): sentinel files in `<repo-root>/scripts/ralph/runs/<run>/`, not `.flow` state.

A run is active while its `progress.txt` lacks the completion marker (`completion_reason=` and `promise=COMPLETE`).
`ralph.sh` keeps `runs/latest` as a symlink to the current run; an entry that is a symlink to another listed run is
an alias, not a second run (the reference counted it twice, so auto-detection always failed during a live run).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flowctl_core.errors import InvalidInputError, NotFoundError

from .commands_runner import repo_root

RUNS_DIR = Path("scripts", "ralph", "runs")
ACTIONS = {"pause": "paused", "resume": "resumed", "stop": "stop_requested"}
_INT64_MAX = 2**63 - 1


def _is_complete(progress: Path) -> bool:
    try:
        text = progress.read_bytes().decode("utf-8", "replace")
    except OSError:
        return False
    return "completion_reason=" in text and "promise=COMPLETE" in text


def active_runs(cwd: Path) -> list[tuple[str, Path]]:
    """Active runs as (name, directory), by name; symlink aliases of a listed run are left out."""
    runs_dir = repo_root(cwd) / RUNS_DIR
    try:
        entries = sorted(os.scandir(runs_dir), key=lambda e: e.name)
    except OSError:
        return []
    real_dirs = {os.path.realpath(e.path) for e in entries if not e.is_symlink() and e.is_dir()}
    runs = []
    for entry in entries:
        path = Path(entry.path)
        if not path.is_dir() or not (path / "progress.txt").exists():
            continue
        if entry.is_symlink() and os.path.realpath(entry.path) in real_dirs:
            continue  # `latest` → an existing run: the same run under a second name
        if _is_complete(path / "progress.txt"):
            continue
        runs.append((entry.name, path))
    return runs


def pick_run(cwd: Path, run_id: str | None) -> tuple[str, Path]:
    """The run named by `--run` (an alias such as `latest` names the run it points to), else the only active one."""
    runs = active_runs(cwd)
    if run_id is not None:
        for name, path in runs:
            if name == run_id:
                return name, path
        alias = repo_root(cwd) / RUNS_DIR / run_id
        if run_id not in ("", ".", "..") and "/" not in run_id and alias.is_symlink():
            target = os.path.realpath(alias)
            for name, path in runs:
                if os.path.realpath(path) == target:
                    return name, path
        raise NotFoundError(f"Run {run_id} not found or not active")
    if not runs:
        raise NotFoundError("No active runs")
    if len(runs) > 1:
        raise InvalidInputError(f"Multiple active runs, specify --run: {', '.join(n for n, _ in runs)}")
    return runs[0]


def control(cwd: Path, action: str, run_id: str | None, *, dry_run: bool = False) -> dict[str, Any]:
    """pause (create PAUSE), resume (delete PAUSE) or stop (create STOP) a run; with dry_run, only say so."""
    from flowctl_db import caller_files

    name, run_dir = pick_run(cwd, run_id)
    sentinel = run_dir / ("STOP" if action == "stop" else "PAUSE")
    op = "delete" if action == "resume" else "create"
    if dry_run:
        return {"action": ACTIONS[action], "dry_run": True, "files": [{"op": op, "path": str(sentinel)}],
                "run": name}
    if op == "create":
        caller_files.write_text(sentinel, "")
    else:
        caller_files.remove(sentinel)
    return {"action": ACTIONS[action], "run": name}


def control_text(data: dict[str, Any]) -> str:
    """`Paused <run>` / `Resumed <run>` / `Stop requested for <run>`."""
    words = {"paused": "Paused", "resumed": "Resumed", "stop_requested": "Stop requested for"}
    return f"{words[data['action']]} {data['run']}"


def _last_match(pattern: str, text: str) -> str | None:
    import re

    matches = re.findall(pattern, text)
    return matches[-1] if matches else None


def parse_progress(text: str) -> tuple[int | None, str | None, str | None]:
    """(iteration, epic, task) from progress.txt: the LAST mention of each, in ralph.sh's `iter N`/`epic=…`
    form as well as the reference's `iteration: N`/`epic fn-…`, so the status follows the run as it goes."""
    iteration = _last_match(r"(?i)\biter(?:ation)?[:=\s]+(\d+)", text)
    epic = _last_match(r"(?i)\bepic[:=\s]+(fn-[\w-]+)", text)
    task = _last_match(r"(?i)\btask[:=\s]+(fn-[\w.-]+\.\d+)", text)
    number = int(iteration) if iteration is not None and int(iteration) <= _INT64_MAX else None
    return number, epic, task


def status(cwd: Path, run_id: str | None) -> dict[str, Any]:
    """`{run, iteration, current_epic, current_task, paused, stopped}` of one active run."""
    name, run_dir = pick_run(cwd, run_id)
    try:
        text = (run_dir / "progress.txt").read_bytes().decode("utf-8", "replace")
    except OSError:
        text = ""
    iteration, epic, task = parse_progress(text)
    return {"current_epic": epic, "current_task": task, "iteration": iteration,
            "paused": (run_dir / "PAUSE").exists(), "run": name, "stopped": (run_dir / "STOP").exists()}


def status_text(data: dict[str, Any]) -> str:
    """`<run> (iteration N, working on <task>) [running]` and its variants."""
    flags = [word for word, on in (("PAUSED", data["paused"]), ("STOPPED", data["stopped"])) if on]
    state = f" [{', '.join(flags)}]" if flags else " [running]"
    if data["current_task"]:
        where = f", working on {data['current_task']}"
    elif data["current_epic"]:
        where = f", epic {data['current_epic']}"
    else:
        where = ""
    when = f"iteration {data['iteration']}" if data["iteration"] is not None else "starting"
    return f"{data['run']} ({when}{where}){state}"
