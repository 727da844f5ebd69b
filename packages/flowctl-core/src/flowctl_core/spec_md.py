"""Spec Markdown: templates, section patching, evidence clearing and heading checks (storage.md §3.5).

The reference algorithms are reproduced byte-for-byte (including their quirks: ``patch_section`` drops the blank
line before the next heading and the final newline). ``set_done_summary`` / ``set_evidence_section`` (decision D-5,
beyond the reference) keep the template's spacing instead.
"""

from __future__ import annotations

from flowctl_core.errors import InvalidInputError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    import re
    from collections.abc import Mapping
    from typing import Any

# Rust's str::trim* and regex \s use the Unicode White_Space property; Python's str.strip()/\s also treat
# \x1c-\x1f as whitespace, so the exact set is spelled out.
_WS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_WS_CLASS = "[" + _WS.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "]"

REQUIRED_TASK_HEADINGS: tuple[str, ...] = (
    "## Description",
    "## Acceptance",
    "## Done summary",
    "## Evidence",
)

DEFAULT_ACCEPTANCE = "- [ ] TBD"
EMPTY_EVIDENCE = "- Commits:\n- Tests:\n- PRs:\n"


def epic_spec_template(epic_id: str, title: str) -> str:
    """Default epic spec written by ``epic create`` (ends with a newline)."""
    return (
        f"# {epic_id} {title}\n\n"
        "## Overview\nTBD\n\n"
        "## Scope\nTBD\n\n"
        "## Approach\nTBD\n\n"
        "## Quick commands\n"
        "<!-- Required: at least one smoke command for the repo -->\n"
        "- `# e.g., npm test, bun test, make test`\n\n"
        "## Acceptance\n"
        "- [ ] TBD\n\n"
        "## References\n"
        "- TBD\n"
    )


def task_spec_template(task_id: str, title: str, acceptance: str | None = None) -> str:
    """Default task spec; `acceptance` (file content, verbatim) replaces ``- [ ] TBD``."""
    acc = DEFAULT_ACCEPTANCE if acceptance is None else acceptance
    return (
        f"# {task_id} {title}\n\n"
        "## Description\nTBD\n\n"
        "## Investigation targets\n\n"
        f"## Acceptance\n{acc}\n\n"
        "## Done summary\nTBD\n\n"
        f"## Evidence\n{EMPTY_EVIDENCE}"
    )


def rust_lines(text: str) -> list[str]:
    """Split like Rust's ``str::lines``: on ``\\n`` (dropping a preceding ``\\r``), no empty last line."""
    if not text:
        return []
    parts = text.split("\n")
    last = parts.pop()
    lines = [p[:-1] if p.endswith("\r") else p for p in parts]
    if last:
        lines.append(last)
    return lines


def patch_section(body: str, heading: str, content: str) -> str:
    """Replace the lines under `heading` (e.g. ``## Description``) up to the next ``## `` line, reference-exact.

    A leading copy of the heading in `content` is dropped; a missing section is appended. The result has no
    trailing newline.
    """
    lines = rust_lines(content.lstrip(_WS))
    if lines and lines[0].strip(_WS) == heading:
        new = "\n".join(lines[1:]).lstrip(_WS)
    else:
        new = content
    new = new.rstrip(_WS)

    out: list[str] = []
    in_target = False
    found = False
    for line in rust_lines(body):
        if line.startswith("## "):
            if line.strip(_WS) == heading:
                in_target = True
                found = True
                out.append(line)
                out.append(new)
                continue
            in_target = False
        if not in_target:
            out.append(line)
    if not found:
        out.extend(("", heading, new))
    return "\n".join(out)


_EVIDENCE_RE: re.Pattern[str] | None = None


def clear_evidence(body: str) -> str:
    """Reset the first ``## Evidence`` section to the empty Commits/Tests/PRs list (``task reset``)."""
    global _EVIDENCE_RE
    if _EVIDENCE_RE is None:
        import re  # lazy: importing re costs start-up time

        _EVIDENCE_RE = re.compile(r"(## Evidence" + _WS_CLASS + r"*\n).*?(\n## |\Z)", re.S)
    return _EVIDENCE_RE.sub(lambda m: m.group(1) + EMPTY_EVIDENCE + m.group(2), body, count=1)


