"""Compact text filters for plain output when compact mode is on (cli-core.md §1.9).

Same eight-stage pipeline and the same thirteen built-in filters as the reference (`flowctl-core` compress):
strip ANSI → regex replacements line by line (chained) → match_output short-circuit → strip/keep lines →
truncate each line → head/tail → max_lines → on_empty. Patterns are written as in the reference; the one place
where Python and Rust regexes differ for these patterns is `$` on a multi-line blob (Rust: end of text only; Python:
also before a final newline), so match_output patterns use `\\Z`.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    import re

# `fn-12-slug.3` → `.3` (used by several filters).
_TASK_SUFFIX = (r"\bfn-\d+(?:-[a-zA-Z0-9-]+)?(\.\d+)", r"\1")
_STATUS_MARKERS = [
    (r"^(\s*)\[in_progress\]", r"\1[wip]"),
    (r"^(\s*)\[skipped\]", r"\1[skip]"),
    (r"^(\s*)\[blocked\]", r"\1[blk]"),
]
_ANSI = r"\x1b\[[0-9;]*[a-zA-Z]"
_EPIC_PREFIX = r"^Epic (fn-\d+)(?:-[a-zA-Z0-9-]+)?:\s+"


class Filter:
    """One filter definition (the fields of a reference filter TOML).

    A plain class, not a dataclass: `cat | …` is on agents' hot path and dataclass construction costs start-up.
    """

    __slots__ = ("replace", "match_output", "strip", "keep", "strip_ansi", "truncate", "head", "tail",
                 "max_lines", "on_empty")

    def __init__(self, *, replace: list[tuple[str, str]] | None = None,
                 match_output: list[tuple[str, str, str | None]] | None = None,  # (pattern, message, unless)
                 strip: list[str] | None = None, keep: list[str] | None = None, strip_ansi: bool = False,
                 truncate: int | None = None, head: int | None = None, tail: int | None = None,
                 max_lines: int | None = None, on_empty: str | None = None) -> None:
        self.replace = replace or []
        self.match_output = match_output or []
        self.strip = strip or []
        self.keep = keep or []
        self.strip_ansi = strip_ansi
        self.truncate = truncate
        self.head = head
        self.tail = tail
        self.max_lines = max_lines
        self.on_empty = on_empty


FILTERS: dict[str, Filter] = {
    "status": Filter(
        replace=[(r"^Epics:\s+(\d+)\s+open,\s+(\d+)\s+done$", r"E:\1o/\2d"),
                 (r"^Tasks:\s+(\d+)\s+todo,\s+(\d+)\s+in_progress,\s+(\d+)\s+done,\s+(\d+)\s+blocked$",
                  r"T:\1t/\2w/\3d/\4b")],
        strip=[r"^\s*$", r"^No active runs$"], max_lines=10),
    "show": Filter(
        # `^Spec: .flow/.*$`: the reference leaves the dot unescaped (any character), kept as is.
        replace=[_TASK_SUFFIX, (r"Status: in_progress", "Status: wip"), (r"Status: blocked", "Status: blk"),
                 (r"Status: skipped", "Status: skip"), *_STATUS_MARKERS, (r"^Spec: .flow/.*$", "")],
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
    "guard": Filter(strip_ansi=True, match_output=[(r"guards passed\Z", "✓ guard passed", "✗")],
                    truncate=100, max_lines=30),
    "cat": Filter(head=30, tail=5, truncate=120, max_lines=50),
    "gap": Filter(
        replace=[(rf"^\s*{mark}\s+gap-[0-9a-f]+\s+\[{prio}\]\s+(.+)$", rf"{sign}{short}:\1")
                 for prio, short in (("required", "req"), ("important", "imp"), ("nice-to-have", "nth"))
                 for mark, sign in (("✓", "+"), ("✗", "-"))],
        strip=[r"^\s*$"], truncate=50, max_lines=40),
    "memory": Filter(
        replace=[(r"^\s*#\s*(\d+)\s+\[(?:pitfall|convention|decision|deprecation)\s*\]\s+refs=\s*(\d+)\s+(.+)$",
                  r"\1 r\2 \3"),
                 (r"\s\[stale\]$", " *stale")],
        strip=[r"^\s*$", r"^Memory:\s+\d+\s+entries", r"^\s+Total:\s+\d+$", r"^\s+Stale:",
               r"^\s+(pitfall|convention|decision|deprecation):\s+\d+$"],
        truncate=50, head=10, max_lines=60),
    "hook_precompact": Filter(
        replace=[(_EPIC_PREFIX + r"blocked=(\d+)\s+done=(\d+)\s+in_progress=(\d+)\s+todo=(\d+)\s*$",
                  r"\1[\3d \4w \5t \2b]"),
                 (_EPIC_PREFIX + r"done=(\d+)\s+in_progress=(\d+)\s+todo=(\d+)\s*$", r"\1[\2d \3w \4t]"),
                 (_EPIC_PREFIX + r"done=(\d+)\s+in_progress=(\d+)\s*$", r"\1[\2d \3w]"),
                 (_EPIC_PREFIX + r"done=(\d+)\s+todo=(\d+)\s*$", r"\1[\2d \3t]"),
                 (_EPIC_PREFIX + r"done=(\d+)\s*$", r"\1[\2d]"),
                 (_EPIC_PREFIX + r"in_progress=(\d+)\s+todo=(\d+)\s*$", r"\1[\2w \3t]"),
                 (_EPIC_PREFIX + r"todo=(\d+)\s*$", r"\1[\2t]"),
                 (r"^  IN_PROGRESS:\s+fn-\d+(?:-[a-zA-Z0-9-]+)?(\.\d+)\s+(\".+?\")(?:\s+files=\[([^\]]*)\])?\s*$",
                  r"  wip:\1 \2 [\3]"),
                 (r"^File locks \((\d+) active\):\s*$", r"locks(\1):"),
                 (r"^  (\S+)\s+->\s+fn-\d+(?:-[a-zA-Z0-9-]+)?(\.\d+)\s*$", r"  \1→\2"),
                 (r"^Ready:\s+(.+)$", r"R:\1"),
                 _TASK_SUFFIX],
        strip=[r"^\s*$", r"^\[/?flow-code state\]\s*$"], max_lines=40),
    "hook_subagent": Filter(
        replace=[(r"^Active flow-code tasks:\s+", "ctx: "),
                 (r"\"(fn-\d+)-[a-zA-Z0-9-]+(\.\d+)\"", r'"\1\2"'),
                 (r"\"(fn-\d+)-[a-zA-Z0-9-]+\"", r'"\1"'),
                 (r"\"status\":\"in_progress\"", '"status":"wip"'),
                 (r"\"status\":\"blocked\"", '"status":"blk"'),
                 (r"\{[^{}]*\"id\":\"(fn-\d+\.\d+)\"[^{}]*\"status\":\"(\w+)\"[^{}]*\}", r"\1(\2)"),
                 (r"\{\"count\":\d+,\"tasks\":\[", ""),
                 (r"\{\"tasks\":\[", ""),
                 (r"\],\"count\":\d+\}", ""),
                 (r"\]\}$", ""),
                 (r",", " ")],
        max_lines=5),
}


class _Compiled:
    __slots__ = ("replace", "match_output", "strip", "keep")

    def __init__(self, *, replace: list[tuple[re.Pattern[str], str]],
                 match_output: list[tuple[re.Pattern[str], str, re.Pattern[str] | None]],
                 strip: list[re.Pattern[str]], keep: list[re.Pattern[str]]) -> None:
        self.replace = replace
        self.match_output = match_output
        self.strip = strip
        self.keep = keep


_compiled: dict[str, _Compiled] = {}


_NO_PATTERNS = _Compiled(replace=[], match_output=[], strip=[], keep=[])


def _compile(name: str) -> _Compiled:
    cached = _compiled.get(name)
    if cached is None:
        f = FILTERS[name]
        import re  # here, not at the top: `cat`'s filter has no pattern, and re costs ~6 ms of start-up

        cached = _Compiled(
            replace=[(re.compile(p), r) for p, r in f.replace],
            match_output=[(re.compile(p), msg, re.compile(u) if u else None) for p, msg, u in f.match_output],
            strip=[re.compile(p) for p in f.strip],
            keep=[re.compile(p) for p in f.keep])
        _compiled[name] = cached
    return cached


def split_lines(text: str) -> list[str]:
    """Rust `str::lines`: split on `\\n`, drop one `\\r` before it, no empty last line."""
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]


def truncate(line: str, max_chars: int) -> str:
    """Cut a line to `max_chars` characters, the last three being `...`."""
    if len(line) <= max_chars:
        return line
    return "..." if max_chars < 3 else line[: max_chars - 3] + "..."


def apply_filter(name: str, text: str) -> str:
    """Run the named filter over `text`; the result has no trailing newline and may be empty.

    An unknown filter name passes the text through (minus one final newline), as the reference does.
    """
    f = FILTERS.get(name)
    if f is None:
        return text[:-1] if text.endswith("\n") else text
    c = _compile(name) if f.replace or f.match_output or f.strip or f.keep else _NO_PATTERNS
    lines = split_lines(text)
    if f.strip_ansi:
        import re

        ansi = re.compile(_ANSI)
        lines = [ansi.sub("", line) for line in lines]
    if c.replace:
        out = []
        for line in lines:
            for pattern, repl in c.replace:
                line = pattern.sub(repl, line)
            out.append(line)
        lines = out
    if c.match_output:
        blob = "\n".join(lines)
        for pattern, message, unless in c.match_output:
            if pattern.search(blob) and not (unless and unless.search(blob)):
                return message
    if c.strip:
        lines = [line for line in lines if not any(p.search(line) for p in c.strip)]
    elif c.keep:
        lines = [line for line in lines if any(p.search(line) for p in c.keep)]
    if f.truncate is not None:
        lines = [truncate(line, f.truncate) for line in lines]
    total = len(lines)
    if f.head is not None and f.tail is not None:
        if total > f.head + f.tail:
            lines = [*lines[: f.head], f"... ({total - f.head - f.tail} lines omitted)", *lines[total - f.tail:]]
    elif f.head is not None:
        if total > f.head:
            lines = [*lines[: f.head], f"... ({total - f.head} lines omitted)"]
    elif f.tail is not None and total > f.tail:
        lines = [f"... ({total - f.tail} lines omitted)", *lines[total - f.tail:]]
    if f.max_lines is not None and len(lines) > f.max_lines:
        lines = [*lines[: f.max_lines], f"... ({len(lines) - f.max_lines} lines truncated)"]
    result = "\n".join(lines)
    if f.on_empty is not None and not result.strip():
        return f.on_empty
    return result
