"""The global switches of one invocation."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CliState:
    """Global flags resolved once: --json, compact mode, --dry-run and the working directory."""

    json: bool = False
    compact: bool = False
    dry_run: bool = False
    cwd: Path = Path(".")

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
        return cls(json=json, compact=on, dry_run=dry_run, cwd=Path(os.getcwd()))
