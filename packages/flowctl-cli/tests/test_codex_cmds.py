"""`flowctl codex` against a fake `codex` on PATH: what flowctl sends, and what it does with each answer (§15)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fake_programs import FakeProgram, alive, path_with, path_without
from flowctl_runner import Flowctl

NEW_SESSION = ["exec", "--model", "gpt-5.4", "-c", 'model_reasoning_effort="high"', "--sandbox", "read-only",
               "--skip-git-repo-check", "--json", "-"]
IMPL_PROMPT = ("Review the implementation changes from branch 'main' against HEAD.\nTask: fn-1-auth.1\n"
               "Focus on correctness, quality, performance, and testing.\n"
               "Output your verdict as <verdict>SHIP</verdict> or <verdict>NEEDS_WORK</verdict>.")


def events(text: str, thread: str | None = "th_123") -> str:
    """Codex `exec --json` output whose agent message is `text`."""
    lines = [json.dumps({"type": "thread.started", "thread_id": thread})] if thread else []
    lines += [json.dumps({"type": "turn.started"}),
              json.dumps({"type": "item.completed", "item": {"id": "item_1", "type": "agent_message", "text": text}}),
              json.dumps({"type": "turn.completed", "usage": {"input_tokens": 10, "output_tokens": 5}})]
    return "\n".join(lines) + "\n"


SHIP = events("Looks good.\n<verdict>SHIP</verdict>")


def text(flowctl: Flowctl, *args: str, **kw: object) -> str:
    """stdout of a successful run, never parsed (codex's own output starts with `{`)."""
    run = flowctl(*args, **kw)
    assert run.code == 0, run.err
    return run.out


@pytest.fixture
def codex(tmp_path: Path) -> FakeProgram:
    return FakeProgram(tmp_path / "bin", tmp_path / "fakes", "codex")


@pytest.fixture
def fc(repo: Path, tmp_path: Path, codex: FakeProgram) -> Flowctl:
    (tmp_path / "tmp").mkdir()
    return Flowctl(repo, env={"PATH": path_with(tmp_path / "bin"), "TMPDIR": str(tmp_path / "tmp")})


# ── check ────────────────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("reply", "code", "version"), [
    ("codex-cli 0.46.0\n", 0, "0.46.0"), ("weird version\n", 0, "weird version"), ("", 1, None)])
def test_check(fc: Flowctl, codex: FakeProgram, reply: str, code: int, version: str | None) -> None:
    codex.reply(out=reply, code=code)
    assert fc.ok("codex", "check", "--json") == {"available": True, "version": version}
    assert fc.ok("codex", "check") == f"codex available: {version or 'unknown version'}\n"
    assert codex.argvs == [["--version"], ["--version"]]


def test_check_without_codex(repo: Path) -> None:
    flowctl = Flowctl(repo, env={"PATH": path_without(("codex",))})
    assert flowctl.ok("codex", "check", "--json") == {"available": False, "version": None}
    assert flowctl.ok("codex", "check") == "codex not available\n"
    assert json.loads(flowctl.tty("codex", "check", "--json")) == {"available": False, "success": True,
                                                                    "version": None}


# ── impl-review ──────────────────────────────────────────────────────────────────────────────────────────────


def test_impl_review_new_session(fc: Flowctl, codex: FakeProgram, repo: Path) -> None:
    codex.reply(out=SHIP)
    sub = repo / "src"
    sub.mkdir()
    out = text(fc, "codex", "impl-review", "fn-1-auth.1", "--base", "main", "--receipt", "r.json", cwd=sub,
                env={"FLOW_CODEX_TIMEOUT": "1", "RALPH_ITERATION": "x"})
    assert out == SHIP + "\nVERDICT=SHIP\n"
    (call,) = codex.calls
    assert call["argv"] == NEW_SESSION
    assert call["stdin"] == IMPL_PROMPT  # no final newline
    assert call["cwd"] == str(sub)
    assert call["env"]["FLOW_CODEX_TIMEOUT"] == "1"
    raw = (sub / "r.json").read_text()
    assert raw.endswith("}\n")
    receipt = json.loads(raw)
    assert list(receipt) == sorted(receipt)
    assert {k: v for k, v in receipt.items() if k != "timestamp"} == {
        "base": "main", "id": "fn-1-auth.1", "mode": "codex", "review": SHIP, "session_id": "th_123",
        "type": "impl_review", "verdict": "SHIP"}
    assert receipt["timestamp"].endswith("+00:00")
    assert not (repo / ".flow").exists()  # a review never creates .flow


