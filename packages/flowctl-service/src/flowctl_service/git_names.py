"""Branch names stored by flowctl are checked as git would, and always passed to git as names, never as options."""

from __future__ import annotations

from pathlib import Path

from flowctl_core.errors import InvalidInputError


def check_branch_name(name: str, cwd: Path) -> str:
    """`name` when git accepts it as a branch name (`git check-ref-format refs/heads/<name>`); else a clear error.

    A name starting with `-` is refused even where git is missing: git would read it as an option.
    """
    from .commands_runner import run

    if not name or name.startswith("-") or any(ord(c) < 32 or c == "\x7f" for c in name):
        raise InvalidInputError(f"Invalid branch name {name!r}: not a valid git branch name")
    result = run(["git", "check-ref-format", f"refs/heads/{name}"], cwd=cwd, timeout=30, max_output=4096)
    if result.status == "missing":
        return name
    if not result.passed:
        raise InvalidInputError(f"Invalid branch name {name!r}: not a valid git branch name")
    return name
