"""`parse-findings`: structured findings out of a reviewer's free text, optionally registered as gaps (cli-core §3.10).

Extraction is the reference's: the text between the first `<findings>` and the next `</findings>`, else the slice
from the first `[` to the last `]`; trailing commas are dropped before parsing; each item needs the keys
`severity, file, line, confidence, evidence` (null allowed) and is normalised to the CE findings schema; findings
under the confidence bar (0.6, P0: 0.5) are dropped and at most 50 are kept.

Beyond the reference: the legacy review format that the epic-review prompt still asks for (`title`, `severity`
critical|major|minor|nitpick, `location` "file:line", `recommendation`) is accepted too, and `--register` really
registers P0/P1 findings as gaps (the reference ignored the flag).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowctl_db import FlowStore

MAX_FINDINGS = 50
REQUIRED_KEYS = ("severity", "file", "line", "confidence", "evidence")
LEGACY_KEYS = ("title", "severity", "location", "recommendation")

_SEVERITY = {"p0": "P0", "critical": "P0", "p1": "P1", "warning": "P1", "major": "P1", "p2": "P2", "minor": "P2"}
_AUTOFIX = frozenset(("safe_auto", "gated_auto", "advisory"))
_OWNERS = frozenset(("review-fixer", "downstream-resolver", "human", "release"))
# Which findings become gaps, and with which priority (the CLI help: "critical/major findings").
GAP_PRIORITY = {"P0": "required", "P1": "important"}


def extract(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(findings, warnings) from a review's text; never raises on bad content."""
    from flowctl_core import json_text

    warnings: list[str] = []
    raw = None
    start = text.find("<findings>")
    if start >= 0:
        # The closing tag is looked for after the opening one (the reference searched from the start of the text
        # and aborted on a slice panic when a stray `</findings>` came first).
        end = text.find("</findings>", start)
        if end >= 0:
            raw = text[start + len("<findings>"):end].strip()
    if raw is None:
        first, last = text.find("["), text.rfind("]")
        if first >= 0 and last >= first:
            raw = text[first:last + 1]
            warnings.append("No <findings> tag found; extracted bare JSON array")
    if raw is None:
        warnings.append("No findings found in review output")
        return [], warnings
    try:
        items = json_text.loads(drop_trailing_commas(raw))
    except RecursionError:
        warnings.append("Failed to parse findings JSON: recursion limit exceeded")
        return [], warnings
    except ValueError as err:  # a syntax error (serde's: NaN, lone surrogates), or a number int() refuses
        from flowctl_core.json_errors import parse_problem
        warnings.append(f"Failed to parse findings JSON: {parse_problem(err)}")
        return [], warnings
    if not isinstance(items, list):
        warnings.append("Findings JSON is not a list")
        return [], warnings
    findings = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            warnings.append(f"Finding {i} is not an object, skipping")
            continue
        missing = [k for k in REQUIRED_KEYS if k not in item]
        if missing and all(k in item for k in LEGACY_KEYS):
            item = from_legacy(item)
        elif missing:
            warnings.append(f"Finding {i} missing keys: {', '.join(missing)}, skipping")
            continue
        findings.append(normalise(item))
    findings = [f for f in findings if f["confidence"] >= (0.5 if f["severity"] == "P0" else 0.6)]
    if len(findings) > MAX_FINDINGS:
        warnings.append(f"Found {len(findings)} findings, capping at {MAX_FINDINGS}")
        findings = findings[:MAX_FINDINGS]
    return findings, warnings


def drop_trailing_commas(text: str) -> str:
    """Remove each comma that is followed (after whitespace) by `]` or `}`, outside strings.

    The reference only replaced the literal `,]` / `,}`: a comma before a newline (how reviewers write) still
    failed, and the same two characters inside a string were changed.
    """
    from flowctl_core.json_errors import outside_strings

    dropped = {i for i, c in outside_strings(text) if c == "," and _closes_next(text, i + 1)}
    return "".join(c for i, c in enumerate(text) if i not in dropped)


def _closes_next(text: str, start: int) -> bool:
    """Whether the first character from `start` on that is not whitespace is `]` or `}`."""
    n = len(text)
    while start < n and text[start] in " \t\r\n":
        start += 1
    return start < n and text[start] in "]}"


