from __future__ import annotations

import json

import pytest

from flowctl_core import config as c
from flowctl_core.errors import InvalidInputError


def test_default_config_bytes() -> None:
    text = json.dumps(c.DEFAULT_CONFIG, indent=2, sort_keys=True)
    assert len(text.encode()) == 239
    assert text == (
        '{\n  "memory": {\n    "enabled": true\n  },\n  "outputs": {\n    "enabled": true\n  },\n'
        '  "planSync": {\n    "crossEpic": false,\n    "enabled": true\n  },\n  "review": {\n    "backend": null\n  },\n'
        '  "scouts": {\n    "github": false\n  },\n  "stack": {}\n}'
    )


def test_default_config_copy_is_independent() -> None:
    d = c.default_config()
    d["memory"]["enabled"] = False
    d["stack"]["x"] = 1
    assert c.DEFAULT_CONFIG["memory"]["enabled"] is True
    assert c.DEFAULT_CONFIG["stack"] == {}


# ── merge ────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_merge_complete_config_unchanged() -> None:
    merged, changed = c.deep_merge_defaults(c.default_config(), c.DEFAULT_CONFIG)
    assert merged == c.DEFAULT_CONFIG and changed is False


def test_merge_adds_missing_and_user_wins() -> None:
    user = {"memory": {"enabled": False}, "custom": 1, "planSync": {"enabled": False}}
    merged, changed = c.deep_merge_defaults(user, c.DEFAULT_CONFIG)
    assert changed is True
    assert merged["memory"] == {"enabled": False}
    assert merged["custom"] == 1
    assert merged["planSync"] == {"enabled": False, "crossEpic": False}
    assert merged["outputs"] == {"enabled": True} and merged["stack"] == {}
    # Inputs untouched.
    assert user == {"memory": {"enabled": False}, "custom": 1, "planSync": {"enabled": False}}


def test_merge_empty_user_is_defaults() -> None:
    merged, changed = c.deep_merge_defaults({})
    assert merged == c.DEFAULT_CONFIG and changed
    merged["memory"]["enabled"] = False
    assert c.DEFAULT_CONFIG["memory"]["enabled"] is True


def test_merge_non_object_values_win() -> None:
    merged, changed = c.deep_merge_defaults({"memory": True, "review": {"backend": "rp"}, "stack": {"a": 1}})
    assert merged["memory"] is True  # no recursion into a non-object user value, nothing added below it
    assert merged["review"] == {"backend": "rp"}
    assert merged["stack"] == {"a": 1}
    assert changed  # outputs, planSync, scouts were added


def test_merge_changed_is_structural_not_value_equality() -> None:
    # Python's True == 1 must not hide a difference; only missing keys count as a change.
    user = {**c.default_config(), "memory": {"enabled": 1}}
    merged, changed = c.deep_merge_defaults(user)
    assert changed is False and merged["memory"]["enabled"] == 1


def test_merge_non_object_user() -> None:
    assert c.deep_merge_defaults([1, 2]) == ([1, 2], False)
    assert c.effective_config(None) == c.DEFAULT_CONFIG


# ── get ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_get_path() -> None:
    cfg = c.effective_config({"a": {"b": {"c": "Hello"}}, "list": [1, 2]})
    assert c.get_path(cfg, "memory.enabled") is True
    assert c.get_path(cfg, "review.backend") is None
    assert c.get_path(cfg, "a") == {"b": {"c": "Hello"}}
    assert c.get_path(cfg, "a.b.c") == "Hello"
    assert c.get_path(cfg, "a.b.c.d") is None
    assert c.get_path(cfg, "nope.x") is None
    assert c.get_path(cfg, "list.0") is None
    assert c.get_path(None, "a") is None


def test_lookup_path_distinguishes_null() -> None:
    cfg = c.effective_config({})
    assert c.lookup_path(cfg, "review.backend") == (True, None)
    assert c.lookup_path(cfg, "review.nothing") == (False, None)
    assert c.lookup_path(cfg, "stack") == (True, {})


