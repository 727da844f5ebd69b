"""`flowctl config get|set` end to end."""

from __future__ import annotations

import json


def test_get_defaults_without_flow(fc):
    assert fc.ok("--json", "config", "get", "memory.enabled") == {"key": "memory.enabled", "value": True}
    assert not fc.flow.exists()


def test_get_plain_forms(fc):
    assert fc.ok("config", "get", "review.backend") == "review.backend: null\n"
    assert fc.ok("config", "get", "nope.x") == "nope.x: (not set)\n"


def test_set_requires_flow(fc):
    assert fc.fail("config", "set", "x", "1").error == ".flow/ does not exist. Run 'flowctl init' first."


def test_set_coerces_and_writes_sorted(fci):
    assert fci.ok("config", "set", "max_retries", "2", "--json") == {"key": "max_retries", "value": 2}
    assert fci.ok("config", "set", "memory.auto", "FALSE", "--json")["value"] is False
    assert fci.ok("config", "set", "x.y", "3.5", "--json")["value"] == "3.5"
    assert fci.ok("--no-compact", "--json", "config", "set", "a.b", "hi") == {
        "key": "a.b", "value": "hi", "message": 'Set a.b = "hi"', "success": True}
    text = (fci.flow / "config.json").read_text()
    data = json.loads(text)
    assert data["max_retries"] == 2 and data["memory"] == {"auto": False, "enabled": True}
    assert list(data) == sorted(data) and not text.endswith("\n")


def test_set_through_scalar_is_an_error_not_a_crash(fci):
    before = (fci.flow / "config.json").read_bytes()
    run = fci.fail("config", "set", "memory.enabled.foo", "x")
    assert "memory.enabled" in run.error
    assert (fci.flow / "config.json").read_bytes() == before


def test_corrupt_config_is_reported_and_kept(fci):
    path = fci.flow / "config.json"
    path.write_text("garbage")
    run = fci.fail("config", "set", "review.backend", "codex")
    assert str(path.name) in run.error
    assert path.read_text() == "garbage"
