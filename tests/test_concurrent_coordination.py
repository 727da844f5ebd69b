"""The state agents share, under real concurrent processes: nothing is lost, nothing is torn, one decision wins.

The reference kept 1 of 20 concurrent `gap add`s while telling every caller it succeeded. Here 20 `gap add`,
`log decision` and `approval create` processes are released together at the store lock (`Flowctl.race`), and all
20 records must be there with distinct ids, in files that parse line by line. Ten `approve`/`reject` calls on one
approval must leave exactly one decision. A `checkpoint save` racing task writes must capture a state that really
existed: every task with its definition, spec and state, and a finished task with its summary.

Each of these goes red when the guarantee is broken in a scratch copy (store lock made a no-op; for the log, also
a JSONL line written in two pieces); see the report of the change that added this file.
"""

from __future__ import annotations

import json
import subprocess

from flowctl_runner import Flowctl

E = "fn-1-auth-work"
RACERS = 20


def epic_with_task(f: Flowctl) -> None:
    f.ok("epic", "create", "--title", "Auth work")
    f.ok("task", "create", "--epic", E, "--title", "Login")


def all_ok(runs: list) -> None:  # noqa: ANN001
    failed = [(r.args, r.code, r.err) for r in runs if r.code != 0]
    assert not failed, failed


def test_twenty_concurrent_gap_adds_are_all_recorded(initialized_flowctl: Flowctl) -> None:
    f = initialized_flowctl
    epic_with_task(f)
    runs = f.race(*[("gap", "add", "--epic", E, "--capability", f"Capability {i}", "--json") for i in range(RACERS)])
    all_ok(runs)
    answered = sorted(json.loads(r.out)["id"] for r in runs)
    assert answered == list(range(1, RACERS + 1))
    stored = json.loads((f.flow / "gaps" / f"{E}.json").read_text())
    assert sorted(g["id"] for g in stored) == answered
    assert sorted(g["capability"] for g in stored) == sorted(f"Capability {i}" for i in range(RACERS))
    assert f.ok("gap", "list", "--epic", E, "--json")["count"] == RACERS