# ── convert / set ────────────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("False", False),
        ("FALSE", False),
        ("2", 2),
        ("-5", -5),
        ("+7", 7),
        ("007", 7),
        ("99999999999", 99999999999),
        ("9223372036854775807", 9223372036854775807),
        ("-9223372036854775808", -9223372036854775808),
        ("9223372036854775808", "9223372036854775808"),
        ("3.5", "3.5"),
        ("null", "null"),
        ("", ""),
        (" 5", " 5"),
        ("1_000", "1_000"),
        ("٣", "٣"),
        ("-", "-"),
        ("yes", "yes"),
        ("codex", "codex"),
    ],
)
def test_convert_value(text: str, value: object) -> None:
    got = c.convert_value(text)
    assert got == value and type(got) is type(value)


def test_set_path_creates_intermediates() -> None:
    cfg = c.default_config()
    c.set_path(cfg, "max_retries", 2)
    c.set_path(cfg, "a.b.c", "Hello")
    c.set_path(cfg, "memory.auto", False)
    assert cfg["max_retries"] == 2
    assert cfg["a"] == {"b": {"c": "Hello"}}
    assert cfg["memory"] == {"enabled": True, "auto": False}


def test_set_path_on_garbage_file_semantics() -> None:
    # An unparseable file is treated as {} by the caller; only the new key remains (observed).
    assert c.set_path({}, "review.backend", "codex") == {"review": {"backend": "codex"}}
    assert c.set_path(None, "x", 1) == {"x": 1}


def test_set_path_null_intermediate_becomes_object() -> None:
    cfg = {"review": {"backend": None}}
    c.set_path(cfg, "review.backend.model", "o3")
    assert cfg == {"review": {"backend": {"model": "o3"}}}


def test_set_path_scalar_intermediate_is_an_error_d29() -> None:
    cfg = c.default_config()
    with pytest.raises(InvalidInputError) as ei:
        c.set_path(cfg, "memory.enabled.foo", "x")
    assert "memory.enabled" in str(ei.value) and "not an object" in str(ei.value)
    assert cfg == c.DEFAULT_CONFIG  # nothing modified
    with pytest.raises(InvalidInputError):
        c.set_path({"a": [1]}, "a.b", 1)
    with pytest.raises(InvalidInputError):
        c.set_path({"a": 5}, "a.b.c", 1)
    with pytest.raises(InvalidInputError):
        c.set_path([1], "a", 1)


def test_set_path_overwrites_leaf() -> None:
    cfg = {"memory": {"enabled": True}}
    c.set_path(cfg, "memory", 3)
    assert cfg == {"memory": 3}


# ── doctor and readers ───────────────────────────────────────────────────────────────────────────────────────────


def test_known_keys_d37() -> None:
    assert {"outputs", "max_retries"} <= c.KNOWN_TOP_LEVEL_KEYS
    assert c.unknown_top_level_keys(c.DEFAULT_CONFIG) == []
    assert c.unknown_top_level_keys({**c.DEFAULT_CONFIG, "max_retries": 2, "zeta": 1, "alpha": 2}) == [
        "alpha",
        "zeta",
    ]
    assert c.unknown_top_level_keys([1]) == []


@pytest.mark.parametrize(
    ("cfg", "n"),
    [
        (None, 0),
        ({}, 0),
        ({"max_retries": 2}, 2),
        ({"max_retries": 0}, 0),
        ({"max_retries": -1}, 0),
        ({"max_retries": 2.0}, 0),
        ({"max_retries": "3"}, 0),
        ({"max_retries": True}, 0),
        ({"max_retries": 2**40}, 2**32 - 1),
        ([1], 0),
    ],
)
def test_max_retries(cfg: object, n: int) -> None:
    assert c.max_retries(cfg) == n


def test_bool_readers() -> None:
    assert c.memory_enabled(None) is False
    assert c.memory_enabled({}) is False
    assert c.memory_enabled(c.DEFAULT_CONFIG) is True
    assert c.memory_enabled({"memory": {"enabled": "true"}}) is False
    assert c.outputs_enabled(None) is True
    assert c.outputs_enabled({"outputs": {"enabled": False}}) is False
    assert c.outputs_enabled({"outputs": {"enabled": 0}}) is True
    assert c.memory_auto({}) is True
    assert c.memory_auto({"memory": {"auto": False}}) is False
    assert c.memory_auto({"memory": {"auto": 0}}) is True
    assert c.review_backend({"review": {"backend": "rp"}}) == "rp"
    assert c.review_backend(c.DEFAULT_CONFIG) is None
    assert c.review_backend({"review": {"backend": ""}}) is None
