"""Many real flowctl processes at once: id allocation never hands out an id twice and no update is lost.

Each worker is a shell loop running the installed `flowctl` several times, and all workers start together, so
allocations of different processes really interleave. Allocation and the writes share one critical section (the
store lock), which is what these tests pin down.
"""

from __future__ import annotations

import json
import re
import subprocess

from flowctl_runner import Flowctl

TASK_CREATE_WORKERS, TASKS_PER_WORKER = 8, 5
EPIC_CREATE_WORKERS, EPICS_PER_WORKER = 6, 3
DEP_WORKERS = 6


def run_workers(flowctl: Flowctl, scripts: list[str]) -> list[str]:
    """Start one `sh -c` per script at the same time; return each worker's stdout (all must succeed)."""
    procs = [subprocess.Popen(["sh", "-c", script], cwd=flowctl.cwd, env={**flowctl.env, "FLOWCTL": flowctl.exe},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for script in scripts]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"worker failed ({proc.returncode}): {err}"
        outs.append(out)
    return outs


def test_concurrent_task_create_in_one_epic(initialized_flowctl: Flowctl) -> None:
    epic = initialized_flowctl.ok("epic", "create", "--title", "Busy", "--json")["id"]
    before = len((initialized_flowctl.flow / ".state" / "events.jsonl").read_text().splitlines())
    script = (f'for i in $(seq {TASKS_PER_WORKER}); do "$FLOWCTL" task create --epic {epic} --title "W$W-$i" --json '
              "|| exit 1; done")
    outs = run_workers(initialized_flowctl, [f"W={w}; {script}" for w in range(TASK_CREATE_WORKERS)])

    created = [json.loads(line)["id"] for out in outs for line in out.splitlines()]
    total = TASK_CREATE_WORKERS * TASKS_PER_WORKER
    assert len(created) == total and len(set(created)) == total
    assert sorted(int(t.rsplit(".", 1)[1]) for t in created) == list(range(1, total + 1))
    for tid in created:
        definition = json.loads((initialized_flowctl.flow / "tasks" / f"{tid}.json").read_text())
        assert definition["id"] == tid and definition["epic"] == epic
        title = definition["title"]
        assert (initialized_flowctl.flow / "tasks" / f"{tid}.md").read_text().startswith(f"# {tid} {title}\n")
        assert json.loads((initialized_flowctl.flow / ".state" / "tasks" / f"{tid}.state.json").read_text())["status"] == "todo"
    assert len(list((initialized_flowctl.flow / "tasks").glob("*.json"))) == total
    assert len(list((initialized_flowctl.flow / "tasks").glob("*.md"))) == total
    assert len(list((initialized_flowctl.flow / ".state" / "tasks").glob("*.state.json"))) == total

    lines = (initialized_flowctl.flow / ".state" / "events.jsonl").read_text().splitlines()[before:]
    events = [json.loads(line) for line in lines]  # every line parses: no torn or interleaved writes
    assert len(events) == 3 * total
    assert all(e["stream_id"] == f"mutation:{epic}" for e in events)
    for kind in ("task.create", "task_spec.set", "task_state.set"):
        assert sorted(e["entity_id"] for e in events if e["type"] == kind) == sorted(created)


def test_concurrent_epic_create_never_reuses_a_number(initialized_flowctl: Flowctl) -> None:
    script = (f'for i in $(seq {EPICS_PER_WORKER}); do "$FLOWCTL" epic create --title "Epic $W $i" --json '
              "|| exit 1; done")
    outs = run_workers(initialized_flowctl, [f"W={w}; {script}" for w in range(EPIC_CREATE_WORKERS)])

    created = [json.loads(line)["id"] for out in outs for line in out.splitlines()]
    total = EPIC_CREATE_WORKERS * EPICS_PER_WORKER
    numbers = sorted(int(re.match(r"fn-(\d+)-", e).group(1)) for e in created)
    assert numbers == list(range(1, total + 1))
    assert sorted(p.stem for p in (initialized_flowctl.flow / "epics").glob("*.json")) == sorted(created)
    assert sorted(p.stem for p in (initialized_flowctl.flow / "specs").glob("*.md")) == sorted(created)


def test_concurrent_dep_add_on_one_task_loses_nothing(initialized_flowctl: Flowctl) -> None:
    epic = initialized_flowctl.ok("epic", "create", "--title", "Deps", "--json")["id"]
    deps = [initialized_flowctl.ok("task", "create", "--epic", epic, "--title", f"Dep {i}", "--json")["id"]
            for i in range(DEP_WORKERS)]
    target = initialized_flowctl.ok("task", "create", "--epic", epic, "--title", "Target", "--json")["id"]
    run_workers(initialized_flowctl, [f'"$FLOWCTL" dep add {target} {dep} --json' for dep in deps])

    definition = json.loads((initialized_flowctl.flow / "tasks" / f"{target}.json").read_text())
    assert sorted(definition["depends_on"]) == sorted(deps)
    shown = initialized_flowctl.ok("show", target, "--json")
    assert sorted(shown["depends_on"]) == sorted(deps)
