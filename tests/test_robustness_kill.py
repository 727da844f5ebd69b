"""Real flowctl writers racing on one store while some of them are SIGKILLed at random moments.

Whatever dies where, the store stays readable and consistent: every JSON file parses (writes are atomic), no
leftover temp file is read as data, every event line parses (appends are one write each), no id is handed out
twice, no file is locked by two tasks, every completed command's effect is there (no lost update), and the store
lock dies with its holder (flock is released by the kernel), so the next writer proceeds at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from flowctl_runner import Flowctl

ROUNDS = 6
SEED = int(os.environ.get("FLOWCTL_KILL_SEED", "20240611"))
STALE_TMP = ".fn-1-kill.99.json.4242.4242.tmp"  # what a writer killed before its rename leaves behind


@dataclass
class Job:
    """One flowctl command of a round, what it should have done once it completed, and its outcome."""

    kind: str
    args: list[str]
    expect: dict = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    killed: bool = False
    env: dict = field(default_factory=dict)
    code: int | None = None
    out: str = ""
    err: str = ""


def spawn(flowctl: Flowctl, job: Job) -> None:
    """Start the job's flowctl in its own process group (so a kill takes nothing else with it)."""
    job.proc = subprocess.Popen([flowctl.exe, *job.args, "--json"], cwd=flowctl.cwd, env={**flowctl.env, **job.env},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def run_round(flowctl: Flowctl, jobs: list[Job], rng: random.Random, kill_window: float) -> None:
    """Start every job at once and kill about half of them, then collect all outcomes.

    Half of the victims kill themselves at a write point (the test-only fault hook: SIGKILL right before or right
    after their 1st–3rd write), so kills certainly land inside writes; the other half get a SIGKILL after a
    random delay, wherever they are (start-up, waiting for the lock, writing).
    """
    victims = [job for job in jobs if rng.random() < 0.5]
    timed = []
    for job in victims:
        if rng.random() < 0.5:
            job.env = {"FLOWCTL_TEST_FAULTS": f"crash:{rng.choice(['before', 'after'])}:{rng.randint(1, 3)}"}
        else:
            timed.append((rng.uniform(0, kill_window), job))
    for job in jobs:
        spawn(flowctl, job)
    start = time.monotonic()
    for delay, job in sorted(timed, key=lambda pair: pair[0]):
        time.sleep(max(0.0, start + delay - time.monotonic()))
        if job.proc.poll() is None:
            os.kill(job.proc.pid, signal.SIGKILL)
            job.killed = True
    for job in jobs:
        job.out, job.err = job.proc.communicate(timeout=120)
        job.code = job.proc.returncode
        if job.code == -signal.SIGKILL:
            job.killed = True
        assert "Traceback" not in job.err, job.err
        if not job.killed:  # every command that was not killed had what it needs and must have succeeded
            assert job.code == 0, f"{job.args} exited {job.code}: {job.err}"
            json.loads(job.out)


def measured_run_time(flowctl: Flowctl, epic: str) -> float:
    """Wall time of one task create (start-up to the last write), the unit of the kill windows."""
    start = time.monotonic()
    flowctl.ok("task", "create", "--epic", epic, "--title", "Timing", "--json")
    return time.monotonic() - start


def flow_files(flow: Path) -> list[Path]:
    return [p for p in flow.rglob("*") if p.is_file()]


def test_sigkilled_writers_leave_a_consistent_store(initialized_flowctl: Flowctl) -> None:
    rng = random.Random(SEED)
    epic = initialized_flowctl.ok("epic", "create", "--title", "Kill", "--json")["id"]
    assert epic == "fn-1-kill"
    # Per round: 3 tasks to start, 3 started tasks to complete, 2 tasks to lock files for; then a pool of tasks
    # that only get dependencies (a dependency would make `start` refuse).
    seeded = [initialized_flowctl.ok("task", "create", "--epic", epic, "--title", f"Seed {i}", "--json")["id"]
              for i in range(ROUNDS * 8 + 8)]
    pool = seeded[ROUNDS * 8:]
    to_start = [seeded[i * 8:i * 8 + 3] for i in range(ROUNDS)]
    to_done = [seeded[i * 8 + 3:i * 8 + 6] for i in range(ROUNDS)]
    to_lock = [seeded[i * 8 + 6:i * 8 + 8] for i in range(ROUNDS)]
    for group in to_done:
        for task in group:
            initialized_flowctl.ok("start", task)
    run_time = measured_run_time(initialized_flowctl, epic)

    all_jobs: list[Job] = []
    for r in range(ROUNDS):
        jobs = [Job("task create", ["task", "create", "--epic", epic, "--title", f"R{r} new {i}"],
                    {"title": f"R{r} new {i}"}) for i in range(3)]
        jobs += [Job("start", ["start", t], {"task": t}) for t in to_start[r]]
        jobs += [Job("done", ["done", t, "--summary", f"done in round {r}"], {"task": t}) for t in to_done[r]]
        for i, task in enumerate(to_lock[r]):
            jobs.append(Job("lock", ["lock", "--task", task, "--files", f"src/r{r}_{i}.py"],
                            {"task": task, "file": f"src/r{r}_{i}.py"}))
        for task in to_lock[r]:  # both tasks race for one file: never both hold it
            jobs.append(Job("lock race", ["lock", "--task", task, "--files", f"src/shared_{r}.py"],
                            {"task": task, "file": f"src/shared_{r}.py"}))
        for _ in range(4):  # later pool tasks depend on earlier ones only, so no order of these can make a cycle
            lo, hi = sorted(rng.sample(range(len(pool)), 2))
            jobs.append(Job("dep add", ["dep", "add", pool[hi], pool[lo]], {"task": pool[hi], "dep": pool[lo]}))
        jobs.append(Job("epic create", ["epic", "create", "--title", f"Round {r} epic"], {"title": f"Round {r} epic"}))
        jobs += [Job("config set", ["config", "set", f"kill.r{r}k{i}", f"v{r}{i}"], {"key": f"r{r}k{i}", "value": f"v{r}{i}"})
                 for i in range(2)]
        rng.shuffle(jobs)
        # All jobs share the cores, so the round lasts about jobs x run time / cores: kills land anywhere in it.
        run_round(initialized_flowctl, jobs, rng, 1.2 * run_time * len(jobs) / (os.cpu_count() or 1))
        all_jobs += jobs
    flow = initialized_flowctl.flow.resolve()
    (flow / "tasks" / STALE_TMP).write_text('{"id": "fn-1-kill.99", "title": "half-writ')

    killed = sum(job.killed for job in all_jobs)
    assert 0 < killed < len(all_jobs), killed  # the run really mixed killed and completed writers
    in_writes = sum(job.killed and "crash:" in job.env.get("FLOWCTL_TEST_FAULTS", "") for job in all_jobs)
    assert in_writes >= ROUNDS, in_writes  # and many kills landed inside a write, not only in start-up

    # No partially written file: every JSON file parses; temp files are only ever hidden `.<name>.<pid>.<n>.tmp`.
    for path in flow_files(flow):
        if path.name.endswith(".tmp"):
            assert re.fullmatch(r"\..+\.\d+\.\d+\.tmp", path.name), path
        elif path.suffix == ".json":
            json.loads(path.read_bytes())
    # No torn or glued event line.
    events = (flow / ".state" / "events.jsonl").read_bytes()
    assert events.endswith(b"\n")
    for line in events.splitlines():
        assert isinstance(json.loads(line), dict), line

    # No duplicate id: every completed create got its own id, and the file under that id is what it created. The
    # first call after the kills rolls back a batch a kill left half-done, so the files are read after it.
    listed = [t["id"] for t in initialized_flowctl.ok("tasks", "--epic", epic, "--json")["tasks"]]
    assert not (flow / ".state" / "journal.jsonl").exists()
    definitions = {p.stem: json.loads(p.read_bytes()) for p in (flow / "tasks").glob("*.json")}
    assert sorted(listed) == sorted(definitions) and len(set(listed)) == len(listed)
    assert "fn-1-kill.99" not in listed  # the stale temp file is never read as a task
    created = [json.loads(job.out)["id"] for job in all_jobs if job.kind == "task create" and job.code == 0]
    assert len(set(created)) == len(created)
    for job in all_jobs:
        if job.kind == "task create" and job.code == 0:
            assert definitions[json.loads(job.out)["id"]]["title"] == job.expect["title"]
    epics_created = [json.loads(job.out)["id"] for job in all_jobs if job.kind == "epic create" and job.code == 0]
    assert len(set(epics_created)) == len(epics_created)
    for job in all_jobs:
        if job.kind == "epic create" and job.code == 0:
            epic_file = json.loads((flow / "epics" / f"{json.loads(job.out)['id']}.json").read_bytes())
            assert epic_file["title"] == job.expect["title"]

    # No lost update: what every completed command did is still there.
    config = json.loads((flow / "config.json").read_bytes())
    locks = json.loads((flow / ".state" / "locks.json").read_bytes())
    for job in all_jobs:
        if job.code != 0:
            continue
        if job.kind == "dep add":
            assert job.expect["dep"] in definitions[job.expect["task"]]["depends_on"], job.args
        elif job.kind == "config set":
            assert config["kill"][job.expect["key"]] == job.expect["value"]
        elif job.kind == "lock":
            assert {"file_path": job.expect["file"], "task_id": job.expect["task"]}.items() <= next(
                e for e in locks if e["file_path"] == job.expect["file"]).items()
        elif job.kind in ("start", "done"):
            state = json.loads((flow / ".state" / "tasks" / f"{job.expect['task']}.state.json").read_bytes())
            assert state["status"] == ("in_progress" if job.kind == "start" else "done"), (job.args, state)

    # No double lock: one holder per raced file, and it is the one command told it got the lock.
    for r in range(ROUNDS):
        file = f"src/shared_{r}.py"
        holders = [e["task_id"] for e in locks if e["file_path"] == file]
        assert len(holders) <= 1, holders
        winners = [job.expect["task"] for job in all_jobs if job.kind == "lock race" and job.expect["file"] == file
                   and job.code == 0 and json.loads(job.out)["locked"] == [file]]
        assert len(winners) <= 1 and (not winners or holders == winners), (winners, holders)

    # Every task with a definition reads back through `show` (run a few at a time: 2 cores).
    ids = sorted(definitions)
    for i in range(0, len(ids), 8):
        procs = [(t, subprocess.Popen([initialized_flowctl.exe, "show", t, "--json"], cwd=initialized_flowctl.cwd, env=initialized_flowctl.env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
                 for t in ids[i:i + 8]]
        for task, proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, (task, err)
            assert json.loads(out)["id"] == task

    # A killed create is rolled back whole (the undo journal): every task definition has its spec.
    for task_id in definitions:
        assert (flow / "tasks" / f"{task_id}.md").exists(), task_id
    # `validate` finds no corrupt file.
    run = initialized_flowctl("validate", "--all", "--json")
    assert "Traceback" not in run.err
    report = run.json
    problems = report["root_errors"] + [e for ep in report["epics"] for e in ep["errors"]]
    assert not [p for p in problems if "Corrupt" in p or "corrupt" in p], problems

    # The store lock is free: flock died with its holders, so taking it now does not block…
    fd = os.open(flow / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    # …and the next writer succeeds promptly even with a short lock timeout.
    start = time.monotonic()
    initialized_flowctl.ok("task", "create", "--epic", epic, "--title", "After", "--json", env={"FLOWCTL_LOCK_TIMEOUT": "5"})
    assert time.monotonic() - start < 5
