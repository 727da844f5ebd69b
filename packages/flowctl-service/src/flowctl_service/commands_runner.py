"""Running other programs (guard, invariants check, hooks): one runner with a timeout, an output cap, no orphans.

* argv lists only; a configured shell command is run as `["sh", "-c", cmd]` (`run_shell`), never re-quoted;
* cwd defaults to the repository root (`git rev-parse --show-toplevel`, else the given directory);
* stdout and stderr are read in chunks as they come; past `max_output` bytes per stream the rest is read and
  discarded, so a command printing gigabytes cannot exhaust memory (and never blocks on a full pipe); optional
  `stdin` bytes are fed in the same loop (otherwise the child reads /dev/null, never our terminal);
* the child leads its own process group (`start_new_session=True`); on timeout the whole group is killed, and when
  the leader exits anything it left behind in its group is killed too, so no child outlives the call;
* a missing program, a timeout, a non-zero exit and a signal are each a `RunResult` with a clear `describe()`,
  never an exception.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_TIMEOUT = 600.0  # seconds per command: a full test suite fits, a hung command does not hold an agent long
DEFAULT_MAX_OUTPUT = 1024 * 1024  # bytes kept per stream (stdout, stderr)
TIMEOUT_ENV = "FLOWCTL_COMMAND_TIMEOUT"
_CHUNK = 65536
_DRAIN_GRACE = 1.0  # seconds to finish reading the pipes after the group is gone (an escaped daemon may hold them)


class RunResult:
    """What happened to one command. `status`: ok | exit | signal | timeout | missing | error."""

    __slots__ = ("argv", "status", "returncode", "signal", "stdout", "stderr", "truncated", "timeout", "error", "pid")

    def __init__(self, argv: list[str], status: str, *, returncode: int | None = None, signal: int | None = None,
                 stdout: bytes = b"", stderr: bytes = b"", truncated: bool = False, timeout: float | None = None,
                 error: str | None = None, pid: int | None = None) -> None:
        self.argv = argv
        self.pid = pid  # also the id of the process group it led
        self.status = status
        self.returncode = returncode
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.truncated = truncated
        self.timeout = timeout
        self.error = error

    def __repr__(self) -> str:
        return f"RunResult({self.argv!r}, status={self.status!r}, returncode={self.returncode!r})"

    @property
    def passed(self) -> bool:
        """True when the command ran and exited 0."""
        return self.status == "ok"

    @property
    def exit_code(self) -> int:
        """The exit status, or 1 when there is none (not started, killed by a signal or at its timeout)."""
        return self.returncode if self.returncode is not None and self.returncode >= 0 else 1

    def text(self, stream: str = "stdout") -> str:
        """A captured stream decoded as UTF-8 (invalid bytes replaced)."""
        return (self.stdout if stream == "stdout" else self.stderr).decode("utf-8", "replace")

    def describe(self) -> str:
        """One clear line: `exit 0`, `exit 3`, `command not found (exit 127)`, `killed by signal 9 (SIGKILL)`, …"""
        if self.status == "timeout":
            return f"timed out after {self.timeout:g}s (killed)"
        if self.status == "signal":
            return f"killed by signal {self.signal} ({_signal_name(self.signal)})"
        if self.status == "missing":
            return f"program not found: {self.argv[0] if self.argv else ''}"
        if self.status == "error":
            return f"could not run: {self.error}"
        if self.returncode == 127:
            return "command not found (exit 127)"
        if self.returncode == 126:
            return "command not executable (exit 126)"
        return f"exit {self.returncode}"


def _signal_name(number: int | None) -> str:
    import signal

    try:
        return signal.Signals(number).name if number is not None else "?"
    except ValueError:
        return f"signal {number}"


def default_timeout() -> float:
    """`FLOWCTL_COMMAND_TIMEOUT` seconds when set to a positive number, else DEFAULT_TIMEOUT."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if value > 0 and value == value else DEFAULT_TIMEOUT


def repo_root(cwd: Path) -> Path:
    """`git rev-parse --show-toplevel` run in `cwd`, else `cwd` (where configured commands run)."""
    result = run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, timeout=30, max_output=65536)
    top = result.text().strip() if result.passed else ""
    return Path(top) if top else Path(cwd)


def run_shell(command: str, *, cwd: Path, timeout: float | None = None, max_output: int = DEFAULT_MAX_OUTPUT,
              env: dict[str, str] | None = None, stdin: bytes | None = None) -> RunResult:
    """Run a configured shell command line as `sh -c <command>` (the command is one argv element)."""
    return run(["sh", "-c", command], cwd=cwd, timeout=timeout, max_output=max_output, env=env, stdin=stdin)


