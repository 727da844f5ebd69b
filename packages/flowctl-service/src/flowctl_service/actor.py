"""Who the actor is: FLOW_ACTOR (or FLOWCTL_ACTOR), else git's user.email, then user.name, then $USER, `unknown`.

Light on purpose (no store modules): a hot command calls `prefetch_actor` before it imports what it needs, so git
answers on another core while those modules load, and `resolve_actor` then only collects the answer.
"""

from __future__ import annotations

import os

from flowctl_core.errors import InvalidInputError

from .program_output import Started, start

ACTOR_VARIABLES = ("FLOW_ACTOR", "FLOWCTL_ACTOR")
_asked: dict[tuple[str, str], Started] = {}  # git config queries started ahead by prefetch_actor, not yet collected


def prefetch_actor(cwd: str | os.PathLike[str]) -> None:
    """Start asking git for user.email now, unless the environment names the actor (then nothing runs)."""
    if any(os.environ.get(var, "").strip() for var in ACTOR_VARIABLES):
        return
    key = (os.fspath(cwd), "user.email")
    if key not in _asked:
        started = start(_git_argv(*key))
        if started is not None:
            if not _asked:
                import atexit

                atexit.register(_abandon_unused)  # a command that fails first never collects the answer
            _asked[key] = started


def resolve_actor(cwd: str | os.PathLike[str]) -> str:
    """FLOW_ACTOR (or FLOWCTL_ACTOR) → git user.email → git user.name → $USER → `unknown`."""
    for var in ACTOR_VARIABLES:
        value = os.environ.get(var, "").strip()
        if value:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidInputError(f"{var} is not valid UTF-8") from None
            return value
    return (_git_config(cwd, "user.email") or _git_config(cwd, "user.name")
            or os.environ.get("USER", "").strip() or "unknown")


def _git_argv(cwd: str, key: str) -> list[str]:
    return ["git", "-C", cwd, "config", "--get", key]


def _git_config(cwd: str | os.PathLike[str], key: str) -> str | None:
    text = os.fspath(cwd)
    started = _asked.pop((text, key), None) or start(_git_argv(text, key))
    result = None if started is None else started.result()
    if result is None or result[0] != 0:
        return None
    value = result[1].decode("utf-8", "replace").strip()
    return value or None


def _abandon_unused() -> None:
    for started in _asked.values():
        started.abandon()
    _asked.clear()