_HEADING_RE: re.Pattern[str] | None = None


def duplicate_headings(body: str) -> list[tuple[str, int]]:
    """Level-2 headings (``^##\\s+…``, trailing blanks ignored) occurring more than once, in first-seen order."""
    global _HEADING_RE
    if _HEADING_RE is None:
        import re  # lazy: importing re costs start-up time

        _HEADING_RE = re.compile(r"^(##" + _WS_CLASS + r"+.+?)" + _WS_CLASS + r"*$", re.M)
    counts: dict[str, int] = {}
    for m in _HEADING_RE.finditer(body):
        h = m.group(1)
        counts[h] = counts.get(h, 0) + 1
    return [(h, n) for h, n in counts.items() if n > 1]


def duplicate_headings_message(dups: list[tuple[str, int]]) -> str:
    """``Spec validation failed: Duplicate heading: ## A (found 2 times); …``."""
    parts = "; ".join(f"Duplicate heading: {h} (found {n} times)" for h, n in dups)
    return f"Spec validation failed: {parts}"


def check_duplicate_headings(body: str) -> None:
    """Raise InvalidInputError when a level-2 heading occurs more than once (``epic plan``)."""
    dups = duplicate_headings(body)
    if dups:
        raise InvalidInputError(duplicate_headings_message(dups))


def missing_task_headings(body: str) -> list[str]:
    """Required task headings that do not occur (as substrings) in the body, in REQUIRED_TASK_HEADINGS order."""
    return [h for h in REQUIRED_TASK_HEADINGS if h not in body]


# ── D-5: record the done summary and evidence in the task spec ─────────────────────────────────────────────────────


def _replace_section_tidy(body: str, heading: str, content: str) -> str:
    """patch_section semantics, but keeping one blank line before the next heading and the final newline."""
    lines = rust_lines(content.lstrip(_WS))
    if lines and lines[0].strip(_WS) == heading:
        new = "\n".join(lines[1:]).lstrip(_WS)
    else:
        new = content
    new_lines = rust_lines(new.rstrip(_WS).lstrip("\n"))

    src = rust_lines(body)
    out: list[str] = []
    i = 0
    found = False
    while i < len(src):
        line = src[i]
        if not found and line.startswith("## ") and line.strip(_WS) == heading:
            found = True
            out.append(line)
            out.extend(new_lines)
            i += 1
            while i < len(src) and not src[i].startswith("## "):
                i += 1
            if i < len(src):
                out.append("")
            continue
        out.append(line)
        i += 1
    if not found:
        while out and out[-1].strip(_WS) == "":
            out.pop()
        if out:
            out.append("")
        out.append(heading)
        out.extend(new_lines)
    return "\n".join(out) + "\n"


def set_done_summary(body: str, summary: str) -> str:
    """Fill the ``## Done summary`` section with `summary` (appended if missing); an empty summary keeps ``TBD``."""
    text = summary.strip(_WS) or "TBD"
    return _replace_section_tidy(body, "## Done summary", text)


def clear_done_summary(body: str) -> str:
    """Put the ``## Done summary`` section back to ``TBD`` (``task reset``); a spec without one is unchanged."""
    if not any(line.strip(_WS) == "## Done summary" for line in rust_lines(body)):
        return body
    return set_done_summary(body, "")


def _as_items(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip(_WS) else []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None and str(v).strip(_WS)]
    return [str(value)]


def evidence_lines(evidence: Mapping[str, Any] | None) -> str:
    """Render evidence as ``- Commits: a, b\\n- Tests: …\\n- PRs: …\\n`` (empty lists give the bare labels)."""
    ev = evidence or {}
    out = []
    for label, key in (("Commits", "commits"), ("Tests", "tests"), ("PRs", "prs")):
        items = _as_items(ev.get(key))
        out.append(f"- {label}: {', '.join(items)}" if items else f"- {label}:")
    return "\n".join(out) + "\n"


def set_evidence_section(body: str, evidence: Mapping[str, Any] | None) -> str:
    """Fill the ``## Evidence`` section with Commits/Tests/PRs lines from an evidence dict (appended if missing)."""
    return _replace_section_tidy(body, "## Evidence", evidence_lines(evidence))
