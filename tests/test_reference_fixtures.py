"""Every case of the reference's CLI fixtures (flowctl/tests/cmd/*.toml at 99574d06), with the same expectation.

`None` for stdout/stderr means the fixture wildcards it (`...`); the exit code is always pinned.
"""

from __future__ import annotations

import json

import pytest

BAD_TASK = ('{"error":"validation error: Invalid task ID: test-task-1. Expected format: fn-N.M or fn-N-slug.M '
            '(e.g., fn-1.2, fn-1-add-auth.2)","success":false}\n')
BAD_EPIC = ('{"error":"Invalid epic ID: test-epic. Expected format: fn-N or fn-N-slug (e.g., fn-1, fn-1-add-auth)",'
            '"success":false}\n')

# name: (args, exit code, exact stdout or None, exact stderr or None, needs an initialised .flow)
FIXTURES = {
    "block_json": (["--json", "block", "test-task-1", "--reason-file", "/dev/null"], 1, "", BAD_TASK, False),
    "block_missing_args": (["block"], 2, "", None, False),
    "cat_json": (["cat", "test-epic-1"], 1, "", None, True),
    "cat_missing_arg": (["cat"], 2, "", None, False),
    "config_get_json": (["--json", "config", "get", "memory.enabled"], 0,
                        '{"key":"memory.enabled","value":true}\n', "", False),
    "config_get_missing_key": (["config", "get"], 2, "", None, False),
    "dep_add_json": (["--json", "dep", "add", "fn-1.1", "fn-1.2"], 1, "", None, True),
    "dep_add_missing_args": (["dep", "add"], 2, "", None, False),
    "done_json": (["--json", "done", "test-task-1"], 1, "", BAD_TASK, False),
    "done_missing_arg": (["done"], 2, "", None, False),
    "epic_create_json": (["--json", "epic", "create", "--title", "Test Epic"], 0, None, None, True),
    "epic_create_missing_title": (["epic", "create"], 2, "", None, True),
    "help": (["--help"], 0, None, "", False),
    "init_json": (["--json", "init"], 0, None, "", False),
    "init_plain": (["init"], 0, None, "", False),
    "invalid_subcommand": (["nonexistent"], 2, "", None, False),
    "no_subcommand": ([], 2, "", None, False),
    "ready_json": (["--json", "ready", "--epic", "test-epic"], 1, "", BAD_EPIC, False),
    "ready_missing_epic": (["ready"], 2, "", None, False),
    "restart_json": (["--json", "restart", "test-task-1"], 1, "", BAD_TASK, False),
    "restart_missing_arg": (["restart"], 2, "", None, False),
    "show_json": (["--json", "show", "test-epic-1"], 1, "", None, True),
    "show_missing_arg": (["show"], 2, "", None, False),
    "start_json": (["--json", "start", "test-task-1"], 1, "", BAD_TASK, False),
    "start_missing_arg": (["start"], 2, "", None, False),
    "status_json": (["--json", "status"], 0, None, "", False),
    "status_plain": (["status"], 0, None, "", False),
    "task_create_json": (["--json", "task", "create", "--epic", "test-epic", "--title", "Test Task"], 1, "",
                         BAD_EPIC, True),
    "task_create_missing_args": (["task", "create"], 2, "", None, True),
    "validate_json": (["--json", "validate", "--all"], 0, None, "", True),
    "version": (["--version"], 0, "flowctl 0.1.31\n", "", False),
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_reference_fixture(name, flowctl):
    args, code, out, err, needs_flow = FIXTURES[name]
    if needs_flow:
        flowctl.ok("init")
    run = flowctl(*args)
    assert run.code == code, f"{name}: exit {run.code}, stderr {run.err!r}"
    if out is not None:
        assert run.out == out, name
    if err is not None:
        assert run.err == err, name
    if code == 0 and "--json" in args:
        json.loads(run.out)  # exactly one JSON document on stdout
    if code == 2:
        assert run.err.strip(), f"{name}: a usage error explains itself on stderr"


def test_help_starts_like_the_reference(flowctl):
    out = flowctl.ok("--help")
    assert out.startswith("Development orchestration engine\n\nUsage: flowctl [OPTIONS] <COMMAND>\n\nCommands:\n")


def test_next_json_resume_in_progress(flowctl):
    """next_json: the actor's own in-progress task is offered first with reason resume_in_progress."""
    flowctl.ok("init")
    epic = flowctl.ok("--json", "epic", "create", "--title", "Remove db")["id"]
    flowctl.ok("--json", "task", "create", "--epic", epic, "--title", "One")
    task = flowctl.ok("--json", "task", "create", "--epic", epic, "--title", "Two")["id"]
    flowctl.ok("--json", "start", task)
    assert flowctl.ok("--json", "next") == {"epic": epic, "reason": "resume_in_progress", "status": "work", "task": task}
