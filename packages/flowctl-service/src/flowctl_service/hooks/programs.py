"""Running another program from a hook: argument list, timeout, capped output, no orphan child.

Provisional: replaced by the shared subprocess runner of flowctl-service once it is on main.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

MAX_OUTPUT = 1 << 20  # bytes of stdout kept; the rest is read and dropped so the child never blocks on a full pipe


class ProgramResult:
    """How a program ended: exit code (None when it could not start or timed out) and its captured stdout."""

    __slots__ = ("code", "stdout", "timed_out", "error")

    def __init__(self, code: int | None, stdout: str = "", timed_out: bool = False, error: str = "") -> None:
        self.code = code
        self.stdout = stdout
        self.timed_out = timed_out
        self.error = error

    @property
    def ok(self) -> bool:
        """True when the program ran and exited 0."""
        return self.code == 0


def run_program(argv: Sequence[str], *, timeout: float, cwd: Path | None = None,
                env: Mapping[str, str] | None = None, max_output: int = MAX_OUTPUT) -> ProgramResult:
    """Run argv (stdin empty, stderr discarded) in its own process group; kill the whole group on timeout."""
    import selectors
    import signal
    import time

    try:
        proc = subprocess.Popen(list(argv), cwd=cwd, env=dict(env) if env is not None else None,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    except (OSError, ValueError) as err:  # missing program, argument list too long, NUL in an argument
        return ProgramResult(None, error=str(err))
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    kept = bytearray()
    timed_out = False
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            if not sel.select(left):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            if len(kept) < max_output:
                kept += chunk[:max_output - len(kept)]
    proc.stdout.close()
    while not timed_out and not _exited(proc.pid):  # stdout closed; give the program the rest of its time
        if time.monotonic() >= deadline:
            timed_out = True
        else:
            time.sleep(0.005)
    try:  # the program is a zombie now (or still running): its group id cannot be reused yet
        os.killpg(proc.pid, signal.SIGKILL)  # whatever it left behind, or the program itself on timeout
    except OSError:
        pass
    proc.wait()
    if timed_out:
        return ProgramResult(None, kept.decode("utf-8", "replace"), timed_out=True)
    return ProgramResult(proc.returncode, kept.decode("utf-8", "replace"))


def _exited(pid: int) -> bool:
    """True once the child has ended, without reaping it (WNOWAIT keeps its pid reserved)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def find_program(name: str, env: Mapping[str, str]) -> str | None:
    """The executable `name` resolves to on `$PATH` (like `command -v`), or None."""
    for directory in (env.get("PATH") or os.defpath).split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None