def test_impl_review_json_and_store_copy(initialized_flowctl: Flowctl, tmp_path: Path, repo: Path) -> None:
    output = events("meh <verdict>MAJOR_RETHINK</verdict>")
    codex = FakeProgram(tmp_path / "bin", tmp_path / "fakes", "codex").reply(out=output)
    fc = Flowctl(repo, env={"PATH": path_with(tmp_path / "bin")})
    data = fc.ok("codex", "impl-review", "--base", "dev", "--focus", "auth, perf", "--json",
                 env={"RALPH_ITERATION": "3"})
    assert data == {"id": "branch", "mode": "codex", "review": output, "session_id": "th_123", "standalone": True,
                    "type": "impl_review", "verdict": "MAJOR_RETHINK"}
    assert "Focus areas: auth, perf\n" in codex.calls[0]["stdin"] and "Task:" not in codex.calls[0]["stdin"]
    stored = json.loads((repo / ".flow" / "reviews" / "impl_review-branch-codex.json").read_text())
    assert stored["focus"] == "auth, perf" and stored["iteration"] == 3 and stored["base"] == "dev"
    on_tty = json.loads(fc.tty("codex", "impl-review", "--base", "dev", "--json"))
    assert on_tty["success"] is True


def test_options_reach_the_command_line(fc: Flowctl, codex: FakeProgram) -> None:
    codex.reply(out=SHIP)
    text(fc, "codex", "impl-review", "--base", "main", "--sandbox", "workspace-write", "--effort", "low",
         env={"FLOW_CODEX_MODEL": "gpt-x"})
    text(fc, "codex", "impl-review", "--base", "main", env={"CODEX_SANDBOX": "danger-full-access"})
    text(fc, "codex", "impl-review", "--base", "main", "--sandbox", "auto", env={"CODEX_SANDBOX": "auto"})
    first, second, third = codex.argvs
    assert first == ["exec", "--model", "gpt-x", "-c", 'model_reasoning_effort="low"', "--sandbox",
                     "workspace-write", "--skip-git-repo-check", "--json", "-"]
    assert second[second.index("--sandbox") + 1] == "danger-full-access"
    assert third == NEW_SESSION
    assert fc.fail("codex", "impl-review", "--base", "main", "--sandbox", "bogus", code=2).code == 2
    assert fc.fail("codex", "impl-review", "--base", "main", "--effort", "max", code=2).code == 2
    assert fc.fail("codex", "impl-review", code=2).code == 2  # --base is required


def test_resume_from_receipt(fc: Flowctl, codex: FakeProgram, repo: Path) -> None:
    (repo / "r.json").write_text(json.dumps({"session_id": "th_old", "verdict": "NEEDS_WORK"}))
    codex.reply(out=events("Fixed.\n<verdict>SHIP</verdict>", thread=None), match="resume")
    data = fc.ok("codex", "impl-review", "fn-1-auth.1", "--base", "main", "--receipt", "r.json", "--json")
    assert codex.argvs == [["exec", "resume", "th_old", "-"]]
    assert codex.calls[0]["stdin"] == IMPL_PROMPT
    assert data["session_id"] == "th_old" and data["verdict"] == "SHIP"
    assert json.loads((repo / "r.json").read_text())["session_id"] == "th_old"


def test_failed_resume_starts_a_new_session(fc: Flowctl, codex: FakeProgram, repo: Path) -> None:
    (repo / "r.json").write_text(json.dumps({"session_id": "th_old"}))
    codex.reply(err="no such session", code=1, match="resume").reply(out=SHIP)
    run = fc("codex", "plan-review", "fn-1-auth", "--files", "a.py,b.py", "--receipt", "r.json")
    assert run.code == 0 and run.err == "WARNING: Codex resume failed, starting new session\n"
    assert codex.argvs == [["exec", "resume", "th_old", "-"], NEW_SESSION]
    assert codex.calls[1]["stdin"] == (
        "Review the plan for epic 'fn-1-auth' with context from files: a.py,b.py.\nBase branch: main.\n"
        "Output your verdict as <verdict>SHIP</verdict> or <verdict>NEEDS_WORK</verdict>.")
    receipt = json.loads((repo / "r.json").read_text())
    assert sorted(receipt) == ["id", "mode", "review", "session_id", "timestamp", "type", "verdict"]
    assert receipt["session_id"] == "th_123" and receipt["type"] == "plan_review"