def from_legacy(item: dict[str, Any]) -> dict[str, Any]:
    """A legacy finding (`title`, `severity`, `location` "file[:line]", `recommendation`) in the CE shape."""
    location = item.get("location")
    file: Any = location if isinstance(location, str) and location else None
    line: Any = None
    if file is not None:
        head, sep, tail = file.rpartition(":")
        if sep and head and tail.isascii() and tail.isdigit():
            file, line = head, int(tail)
    converted = {k: v for k, v in item.items() if k not in ("location", "recommendation")}
    converted.update({"file": file, "line": line, "confidence": item.get("confidence"), "evidence": []})
    if "suggested_fix" not in item:
        converted["suggested_fix"] = item.get("recommendation")
    return converted


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def normalise(item: dict[str, Any]) -> dict[str, Any]:
    """One finding in the CE schema: defaults for what is missing or of the wrong type (cli-core §3.10)."""
    severity = item.get("severity")
    description = item["description"] if "description" in item else item.get("title")
    line = item.get("line")
    confidence = _number(item.get("confidence"))
    autofix = item.get("autofix_class")
    owner = item.get("owner")
    evidence = item.get("evidence")
    finding: dict[str, Any] = {
        "severity": _SEVERITY.get(severity.strip().lower(), "P3") if isinstance(severity, str) else "P3",
        "category": item["category"] if isinstance(item.get("category"), str) else "general",
        "description": description if isinstance(description, str) else "",
        "confidence": 0.8 if confidence is None else confidence,
        "autofix_class": autofix if autofix in _AUTOFIX else "manual",
        "owner": owner if owner in _OWNERS else "review-fixer",
        "evidence": [e for e in evidence if isinstance(e, str)] if isinstance(evidence, list) else [],
        "pre_existing": item.get("pre_existing") is True,
        "requires_verification": item.get("requires_verification") is True,
    }
    if isinstance(item.get("file"), str):
        finding["file"] = item["file"]
    if isinstance(line, int) and not isinstance(line, bool) and line >= 0:
        finding["line"] = line
    for key in ("suggested_fix", "why_it_matters"):
        if isinstance(item.get(key), str):
            finding[key] = item[key]
    return finding


def location(finding: dict[str, Any]) -> str:
    """`file:line`, `file`, or ''."""
    if "file" not in finding:
        return ""
    return f"{finding['file']}:{finding['line']}" if "line" in finding else finding["file"]


def gap_capability(finding: dict[str, Any]) -> str:
    """The gap text of a finding: its description, with its location when it has one."""
    where = location(finding)
    return f"{finding['description']} ({where})" if where else finding["description"]


def findings_text(payload: dict[str, Any]) -> str:
    """Plain form (stdout part): `Found N finding(s)` and one line per finding; warnings go to stderr."""
    lines = [f"Found {payload['count']} finding(s)"]
    if payload.get("registered"):
        lines.append(f"Registered {payload['registered']} gap(s)")
    for f in payload["findings"]:
        lines.append(f"  [{f['severity']}] {f['description']} \u2014 {location(f)} "
                     f"(confidence: {f['confidence'] * 100:.0f}%)")
    return "\n".join(lines) + "\n"


def decode_review(data: bytes) -> tuple[str, str | None]:
    """(text, warning): invalid UTF-8 bytes become U+FFFD and are reported instead of refusing the whole review."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as err:
        return (data.decode("utf-8", "replace"),
                f"Review output is not valid UTF-8 (first bad byte at {err.start}); invalid bytes replaced")


def parse(data: bytes) -> dict[str, Any]:
    """`{"count", "findings", "registered": 0, "warnings"}` for a review's raw bytes."""
    text, warning = decode_review(data)
    findings, warnings = extract(text)
    if warning:
        warnings.insert(0, warning)
    return {"count": len(findings), "findings": findings, "registered": 0, "warnings": warnings}


def read_review(path: str) -> bytes:
    """The raw bytes of `path`, or of stdin for `-` (capped at 1 MiB), with the reference's error texts."""
    from flowctl_core.errors import InvalidInputError

    from .user_content import ContentError, read_bytes

    try:
        return read_bytes(path)
    except ContentError as err:
        where = "stdin" if path == "-" else f"file {path}"
        raise InvalidInputError(f"Failed to read {where}: {err}") from err


def register_epic(epic_id: str | None) -> str:
    """The `--epic` that `--register` needs (checked before anything else, even before `.flow` is looked for)."""
    from flowctl_core.errors import InvalidInputError

    if not epic_id:
        raise InvalidInputError("--epic is required when --register is used")
    return epic_id


def register(store: FlowStore, actor: str | None, epic_id: str | None, payload: dict[str, Any], source: str,
             dry_run: bool = False) -> dict[str, Any] | None:
    """Register the P0 (`required`) and P1 (`important`) findings of `payload` as gaps of the epic, in one write.

    Fills `payload["registered"]` (findings registered or already registered: the gap registry is idempotent on
    the capability) and `payload["gaps"]`; returns the Changes preview under `dry_run`, else None.
    """
    from .gaps import add_gaps

    epic_id = register_epic(epic_id)
    entries = []
    for finding in payload["findings"]:
        priority = GAP_PRIORITY.get(finding["severity"])
        if priority is None:
            continue
        if not finding["description"].strip():
            payload["warnings"].append(f"{finding['severity']} finding at {location(finding) or '?'} has no "
                                       "description, not registered")
            continue
        entries.append({"capability": gap_capability(finding), "priority": priority, "source": source})
    found = add_gaps(store, actor, epic_id, entries, dry_run=dry_run)
    if isinstance(found, dict):
        return found
    payload["registered"] = len(found)
    payload["gaps"] = [{"id": r["id"], "capability": r["gap"]["capability"], "priority": r["gap"]["priority"],
                        "created": r["created"]} for r in found]
    return None
