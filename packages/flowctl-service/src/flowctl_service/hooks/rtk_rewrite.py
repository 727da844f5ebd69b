"""`hook rtk-rewrite`: let `rtk rewrite` shorten a Bash command's output before it runs (cli-ext.md §16.7).

Does not need `.flow`. Fix over the reference (decisions "hook"): `rtk` is looked up on this call's PATH instead of
a probe cached for an hour in one `$TMPDIR/flowctl-rtk-probe` shared by every session (a PATH lookup costs less
than reading that file, and an rtk installed mid-session is seen at once).
"""

from __future__ import annotations

from . import HookContext, Outcome, find_program, json_answer, text_at

RTK_TIMEOUT_SECONDS = 3.0  # the hook's budget in hooks.json is 5 s
MAX_OUTPUT = 256 * 1024  # a rewritten command line, never more


def run(ctx: HookContext) -> Outcome:
    """Answer with the rewritten command when rtk offers a different, non-empty one; otherwise pass through."""
    command = text_at(ctx.payload(), "tool_input", "command")
    if not command:
        return Outcome()
    rtk = find_program("rtk", ctx.env)
    if rtk is None:  # checked without spawning anything: most machines have no rtk, and this runs on every Bash call
        return Outcome()
    from .. import commands_runner

    result = commands_runner.run([rtk, "rewrite", command], cwd=ctx.cwd, timeout=RTK_TIMEOUT_SECONDS,
                                 env=dict(ctx.env), max_output=MAX_OUTPUT)
    if result.status == "timeout":
        return Outcome(stderr=f"flowctl hook rtk-rewrite: rtk timed out after {RTK_TIMEOUT_SECONDS:g}s; "
                              "command left unchanged\n")
    rewritten = result.text().strip()
    if not result.passed or not rewritten or rewritten == command:
        return Outcome()
    return json_answer({"hookSpecificOutput": {
        "hookEventName": "PreToolUse", "permissionDecision": "allow",
        "permissionDecisionReason": "RTK token optimization", "updatedInput": {"command": rewritten}}})
