"""Real flowctl processes racing on one store: claims have exactly one winner, completions lose nothing."""

from __future__ import annotations

import json
import subprocess

from flowctl_runner import Flowctl, flowctl_executable

E = "fn-1-race"


def spawn(flowctl: Flowctl, *args: str, actor: str) -> subprocess.Popen:
    """Start `flowctl *args` as `actor` without waiting for it."""
    return subprocess.Popen([flowctl_executable(), *args], cwd=flowctl.cwd, env={**flowctl.env, "FLOW_ACTOR": actor},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def make_epic(flowctl: Flowctl, n: int) -> list[str]:
    flowctl.ok("epic", "create", "--title", "Race", "--json")
    return [flowctl.ok("task", "create", "--epic", E, "--title", f"Task {i}", "--json")["id"] for i in range(1, n + 1)]


def event_lines(flowctl: Flowctl) -> list[str]:
    return (flowctl.flow / ".state" / "events.jsonl").read_text().splitlines()


def test_eight_actors_start_the_same_task_exactly_one_wins(initialized_flowctl):
    (task,) = make_epic(initialized_flowctl, 1)
    before = len(event_lines(initialized_flowctl))
    actors = [f"agent-{i}" for i in range(8)]
    runs = initialized_flowctl.race(*[("start", task, "--json")] * 8, env=[{"FLOW_ACTOR": a} for a in actors])
    results = [(r.code, r.out, r.err) for r in runs]

    winners = [a for a, (code, _, _) in zip(actors, results, strict=True) if code == 0]
    assert len(winners) == 1, results
    winner = winners[0]
    for actor, (code, out, err) in zip(actors, results, strict=True):
        if actor == winner:
            assert json.loads(out) == {"id": task, "status": "in_progress"}
            continue
        assert code == 1 and out == ""
        assert json.loads(err) == {
            "error": f"cross-actor violation: Cannot start task {task}: claimed by '{winner}'", "success": False}

    state = json.loads((initialized_flowctl.flow / ".state" / "tasks" / f"{task}.state.json").read_text())
    assert state["status"] == "in_progress" and state["assignee"] == winner
    new = [json.loads(line) for line in event_lines(initialized_flowctl)[before:]]
    assert [e["type"] for e in new] == ["task_started", "started"]  # only the winner logged


def test_four_concurrent_completions_and_a_reader(initialized_flowctl):
    tasks = make_epic(initialized_flowctl, 4)
    for i, t in enumerate(tasks):
        initialized_flowctl.ok("start", t, env={"FLOW_ACTOR": f"w{i}"})
    before = event_lines(initialized_flowctl)

    procs = [spawn(initialized_flowctl, "done", t, "--summary", f"finished {t}", "--evidence", json.dumps({"commits": [f"c{i}"]}),
                   "--json", actor=f"w{i}") for i, t in enumerate(tasks)]
    reader = spawn(initialized_flowctl, "ready", "--epic", E, "--json", actor="observer")
    results = [finish(p) for p in procs]
    code, out, err = finish(reader)

    for (rc, o, e), t in zip(results, tasks, strict=True):
        assert rc == 0, e
        assert json.loads(o)["id"] == t
    assert code == 0, err
    seen = json.loads(out)  # a consistent snapshot: each task is either still in progress or already gone
    assert seen["epic"] == E and seen["ready"] == [] and seen["blocked"] == []
    assert {t["id"] for t in seen["in_progress"]} <= set(tasks)

    for i, t in enumerate(tasks):
        state = json.loads((initialized_flowctl.flow / ".state" / "tasks" / f"{t}.state.json").read_text())
        assert (state["status"], state["assignee"], state["summary"]) == ("done", f"w{i}", f"finished {t}")
        assert state["evidence"] == {"commits": [f"c{i}"]}
    lines = event_lines(initialized_flowctl)
    assert lines[:len(before)] == before
    new = [json.loads(line) for line in lines[len(before):]]  # every line whole and parseable
    assert len(new) == 8
    for t in tasks:
        mine = [e for e in new if e["stream_id"] == f"task:{t}"]
        assert [e["type"] for e in mine] == ["task_completed", "completed"]
        assert mine[0]["task_id"] == t and mine[1]["source_cmd"] == "flowctl done"
    assert initialized_flowctl.ok("ready", "--epic", E, "--json")["in_progress"] == []


def test_racers_killed_at_their_writes_never_make_two_winners(initialized_flowctl):
    """Eight actors race for one task; seven of them are SIGKILLed right after their first write.

    Each killed racer's half-done claim is rolled back by the next one to take the lock, so the task ends claimed by
    at most one racer, the survivor that took it, and every other survivor was told who holds it.
    """
    kills = 0
    # Whoever takes the lock first is random: when the survivor wins early, few racers are killed. At least three
    # rounds, and more (up to eight) until three kills have landed inside claims.
    for round_ in range(8):
        if round_ >= 3 and kills >= 3:
            break
        initialized_flowctl.ok("epic", "create", "--title", f"Race {round_}", "--json")
        epic = f"fn-{round_ + 1}-race-{round_}"
        task = initialized_flowctl.ok("task", "create", "--epic", epic, "--title", "Contested", "--json")["id"]
        actors = [f"agent-{i}" for i in range(8)]
        envs = [{"FLOW_ACTOR": a, **({"FLOWCTL_TEST_FAULTS": "crash:after:1"} if i < 7 else {})}
                for i, a in enumerate(actors)]
        runs = initialized_flowctl.race(*[("start", task, "--json")] * 8, env=envs)
        kills += sum(r.code == -9 for r in runs)
        winners = [a for a, r in zip(actors, runs, strict=True) if r.code == 0]
        assert len(winners) <= 1, winners
        state_path = initialized_flowctl.flow / ".state" / "tasks" / f"{task}.state.json"
        initialized_flowctl.ok("show", task, "--json")  # any command: a pending rollback happens first
        state = json.loads(state_path.read_text()) if state_path.exists() else {"status": "todo"}
        if winners:
            assert state["status"] == "in_progress" and state["assignee"] == winners[0]
            for run in runs:
                if run.code == 1:
                    assert json.loads(run.err)["error"].endswith(f"claimed by '{winners[0]}'")
        else:  # every racer that reached the claim was killed: nothing of theirs remains
            assert state.get("assignee") is None and state["status"] == "todo"
        assert not (initialized_flowctl.flow / ".state" / "journal.jsonl").exists()
    assert kills >= 3  # the kills really landed inside claims (the survivor wins only after the killed ones)
