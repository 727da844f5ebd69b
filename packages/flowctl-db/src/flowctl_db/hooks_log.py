"""HooksLogStore: the Claude Code hooks' append-only log `.flow/hooks-log/events.jsonl` (cli-ext.md §16.6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl_core.json_store import FlowPaths, append_line, dumps_line


class HooksLogStore:
    """`hooks-log/events.jsonl`: one compact sorted-key JSON object per line, appended whole."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    @property
    def path(self) -> Path:
        """The log file."""
        return self.paths.root / "hooks-log" / "events.jsonl"

    def append(self, value: dict[str, Any], key: str = "") -> None:
        """Append one event as a single whole line (the directory is created on first use)."""
        append_line(self.path, dumps_line(value))

    def put(self, key: str, value: Any) -> None:
        """The hooks log is append-only."""
        raise ValueError("hooks-log/events.jsonl is append-only")

    def delete(self, key: str) -> None:
        """The hooks log is append-only."""
        raise ValueError("hooks-log/events.jsonl is append-only")
