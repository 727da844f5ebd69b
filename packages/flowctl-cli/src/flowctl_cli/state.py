"""The global switches of one invocation."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from pathlib import Path


class CliState:
    """Global flags resolved once: --json, compact mode, --dry-run and the working directory.

    A plain class, not a dataclass: building a dataclass costs ~0.7 ms of start-up on every call.
    """

    __slots__ = ("json", "compact", "dry_run", "cwd_text")

    def __init__(self, json: bool = False, compact: bool = False, dry_run: bool = False, cwd: str = ".") -> None:
        self.json = json
        self.compact = compact
        self.dry_run = dry_run
        self.cwd_text = cwd  # a plain string: the agent-loop commands never import pathlib (~4 ms of start-up)

    @property
    def cwd(self) -> Path:
        """The working directory as a Path (for the commands that are not on the agent loop)."""
        from pathlib import Path

        return Path(self.cwd_text)

    def __repr__(self) -> str:
        return f"CliState(json={self.json}, compact={self.compact}, dry_run={self.dry_run}, cwd={self.cwd_text!r})"

    @classmethod
    def resolve(cls, *, json: bool, compact: bool, no_compact: bool, dry_run: bool) -> CliState:
        """Compact is on with --compact or when stdout is not a TTY; --no-compact or FLOWCTL_COMPACT=0 opt out."""
        env = os.environ.get("FLOWCTL_COMPACT", "").strip().lower()
        if no_compact or env in ("0", "false", "no", "off"):
            on = False
        elif compact or env in ("1", "true", "yes", "on"):
            on = True
        else:
            on = not sys.stdout.isatty()
        return cls(json=json, compact=on, dry_run=dry_run, cwd=os.getcwd())
