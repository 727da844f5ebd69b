"""The hook rules that need no process: parsing, cuts, naming, and the program runner's timeout and clean-up."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flowctl_service.hooks import HookContext, deny, find_program, repo_key, response_text, session_key
from flowctl_service.hooks import auto_memory as am
from flowctl_service.hooks import commit_gate as cg
from flowctl_service.hooks import ralph_guard as rg


def ctx_for(payload: bytes, cwd: str | Path, env: dict[str, str] | None = None) -> HookContext:
    return HookContext(cwd, env or {}, lambda: payload)


@pytest.mark.parametrize("as_type", [str, Path], ids=["str", "Path"])
def test_context_paths_are_strings(tmp_path: Path, as_type: type) -> None:
    """cwd may be a str or a Path; the context keeps and answers plain strings (no pathlib on the idle path)."""
    ctx = ctx_for(b"", as_type(tmp_path), {"TMPDIR": str(tmp_path / "tmp")})
    assert ctx.cwd == str(tmp_path) and ctx.flow_dir() is None
    (tmp_path / ".flow").mkdir()
    assert ctx.flow_dir() == str(tmp_path / ".flow")
    assert ctx.temp_dir() == str(tmp_path / "tmp")
    assert ctx_for(b"", as_type(tmp_path)).temp_dir() == "/tmp"
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    assert ctx_for(b"", as_type(tmp_path / "link")).flow_dir() is None
    (tmp_path / "elsewhere" / ".flow").symlink_to(tmp_path / ".flow")  # a symlink to a directory counts
    assert ctx_for(b"", as_type(tmp_path / "link")).flow_dir() == str(tmp_path / "link" / ".flow")


@pytest.mark.parametrize("raw", [b"", b"garbage", b"[1,2]", b"null", b'"x"', b"\xff\xfe"])
def test_invalid_payload_counts_as_empty_object(raw: bytes, tmp_path: Path) -> None:
    assert ctx_for(raw, tmp_path).payload() == {}


def test_response_text_forms() -> None:
    assert response_text({"tool_response": {"stdout": "out", "stderr": "e"}}) == "out"
    assert response_text({"tool_response": "plain"}) == "plain"
    assert response_text({"tool_response": {"chat": None}}) == '{"chat":null}'
    assert response_text({"tool_response": [1]}) == "[1]"
    assert response_text({}) == ""


def test_deny_answers_both_ways() -> None:
    out = deny("BLOCKED: no")
    assert out.code == 2 and out.stderr == "BLOCKED: no\n"
    assert json.loads(out.stdout) == {"hookSpecificOutput": {
        "hookEventName": "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": "BLOCKED: no"}}


def test_session_key_is_a_safe_distinct_file_name() -> None:
    assert session_key("abc-123_x.y") == "abc-123_x.y"
    unsafe = session_key("../../etc/passwd")
    assert "/" not in unsafe and not unsafe.startswith(".")
    assert session_key("a/b") != session_key("a_b")
    assert session_key("") == "unknown"


def test_repo_key_names_the_repository_not_the_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "a" / ".git").mkdir(parents=True)
    (tmp_path / "a" / "src").mkdir()
    (tmp_path / "b" / ".git").mkdir(parents=True)
    assert repo_key(tmp_path / "a") == repo_key(tmp_path / "a" / "src")
    assert repo_key(tmp_path / "a") != repo_key(tmp_path / "b")


# -- ralph-guard rules -------------------------------------------------------------------------------------------

def test_normalize_command() -> None:
    assert rg.normalize_command('\tflowctl  done ""  x  ') == "flowctl done x"


@pytest.mark.parametrize(("name", "expected"), [
    ("plan-fn-12.json", ("plan_review", "fn-12")),
    ("plan-fn-3-add-auth.json", ("plan_review", "fn-3-add-auth")),
    ("impl-fn-1-auth-work.1.json", ("impl_review", "fn-1-auth-work.1")),
    ("completion-fn-12.json", ("completion_review", "fn-12")),
    ("weird.json", ("impl_review", "UNKNOWN")),
])
def test_parse_receipt_path(name: str, expected: tuple[str, str]) -> None:
    assert rg.parse_receipt_path(f"/runs/r1/receipts/{name}") == expected


def test_receipt_write_detection() -> None:
    receipt = "/runs/r1/receipts/impl-fn-1.1.json"
    assert rg.is_receipt_write("cat > /runs/r1/receipts/impl-fn-1.1.json <<EOF", receipt)
    assert rg.is_receipt_write("echo x > 'other/receipts/a.json'", receipt)
    assert rg.is_receipt_write("CAT > my-receipt.json", receipt)
    assert not rg.is_receipt_write("cat /runs/r1/receipts/impl-fn-1.1.json", receipt)
    assert not rg.is_receipt_write("cat > x", "receipt-in-cwd.json")  # no directory: the reference skips


def test_guard_state_tolerates_partial_and_bad_files() -> None:
    s = rg.GuardState({"chat_send_succeeded": True, "chats_sent": "3", "flowctl_done_called": ["a", 1]})
    assert s.chat_send_succeeded and s.chats_sent == 0 and s.flowctl_done_called == {"a"}
    assert rg.GuardState(None).to_json()["chats_sent"] == 0


# -- commit-gate -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "passed"), [
    ("2/2 guards passed", True), ("✓ guard passed", True), ("All guards passed (3/3)", True),
    ("No stack detected", True), ("nothing to run", True), ("1 guards passed, 1 failed", False),
    ("✗ lint failed", False), ("guard: test failed", False), ("", False),
])
def test_guard_passed(text: str, passed: bool) -> None:
    assert cg.guard_passed(text) is passed


def test_pass_file_is_per_repository_and_session(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name / ".flow").mkdir(parents=True)
    env = {"TMPDIR": str(tmp_path / "tmp")}
    a, b = (ctx_for(b"", tmp_path / n, env) for n in ("a", "b"))
    pa1 = cg.pass_file(a, a.flow_dir(), "s1")
    assert isinstance(pa1, str) and Path(pa1).parent == tmp_path / "tmp"
    assert Path(pa1).name.startswith("flow-commit-gate-") and Path(pa1).name.endswith("-s1")
    assert pa1 == cg.pass_file(a, tmp_path / "a" / ".flow", "s1")  # the real path names the store
    assert pa1 != cg.pass_file(a, a.flow_dir(), "s2")
    assert pa1 != cg.pass_file(b, b.flow_dir(), "s1")


def test_repo_root_and_relative_paths(tmp_path: Path) -> None:
    """Ralph's file-lock rule names files relative to the nearest directory holding `.git` (plain strings)."""
    (tmp_path / "r" / ".git").mkdir(parents=True)
    (tmp_path / "r" / "src").mkdir()
    root = rg._repo_root(str(tmp_path / "r" / "src"))
    assert root == os.path.realpath(tmp_path / "r")
    assert rg._relative_to(os.path.join(root, "src", "a.py"), root) == "src/a.py"
    assert rg._relative_to(str(tmp_path / "other.py"), root) == str(tmp_path / "other.py")
    if not any((p / ".git").exists() for p in (tmp_path, *tmp_path.parents)):
        assert rg._repo_root(str(tmp_path)) == str(tmp_path)  # no repository: cwd as given


