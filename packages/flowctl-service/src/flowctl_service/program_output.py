"""The stdout of a short program (`git config user.email`) without the subprocess module.

Writes and scheduling ask git who the actor is on every call; importing subprocess costs ~5 ms of start-up, more
than git itself. This is the same guarantee as commands_runner (an argv list, a timeout, an output cap, nothing
left running) in the few lines a one-shot query needs: posix_spawn, one pipe, poll. `start` returns at once, so
the caller can do other work while the program runs.
"""

from __future__ import annotations

import os
import select
import time

QUERY_TIMEOUT = 10.0  # seconds; git answers a config query in a few milliseconds
QUERY_MAX_OUTPUT = 64 * 1024  # bytes; a config value is one short line


class Started:
    """A program started by `start`: `result()` collects it, `abandon()` gives up on it."""

    def __init__(self, pid: int, stdout: int, timeout: float, cap: int) -> None:
        self.pid = pid  # also its process group (it leads its own session)
        self._stdout: int | None = stdout
        self._deadline = time.monotonic() + timeout
        self._cap = cap

    def result(self) -> tuple[int, bytes] | None:
        """(exit status, stdout); None when it was killed, printed more than the cap or ran past the timeout."""
        if self._stdout is None:
            return None
        chunks: list[bytes] = []
        size = 0
        poller = select.poll()
        poller.register(self._stdout, select.POLLIN)
        try:
            while True:
                left = self._deadline - time.monotonic()
                if left <= 0 or not poller.poll(left * 1000):
                    return self.abandon()
                chunk = os.read(self._stdout, 65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > self._cap:
                    return self.abandon()
                chunks.append(chunk)
            while True:  # stdout is closed; the child is exiting (a child that lingers still meets the deadline)
                done, status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    break
                if time.monotonic() >= self._deadline:
                    return self.abandon()
                time.sleep(0.0002)
        finally:
            self._close()
        if not os.WIFEXITED(status):
            return None
        return os.WEXITSTATUS(status), b"".join(chunks)

    def abandon(self) -> None:
        """Kill the child's process group and reap the child (once)."""
        import signal  # rarely needed; its enum set-up costs start-up time

        if self._stdout is None:
            return None
        self._close()
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        return None

    def _close(self) -> None:
        if self._stdout is not None:
            os.close(self._stdout)
            self._stdout = None


def start(argv: list[str], *, timeout: float = QUERY_TIMEOUT, cap: int = QUERY_MAX_OUTPUT) -> Started | None:
    """Start `argv` with stdin and stderr on /dev/null, in its own session; None when it cannot start."""
    read_end, write_end = os.pipe()  # both close-on-exec; the child gets a dup as its stdout
    try:
        pid = os.posix_spawnp(argv[0], argv, os.environ, setsid=True, file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, write_end, 1),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ])
    except OSError:
        os.close(read_end)
        return None
    finally:
        os.close(write_end)
    return Started(pid, read_end, timeout, cap)


def output_of(argv: list[str], *, timeout: float = QUERY_TIMEOUT, cap: int = QUERY_MAX_OUTPUT) -> tuple[int, bytes] | None:
    """(exit status, stdout) of `argv`; None when it cannot start, is killed, prints more than `cap` bytes or
    runs past `timeout` seconds. The whole process group is killed when it is given up on."""
    started = start(argv, timeout=timeout, cap=cap)
    return None if started is None else started.result()
