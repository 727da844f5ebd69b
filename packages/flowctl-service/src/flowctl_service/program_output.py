"""The stdout of a short program (`git config user.email`) without the subprocess module.

Writes and scheduling ask git who the actor is on every call; importing subprocess costs ~5 ms of start-up, more
than git itself. This is the same guarantee as commands_runner (an argv list, a timeout, an output cap, nothing
left running) in the few lines a one-shot query needs: posix_spawn, one pipe, poll.
"""

from __future__ import annotations

import os
import select
import time

QUERY_TIMEOUT = 10.0  # seconds; git answers a config query in a few milliseconds
QUERY_MAX_OUTPUT = 64 * 1024  # bytes; a config value is one short line


def output_of(argv: list[str], *, timeout: float = QUERY_TIMEOUT, cap: int = QUERY_MAX_OUTPUT) -> tuple[int, bytes] | None:
    """(exit status, stdout) of `argv`; None when it cannot start, is killed, prints more than `cap` bytes or
    runs past `timeout` seconds. stdin and stderr are /dev/null; the child leads its own session, and its whole
    process group is killed when it is given up on."""
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
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    poller = select.poll()
    poller.register(read_end, select.POLLIN)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                return _give_up(pid)
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                return _give_up(pid)
            chunks.append(chunk)
        while True:  # stdout is closed; the child is exiting (a child that lingers still meets the deadline)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() >= deadline:
                return _give_up(pid)
            time.sleep(0.0002)
    finally:
        os.close(read_end)
    if not os.WIFEXITED(status):
        return None
    return os.WEXITSTATUS(status), b"".join(chunks)


def _give_up(pid: int) -> None:
    """Kill the child's process group and reap the child."""
    import signal  # rarely needed; its enum set-up costs start-up time

    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    return None