def test_session_id_that_looks_like_an_option_is_not_resumed(fc: Flowctl, codex: FakeProgram, repo: Path) -> None:
    (repo / "r.json").write_text(json.dumps({"session_id": "--dangerously-bypass"}))
    codex.reply(out=SHIP)
    text(fc, "codex", "impl-review", "--base", "main", "--receipt", "r.json")
    assert codex.argvs == [NEW_SESSION]


@pytest.mark.parametrize(("reply", "message"), [
    ({"err": "error: model overloaded\n", "out": "partial", "code": 1}, "codex exec failed: error: model overloaded"),
    ({"out": "  only stdout \n", "code": 2}, "codex exec failed: only stdout"),
    ({"code": 1}, "codex exec failed: codex exec failed"),
    ({"out": events("no tag here")},
     "Codex review completed but no verdict found in output. Expected <verdict>SHIP</verdict> or "
     "<verdict>NEEDS_WORK</verdict>"),
])
def test_failures_delete_stale_receipts(initialized_flowctl: Flowctl, tmp_path: Path, repo: Path,
                                        reply: dict, message: str) -> None:
    codex = FakeProgram(tmp_path / "bin", tmp_path / "fakes", "codex").reply(**reply)
    fc = Flowctl(repo, env={"PATH": path_with(tmp_path / "bin")})
    stale = json.dumps({"verdict": "SHIP"})
    (repo / "r.json").write_text(stale)
    copy = repo / ".flow" / "reviews" / "completion_review-fn-1-auth-codex.json"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(stale)
    run = fc.fail("codex", "completion-review", "fn-1-auth", "--receipt", "r.json")
    assert run.error == message and run.out == ""
    assert not (repo / "r.json").exists() and not copy.exists()
    assert len(codex.calls) == 1


def test_completion_review(fc: Flowctl, codex: FakeProgram, repo: Path) -> None:
    (repo / "r.json").write_text(json.dumps({"session_id": "th_old"}))
    codex.reply(code=1, match="resume").reply(out=events("ok <verdict>NEEDS_WORK</verdict>", thread=None))
    data = fc.ok("codex", "completion-review", "fn-1-auth", "--base", "dev", "--receipt", "r.json", "--json")
    assert data["base"] == "dev" and data["verdict"] == "NEEDS_WORK" and data["type"] == "completion_review"
    assert data["session_id"] == "th_old"  # no new thread id: the receipt's session is kept
    assert codex.calls[1]["stdin"] == (
        "Review epic 'fn-1-auth' for completion. Verify all requirements are implemented.\nBase branch: dev.\n"
        "Output your verdict as <verdict>SHIP</verdict> or <verdict>NEEDS_WORK</verdict>.")
    assert json.loads((repo / "r.json").read_text())["base"] == "dev"


def test_plan_review_needs_files(fc: Flowctl, codex: FakeProgram) -> None:
    run = fc.fail("codex", "plan-review", "fn-1-auth", "--files", "")
    assert run.error == "plan-review requires --files argument (comma-separated CODE file paths)"
    fc.fail("codex", "plan-review", "fn-1-auth", code=2)
    assert codex.calls == []


def test_missing_codex(repo: Path) -> None:
    flowctl = Flowctl(repo, env={"PATH": path_without(("codex",))})
    (repo / "r.json").write_text("{}")
    run = flowctl.fail("codex", "impl-review", "--base", "main", "--receipt", "r.json")
    assert run.error == "codex exec failed: codex not found in PATH"
    assert not (repo / "r.json").exists()
    assert flowctl.fail("codex", "adversarial").error == "Adversarial review failed: codex not found in PATH"


def test_timeout_kills_codex_and_its_children(fc: Flowctl, codex: FakeProgram, repo: Path) -> None:
    codex.reply(out="{}\n", sleep=30)
    (repo / "r.json").write_text("{}")
    started = time.monotonic()
    run = fc.fail("codex", "impl-review", "--base", "main", "--receipt", "r.json", env={"FLOW_CODEX_TIMEOUT": "1"})
    assert time.monotonic() - started < 20
    assert run.error == "codex exec failed: codex timed out after 1s (killed)"
    assert not (repo / "r.json").exists()
    assert not alive(codex.grandchild_pid())


