"""EventStore: the append-only event log `.state/events.jsonl` (storage.md §3.13, §7.4–7.5)."""

from __future__ import annotations

from flowctl_core import json_text
from flowctl_core.json_store import FlowPaths, append_line, dumps_line, read_bytes, read_json_lines

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import Any

# Stream prefixes that belong to an epic as a whole (D-7); task streams are matched separately.
_EPIC_STREAM_PREFIXES = ("epic:", "mutation:", "decision:")


def stream_belongs_to_epic(stream_id: object, epic_id: str) -> bool:
    """True when `stream_id` is `epic:E`, `mutation:E`, `decision:E` or `task:E.<digits>` (exact, D4 fix).

    `mutation:E.<digits>` also belongs to E: the reference logged task spec/state mutations on the task's id (D33).
    """
    if not isinstance(stream_id, str):
        return False
    if any(stream_id == prefix + epic_id for prefix in _EPIC_STREAM_PREFIXES):
        return True
    for kind in ("task:", "mutation:"):
        task_prefix = f"{kind}{epic_id}."
        if stream_id.startswith(task_prefix):
            number = stream_id[len(task_prefix):]
            return number.isdigit() and number.isascii()
    return False


class EventStore:
    """`.state/events.jsonl`: one compact sorted-key JSON object per line, appended whole."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    @property
    def path(self) -> Path:
        """The events file."""
        return self.paths.events

    def append(self, event: dict[str, Any], key: str = "") -> None:
        """Append one event as a single whole line (never torn or interleaved with other writers)."""
        append_line(self.paths.at("events"), dumps_line(event))

    def append_all(self, events: list[dict[str, Any]]) -> None:
        """Append several events as whole lines in one write (one fsync), in order."""
        append_line(self.paths.at("events"), "".join(map(dumps_line, events)))

    def put(self, key: str, value: Any) -> None:
        """The event log is append-only."""
        raise ValueError("events.jsonl is append-only")

    def delete(self, key: str) -> None:
        """The event log is append-only."""
        raise ValueError("events.jsonl is append-only")

    def read_all(self) -> list[dict[str, Any]]:
        """Every event in file order; unparseable lines and non-object lines are skipped."""
        return [e for e in read_json_lines(self.paths.events) if isinstance(e, dict)]

    def newest_first(self, contains: str = "") -> Iterator[dict[str, Any]]:
        """Events from the last line back; lines not containing `contains` are skipped before parsing (fast
        filtering of a large log); unparseable and non-object lines are skipped."""
        data = read_bytes(self.paths.events)
        if not data:
            return
        marker = contains.encode("utf-8")
        for line in reversed(data.split(b"\n")):
            if marker not in line or not line.strip():
                continue
            try:
                event = json_text.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(event, dict):
                yield event

    def count_lines(self) -> int:
        """Non-empty lines of the log, parseable or not (what `stats summary` reports as `total_events`)."""
        data = read_bytes(self.paths.events)
        if not data:
            return 0
        return sum(1 for line in data.split(b"\n") if line.rstrip(b"\r"))

    def read_by_stream(self, stream_id: str) -> list[dict[str, Any]]:
        """Events whose parsed `stream_id` equals `stream_id` exactly."""
        return [e for e in self.read_all() if e.get("stream_id") == stream_id]

    def for_epic(self, epic_id: str) -> list[dict[str, Any]]:
        """Events of one epic by exact stream/epic_id match, in file order (`fn-1` never matches `fn-10-x`)."""
        return [e for e in self.read_all()
                if e.get("epic_id") == epic_id or stream_belongs_to_epic(e.get("stream_id"), epic_id)]

    def read_from(self, offset: int, max_bytes: int | None = None) -> tuple[list[dict[str, Any]], int]:
        """Events in the whole lines after byte `offset` (all, or only the last `max_bytes` of them) and the offset
        just past the last whole line read: a reader that follows the log reads each line once."""
        import os

        try:
            with open(self.paths.events, "rb") as f:
                end = os.fstat(f.fileno()).st_size
                if end < offset:  # the log was replaced by a shorter one: read it afresh
                    offset = 0
                start = offset if max_bytes is None else max(offset, end - max_bytes)
                f.seek(start)
                data = f.read(end - start)
        except FileNotFoundError:
            return [], 0
        base = start
        if start > offset:  # started mid-file: drop the partial first line
            newline = data.find(b"\n")
            data = data[newline + 1:] if newline >= 0 else b""
            base = end - len(data)
        cut = data.rfind(b"\n") + 1  # a line still being written is read next time, whole
        events = []
        for line in data[:cut].split(b"\n"):
            if line.strip():
                try:
                    value = json_text.loads(line)
                except (ValueError, RecursionError):
                    continue
                if isinstance(value, dict):
                    events.append(value)
        return events, base + cut
