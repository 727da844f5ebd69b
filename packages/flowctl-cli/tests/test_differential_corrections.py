"""Behaviours a differential run against the reference found different, now matching it (issue 11)."""

from __future__ import annotations

import json

from flowctl_runner import Flowctl

E = "fn-1-diff"


def _events(flowctl: Flowctl) -> list[dict]:
    return [json.loads(line) for line in (flowctl.flow / ".state" / "events.jsonl").read_text().splitlines()]


def test_task_reset_clears_the_done_summary(initialized_flowctl: Flowctl) -> None:
    initialized_flowctl.ok("epic", "create", "--title", "Diff", "--json")
    task = initialized_flowctl.ok("task", "create", "--epic", E, "--title", "One", "--json")["id"]
    initialized_flowctl.ok("start", task, "--json")
    initialized_flowctl.ok("done", task, "--summary", "Shipped the first version", "--json")
    spec = initialized_flowctl.flow / "tasks" / f"{task}.md"
    assert "Shipped the first version" in spec.read_text()
    initialized_flowctl.ok("task", "reset", task, "--json")
    assert "Shipped the first version" not in spec.read_text()
    assert "## Done summary\nTBD\n" in spec.read_text()
    initialized_flowctl.ok("start", task, "--json")
    initialized_flowctl.ok("done", task, "--json")  # no summary this time: the spec must not show the old one
    assert "Shipped the first version" not in spec.read_text()


def test_a_restart_that_changes_nothing_still_logs_one_event(initialized_flowctl: Flowctl) -> None:
    initialized_flowctl.ok("epic", "create", "--title", "Diff", "--json")
    task = initialized_flowctl.ok("task", "create", "--epic", E, "--title", "One", "--json")["id"]
    before = _events(initialized_flowctl)
    assert initialized_flowctl.ok("restart", task, "--json") == {"cascade_from": task, "reset": [],
                                                                 "skipped": [task]}
    new = _events(initialized_flowctl)[len(before):]
    assert [(e["type"], e["source_cmd"], e["stream_id"]) for e in new] == [("restarted", "flowctl restart",  # D33
                                                                           f"task:{task}")]
    initialized_flowctl.ok("--dry-run", "restart", task, "--json")
    assert len(_events(initialized_flowctl)) == len(before) + 1  # a dry run logs nothing


def test_evidence_json_errors_use_serde_words(initialized_flowctl: Flowctl) -> None:
    initialized_flowctl.ok("epic", "create", "--title", "Diff", "--json")
    task = initialized_flowctl.ok("task", "create", "--epic", E, "--title", "One", "--json")["id"]
    initialized_flowctl.ok("start", task, "--json")
    for evidence, words in [('{"commits": [1,]}', "trailing comma at line 1 column 16"),
                            ('{"a":}', "expected value at line 1 column 6"),
                            ('{bad', "key must be a string at line 1 column 2")]:
        run = initialized_flowctl.fail("done", task, "--evidence-json", evidence, "--json")
        assert run.error == f"validation error: Evidence JSON invalid: {words}"


def test_a_space_separated_negative_priority_is_a_usage_error(initialized_flowctl: Flowctl) -> None:
    initialized_flowctl.ok("epic", "create", "--title", "Diff", "--json")
    run = initialized_flowctl.fail("task", "create", "--epic", E, "--title", "T", "--priority", "-1", "--json", code=2)
    assert run.out == "" and "unexpected argument '-1' found" in run.err
    run = initialized_flowctl.fail("task", "create", "--epic", E, "--title", "T", "--priority=-1", "--json")
    assert run.error == "Invalid priority -1: priority must be a non-negative integer"  # D30
    assert not list((initialized_flowctl.flow / "tasks").glob("*.json"))
