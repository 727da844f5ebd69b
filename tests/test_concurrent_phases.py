"""Real flowctl processes racing on the phase files: no lost progress, exactly one winner per step.

`phases.json` and `pipeline.json` each hold every task's / epic's entry in one file, so two unlocked writers would
drop each other's entries; and two workers completing the same phase must not both be told they did.
"""

from __future__ import annotations

import json

E = "fn-1-race"


def test_workers_on_different_tasks_lose_no_progress(initialized_flowctl):
    tasks = [f"{E}.{i}" for i in range(1, 9)]
    runs = initialized_flowctl.race(*[("worker-phase", "done", "--task", t, "--phase", "1", "--json") for t in tasks])
    assert [r.code for r in runs] == [0] * 8, [r.err for r in runs]
    assert json.loads((initialized_flowctl.flow / ".state" / "phases.json").read_text()) == {t: ["1"] for t in tasks}


def test_the_same_phase_completed_twice_has_one_winner(initialized_flowctl):
    task = f"{E}.1"
    runs = initialized_flowctl.race(*[("worker-phase", "done", "--task", task, "--phase", "1", "--json")] * 6)
    winners = [r for r in runs if r.code == 0]
    assert len(winners) == 1, [(r.code, r.err) for r in runs]
    for r in runs:
        if r.code != 0:
            assert r.code == 1 and r.error == "Expected phase 2, got phase 1. Cannot skip phases."
    assert json.loads((initialized_flowctl.flow / ".state" / "phases.json").read_text()) == {task: ["1"]}


def test_pipeline_steps_race(initialized_flowctl):
    epics = [f"fn-{i}-e" for i in range(1, 7)]
    runs = initialized_flowctl.race(*[("phase", "next", "--epic", e, "--json") for e in epics])
    assert [r.code for r in runs] == [0] * 6
    path = initialized_flowctl.flow / ".state" / "pipeline.json"
    assert json.loads(path.read_text()) == {e: "plan" for e in epics}  # every first call's entry kept
    runs = initialized_flowctl.race(*[("phase", "done", "--epic", epics[0], "--phase", "plan", "--json")] * 6)
    assert sum(r.code == 0 for r in runs) == 1, [(r.code, r.err) for r in runs]
    assert {r.error for r in runs if r.code != 0} == {
        "Phase mismatch: current phase is 'plan_review', but 'plan' was requested. Phases must be completed in order."}
    assert json.loads(path.read_text())[epics[0]] == "plan_review"
