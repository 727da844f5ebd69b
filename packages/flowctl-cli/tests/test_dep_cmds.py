"""`flowctl dep add|rm` end to end (cli-core.md §9.9)."""

from __future__ import annotations

import json

import pytest

E = "fn-1-deps"
T1, T2, T3 = (f"{E}.{i}" for i in (1, 2, 3))


@pytest.fixture
def ws(initialized_flowctl):
    initialized_flowctl.ok("epic", "create", "--title", "Deps")
    for title in ("One", "Two", "Three"):
        initialized_flowctl.ok("task", "create", "--epic", E, "--title", title)
    return initialized_flowctl


def deps_of(flowctl, tid):
    return json.loads((flowctl.flow / "tasks" / f"{tid}.json").read_text()).get("depends_on")


def event_count(flowctl):
    return len((flowctl.flow / ".state" / "events.jsonl").read_text().splitlines())


def test_add(ws):
    assert ws.ok("dep", "add", T3, T1) == f"Dependency {T1} added to {T3}\n"
    assert ws.ok("dep", "add", T3, T2, "--json") == {"depends_on": [T1, T2], "task": T3}
    before = event_count(ws)
    assert ws.ok("--no-compact", "dep", "add", T3, T1, "--json") == {
        "depends_on": [T1, T2], "message": f"Dependency {T1} added to {T3}", "success": True, "task": T3}
    assert event_count(ws) == before  # already present: nothing written, same output
    assert deps_of(ws, T3) == [T1, T2]


def test_add_dry_run(ws):
    run = ws("--dry-run", "dep", "add", T3, T1)
    preview = json.loads(run.out)
    assert preview["dry_run"] is True and preview["changes"]["mutations"][0]["op"] == "update_task"
    assert preview["changes"]["mutations"][0]["task"]["depends_on"] == [T1]
    assert deps_of(ws, T3) is None
    ws.ok("dep", "add", T3, T1)
    assert ws("dep", "add", T3, T1, "--dry-run").out == '{"changes":{"mutations":[]},"dry_run":true}\n'


@pytest.mark.parametrize(("args", "message"), [
    (["bad", T1], "Invalid task ID: bad. Expected format: fn-N.M or fn-N-slug.M"),
    ([T1, "bad"], "Invalid dependency ID: bad. Expected format: fn-N.M or fn-N-slug.M"),
    ([T1, "fn-2.1"], f"Dependencies must be within the same epic. Task {T1} is in {E}, dependency fn-2.1 is in fn-2"),
    ([f"{E}.9", T1], f"Task not found: {E}.9"),
    ([T1, f"{E}.9"], f"Dependency {E}.9 not found"),
    ([T1, T1], f"Task {T1} cannot depend on itself"),
])
def test_add_errors(ws, args, message):
    assert ws.fail("dep", "add", *args).error == message


def test_add_refuses_cycles(ws):
    ws.ok("dep", "add", T2, T1)
    ws.ok("dep", "add", T3, T2)
    assert ws.fail("dep", "add", T1, T3).error == f"Dependency cycle detected: {T1} -> {T3} -> {T2} -> {T1}"
    assert deps_of(ws, T1) is None
    assert ws.ok("dag", E, "--json")  # the graph is still acyclic


def test_rm(ws):
    ws.ok("task", "set-deps", T3, "--deps", f"{T1},{T2}")
    assert ws.ok("dep", "rm", T3, T1) == f"Dependency {T1} removed from {T3}\n"
    assert ws.ok("dep", "rm", T3, T1) == f"{T1} was not in {T3}'s dependencies\n"
    assert ws.ok("dep", "rm", T3, T1, "--json") == {"depends_on": [T2], "removed": False, "task": T3}
    assert ws.ok("--no-compact", "dep", "rm", T3, T2, "--json") == {
        "depends_on": [], "message": f"Dependency {T2} removed from {T3}", "removed": True, "success": True,
        "task": T3}
    assert deps_of(ws, T3) is None
    assert json.loads(ws("--dry-run", "dep", "rm", T3, T2).out) == {"changes": {"mutations": []}, "dry_run": True}
    assert ws.fail("dep", "rm", "x", T1).error == "Invalid task ID: x"
    assert ws.fail("dep", "rm", T1, "y").error == "Invalid dependency ID: y"
    assert ws.fail("dep", "rm", f"{E}.8", T1).error == f"Task not found: {E}.8"


def test_usage_and_missing_flow(flowctl):
    assert flowctl.fail("dep", "add", T1, T2).error == ".flow/ does not exist. Run 'flowctl init' first."
    flowctl.fail("dep", "add", T1, code=2)
    flowctl.fail("dep", code=2)