def test_receipt_inside_flow(initialized_flowctl: Flowctl, tmp_path: Path, repo: Path) -> None:
    codex = FakeProgram(tmp_path / "bin", tmp_path / "fakes", "codex").reply(out=SHIP)
    fc = Flowctl(repo, env={"PATH": path_with(tmp_path / "bin")})
    run = fc.fail("codex", "impl-review", "--base", "main", "--receipt", ".flow/config.json")
    assert "only .flow/reviews/<name> may hold a receipt" in run.error
    assert codex.calls == []
    text(fc, "codex", "impl-review", "--base", "main", "--receipt", ".flow/reviews/mine.json")
    assert (repo / ".flow" / "reviews" / "mine.json").read_text().endswith("}\n")


def test_dry_run_runs_nothing_and_writes_nothing(fc: Flowctl, codex: FakeProgram, repo: Path) -> None:
    (repo / "r.json").write_text(json.dumps({"session_id": "th_old"}))
    preview = fc.ok("codex", "impl-review", "fn-1-auth.1", "--base", "main", "--receipt", "r.json", "--dry-run")
    assert preview["dry_run"] is True and preview["prompt"] == IMPL_PROMPT
    assert preview["argv"] == ["codex", *NEW_SESSION] and preview["resume_argv"] == ["codex", "exec", "resume",
                                                                                       "th_old", "-"]
    assert preview["receipt"] == str(repo / "r.json")
    assert fc.ok("--dry-run", "codex", "adversarial")["dry_run"] is True
    assert fc.ok("codex", "cross-model", "--dry-run")["dry_run"] is True
    assert codex.calls == []
    assert json.loads((repo / "r.json").read_text()) == {"session_id": "th_old"}
    assert not (repo / ".flow").exists()


# ── adversarial ──────────────────────────────────────────────────────────────────────────────────────────────


STRUCTURED = {"verdict": "NEEDS_WORK", "confidence": 0.7, "findings": [{"severity": "critical", "description": "x"}]}


@pytest.mark.parametrize("output", [
    json.dumps(STRUCTURED),
    events(json.dumps(STRUCTURED)),
    "Findings:\n```json\n" + json.dumps(STRUCTURED) + "\n```\n",
    "prefix " + json.dumps({"verdict": "NEEDS_WORK", "confidence": 0.7}) + " suffix",
])
def test_adversarial_structured(fc: Flowctl, codex: FakeProgram, output: str) -> None:
    codex.reply(out=output)
    data = fc.ok("codex", "adversarial", "--json")
    assert data["verdict"] == "NEEDS_WORK" and data["base"] == "main" and data["focus"] is None
    assert data["confidence"] == 0.7
    out = text(fc, "codex", "adversarial", "--base", "dev", "--focus", "races")
    assert out.endswith("\n\nVerdict: NEEDS_WORK\n") and out.startswith("{\n  ")
    assert codex.calls[1]["stdin"] == (
        "You are an adversarial code reviewer. Try to BREAK the code changed between 'dev' and HEAD.\n"
        "Focus area: races\nLook for bugs, race conditions, security vulnerabilities, edge cases, and logic "
        "errors.\nOutput your verdict as <verdict>SHIP</verdict> or <verdict>NEEDS_WORK</verdict>.\n"
        "Also output structured JSON with your findings.")


def test_adversarial_unstructured(fc: Flowctl, codex: FakeProgram) -> None:
    codex.reply(out=SHIP, times=2).reply(out="no verdict at all")
    assert fc.ok("codex", "adversarial", "--json", "--sandbox", "anything-goes") == {
        "base": "main", "focus": None, "output": SHIP, "verdict": "SHIP"}
    assert codex.argvs[0][codex.argvs[0].index("--sandbox") + 1] == "anything-goes"
    assert text(fc, "codex", "adversarial") == SHIP + "\nVerdict: SHIP\n"
    assert fc.ok("codex", "adversarial") == "no verdict at all"  # printed as is, nothing appended


# ── cross-model ──────────────────────────────────────────────────────────────────────────────────────────────


