"""Claude Code hook handlers (cli-ext.md §16): payload in, an Outcome (exit code, stdout, stderr) out.

Each hook module has `run(ctx: HookContext) -> Outcome`. Modules import only what their own path needs: a hook
with nothing to do must cost little more than the interpreter's start-up (several run on every Bash call).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # `typing` is not loaded at run time: an idle hook imports as little as possible

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any


class Outcome:
    """What a hook answers: exit code (0 allow, 2 block), stdout text, stderr text, compact filter of stdout."""

    __slots__ = ("code", "stdout", "stderr", "text_filter")

    def __init__(self, code: int = 0, stdout: str = "", stderr: str = "", text_filter: str | None = None) -> None:
        self.code = code
        self.stdout = stdout
        self.stderr = stderr
        self.text_filter = text_filter

    def __repr__(self) -> str:
        return f"Outcome(code={self.code}, stdout={self.stdout!r}, stderr={self.stderr!r})"


class HookContext:
    """One hook invocation: working directory, environment, clock, the stdin payload (read on first use), and
    `dry_run` (global --dry-run: decide as usual but write nothing; `.flow` writers print their Changes preview).

    Paths are plain strings (`cwd` accepts any path-like): pathlib costs an idle hook ≈4 ms of imports.
    """

    __slots__ = ("cwd", "env", "now", "dry_run", "_reader", "_payload")

    def __init__(self, cwd: str | os.PathLike[str], env: Mapping[str, str], read_stdin: Callable[[], bytes],
                 now: float | None = None, dry_run: bool = False) -> None:
        self.cwd = os.fspath(cwd)
        self.env = env
        self.now = now
        self.dry_run = dry_run
        self._reader = read_stdin
        self._payload: dict[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        """The stdin JSON object; anything else (invalid JSON, an array, nothing) counts as `{}`."""
        if self._payload is None:
            from flowctl_core.json_text import loads

            try:
                data = loads(self._reader() or b"{}")
            except (ValueError, OSError):
                data = {}
            self._payload = data if isinstance(data, dict) else {}
        return self._payload

    def clock(self) -> float:
        """Unix seconds (fixed by tests through `now`)."""
        if self.now is None:
            import time

            return time.time()
        return self.now

    def flow_dir(self) -> str | None:
        """`<cwd>/.flow` when it is a directory (a symlink to one counts), else None."""
        flow = os.path.join(self.cwd, ".flow")
        return flow if os.path.isdir(flow) else None

    def temp_dir(self) -> str:
        """`$TMPDIR`, else `/tmp` (like the reference's state files)."""
        return self.env.get("TMPDIR") or "/tmp"


def text_at(data: Any, *keys: str) -> str:
    """The string at a key path of a JSON value ('' when absent or not a string)."""
    for key in keys:
        if not isinstance(data, dict):
            return ""
        data = data.get(key)
    return data if isinstance(data, str) else ""


def response_text(payload: dict[str, Any]) -> str:
    """`tool_response` as text: its `stdout` string, a string response itself, else its compact JSON."""
    response = payload.get("tool_response")
    if response is None:
        return ""
    if isinstance(response, str):
        return response
    if isinstance(response, dict) and isinstance(response.get("stdout"), str):
        return response["stdout"]
    return dumps(response)


def dumps(obj: Any) -> str:
    """One line of sorted-key JSON with raw UTF-8, as the reference prints hook JSON."""
    from flowctl_core.json_text import dumps_compact

    return dumps_compact(obj)


def deny(reason: str) -> Outcome:
    """Block a PreToolUse call: exit 2 with the reason on stderr, and the same decision as JSON on stdout.

    Claude Code reads stdout only on exit 0; the JSON is there for the plugin's wrappers (`… || true`,
    `…; echo … > "$C"`) that turn exit 2 into 0, so the block still takes effect through them.
    """
    decision = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                       "permissionDecisionReason": reason}}
    return Outcome(2, dumps(decision) + "\n", reason + "\n")


def json_answer(obj: Any) -> Outcome:
    """Allow, with a JSON answer on stdout (additional context, a Stop/PostToolUse decision, a rewrite)."""
    return Outcome(0, dumps(obj) + "\n")


def session_key(session_id: str) -> str:
    """A session id made safe as part of a file name (other characters would reach outside the directory)."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in session_id)[:80]
    if safe != session_id:  # two ids must not share one file after the replacement
        import hashlib

        safe = f"{safe}-{hashlib.md5(session_id.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
    return safe.lstrip(".") or "unknown"


def repo_key(cwd: str | os.PathLike[str]) -> str:
    """12 hex digits naming the repository of `cwd` (its nearest directory holding `.git`, else cwd itself)."""
    import hashlib

    start = os.path.realpath(cwd)
    here = start
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            break
        parent = os.path.dirname(here)
        if parent == here:
            here = start
            break
        here = parent
    return hashlib.md5(here.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def find_program(name: str, env: Mapping[str, str]) -> str | None:
    """The executable `name` resolves to on `$PATH` (like `command -v`), or None: no process, no import."""
    for directory in (env.get("PATH") or os.defpath).split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None
