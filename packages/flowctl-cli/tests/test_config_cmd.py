"""`flowctl config get|set` end to end."""

from __future__ import annotations

import json


def test_get_defaults_without_flow(flowctl):
    assert flowctl.ok("--json", "config", "get", "memory.enabled") == {"key": "memory.enabled", "value": True}
    assert not flowctl.flow.exists()


def test_get_plain_forms(flowctl):
    assert flowctl.ok("config", "get", "review.backend") == "review.backend: null\n"
    assert flowctl.ok("config", "get", "nope.x") == "nope.x: (not set)\n"


def test_set_requires_flow(flowctl):
    assert flowctl.fail("config", "set", "x", "1").error == ".flow/ does not exist. Run 'flowctl init' first."


def test_set_coerces_and_writes_sorted(initialized_flowctl):
    assert initialized_flowctl.ok("config", "set", "max_retries", "2", "--json") == {"key": "max_retries", "value": 2}
    assert initialized_flowctl.ok("config", "set", "memory.auto", "FALSE", "--json")["value"] is False
    assert initialized_flowctl.ok("config", "set", "x.y", "3.5", "--json")["value"] == "3.5"
    assert initialized_flowctl.ok("--no-compact", "--json", "config", "set", "a.b", "hi") == {
        "key": "a.b", "value": "hi", "message": 'Set a.b = "hi"', "success": True}
    text = (initialized_flowctl.flow / "config.json").read_text()
    data = json.loads(text)
    assert data["max_retries"] == 2 and data["memory"] == {"auto": False, "enabled": True}
    assert list(data) == sorted(data) and not text.endswith("\n")


def test_set_through_scalar_is_an_error_not_a_crash(initialized_flowctl):
    before = (initialized_flowctl.flow / "config.json").read_bytes()
    run = initialized_flowctl.fail("config", "set", "memory.enabled.foo", "x")
    assert "memory.enabled" in run.error
    assert (initialized_flowctl.flow / "config.json").read_bytes() == before


def test_corrupt_config_is_reported_and_kept(initialized_flowctl):
    path = initialized_flowctl.flow / "config.json"
    path.write_text("garbage")
    run = initialized_flowctl.fail("config", "set", "review.backend", "codex")
    assert str(path.name) in run.error
    assert path.read_text() == "garbage"
