"""Support for the hook tests: Claude Code payloads, fake external programs, and the plugin's hooks.json wrappers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from flowctl_runner import Flowctl, flowctl_executable

SESSION = "3f1c2a9e-5b7d-4c8e-9a1f-0d2e4b6c8a10"

# The hook commands of the plugin's hooks/hooks.json (reference 99574d06), as Claude Code runs them with `sh -c`.
WRAPPER_UNGUARDED = 'F="${DROID_PLUGIN_ROOT:-${CLAUDE_PLUGIN_ROOT:-}}/bin/flowctl"; [ -x "$F" ] && "$F" hook {name} || true'
WRAPPER_GATED = 'F="${DROID_PLUGIN_ROOT:-${CLAUDE_PLUGIN_ROOT:-}}/bin/flowctl"; { [ ! -d .flow ] || [ ! -x "$F" ]; } || "$F" hook {name}'
WRAPPER_COMMIT_GATE_PRE = (
    'F="${DROID_PLUGIN_ROOT:-${CLAUDE_PLUGIN_ROOT:-}}/bin/flowctl"; C="${TMPDIR:-/tmp}/flowctl-commit-gate-ts"; '
    '{ [ ! -d .flow ] || [ ! -x "$F" ]; } && exit 0; [ -f "$C" ] && '
    '[ $(( $(date +%s) - $(cat "$C" 2>/dev/null || echo 0) )) -lt 60 ] && exit 0; "$F" hook commit-gate; '
    'echo $(date +%s) > "$C"')


def base(event: str, cwd: Path, session: str = SESSION, **extra: Any) -> dict[str, Any]:
    """The fields Claude Code sends with every event."""
    return {"session_id": session, "transcript_path": f"/home/dev/.claude/projects/p/{session}.jsonl",
            "cwd": str(cwd), "permission_mode": "default", "hook_event_name": event, **extra}


def pre_bash(command: str, cwd: Path, **kw: Any) -> dict[str, Any]:
    """PreToolUse for the Bash tool."""
    return base("PreToolUse", cwd, tool_name="Bash", tool_use_id="toolu_01ABC",
                tool_input={"command": command, "description": "Run a command"}, **kw)


def post_bash(command: str, stdout: Any, cwd: Path, **kw: Any) -> dict[str, Any]:
    """PostToolUse for the Bash tool (`stdout` a string becomes Claude Code's response object)."""
    response = ({"stdout": stdout, "stderr": "", "interrupted": False, "isImage": False}
                if isinstance(stdout, str) else stdout)
    return base("PostToolUse", cwd, tool_name="Bash", tool_use_id="toolu_01ABC",
                tool_input={"command": command, "description": "Run a command"}, tool_response=response, **kw)


def pre_edit(tool: str, file_path: str, cwd: Path, **kw: Any) -> dict[str, Any]:
    """PreToolUse for Edit or Write."""
    tool_input = ({"file_path": file_path, "old_string": "a", "new_string": "b"} if tool == "Edit"
                  else {"file_path": file_path, "content": "x"})
    return base("PreToolUse", cwd, tool_name=tool, tool_use_id="toolu_01DEF", tool_input=tool_input, **kw)


def hook(fc: Flowctl, name: str, payload: Any, env: dict[str, str] | None = None, *args: str):
    """Run `flowctl hook <name>` with the payload (a dict is sent as JSON, bytes/str as is) on stdin."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return fc("hook", name, *args, input=text, env=env)


def claude_blocks(code: int, stdout: str) -> bool:
    """Whether Claude Code treats a hook's answer as a block: exit 2, or exit 0 with a deny/block decision."""
    if code == 2:
        return True
    if code != 0 or not stdout.strip():
        return False
    try:
        answer = json.loads(stdout)
    except ValueError:
        return False
    specific = answer.get("hookSpecificOutput") or {}
    return answer.get("decision") == "block" or specific.get("permissionDecision") == "deny"


def plugin_root(tmp: Path) -> Path:
    """A plugin directory whose bin/flowctl is our flowctl (as the plugin's SessionStart installs it)."""
    root = tmp / "plugin"
    (root / "bin").mkdir(parents=True, exist_ok=True)
    link = root / "bin" / "flowctl"
    if not link.exists():
        link.symlink_to(flowctl_executable())
    return root


def run_wrapper(command: str, payload: dict[str, Any], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run one hooks.json command under `sh -c` with the payload on stdin, as Claude Code does."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FLOW_", "FLOWCTL_"))}
    return subprocess.run(["sh", "-c", command], input=json.dumps(payload), capture_output=True, text=True,
                          cwd=cwd, env={**clean, **env}, timeout=60)


FAKE_PROGRAM = """#!{python}
import json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
name = os.path.basename(sys.argv[0])
with open(os.path.join(here, name + ".json")) as f:
    cfg = json.load(f)
record = {{"argv": sys.argv[1:], "stdin": sys.stdin.read() if sys.stdin else "", "cwd": os.getcwd(),
          "env": dict(os.environ), "pid": os.getpid()}}
with open(os.path.join(here, name + ".calls.jsonl"), "a") as f:
    f.write(json.dumps(record) + "\\n")
if cfg.get("child"):
    import subprocess
    child = subprocess.Popen(["sleep", "60"])
    with open(os.path.join(here, name + ".child"), "w") as f:
        f.write(str(child.pid))
time.sleep(cfg.get("sleep", 0))
sys.stdout.write(cfg.get("stdout", ""))
sys.exit(cfg.get("exit", 0))
"""


class FakeProgram:
    """An executable `name` in `bin_dir` that records each call and answers as configured."""

    def __init__(self, bin_dir: Path, name: str) -> None:
        self.dir = bin_dir
        self.name = name
        bin_dir.mkdir(parents=True, exist_ok=True)
        path = bin_dir / name
        path.write_text(FAKE_PROGRAM.format(python=sys.executable))
        path.chmod(0o755)
        self.answer()

    def answer(self, stdout: str = "", exit: int = 0, sleep: float = 0, child: bool = False) -> None:
        """Configure the next calls' reply."""
        (self.dir / f"{self.name}.json").write_text(
            json.dumps({"stdout": stdout, "exit": exit, "sleep": sleep, "child": child}))

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every recorded call: argv (without the program), stdin, cwd, env, pid."""
        log = self.dir / f"{self.name}.calls.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    @property
    def child_pid(self) -> int:
        """Pid of the background child the last call started (`answer(child=True)`)."""
        return int((self.dir / f"{self.name}.child").read_text())


def alive(pid: int) -> bool:
    """Whether a process exists (zombies of other parents count as gone after a short wait)."""
    import time

    for _ in range(100):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(") ", 1)[1].startswith("Z"):
                    return False
        except (FileNotFoundError, ProcessLookupError):
            return False
        time.sleep(0.02)
    return True