def test_twenty_concurrent_decisions_are_all_logged_whole(initialized_flowctl: Flowctl) -> None:
    f = initialized_flowctl
    epic_with_task(f)
    reason = "x" * 5000  # long lines: a torn or interleaved write would show
    runs = f.race(*[("log", "decision", "--key", f"k{i}", "--value", f"v{i}", "--reason", reason, "--epic", E)
                    for i in range(RACERS)])
    all_ok(runs)
    lines = (f.flow / ".state" / "events.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b""
    decisions = [e for e in map(json.loads, lines[:-1]) if e["type"] == "decision"]  # every line parses
    assert sorted(e["key"] for e in decisions) == sorted(f"k{i}" for i in range(RACERS))
    assert all(e["reason"] == reason and e["stream_id"] == f"decision:{E}" for e in decisions)
    assert f.ok("log", "decisions", "--epic", E, "--limit", "100", "--json")["count"] == RACERS


def test_twenty_concurrent_approval_creates_are_all_kept(initialized_flowctl: Flowctl) -> None:
    f = initialized_flowctl
    epic_with_task(f)
    runs = f.race(*[("approval", "create", "--task", f"{E}.1", "--kind", "generic", "--payload",
                     json.dumps({"n": i}), "--json") for i in range(RACERS)])
    all_ok(runs)
    ids = [json.loads(r.out)["id"] for r in runs]
    assert len(set(ids)) == RACERS
    stored = json.loads((f.flow / ".state" / "approvals.json").read_text())
    assert sorted(a["id"] for a in stored) == sorted(ids)
    assert sorted(a["payload"]["n"] for a in stored) == list(range(RACERS))


def test_ten_concurrent_resolutions_of_one_approval_one_wins(initialized_flowctl: Flowctl) -> None:
    f = initialized_flowctl
    epic_with_task(f)
    apv = f.ok("approval", "create", "--task", f"{E}.1", "--kind", "generic", "--payload", "{}", "--json")["id"]
    actors = [f"agent-{i}" for i in range(10)]
    commands = [("approval", "approve" if i % 2 == 0 else "reject", apv, "--json") for i in range(10)]
    runs = f.race(*commands, env=[{"FLOW_ACTOR": a} for a in actors])
    winners = [(actor, cmd[1], r) for actor, cmd, r in zip(actors, commands, runs, strict=True) if r.code == 0]
    assert len(winners) == 1, [(r.code, r.err) for r in runs]
    actor, op, run = winners[0]
    status = "approved" if op == "approve" else "rejected"
    assert (json.loads(run.out)["status"], json.loads(run.out)["resolver"]) == (status, actor)
    for cmd, r in zip(commands, runs, strict=True):
        if r.code != 0:
            assert r.code == 1 and "Traceback" not in r.err
            assert r.error == f"{cmd[1]}: invalid transition: approval {apv} is already {status}"
    [stored] = json.loads((f.flow / ".state" / "approvals.json").read_text())
    assert (stored["status"], stored["resolver"]) == (status, actor)


def test_checkpoint_save_racing_task_writes_is_consistent(initialized_flowctl: Flowctl, tmp_path) -> None:  # noqa: ANN001
    from flowctl_db import FlowStore
    from flowctl_service import lifecycle, tasks

    f = initialized_flowctl
    f.ok("epic", "create", "--title", "Auth work")
    store = FlowStore(f.flow)
    started, finishers, creates, saves = 48, 3, 8, 16  # many tasks: each snapshot reads for a while
    for i in range(started):  # in-process: 48 task starts through the CLI would take most of a minute
        tasks.create(store, "dev@example.com", E, f"Task {i + 1}")
        lifecycle.start(store, f"{E}.{i + 1}", "dev@example.com")
    snaps = tmp_path / "snaps"
    snaps.mkdir()
    per = started // finishers
    scripts = [
        # creates: definition, spec and state of each new task
        f'for i in $(seq {creates}); do "$FLOWCTL" task create --epic {E} --title "New $i" >/dev/null || exit 1; done',
        # finishes: the state and the spec's done summary of each started task
        *[f'for i in $(seq {w * per + 1} {(w + 1) * per}); do "$FLOWCTL" done {E}.$i --summary "summary-$i" '
          ">/dev/null || exit 1; done" for w in range(finishers)],
        # saves, keeping every snapshot
        f'for i in $(seq {saves}); do "$FLOWCTL" checkpoint save --epic {E} >/dev/null || exit 1; '
        f'cp .flow/.state/checkpoint-{E}.json {snaps}/$i.json; done',
    ]
    procs = [subprocess.Popen(["sh", "-c", s], cwd=f.cwd, env={**f.env, "FLOWCTL": f.exe, "FLOW_ACTOR": "dev@example.com"},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in scripts]
    for p in procs:
        _, err = p.communicate(timeout=900)
        assert p.returncode == 0, err
    for snap in sorted(snaps.iterdir()):
        doc = json.loads(snap.read_text())
        numbers = [int(t["task"]["id"].rsplit(".", 1)[1]) for t in doc["tasks"]]
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), (snap.name, numbers)  # no task half-created
        for entry in doc["tasks"]:
            task, state, spec = entry["task"], entry["state"], entry["spec"]
            assert state is not None and spec.startswith(f"# {task['id']} "), (snap.name, task["id"])
            assert task["status"] == state["status"], (snap.name, task["id"])
            number = task["id"].rsplit(".", 1)[1]
            finished = f"summary-{number}" in spec
            assert (state["status"] == "done") == (state.get("summary") == f"summary-{number}") == finished, (
                snap.name, task["id"], state["status"])
    f.ok("checkpoint", "save", "--epic", E)
    final = json.loads((f.flow / ".state" / f"checkpoint-{E}.json").read_text())
    assert len(final["tasks"]) == started + creates
    assert sum(t["state"]["status"] == "done" for t in final["tasks"]) == started
