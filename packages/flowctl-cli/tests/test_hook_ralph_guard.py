"""`flowctl hook ralph-guard` fed Claude Code payloads in Ralph mode (FLOW_RALPH=1), directly and through hooks.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flowctl_runner import Flowctl
from hook_support import (
    SESSION,
    WRAPPER_UNGUARDED,
    base,
    claude_blocks,
    hook,
    plugin_root,
    post_bash,
    pre_bash,
    pre_edit,
    run_wrapper,
)


@pytest.fixture
def ralph(flowctl: Flowctl, tmp_path: Path) -> Flowctl:
    """flowctl with FLOW_RALPH=1 and a private TMPDIR (no `.flow` needed)."""
    (tmp_path / "tmp").mkdir()
    flowctl.env.update({"FLOW_RALPH": "1", "TMPDIR": str(tmp_path / "tmp")})
    return flowctl


def state_file(tmp: Path) -> Path:
    [path] = tmp.glob("ralph-guard-*.json")
    return path


def test_inactive_without_flow_ralph_and_writes_nothing(flowctl: Flowctl, tmp_path: Path) -> None:
    flowctl.env["TMPDIR"] = str(tmp_path)
    run = hook(flowctl, "ralph-guard", pre_bash("codex exec 'x'", flowctl.cwd))
    assert (run.code, run.out, run.err) == (0, "", "")
    assert list(tmp_path.glob("ralph-guard*")) == []


@pytest.mark.parametrize(("command", "reason"), [
    ("flowctl rp chat-send --json --message m", "BLOCKED: Do not use --json with chat-send."),
    ("codex exec 'review this'", "BLOCKED: Do not call 'codex exec' directly."),
    ("codex  review --base main", "BLOCKED: Do not call 'codex review' directly."),
    ("flowctl codex impl-review fn-1.1 --last", "BLOCKED: Do not use '--last' with codex."),
    ("flowctl rp setup-review --summary s", "BLOCKED: setup-review requires --repo-root flag."),
    ("flowctl rp setup-review --repo-root .", "BLOCKED: setup-review requires --summary flag."),
    ("flowctl rp select-add src/a.py", "BLOCKED: select-add requires --window flag."),
    ("flowctl done fn-1.1 --summary-file s.md", "BLOCKED: flowctl done requires --evidence-json flag."),
    ("flowctl done fn-1.1 --evidence-json e.json", "BLOCKED: flowctl done requires --summary-file flag."),
    ("flowctl done fn-1-fix-hooks.1 --summary x", "BLOCKED: flowctl done requires --evidence-json flag."),
])
def test_pre_tool_use_blocks(ralph: Flowctl, command: str, reason: str) -> None:
    run = hook(ralph, "ralph-guard", pre_bash(command, ralph.cwd))
    assert run.code == 2 and run.err.startswith(reason)
    decision = json.loads(run.out)["hookSpecificOutput"]
    assert decision["permissionDecision"] == "deny" and decision["permissionDecisionReason"] == run.err.rstrip("\n")


@pytest.mark.parametrize("command", [
    "flowctl codex exec x", "echo codex-exec", "flowctl done fn-1.1 --evidence-json e.json --summary-file s.md",
    "scripts/ralph/flowctl done fn-1.1 --help", "flowctl done fn-1.1 -h", "git status",
])
def test_pre_tool_use_allows(ralph: Flowctl, command: str) -> None:
    run = hook(ralph, "ralph-guard", pre_bash(command, ralph.cwd))
    assert (run.code, run.out, run.err) == (0, "", "")


def test_new_chat_blocked_only_after_a_chat_was_sent(ralph: Flowctl) -> None:
    cmd = "flowctl rp chat-send --new-chat --message review"
    assert hook(ralph, "ralph-guard", pre_bash(cmd, ralph.cwd)).code == 0
    hook(ralph, "ralph-guard", post_bash(cmd, "Chat Send ok <verdict>NEEDS_WORK</verdict>", ralph.cwd))
    run = hook(ralph, "ralph-guard", pre_bash(cmd, ralph.cwd))
    assert run.code == 2 and run.err.startswith("BLOCKED: Do not use --new-chat for re-reviews.")


@pytest.mark.parametrize("path", ["/repo/scripts/ralph/flowctl", "/repo/hooks/hooks.json", "/repo/plugin/flowctl/",
                                  "/repo/src/ralph-guard.py"])
def test_protected_files(ralph: Flowctl, path: str) -> None:
    run = hook(ralph, "ralph-guard", pre_edit("Edit", path, ralph.cwd))
    name = Path(path.rstrip("/")).name
    assert run.code == 2 and run.err.startswith(f"BLOCKED: Cannot modify protected file '{name}'.")
    assert claude_blocks(0, run.out)


@pytest.mark.parametrize("path", ["/repo/flowctl.md", "/repo/src/main.rs"])
def test_unprotected_files(ralph: Flowctl, path: str) -> None:
    assert hook(ralph, "ralph-guard", pre_edit("Write", path, ralph.cwd)).code == 0


def test_post_tool_use_tracking_and_state_file(ralph: Flowctl, tmp_path: Path) -> None:
    cwd = ralph.cwd
    hook(ralph, "ralph-guard", post_bash('flowctl rp setup-review --repo-root . --summary "s"', "W=3 T=ab12-CD", cwd))
    for _ in range(3):
        hook(ralph, "ralph-guard", post_bash("flowctl rp chat-send --message m", "Chat Send: ok", cwd))
    hook(ralph, "ralph-guard", post_bash("flowctl codex impl-review fn-1-auth-work.1", "<verdict>MAJOR_RETHINK</verdict>",
                                         cwd))
    hook(ralph, "ralph-guard", post_bash("flowctl done fn-1-auth-work.1 --summary x --evidence y",
                                         "Task fn-1-auth-work.1 completed", cwd))
    hook(ralph, "ralph-guard", post_bash("flowctl done fn-1-auth-work.2 --summary x --evidence y", "nothing relevant",
                                         cwd))
    path = state_file(tmp_path / "tmp")
    assert SESSION in path.name
    assert json.loads(path.read_text()) == {
        "chat_send_succeeded": True, "chats_sent": 3, "codex_review_succeeded": True,
        "flowctl_done_called": ["fn-1-auth-work.1"], "last_verdict": "MAJOR_RETHINK", "tab": "ab12-CD",
        "window": "3"}
    assert not path.read_text().endswith("\n")


def test_chat_null_response_is_blocked_by_decision(ralph: Flowctl) -> None:
    run = hook(ralph, "ralph-guard", post_bash("echo hi", {"chat": None}, ralph.cwd))
    assert run.code == 0 and run.out == (
        '{"decision":"block","reason":"ERROR: chat-send returned {\\"chat\\": null} which means --json was used. '
        'This suppresses the review text. Re-run without --json flag."}\n')


def test_ship_verdict_asks_for_the_receipt(ralph: Flowctl, tmp_path: Path) -> None:
    receipt = tmp_path / "receipts" / "impl-fn-1-auth-work.1.json"
    env = {"REVIEW_RECEIPT_PATH": str(receipt)}
    run = hook(ralph, "ralph-guard", post_bash("flowctl rp chat-send --message m",
                                               "Chat Send\n<verdict>SHIP</verdict>", ralph.cwd), env)
    context = json.loads(run.out)["hookSpecificOutput"]
    assert context["hookEventName"] == "PostToolUse"
    assert context["additionalContext"] == (
        "IMPORTANT: SHIP verdict received. You MUST now write the receipt. Run this command:\n"
        f"mkdir -p \"$(dirname '{receipt}')\"\nts=\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"\ncat > '{receipt}' <<EOF\n"
        '{"type":"impl_review","id":"fn-1-auth-work.1","mode":"rp","verdict":"SHIP","timestamp":"$ts"}\nEOF')


def test_needs_work_memory_hint_only_with_memory_enabled(ralph: Flowctl) -> None:
    post = post_bash("flowctl codex impl-review fn-1.1", "<verdict>NEEDS_WORK</verdict>", ralph.cwd)
    assert hook(ralph, "ralph-guard", post).out == ""
    ralph.ok("init", "--json")  # writes memory.enabled: true
    context = json.loads(hook(ralph, "ralph-guard", post).out)["hookSpecificOutput"]["additionalContext"]
    assert context.startswith("MEMORY: Review returned NEEDS_WORK.")


def test_informal_approval_warning(ralph: Flowctl) -> None:
    run = hook(ralph, "ralph-guard", post_bash("flowctl rp chat-send --message m", "Chat Send: LGTM!", ralph.cwd))
    assert json.loads(run.out)["hookSpecificOutput"]["additionalContext"].startswith(
        "WARNING: Reviewer responded with informal approval")


def test_receipt_write_rules(ralph: Flowctl, tmp_path: Path) -> None:
    receipt = tmp_path / "receipts" / "impl-fn-1.1.json"
    env = {"REVIEW_RECEIPT_PATH": str(receipt)}
    write = f"cat > {receipt} <<EOF\n{{\"type\":\"impl_review\",\"id\":\"fn-1.1\",\"verdict\":\"SHIP\"}}\nEOF"
    run = hook(ralph, "ralph-guard", pre_bash(write, ralph.cwd), env)
    assert run.code == 2 and run.err.startswith("BLOCKED: Cannot write receipt before review completes.")
    hook(ralph, "ralph-guard", post_bash("flowctl rp chat-send --message m", "Chat Send: reply", ralph.cwd), env)
    run = hook(ralph, "ralph-guard", pre_bash(write, ralph.cwd), env)
    assert run.code == 2 and run.err.startswith("BLOCKED: Cannot write impl receipt for fn-1.1 - flowctl done was not")
    no_id = f"cat > {receipt} <<EOF\n{{\"type\":\"impl_review\"}}\nEOF"
    assert hook(ralph, "ralph-guard", pre_bash(no_id, ralph.cwd), env).err.startswith(
        "BLOCKED: Receipt JSON is missing required 'id' field.")
    hook(ralph, "ralph-guard", post_bash("flowctl done fn-1.1 --summary s --evidence e", "status: done", ralph.cwd),
         env)
    assert hook(ralph, "ralph-guard", pre_bash(write, ralph.cwd), env).code == 0
    hook(ralph, "ralph-guard", post_bash(write, "", ralph.cwd), env)  # the write resets both review flags
    state = json.loads(state_file(tmp_path / "tmp").read_text())
    assert state["chat_send_succeeded"] is False and state["codex_review_succeeded"] is False


def test_stop_blocks_until_the_receipt_exists(ralph: Flowctl, tmp_path: Path) -> None:
    receipt = tmp_path / "completion-fn-12.json"
    env = {"REVIEW_RECEIPT_PATH": str(receipt)}
    hook(ralph, "ralph-guard", post_bash("flowctl rp setup-review --repo-root . --summary s", "W=1 T=AB", ralph.cwd))
    stop = base("Stop", ralph.cwd, stop_hook_active=False)
    run = hook(ralph, "ralph-guard", stop, env)
    assert run.code == 0 and json.loads(run.out) == {"decision": "block", "reason": (
        "Cannot stop: epic completion review not completed.\nYou MUST invoke `/flow-code:epic-review fn-12` to "
        "complete the review.\nThe skill writes the receipt on SHIP verdict.\nDo NOT write the receipt manually - "
        "that skips the actual review.")}
    assert hook(ralph, "ralph-guard", {**stop, "stop_hook_active": True}, env).out == ""
    receipt.write_text("{}")
    assert state_file(tmp_path / "tmp").exists()
    assert hook(ralph, "ralph-guard", {**stop, "hook_event_name": "SubagentStop"}, env).out == ""
    assert list((tmp_path / "tmp").glob("ralph-guard-*.json")) == []


def test_files_are_per_repository_and_session(ralph: Flowctl, tmp_path: Path) -> None:
    other = tmp_path / "other"
    (other / ".git").mkdir(parents=True)
    cmd, reply = "flowctl rp chat-send --message m", "Chat Send: ok"
    hook(ralph, "ralph-guard", post_bash(cmd, reply, ralph.cwd))
    ralph_other = Flowctl(other, ralph.env)
    hook(ralph_other, "ralph-guard", post_bash(cmd, reply, other))
    hook(ralph, "ralph-guard", post_bash(cmd, reply, ralph.cwd, session="another-session"))
    files = sorted(p.name for p in (tmp_path / "tmp").glob("ralph-guard-*.json"))
    assert len(files) == 3
    logs = sorted(p.name for p in (tmp_path / "tmp").glob("ralph-guard-*.log"))
    assert [n.removesuffix(".log") for n in logs] == [n.removesuffix(".json") for n in files]
    assert not (tmp_path / "tmp" / "ralph-guard-debug.log").exists()


def test_debug_log_goes_to_the_run_dir(ralph: Flowctl, tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "r1"
    run_dir.mkdir(parents=True)
    hook(ralph, "ralph-guard", pre_bash("ls", ralph.cwd), {"RUN_DIR": str(run_dir)})
    log = (run_dir / "guard-debug.log").read_text()
    assert log == "[1] Hook called\n  -> Event: PreToolUse, Tool: Bash\n"
    (run_dir / "guard-debug.log").write_text("x" * (1_048_576 + 1))
    hook(ralph, "ralph-guard", pre_bash("ls", ralph.cwd), {"RUN_DIR": str(run_dir)})
    assert (run_dir / "guard-debug.log.1").stat().st_size == 1_048_577
    assert (run_dir / "guard-debug.log").read_text().startswith("[1] Hook called")


# -- Teams mode file locks ---------------------------------------------------------------------------------------

def test_file_locked_by_another_task_blocks_the_edit(ralph: Flowctl) -> None:
    fc = ralph
    fc.ok("init", "--json")
    epic = fc.ok("epic", "create", "--title", "Hooks demo", "--json")["id"]
    for title in ("One", "Two"):
        fc.ok("task", "create", "--epic", epic, "--title", title, "--json")
    fc.ok("lock", "--task", f"{epic}.2", "--files", "src/b.py", "--json")
    env = {"FLOW_TEAMS": "1", "FLOW_TASK_ID": f"{epic}.1"}
    run = hook(fc, "ralph-guard", pre_edit("Edit", str(fc.cwd / "src" / "b.py"), fc.cwd), env)
    assert run.code == 2
    assert run.err == (f"BLOCKED: File 'src/b.py' is locked by task '{epic}.2'. Your task ({epic}.1) does not own "
                       "this file. Request access via 'Need file access:' protocol message or work on your own "
                       "files.\n")
    assert claude_blocks(0, run.out)
    # An unlocked file is taken for the editing task, as the reference's `flowctl lock` call did.
    assert hook(fc, "ralph-guard", pre_edit("Write", str(fc.cwd / "src" / "new.py"), fc.cwd), env).code == 0
    assert fc.ok("lock-check", "--file", "src/new.py", "--json")["locks"][0]["task_id"] == f"{epic}.1"


# -- through the plugin's hooks.json wrapper, under sh -----------------------------------------------------------

def test_wrapper_block_reaches_claude(ralph: Flowctl, tmp_path: Path) -> None:
    env = {"CLAUDE_PLUGIN_ROOT": str(plugin_root(tmp_path)), "FLOW_RALPH": "1", "TMPDIR": str(tmp_path / "tmp")}
    command = WRAPPER_UNGUARDED.replace("{name}", "ralph-guard")
    proc = run_wrapper(command, pre_bash("codex exec 'review'", ralph.cwd), ralph.cwd, env)
    assert proc.returncode == 0  # `|| true` swallows exit 2 ...
    assert proc.stderr.startswith("BLOCKED: Do not call 'codex exec' directly.")
    assert claude_blocks(proc.returncode, proc.stdout)  # ... the deny decision on stdout does not get lost
    proc = run_wrapper(command, pre_bash("git status", ralph.cwd), ralph.cwd, env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
