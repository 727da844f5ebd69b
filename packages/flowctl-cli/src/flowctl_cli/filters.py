"""Compact text filters for plain output when stdout is not a TTY (cli-core.md §1.9)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TASK_SUFFIX = (r"\bfn-\d+(?:-[a-zA-Z0-9-]+)?(\.\d+)", r"\1")
_STATUS_MARKERS = [
    (r"^(\s*)\[in_progress\]", r"\1[wip]"),
    (r"^(\s*)\[skipped\]", r"\1[skip]"),
    (r"^(\s*)\[blocked\]", r"\1[blk]"),
]
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class Filter:
    """One filter: replacements, strip patterns, then truncation/head/tail/max-lines limits."""

    replace: list[tuple[str, str]] = field(default_factory=list)
    strip: list[str] = field(default_factory=list)
    strip_ansi: bool = False
    match_output: tuple[str, str, str] | None = None  # (pattern, unless-contains, output)
    truncate: int | None = None
    head: int | None = None
    tail: int | None = None
    max_lines: int | None = None


FILTERS: dict[str, Filter] = {
    "status": Filter(
        replace=[(r"^Epics:\s+(\d+)\s+open,\s+(\d+)\s+done$", r"E:\1o/\2d"),
                 (r"^Tasks:\s+(\d+)\s+todo,\s+(\d+)\s+in_progress,\s+(\d+)\s+done,\s+(\d+)\s+blocked$",
                  r"T:\1t/\2w/\3d/\4b")],
        strip=[r"^\s*$", r"^No active runs$"], max_lines=10),
    "show": Filter(
        replace=[_TASK_SUFFIX, (r"Status: in_progress", "Status: wip"), (r"Status: blocked", "Status: blk"),
                 (r"Status: skipped", "Status: skip"), *_STATUS_MARKERS, (r"^Spec: \.flow/.*$", "")],
        strip=[r"^\s*$"], truncate=80, max_lines=40),
    "epics": Filter(
        replace=[(r"^\s*\[(\w+)\]\s+(fn-\d+)[^:]*:\s+(.+?)\s+\((\d+)/(\d+) tasks done\)\s*$", r"\2[\4/\5 \1]: \3")],
        strip=[r"^Epics \(\d+\):", r"^\s*$"], truncate=38, max_lines=60),
    "tasks": Filter(
        replace=[_TASK_SUFFIX, *_STATUS_MARKERS],
        strip=[r"^Tasks( for [^(]+)? \(\d+\):", r"^\s*$"], truncate=60, max_lines=80),
    "ready": Filter(
        replace=[(r"^Ready tasks for (fn-\d+)(?:-[a-zA-Z0-9-]+)? \(actor: ([^)]+)\):\s*$", r"Ready \1 [\2]:"),
                 (r"^In progress:\s*$", "WIP:"), (r"^Blocked:\s*$", "BLK:"), (r"^\s+\(none\)\s*$", "(none)"),
                 _TASK_SUFFIX, (r"^  (\.\d+):\s+(.+)$", r"\1 \2")],
        strip=[r"^\s*$"], max_lines=60),
    "files": Filter(
        replace=[(r"^\s+(\S+)\s+→\s+fn-\d+(?:-[a-zA-Z0-9-]+)?(\.\d+)\s*$", r"\1→\2"),
                 (r"^\s+(\S+)\s+→\s+CONFLICT:\s+(.+)$", r"\1→!\2"), _TASK_SUFFIX,
                 (r"^\s+⚠\s+(\d+)\s+file conflict\(s\).*$", r"⚠\1 conflicts")],
        strip=[r"^\s*$", r"^File ownership for .+:"], max_lines=100),
    "dag": Filter(
        replace=[(r"^\s*│\s+(\.[0-9]+\s+\[[^\]]+\])\s+│\s*$", r"\1"), (r"^DAG for (fn-\d+)[^\s]*\s*$", r"DAG:\1")],
        strip=[r"^\s*$", r"^\s*(?:└──\s+)?┌─+┐\s*$", r"^\s*└─+┘\s*$", r"^\s*[│↓]\s*$"], max_lines=80),
    "guard": Filter(strip_ansi=True, match_output=(r"guards passed$", "✗", "✓ guard passed"),
                    truncate=100, max_lines=30),
    "cat": Filter(head=30, tail=5, truncate=120, max_lines=50),
}

_compiled: dict[str, list] = {}


def _compile(name: str) -> tuple[list[tuple[re.Pattern[str], str]], list[re.Pattern[str]]]:
    cached = _compiled.get(name)
    if cached is None:
        f = FILTERS[name]
        cached = [[(re.compile(p), r) for p, r in f.replace], [re.compile(p) for p in f.strip]]
        _compiled[name] = cached
    return cached[0], cached[1]


def apply_filter(name: str, text: str) -> str:
    """Run the named filter over `text`; the result has no trailing newline (may be empty)."""
    f = FILTERS[name]
    replacements, strips = _compile(name)
    if f.strip_ansi:
        text = _ANSI.sub("", text)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if replacements:
        out = []
        for line in lines:
            for pattern, repl in replacements:
                line = pattern.sub(repl, line)
            out.append(line)
        lines = out
    if f.match_output:
        pattern, unless, output = f.match_output
        joined = "\n".join(lines)
        if re.search(pattern, joined) and unless not in joined:
            return output
    if strips:
        lines = [line for line in lines if not any(p.search(line) for p in strips)]
    if f.truncate:
        n = f.truncate
        lines = [line if len(line) <= n else line[: n - 3] + "..." for line in lines]
    if f.head is not None and f.tail is not None and len(lines) > f.head + f.tail:
        omitted = len(lines) - f.head - f.tail
        lines = [*lines[: f.head], f"... ({omitted} lines omitted)", *lines[-f.tail:]]
    if f.max_lines is not None and len(lines) > f.max_lines:
        extra = len(lines) - f.max_lines
        lines = [*lines[: f.max_lines], f"... ({extra} lines truncated)"]
    return "\n".join(lines)