def test_cross_model_runs_codex_twice_and_saves(initialized_flowctl: Flowctl, tmp_path: Path, repo: Path) -> None:
    codex = FakeProgram(tmp_path / "bin", tmp_path / "fakes", "codex")
    codex.reply(out=events("<verdict>NEEDS_WORK</verdict>"), match=None, times=1).reply(
        out=events("<verdict>SHIP</verdict>"))
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    fc = Flowctl(repo, env={"PATH": path_with(tmp_path / "bin"), "TMPDIR": str(tmp)})
    out = fc.ok("codex", "cross-model", "--focus", "auth")
    saved = sorted((repo / ".flow" / "reviews").glob("cross-model-*.json"))
    assert len(saved) == 1
    assert out == (
        "Cross-Model Review Results\n==========================\n\n"
        "Model 1: codex/gpt-5.4 — NEEDS_WORK\n  Findings: 0\n  Confidence: 80%\n\n"
        "Model 2: claude/opus-4 — SHIP\n  Findings: 0\n  Confidence: 80%\n\n"
        f"Consensus: NEEDS_WORK\nReview saved to: {repo / '.flow' / 'reviews' / saved[0].name}\n")
    document = json.loads(saved[0].read_text())
    assert saved[0].read_text().endswith("}\n")
    assert document["consensus"] == {"confidence": 0.8, "type": "consensus", "verdict": "NEEDS_WORK"}
    assert document["claude_prompt_path"] == str(tmp / "flowctl-cross-model-claude-prompt.txt")
    prompt = (tmp / "flowctl-cross-model-claude-prompt.txt").read_text()
    assert prompt.startswith("You are a thorough code reviewer.") and "Focus area: auth\n" in prompt
    assert codex.calls[1]["stdin"] == prompt


def test_cross_model_uses_and_consumes_the_result_file(fc: Flowctl, codex: FakeProgram, tmp_path: Path,
                                                       repo: Path) -> None:
    codex.reply(out=events(json.dumps({"verdict": "NEEDS_WORK", "confidence": 0.9, "findings": [
        {"severity": "P0", "description": "Low but P0", "confidence": 0.5, "evidence": ["e1", 3], "owner": "human",
         "autofix_class": "safe_auto", "pre_existing": True, "suggested_fix": "fix it", "why_it_matters": "crash"},
        {"severity": "warning", "description": "dropped", "confidence": 0.55},
        {"severity": "critical", "description": ""}]})))
    result = tmp_path / "tmp" / "flowctl-cross-model-claude-result.json"
    result.write_text(json.dumps({"verdict": "SHIP", "model": "claude/sonnet", "review": '```json {"confidence": 0.6, '
                                  '"verdict": "SHIP", "findings": [{"severity": "P2", "description": "nit", '
                                  '"confidence": 0.95}]} ```'}))
    data = fc.ok("codex", "cross-model", "--json")
    codex_review, claude_review = data["models"]
    assert codex_review["verdict"] == "NEEDS_WORK"  # the structured verdict counts (the reference abstained)
    assert codex_review["findings"] == [{
        "autofix_class": "safe_auto", "category": "general", "confidence": 0.5, "description": "Low but P0",
        "evidence": ["e1"], "owner": "human", "pre_existing": True, "requires_verification": False,
        "severity": "P0", "suggested_fix": "fix it", "why_it_matters": "crash"}]
    assert claude_review == {"confidence": 0.6, "model": "claude/sonnet", "verdict": "SHIP", "findings": [{
        "autofix_class": "manual", "category": "general", "confidence": 0.95, "description": "nit",
        "evidence": [], "owner": "review-fixer", "pre_existing": False, "requires_verification": False,
        "severity": "P2"}]}
    assert data["consensus"]["verdict"] == "NEEDS_WORK"
    assert data["consensus"]["confidence"] == pytest.approx(0.75)
    assert len(codex.calls) == 1 and not result.exists()  # used once, then gone
    assert (repo / ".flow").is_symlink()  # created like the workflow commands, inside the git directory


def test_cross_model_without_codex(repo: Path, tmp_path: Path) -> None:
    flowctl = Flowctl(repo, env={"PATH": path_without(("codex",)), "TMPDIR": str(tmp_path)})
    run = flowctl("codex", "cross-model", "--json")
    assert run.code == 0
    assert run.err == "WARNING: Codex review failed: codex not found in PATH\n"
    assert run.json["consensus"] == {"type": "insufficient_reviews"}
    assert [m["verdict"] for m in run.json["models"]] == ["ABSTAIN", "ABSTAIN"]
    assert flowctl.ok("codex", "cross-model").splitlines()[-2] == "Consensus: INSUFFICIENT"


def test_cross_model_runs_in_one_second_keep_both(fc: Flowctl, codex: FakeProgram, repo: Path) -> None:
    codex.reply(out=SHIP)
    for _ in range(3):
        fc.ok("codex", "cross-model", "--json")
    assert len(list((repo / ".flow" / "reviews").glob("cross-model-*.json"))) == 3


