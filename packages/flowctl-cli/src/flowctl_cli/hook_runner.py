"""Run one Claude Code hook: stdin payload in, exit code, stdout and stderr out (cli-ext.md §16).

Used by `flowctl hook <name>` and by the entry point's fast path, which skips building the typer app: several
hooks run on every Bash call of an agent. A hook never blocks or breaks the session through its own fault: any
internal failure (a corrupt `.flow` file, a lock held too long, an I/O error) allows the action and says why on
stderr.
"""

from __future__ import annotations

import os
import sys

# hook name -> (module under flowctl_service.hooks, function, seconds its store-lock waits may take)
HOOKS: dict[str, tuple[str, str, float]] = {
    # lock waits stay well inside each hook's timeout in the plugin's hooks.json
    "auto-memory": ("auto_memory", "run", 10.0),  # Stop, 45 s (gemini may take 10 s first)
    "ralph-guard": ("ralph_guard", "run", 2.0),  # Pre/PostToolUse and Stop, 5 s
    "commit-gate": ("commit_gate", "run", 4.0),  # Pre/PostToolUse, 10 s
    "pre-compact": ("flow_context", "pre_compact", 4.0),  # PreCompact, 10 s
    "subagent-context": ("flow_context", "subagent_context", 2.0),  # SubagentStart, 5 s
    "task-completed": ("flow_context", "task_completed", 2.0),  # TaskCompleted, 5 s
    "rtk-rewrite": ("rtk_rewrite", "run", 2.0),  # PreToolUse, 5 s (takes no lock)
}


def _read_stdin() -> bytes:
    stream = sys.stdin
    if stream is None:
        return b""
    try:
        return stream.buffer.read()
    except (OSError, ValueError):
        return b""


def _bounded_lock_timeout(seconds: float) -> None:
    """Cap store-lock waits (FLOWCTL_LOCK_TIMEOUT) so a busy store cannot outlast the hook's own timeout."""
    try:
        current = float(os.environ.get("FLOWCTL_LOCK_TIMEOUT", "60"))
    except ValueError:
        current = 60.0
    os.environ["FLOWCTL_LOCK_TIMEOUT"] = f"{min(current, seconds):g}"


def _describe(err: Exception) -> str:
    from flowctl_core.errors import FlowError

    return str(err) if isinstance(err, FlowError) else f"{type(err).__name__}: {err}"


def run_hook(name: str, compact: bool, dry_run: bool = False) -> int:
    """Run hook `name` in the current directory; print its answer and return its exit code (0 or 2)."""
    from flowctl_service.hooks import HookContext, Outcome

    module_name, function, lock_seconds = HOOKS[name]
    _bounded_lock_timeout(lock_seconds)
    try:
        ctx = HookContext(os.getcwd(), os.environ, _read_stdin, dry_run=dry_run)
        # __import__ with a fromlist returns the module itself; importlib (and pathlib) would cost start-up time
        handler = getattr(__import__(f"flowctl_service.hooks.{module_name}", fromlist=[function]), function)
        outcome = handler(ctx)
    except Exception as err:  # noqa: BLE001 - the hook's own fault must never block or break the agent
        outcome = Outcome(stderr=f"flowctl hook {name}: {_describe(err)} (allowed; the hook did not run)\n")
    if outcome.stdout:
        if outcome.text_filter:
            from .output import Result, render

            render(Result(None, text=outcome.stdout, text_filter=outcome.text_filter, text_only=True),
                   as_json=False, compact=compact)
        else:
            from .output import write_stdout

            write_stdout(outcome.stdout)
    if outcome.stderr:
        try:
            sys.stderr.write(outcome.stderr)
            sys.stderr.flush()
        except (BrokenPipeError, ValueError):
            pass
    return outcome.code
