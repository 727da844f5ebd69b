"""The reference's quick start, run as a new user would: init, an epic, tasks with dependencies, start, done with
evidence, status — checking both the output and the files left under .flow/."""

from __future__ import annotations

import json


def test_quick_start(flowctl):
    out = flowctl.ok("init", "--json")
    assert out["path"] == str(flowctl.flow)
    assert flowctl.flow.is_symlink()
    assert flowctl.flow.resolve() == (flowctl.cwd / ".git" / "flow-state" / "flow").resolve()

    epic = flowctl.ok("epic", "create", "--title", "Add OAuth login", "--json")["id"]
    assert epic == "fn-1-add-oauth-login"
    t1 = flowctl.ok("task", "create", "--epic", epic, "--title", "Register OAuth app", "--json")["id"]
    t2 = flowctl.ok("task", "create", "--epic", epic, "--title", "Wire callback", "--deps", t1, "--json")["id"]
    assert (t1, t2) == (f"{epic}.1", f"{epic}.2")

    ready = flowctl.ok("ready", "--epic", epic, "--json")
    assert [t["id"] for t in ready["ready"]] == [t1]
    assert [t["id"] for t in ready["blocked"]] == [t2]

    flowctl.ok("start", t1, "--json")
    evidence = '{"commits":["9f1c2ab"],"tests":["pytest -q"],"prs":[]}'
    flowctl.ok("done", t1, "--summary", "Registered the app", "--evidence-json", evidence, "--json")

    state = json.loads((flowctl.flow / ".state" / "tasks" / f"{t1}.state.json").read_text())
    assert state["status"] == "done"
    assert state["assignee"] == "dev@example.com"
    assert state["evidence"] == {"commits": ["9f1c2ab"], "tests": ["pytest -q"]}
    assert state["summary"] == "Registered the app"
    definition = json.loads((flowctl.flow / "tasks" / f"{t1}.json").read_text())
    assert definition["status"] == "todo" and definition["updated_at"] == definition["created_at"]
    spec = (flowctl.flow / "tasks" / f"{t1}.md").read_text()
    assert "Registered the app" in spec and "9f1c2ab" in spec

    assert [t["id"] for t in flowctl.ok("ready", "--epic", epic, "--json")["ready"]] == [t2]
    assert flowctl.ok("show", t1, "--json")["status"] == "done"
    status = flowctl.ok("status", "--json")
    assert status["epics"] == {"done": 0, "open": 1}
    assert status["tasks"] == {"blocked": 0, "done": 1, "in_progress": 0, "todo": 1}
    assert flowctl.ok("status") == "E:1o/0d\nT:1t/0w/1d/0b\n"

    events = [json.loads(line) for line in (flowctl.flow / ".state" / "events.jsonl").read_text().splitlines()]
    assert {e["type"] for e in events} >= {"epic.create", "task.create", "task_started", "started",
                                           "task_completed", "completed"}
    assert all(e["stream_id"] in (f"mutation:{epic}", f"task:{t1}") for e in events)