# ── sync ─────────────────────────────────────────────────────────────────────────────────────────────────────


def write_agent(repo: Path, file: str, front: str, body: str = "Body.\n") -> None:
    (repo / "agents").mkdir(exist_ok=True)
    (repo / "agents" / file).write_text(f"---\n{front}---\n{body}")


def test_sync_generates_agents_and_hooks(flowctl: Flowctl, repo: Path) -> None:
    write_agent(repo, "worker.md", "name: worker\ndescription: Implements a task\nmodel: opus\n",
                'You are a worker. Use C:\\path and "quotes".\n')
    write_agent(repo, "scout.md", 'name: epic-scout\ndescription: Other "model"\nmodel: sonnet\ncolor: "#fff"\n')
    write_agent(repo, "fast.md", "name: docs-scout\ndescription: d\nmodel: haiku\n", "no newline")
    write_agent(repo, "bad.md", "name: bad\ndescription: no model\n")
    write_agent(repo, "evil.md", "name: ../../escape\ndescription: d\nmodel: opus\n")
    (repo / "agents" / "notes.txt").write_text("ignored")
    (repo / "hooks").mkdir()
    (repo / "hooks" / "hooks.json").write_text(json.dumps(
        {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"command": "x"}]}], "Other": ["Bash ", "Bash"]}}))
    run = flowctl("codex", "sync", "--verbose")
    assert run.code == 0
    assert run.out == "Agents: 3 generated, 2 skipped\nHooks: patched\nOutput directory: codex\n"
    assert run.err.startswith("Errors:\n  - agents/bad.md: parse error: frontmatter parse error: YAML parse error:")
    assert "missing field `model`" in run.err and "agents/evil.md" in run.err
    assert not (repo.parent / "escape.toml").exists()
    assert (repo / "codex" / "agents" / "worker.toml").read_text() == (
        "# Auto-generated by flowctl codex sync — do not edit manually\nname = \"worker\"\n"
        "description = \"Implements a task\"\nmodel = \"gpt-5.4\"\nmodel_reasoning_effort = \"high\"\n"
        "sandbox_mode = \"workspace-write\"\n\ndeveloper_instructions = \"\"\"\n"
        "You are a worker. Use C:\\\\path and \"quotes\".\n\"\"\"\n")
    scout = (repo / "codex" / "agents" / "epic-scout.toml").read_text()
    assert 'description = "Other \\"model\\""' in scout and 'model_reasoning_effort = "high"' in scout
    fast = (repo / "codex" / "agents" / "docs-scout.toml").read_text()
    assert 'model = "gpt-5.4-mini"\nsandbox_mode = "read-only"' in fast and fast.endswith('no newline"""\n')
    hooks = (repo / "codex" / "hooks.json").read_text()
    assert not hooks.endswith("\n")
    assert json.loads(hooks) == {"hooks": {"Other": ["Bash ", "Bash|Execute"], "PreToolUse": [
        {"hooks": [{"command": "x"}], "matcher": "Bash|Execute"}]}}


def test_sync_json_dry_run_and_models_from_env(flowctl: Flowctl, repo: Path) -> None:
    write_agent(repo, "a.md", "name: a\ndescription: d\nmodel: opus\n")
    (repo / "hooks").mkdir()
    (repo / "hooks" / "hooks.json").write_text("{bad json")
    data = flowctl.ok("codex", "sync", "--dry-run", "--json")
    assert data["dry_run"] is True and data["agents_generated"] == 1 and data["hooks_generated"] is False
    assert data["errors"][0].startswith("hooks patch error: frontmatter parse error: hooks JSON parse error: ")
    assert not (repo / "codex").exists()
    assert text(flowctl, "--dry-run", "codex", "sync").startswith("[dry-run] Would generate:\nAgents: 1 generated")
    flowctl.ok("codex", "sync", "--output-dir", "out", "--hooks", "none.json",
               env={"CODEX_MODEL_INTELLIGENT": "big-model"})
    assert 'model = "big-model"' in (repo / "out" / "agents" / "a.toml").read_text()
    assert not (repo / "out" / "hooks.json").exists()


def test_sync_without_agents_dir(flowctl: Flowctl) -> None:
    assert flowctl.fail("codex", "sync", "--agents-dir", "nope").error == (
        "codex sync failed: frontmatter parse error: cannot read agents dir: No such file or directory (os error 2)")
