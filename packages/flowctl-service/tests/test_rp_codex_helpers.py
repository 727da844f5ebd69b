"""Pure helpers of the rp and codex wrappers: window lists, ids, roots, quoting, payloads, sandbox, timeouts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowctl_core.errors import FlowError, InvalidInputError
from flowctl_service import codex, rp


def test_parse_windows_shapes() -> None:
    assert rp.parse_windows('[{"windowID": 1}]') == [{"windowID": 1}]
    assert rp.parse_windows('{"windows": [{"id": 2}]}') == [{"id": 2}]
    assert rp.parse_windows("running in single-window mode") == [{"rootFolderPaths": [], "windowID": 1}]
    with pytest.raises(FlowError, match="^windows JSON parse failed$"):
        rp.parse_windows('{"windows": "nope"}')


@pytest.mark.parametrize(("window", "expected"), [
    ({"windowID": 3}, 3), ({"windowId": "+4"}, 4), ({"id": "-5"}, -5), ({"windowID": "x", "id": 6}, 6),
    ({"windowID": 2.0}, None), ({"windowID": True}, None), ({"windowID": " 7"}, None), ({"id": 2**63}, None),
    ("not an object", None),
])
def test_window_id(window: object, expected: int | None) -> None:
    assert rp.window_id(window) == expected


def test_root_paths_first_usable_key() -> None:
    assert rp.root_paths({"rootFolderPaths": ["/a", 3, "/b"]}) == ["/a", "/b"]
    assert rp.root_paths({"rootFolderPaths": None, "rootFolders": "/c"}) == ["/c"]
    assert rp.root_paths({"rootFolderPath": 5}) == []


def test_choose_window() -> None:
    assert rp.choose_window([{"windowID": 1}], ["/r"]) == 1
    assert rp.choose_window([{"windowID": 1}, {"windowID": 2}], ["/r"]) is None
    wins = [{"windowID": 1, "rootFolderPaths": ["/x"]}, {"windowID": 2, "rootFolderPaths": ["/y", "/r"]},
            {"windowID": 3, "rootFolderPaths": ["/r"]}]
    assert rp.choose_window(wins, ["/r"]) == 2


def test_repo_root_forms_outside_git(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert rp.repo_root_forms(str(plain), tmp_path) == [str(plain.resolve())] + (
        ["/private" + str(plain.resolve())] if str(plain.resolve()).startswith("/tmp/") else [])
    assert rp.repo_root_forms("missing-dir", tmp_path) == ["missing-dir"]


def test_quoting_and_payloads() -> None:
    assert rp.shell_quote("") == "''" and rp.shell_quote("it's") == "'it'\\''s'"
    assert rp.select_add_expr(["a b", ""]) == "select add 'a b' ''"
    with pytest.raises(InvalidInputError):
        rp.select_add_expr([])
    payload = rp.chat_payload("m", "chat", False, None, None, None)
    assert payload == {"message": "m", "mode": "chat"}
    assert rp.workspace_names({"workspaces": None, "result": ["x"]}) == []
    assert rp.workspace_names([{"title": "t"}, "s", {"name": 1, "workspace": "w"}]) == ["t", "s", "w"]
    assert rp.parse_tab("x\nTab:   ab-12 rest") == "ab-12"
    assert rp.parse_chat_id('{"chat_id" : "c2"} Chat: `c1`') == "c1"


def test_sandbox_and_timeouts() -> None:
    assert codex.resolve_sandbox(" workspace-write ", {}) == "workspace-write"
    assert codex.resolve_sandbox("auto", {"CODEX_SANDBOX": " danger-full-access "}) == "danger-full-access"
    assert codex.resolve_sandbox("", {"CODEX_SANDBOX": "auto"}) == "read-only"
    assert codex.exec_timeout({"FLOW_CODEX_TIMEOUT": "5"}) == 5
    for bad in ("", "0", "-1", "1.5", "x"):
        assert codex.exec_timeout({"FLOW_CODEX_TIMEOUT": bad}) == 600
        assert rp.rp_timeout({"FLOW_RP_TIMEOUT": bad}) == 1200


def test_thread_id_and_sessions() -> None:
    output = "junk\n" + json.dumps({"type": "thread.started", "thread_id": "t1"}) + "\n" + json.dumps(
        {"type": "thread.started", "thread_id": "t2"})
    assert codex.parse_thread_id(output) == "t1"
    assert codex.parse_thread_id('{"type": "thread.started", "thread_id": 3}') is None
    assert codex.usable_session("th") == "th"
    assert codex.usable_session("-x") is None and codex.usable_session(5) is None
    assert codex.store_name("impl_review", "fn-1.2") == "impl_review-fn-1.2-codex.json"
    assert codex.store_name("plan_review", "../x") is None


def test_prompts_have_no_final_newline() -> None:
    for prompt in (codex.impl_prompt("main", None, None), codex.plan_prompt("e", "a", "main"),
                   codex.completion_prompt("e", "main"), codex.adversarial_prompt("main", None),
                   codex.claude_prompt("main", "f")):
        assert not prompt.endswith("\n") and "<verdict>SHIP</verdict>" in prompt