def run(argv: list[str], *, cwd: Path, timeout: float | None = None, max_output: int = DEFAULT_MAX_OUTPUT,
        env: dict[str, str] | None = None, stdin: bytes | None = None) -> RunResult:
    """Run `argv` in `cwd` and capture its output (see the module docstring); never raises for the child's sake."""
    import subprocess

    limit = default_timeout() if timeout is None else timeout
    try:
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, close_fds=True)
    except FileNotFoundError as err:
        if err.filename is not None and str(err.filename) == str(cwd):
            return RunResult(argv, "error", error=f"working directory {cwd} does not exist")
        return RunResult(argv, "missing", error=str(err))
    except PermissionError as err:
        return RunResult(argv, "error", error=f"{argv[0] if argv else ''}: permission denied ({err.strerror})")
    except OSError as err:
        return RunResult(argv, "error", error=f"{argv[0] if argv else ''}: {err.strerror or err}")
    try:
        out, err_out, truncated, timed_out = _collect(proc, limit, max_output, stdin)
    finally:
        # The leader is not reaped yet (a zombie at worst), so its pid still names our group: whatever it left
        # behind goes with it, and no unrelated process can have taken the id.
        _kill_group(proc.pid)
        proc.wait()
    common = {"stdout": out, "stderr": err_out, "truncated": truncated, "pid": proc.pid}
    if timed_out:
        return RunResult(argv, "timeout", timeout=limit, **common)
    code = proc.returncode
    if code < 0:
        return RunResult(argv, "signal", returncode=code, signal=-code, **common)
    return RunResult(argv, "ok" if code == 0 else "exit", returncode=code, **common)


def _kill_group(pgid: int) -> None:
    import signal

    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _exited(pid: int) -> bool:
    """Whether the child has exited, without reaping it (its pid keeps naming the group until `wait`)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _write_some(sel, pipe, pending: memoryview) -> memoryview:  # noqa: ANN001 - selector, file object
    """Write what the child's stdin takes now; close it when all is written or the child stopped reading."""
    try:
        written = os.write(pipe.fileno(), pending[:_CHUNK]) if pending else 0
    except BlockingIOError:
        return pending
    except OSError:  # BrokenPipeError: the child does not read its input; that is its business
        written = len(pending)
    pending = pending[written:]
    if not pending:
        sel.unregister(pipe)
        pipe.close()
    return pending


def _collect(proc, limit: float, max_output: int,  # noqa: ANN001 - Popen
             stdin: bytes | None) -> tuple[bytes, bytes, bool, bool]:
    """Feed stdin and read both pipes until EOF, all in one loop (no pipe can fill up and block the other);
    kill the group at the deadline. Returns (stdout, stderr, truncated, timed_out)."""
    import selectors
    import time

    deadline = time.monotonic() + limit
    kept = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    truncated = timed_out = False
    leader_gone_at: float | None = None
    pending = memoryview(stdin or b"")
    with selectors.DefaultSelector() as sel:
        for pipe in kept:
            sel.register(pipe, selectors.EVENT_READ)
        if proc.stdin is not None:
            os.set_blocking(proc.stdin.fileno(), False)
            sel.register(proc.stdin, selectors.EVENT_WRITE)
        while sel.get_map():
            now = time.monotonic()
            if not timed_out and now >= deadline:
                timed_out = True
                _kill_group(proc.pid)
                leader_gone_at = now
            if leader_gone_at is None and _exited(proc.pid):
                # The leader is done; children it left in its group would keep the pipes open forever.
                _kill_group(proc.pid)
                leader_gone_at = now
            if leader_gone_at is not None and now - leader_gone_at > _DRAIN_GRACE:
                break  # something outside the group still holds a pipe: stop reading, do not hang
            wait = 0.05 if leader_gone_at is not None else min(max(deadline - now, 0.0), 0.2)
            for key, _ in sel.select(timeout=wait):
                if key.fileobj is proc.stdin:
                    pending = _write_some(sel, proc.stdin, pending)
                    continue
                data = os.read(key.fd, _CHUNK)
                if not data:
                    sel.unregister(key.fileobj)
                    continue
                buf = kept[key.fileobj]
                room = max_output - len(buf)
                if room > 0:
                    buf += data[:room]
                if len(data) > room:
                    truncated = True
    for pipe in kept:
        pipe.close()
    if proc.stdin is not None and not proc.stdin.closed:
        proc.stdin.close()
    while leader_gone_at is None and not _exited(proc.pid):  # it closed its output but is still running
        if time.monotonic() >= deadline:
            timed_out = True
            break
        time.sleep(0.02)
    return bytes(kept[proc.stdout]), bytes(kept[proc.stderr]), truncated, timed_out


def find_program(name: str) -> str | None:
    """The full path of an executable `name` on PATH, or None (the reference's `which` check before a call)."""
    import shutil

    return shutil.which(name)
