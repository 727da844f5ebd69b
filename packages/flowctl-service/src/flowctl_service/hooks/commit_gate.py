"""`hook commit-gate`: no `git commit` while a task is in progress unless `flowctl guard` just passed (§16.3).

PostToolUse records a guard pass in a per-repository, per-session file of the temp dir; PreToolUse lets one
commit through per pass (less than 600 s old) and blocks otherwise. Fixes over the reference (decisions "hook"):
the compact guard output (`✓ guard passed`) counts as a pass; the pass file is per session; a block also answers
with a deny decision on stdout; and PostToolUse removes the plugin wrapper's shared 60-second throttle file
(`flowctl-commit-gate-ts`), which otherwise lets every commit within a minute of any Bash call go unchecked.
"""

from __future__ import annotations

import os

from . import HookContext, Outcome, deny, response_text, session_key, text_at

PASS_TTL_SECONDS = 600
WRAPPER_THROTTLE_FILE = "flowctl-commit-gate-ts"  # written by the reference hooks.json PreToolUse wrapper
BLOCK_REASON = "BLOCKED: git commit requires passing guard first.\nRun: flowctl guard"


def run(ctx: HookContext) -> Outcome:
    """Record a guard pass (PostToolUse) or gate a `git commit` (PreToolUse)."""
    flow = ctx.flow_dir()
    if flow is None:
        return Outcome()
    data = ctx.payload()
    event = text_at(data, "hook_event_name")
    session = text_at(data, "session_id")
    command = text_at(data, "tool_input", "command")
    if event == "PostToolUse" and not ctx.dry_run:
        _forget_wrapper_throttle(ctx)
    if "@" in session:  # subagent workers are not gated
        return Outcome()
    if event == "PostToolUse":
        if "flowctl" in command and "guard" in command and guard_passed(response_text(data)) and not ctx.dry_run:
            from flowctl_db import session_files

            session_files.write_text(pass_file(ctx, flow, session), str(int(ctx.clock())))
        return Outcome()
    if event != "PreToolUse" or "git" not in command or "commit" not in command:
        return Outcome()
    import re

    if not re.search(r"\bgit\s+commit\b", command):
        return Outcome()
    if not _task_in_progress(flow):
        return Outcome()
    from flowctl_db import session_files

    path = pass_file(ctx, flow, session)
    stamp = (session_files.read_text(path) or "").strip()
    if stamp.isdigit() and int(ctx.clock()) - int(stamp) < PASS_TTL_SECONDS:
        if not ctx.dry_run:
            session_files.remove(path)  # one commit per guard pass
        return Outcome()
    return deny(BLOCK_REASON)


def guard_passed(text: str) -> bool:
    """The guard's output says every guard passed (its full, compact or no-op forms)."""
    lower = text.lower()
    passed = ("guards passed" in lower or "guard passed" in lower) and "failed" not in lower and "✗" not in text
    return passed or "nothing to run" in lower or "no stack detected" in lower


def pass_file(ctx: HookContext, flow: str, session: str) -> str:
    """`$TMPDIR/flow-commit-gate-<md5 of the real .flow path>-<session>`."""
    import hashlib

    digest = hashlib.md5(os.path.realpath(flow).encode("utf-8", "surrogatepass")).hexdigest()
    return os.path.join(ctx.temp_dir(), f"flow-commit-gate-{digest}-{session_key(session or 'unknown')}")


def _forget_wrapper_throttle(ctx: HookContext) -> None:
    # The plugin wrapper's file, not one of ours: a plain unlink keeps store code off this every-Bash-call path.
    try:
        os.unlink(os.path.join(ctx.temp_dir(), WRAPPER_THROTTLE_FILE))
    except OSError:
        pass


def _task_in_progress(flow: str) -> bool:
    """Some task of this `.flow` is in progress (what `tasks --json` would show, stopping at the first)."""
    from flowctl_db import FlowStore

    return FlowStore(flow).any_task_in_status("in_progress")
