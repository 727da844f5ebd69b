"""Generate benchmark workspaces: a git repository whose `.flow/` holds N epics x M tasks in flowctl's exact format.

The `.flow` link and its directories come from `flowctl_service.admin.init` (the code `flowctl init` runs); the
records are then serialised with `flowctl_core.records.normalize` + `json_store.dumps_pretty` and the spec
templates of `flowctl_core.spec_md`, so every file is byte-for-byte what flowctl itself writes. Files are written
without fsync (flowctl's atomic writer fsyncs every file and directory, which would make 20,000 tasks take
minutes); the bytes are the same.

Shape of a workspace (deterministic, no randomness):
* epics `fn-<n>-bench-epic-<n>`; with more than one epic the oldest 30 % are closed with every task done, and
  every fifth open epic depends on the epic before it;
* in an open epic the tasks form dependency chains of CHAIN tasks (`.k` depends on `.k-1` unless k starts a
  chain); the first 30 % are done, the next 5 % in progress (assignee `agent-<k%3>@example.com`), the next
  3 % blocked, the rest todo — so ready, blocked and in-progress work coexists in every open epic;
* some tasks carry a priority, a non-general domain and owned files; every task has its spec and state file;
* one memory entry per task (`memory/entries/NNN-<type>.md` + its `index.jsonl` line, every third one referenced
  in `stats.json`; one in a hundred mentions a "retry budget", the `memory search` target), and a hand-off note
  in `outputs/` for the first OUTPUTS tasks of the focus epic.

Command line: `python bench/workspace.py DIR [--epics 10] [--tasks 200]` (DIR must not exist).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flowctl_core import json_store as js
from flowctl_core import records as R
from flowctl_core import spec_md
from flowctl_core.timefmt import fmt_z

ACTOR = "bench@example.com"
CHAIN = 4
DOMAINS = ("general", "backend", "frontend", "testing", "general", "docs", "ops", "general")
BASE_TIME = datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)
OUTPUTS = 20
LESSONS = ("Never block the event loop in async python handlers; use the api client's async session",
           "Docker build caches break when the lockfile is copied after the sources",
           "Rust auth middleware must check the jwt expiry before the role claims",
           "Postgres migrations need a lock timeout or deploys hang behind long queries",
           "React forms: validate on blur, not on every key press, or typing lags on big forms")


@dataclass
class Workspace:
    """A generated workspace and the ids a benchmark needs to address it."""

    root: str
    epics: int
    tasks_per_epic: int
    total_tasks: int
    epic_ids: list[str]
    focus_epic: str  # an open epic in the middle: target of `ready --epic` / `tasks --epic` / `task create`
    show_task: str  # a task in the middle of the workspace (single-task queries)
    ready_todo: list[str] = field(default_factory=list)  # todo tasks whose deps are all done (start targets)
    other_todo: list[str] = field(default_factory=list)  # todo tasks waiting on a dependency (block targets)
    memory_entries: int = 0  # entries in memory/ (one per task)
    output_task: str = ""  # a task with a hand-off note in outputs/

    @property
    def flow(self) -> Path:
        """The `.flow` link of the workspace."""
        return Path(self.root) / ".flow"

    def save(self) -> None:
        """Record the workspace description next to it (`<root>/.bench-workspace.json`)."""
        (Path(self.root) / ".bench-workspace.json").write_text(json.dumps(asdict(self), indent=1))


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _git_init(root: Path) -> None:
    root.mkdir(parents=True)
    for args in (["init", "-q", "-b", "main"], ["config", "user.email", ACTOR], ["config", "user.name", "Bench"]):
        subprocess.run(["git", *args], cwd=root, check=True)


def _task_status(i: int, n: int) -> str:
    """Status of task number i (1-based) of an open epic with n tasks."""
    frac = (i - 1) / n
    if frac < 0.30:
        return "done"
    if frac < 0.35:
        return "in_progress"
    if frac < 0.38:
        return "blocked"
    return "todo"


def _state(status: str, i: int, t: datetime) -> dict:
    if status == "todo":
        return {"status": "todo", "retry_count": 0, "updated_at": fmt_z(t)}
    who = f"agent-{i % 3}@example.com"
    claimed = t + timedelta(minutes=5)
    if status == "in_progress":
        return {"status": "in_progress", "assignee": who, "claimed_at": fmt_z(claimed), "retry_count": 0,
                "updated_at": fmt_z(claimed)}
    if status == "blocked":
        return {"status": "blocked", "assignee": who, "claimed_at": fmt_z(claimed),
                "blocked_reason": "waiting for an upstream API", "retry_count": 0,
                "updated_at": fmt_z(claimed + timedelta(minutes=1))}
    done = claimed + timedelta(seconds=600 + i)
    return {"status": "done", "assignee": who, "claimed_at": fmt_z(claimed), "completed_at": fmt_z(done),
            "evidence": {"commits": [f"{i:07x}"], "tests": ["pytest -q"]}, "duration_seconds": 600 + i,
            "retry_count": 0, "updated_at": fmt_z(done)}


def _coordination_state(paths: js.FlowPaths, epic_id: str, task_id: str) -> None:
    """What agents leave behind in a busy epic: 30 gaps (a third resolved) and 100 approvals (half resolved)."""
    gaps = [{"id": n, "capability": f"Bench capability {n}", "priority": ("required", "important", "nice-to-have")[n % 3],
             "source": "flow-gap-analyst", "resolved": n % 3 == 0} for n in range(1, 31)]
    paths.gaps.mkdir(parents=True, exist_ok=True)
    _write(paths.gaps_json(epic_id), js.dumps_pretty(gaps))
    base = int(BASE_TIME.timestamp())
    approvals = [{"created_at": base + n, "id": f"apv-{(base + n) * 1000:x}-{n:x}", "kind": "file_access",
                  "payload": {"files": [f"src/m{n}.py"], "reason": "bench"}, "reason": None,
                  "resolved_at": base + n + 5 if n % 2 else None, "resolver": "lead@example.com" if n % 2 else None,
                  "status": "approved" if n % 2 else "pending", "task_id": task_id} for n in range(100)]
    _write(paths.approvals, js.dumps_pretty(approvals, sort_keys=True))


def generate(root: Path, epics: int, tasks_per_epic: int) -> Workspace:
    """Create `root` as a git repository with an initialised `.flow/` holding epics x tasks_per_epic tasks."""
    from flowctl_service.admin import init

    root = Path(root).absolute()
    _git_init(root)
    init(root)
    paths = js.FlowPaths(root / ".flow")
    paths.state_tasks.mkdir(parents=True, exist_ok=True)
    closed = int(epics * 0.3) if epics > 1 else 0
    epic_ids: list[str] = []
    ready_todo: list[str] = []
    other_todo: list[str] = []
    t = BASE_TIME
    for e in range(1, epics + 1):
        epic_id = f"fn-{e}-bench-epic-{e}"
        epic_ids.append(epic_id)
        title = f"Bench epic {e}"
        is_closed = e <= closed
        epic = {"id": epic_id, "title": title, "status": "done" if is_closed else "open",
                "branch_name": epic_id, "plan_review": "passed" if is_closed else "unknown",
                "completion_review": "passed" if is_closed else "unknown",
                "depends_on_epics": [epic_ids[-2]] if (not is_closed and e > 1 and e % 5 == 0) else [],
                "archived": False, "file_path": f"specs/{epic_id}.md", "created_at": fmt_z(t),
                "updated_at": fmt_z(t)}
        _write(paths.epic_json(epic_id), js.dumps_pretty(R.normalize(R.EPIC, epic)))
        _write(paths.epic_spec(epic_id), spec_md.epic_spec_template(epic_id, title))
        for i in range(1, tasks_per_epic + 1):
            t += timedelta(microseconds=1_000_003)
            task_id = f"{epic_id}.{i}"
            task_title = f"Task {i} of epic {e}"
            deps = [f"{epic_id}.{i - 1}"] if (i - 1) % CHAIN else []
            created = fmt_z(t)
            task = {"id": task_id, "epic": epic_id, "title": task_title, "status": "todo",
                    "priority": (i % 3) + 1 if i % 7 == 0 else None, "domain": DOMAINS[i % len(DOMAINS)],
                    "depends_on": deps, "files": [f"src/e{e}/m{i}.py"] if i % 5 == 0 else [],
                    "file_path": f".flow/tasks/{task_id}.md", "created_at": created, "updated_at": created}
            _write(paths.task_json(task_id), js.dumps_pretty(R.normalize(R.TASK, task)))
            _write(paths.task_spec(task_id), spec_md.task_spec_template(task_id, task_title))
            status = "done" if is_closed else _task_status(i, tasks_per_epic)
            state = R.normalize(R.TASK_STATE, _state(status, i, t))
            _write(paths.task_state(task_id), js.dumps_pretty(state))
            if status == "todo":
                prev_done = not deps or _task_status(i - 1, tasks_per_epic) == "done"
                (ready_todo if prev_done else other_todo).append(task_id)
        t += timedelta(hours=1)
    open_ids = epic_ids[closed:]
    focus = open_ids[len(open_ids) // 2]
    mid = epic_ids[len(epic_ids) // 2]
    _coordination_state(paths, focus, f"{mid}.{tasks_per_epic // 2}")
    _memory(paths, epics * tasks_per_epic, t)
    for i in range(1, min(OUTPUTS, tasks_per_epic) + 1):
        paths.outputs.mkdir(exist_ok=True)
        _write(paths.outputs / f"{focus}.{i}.md", f"## Summary\nTask {i} done.\n\n## Surprises\nNone.\n\n"
                                                  f"## Decisions\n- kept the retry budget at 3\n")
    ws = Workspace(root=str(root), epics=epics, tasks_per_epic=tasks_per_epic, total_tasks=epics * tasks_per_epic,
                   epic_ids=epic_ids, focus_epic=focus, show_task=f"{mid}.{tasks_per_epic // 2}",
                   ready_todo=ready_todo, other_todo=other_todo, memory_entries=epics * tasks_per_epic,
                   output_task=f"{focus}.1")
    ws.save()
    return ws


def _memory(paths: js.FlowPaths, count: int, t: datetime) -> None:
    """`count` memory entries exactly as `flowctl memory add` stores them, plus a stats.json."""
    from flowctl_service import memory as mem

    entries = paths.memory / "entries"
    entries.mkdir(parents=True, exist_ok=True)
    lines, stats = [], {}
    day = t.strftime("%Y-%m-%d")
    for n in range(1, count + 1):
        kind = mem.TYPES[n % 3]
        content = f"Lesson {n}: {LESSONS[n % len(LESSONS)]}"
        if n % 100 == 0:
            content += "\nKeep the retry budget small."
        name = mem.entry_file_name(n, kind)
        _write(entries / name, content)
        lines.append(js.dumps_line({"created": day, "file": name, "hash": mem.content_hash(content), "id": n,
                                    "last_verified": day, "summary": mem.summary_of(content),
                                    "tags": mem.extract_tags(content), "track": mem.derive_track(None, kind),
                                    "type": kind}))
        if n % 3 == 0:
            stats[str(n)] = {"last_ref": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "refs": n % 7 + 1}
    _write(paths.memory / "index.jsonl", "".join(lines))
    _write(paths.memory / "stats.json", js.dumps_pretty(stats, sort_keys=True))


def clone(ws: Workspace, dest: Path) -> Workspace:
    """An identical copy of the workspace at `dest`, its `.flow` link re-pointed at the copy's own state dir."""
    dest = Path(dest).absolute()
    shutil.copytree(ws.root, dest, symlinks=True)
    link = dest / ".flow"
    if link.is_symlink():
        target = Path(os.readlink(link))
        if target.is_absolute():
            try:
                rel = target.relative_to(ws.root)
            except ValueError:
                rel = None
            if rel is not None:
                link.unlink()
                os.symlink(dest / rel, link)
    copy = Workspace(**{**asdict(ws), "root": str(dest)})
    copy.save()
    return copy


def main(argv: list[str] | None = None) -> int:
    """Generate one workspace from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--epics", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=200, help="tasks per epic")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    ws = generate(args.dir, args.epics, args.tasks)
    print(f"{ws.total_tasks} tasks in {ws.epics} epic(s) at {ws.root} ({time.perf_counter() - t0:.1f} s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
