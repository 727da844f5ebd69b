"""`hook rtk-rewrite`: let `rtk rewrite` shorten a Bash command's output before it runs (cli-ext.md §16.7).

Does not need `.flow`. Fix over the reference (decisions "hook"): `rtk` is looked up on this call's PATH instead of
a probe cached for an hour in one `$TMPDIR/flowctl-rtk-probe` shared by every session (a PATH lookup costs less
than reading that file, and an rtk installed mid-session is seen at once).
"""

from __future__ import annotations

from . import HookContext, Outcome, json_answer, text_at

RTK_TIMEOUT_SECONDS = 3.0  # the hook's budget in hooks.json is 5 s


def run(ctx: HookContext) -> Outcome:
    """Answer with the rewritten command when rtk offers a different, non-empty one; otherwise pass through."""
    command = text_at(ctx.payload(), "tool_input", "command")
    if not command:
        return Outcome()
    from .programs import find_program, run_program

    rtk = find_program("rtk", ctx.env)
    if rtk is None:
        return Outcome()
    result = run_program([rtk, "rewrite", command], timeout=RTK_TIMEOUT_SECONDS, cwd=ctx.cwd, env=ctx.env)
    if result.timed_out:
        return Outcome(stderr=f"flowctl hook rtk-rewrite: rtk timed out after {RTK_TIMEOUT_SECONDS:g}s; "
                              "command left unchanged\n")
    rewritten = result.stdout.strip()
    if not result.ok or not rewritten or rewritten == command:
        return Outcome()
    return json_answer({"hookSpecificOutput": {
        "hookEventName": "PreToolUse", "permissionDecision": "allow",
        "permissionDecisionReason": "RTK token optimization", "updatedInput": {"command": rewritten}}})