# -- auto-memory -------------------------------------------------------------------------------------------------

def test_cut_bytes_never_splits_a_character() -> None:
    text = "a" + "é" * 150  # byte 200 falls inside an é (the reference panicked here)
    cut = am.cut_bytes(text, 200)
    assert cut == "a" + "é" * 99 and len(cut.encode()) == 199
    assert am.cut_bytes("short", 200) == "short"


def test_gemini_prompt_keeps_both_ends_of_a_long_transcript() -> None:
    text = "é" * 20_000 + "MIDDLE" + "ü" * 20_000  # 80,006 bytes
    prompt = am.gemini_prompt(text)
    assert prompt.startswith(am.SUMMARIZE_PROMPT)
    body = prompt[len(am.SUMMARIZE_PROMPT):]
    head, tail = body.split("\n...[truncated]...\n")
    assert head == "é" * 12_500 and tail == "ü" * 12_500 and "MIDDLE" not in body
    assert am.gemini_prompt("x" * 300) == am.SUMMARIZE_PROMPT + "x" * 300


def test_parse_learnings() -> None:
    out = 'Sure!\n[{"type":"pitfall","content":"Never block"},{"type":"bogus","content":"x"},' \
          '{"type":"decision","content":"' + "é" * 150 + '"},{"type":"convention"}]\nDone.'
    learnings = am.parse_learnings(out)
    assert learnings == [("pitfall", "Never block"), ("decision", "é" * 100)]
    assert am.parse_learnings("no json") == [] and am.parse_learnings("[not json]") == []
    many = json.dumps([{"type": "pitfall", "content": f"c{i}"} for i in range(9)])
    assert len(am.parse_learnings(many)) == 5


def test_extract_by_pattern() -> None:
    text = "\n".join([
        "We decided to use file locks instead of a database for the session store here.",
        "It turns out that the config loader silently ignores unknown keys in the file.",
        "Careful with the symlinked .flow directory when copying worktrees around.",
        "We decided to use file locks instead of a database for the session store here.",  # duplicate
        "short line",
    ])
    assert am.extract_by_pattern(text) == [
        ("decision", "We decided to use file locks instead of a database for the session store here."),
        ("convention", "It turns out that the config loader silently ignores unknown keys in the file."),
        ("pitfall", "Careful with the symlinked .flow directory when copying worktrees around."),
    ]
    assert am.extract_by_pattern("decided to do the thing with the other thing") == []  # under 100 bytes


def test_read_transcript_accepts_claude_code_and_legacy_lines(tmp_path: Path) -> None:
    lines = [
        {"type": "assistant", "message": {"role": "assistant", "content": [{"type": "text", "text": "one"},
                                                                          {"type": "tool_use", "name": "Bash"}]}},
        {"type": "user", "message": {"role": "user", "content": "assistant is not me"}},
        {"role": "assistant", "message": {"content": [{"type": "text", "text": "two"}]}},
        {"message": {"role": "assistant", "content": "three"}},
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json assistant\n")
    assert am.read_transcript(str(path)) == "one\ntwo\nthree"
    assert am.read_transcript(str(tmp_path / "missing.jsonl")) == ""
    assert am.read_transcript("") == ""


# -- finding programs ------------------------------------------------------------------------------------------

def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_find_program(tmp_path: Path) -> None:
    _script(tmp_path / "tool", "")
    (tmp_path / "notexec").write_text("")
    assert find_program("tool", {"PATH": f"/nonexistent:{tmp_path}"}) == str(tmp_path / "tool")
    assert find_program("notexec", {"PATH": str(tmp_path)}) is None
