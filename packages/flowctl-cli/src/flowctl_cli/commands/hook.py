"""`flowctl hook …`: the Claude Code hook handlers (cli-ext.md §16). JSON payload on stdin; exit 0 allows, 2 blocks.

Plain calls (`flowctl hook commit-gate`) take the entry point's fast path (main.py) and never build this group;
it serves help, `--help`, and calls with other global flags.
"""

from __future__ import annotations

from ..app import group

app = group("Claude Code hook scripts (auto-memory, ralph-guard)")


def _run(name: str) -> int:
    from ..context import state
    from ..hook_runner import run_hook

    return run_hook(name, state().compact, state().dry_run)


@app.command("auto-memory")
def auto_memory() -> int:
    """Extract session memories from transcript (Stop hook)."""
    return _run("auto-memory")


@app.command("ralph-guard")
def ralph_guard() -> int:
    """Enforce Ralph workflow rules (Pre/PostToolUse, Stop hooks)."""
    return _run("ralph-guard")


@app.command("commit-gate")
def commit_gate() -> int:
    """Gate git commit on flowctl guard pass (Pre/PostToolUse hook)."""
    return _run("commit-gate")


@app.command("pre-compact")
def pre_compact() -> int:
    """Inject .flow/ state into compaction context (PreCompact hook)."""
    return _run("pre-compact")


@app.command("subagent-context")
def subagent_context() -> int:
    """Inject active task context for subagents (SubagentStart hook)."""
    return _run("subagent-context")


@app.command("task-completed")
def task_completed() -> int:
    """Sync Claude task completion with .flow/ state (TaskCompleted hook)."""
    return _run("task-completed")


@app.command("rtk-rewrite")
def rtk_rewrite() -> int:
    """Rewrite Bash commands via rtk token optimizer (PreToolUse hook)."""
    return _run("rtk-rewrite")
