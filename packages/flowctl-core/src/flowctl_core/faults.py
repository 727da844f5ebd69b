"""Test-only fault injection at the write points of json_store, armed by the FLOWCTL_TEST_FAULTS variable.

Comma-separated rules:
* `trace:FILE`        append one line per write point (`N kind path`) to FILE, to enumerate the crash points;
* `crash:before:N`    SIGKILL this process right before its N-th write (1-based), `crash:after:N` right after it;
* `raise:STAGE:ERRNO[:N]`  fail the N-th (default 1st) STAGE (`write`, `fsync`, `replace`, `append`, `unlink`) with
  OSError(ERRNO), e.g. `raise:fsync:EIO`;
* `barrier:PATH`      before taking the store lock the first time, create `PATH.ready.<pid>` and wait until PATH
  exists, so racing processes reach the lock together (their start-up no longer spreads them out).
Nothing here runs unless the variable is set.
"""

from __future__ import annotations

import errno
import os
import signal


def _rules() -> list[list[str]]:
    return [r.split(":") for r in os.environ.get("FLOWCTL_TEST_FAULTS", "").split(",") if r]


_RULES = _rules()
_writes = 0
_stages: dict[str, int] = {}
_barrier_done = False


def _crash() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def at_lock() -> None:
    """The process is about to take the store lock: wait at the barrier, once."""
    global _barrier_done
    if _barrier_done:
        return
    _barrier_done = True
    for rule in _RULES:
        if rule[0] == "barrier":
            import time

            go = ":".join(rule[1:])
            open(f"{go}.ready.{os.getpid()}", "w").close()
            deadline = time.monotonic() + 60
            while not os.path.exists(go) and time.monotonic() < deadline:
                time.sleep(0.0005)


def before_write(path: str) -> None:
    """A write point is about to change `path`."""
    global _writes
    _writes += 1
    for rule in _RULES:
        if rule[0] == "trace":
            with open(":".join(rule[1:]), "a", encoding="utf-8") as f:
                f.write(f"{_writes} {path}\n")
        elif rule[:2] == ["crash", "before"] and int(rule[2]) == _writes:
            _crash()


def after_write(path: str) -> None:
    """The write point has changed `path`."""
    for rule in _RULES:
        if rule[:2] == ["crash", "after"] and int(rule[2]) == _writes:
            _crash()


def stage(name: str, path: str) -> None:
    """One stage of a write; raise the configured OSError when a rule names this occurrence."""
    _stages[name] = _stages.get(name, 0) + 1
    for rule in _RULES:
        if rule[0] == "raise" and rule[1] == name:
            nth = int(rule[3]) if len(rule) > 3 else 1
            if _stages[name] == nth:
                code = getattr(errno, rule[2])
                raise OSError(code, os.strerror(code), str(path))
