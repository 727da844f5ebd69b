"""Reading model reviews (cli-ext §15.1, §15.6–15.7): verdict tags, structured findings, consensus. Pure functions.

Verdicts are `<verdict>SHIP|NEEDS_WORK|MAJOR_RETHINK</verdict>` tags. A structured review is the first JSON object
with a `verdict` key found in codex's output (whole text, a JSONL agent message, a fenced block, a flat `{…}`).
"""

from __future__ import annotations

import json
from typing import Any, cast

SEVERITIES = {"P0": "P0", "critical": "P0", "P1": "P1", "warning": "P1", "P2": "P2"}
AUTOFIX_CLASSES = frozenset({"safe_auto", "gated_auto", "advisory"})
OWNERS = frozenset({"review-fixer", "downstream-resolver", "human", "release"})
DEFAULT_CONFIDENCE = 0.8
_U32 = 2**32


def parse_verdict(output: str) -> str | None:
    """The first `<verdict>…</verdict>` tag's value (SHIP, NEEDS_WORK or MAJOR_RETHINK)."""
    import re

    found = re.search(r"<verdict>(SHIP|NEEDS_WORK|MAJOR_RETHINK)</verdict>", output)
    return found.group(1) if found else None


def _object_with_verdict(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "verdict" in data else None


def parse_structured(output: str) -> dict[str, Any] | None:
    """The structured review object in codex output, trying the reference's four strategies in order."""
    import re

    found = _object_with_verdict(output.strip())
    if found is not None:
        return found
    for line in output.split("\n"):  # JSONL lines; not splitlines(), which also splits at U+2028 in a string
        line = line.strip()
        if not line:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict) or event.get("type") != "item.completed":
            continue
        item = event.get("item")
        if isinstance(item, dict) and item.get("type") == "agent_message" and isinstance(item.get("text"), str):
            found = _object_with_verdict(item["text"])
            if found is not None:
                return found
    fence = re.search(r"```(?:json)?\s*\n?(.*?)\n?```", output)
    if fence:
        found = _object_with_verdict(fence.group(1).strip())
        if found is not None:
            return found
    flat = re.search(r'\{[^{}]*"verdict"[^{}]*\}', output)
    if flat:
        return _object_with_verdict(flat.group(0))
    return None


def _number(value: Any) -> float | None:
    """serde_json's `as_f64`: any JSON number (not a boolean) as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def normalize_finding(item: Any) -> dict[str, Any] | None:
    """One finding with defaults filled in (None when it has no description)."""
    if not isinstance(item, dict):
        item = {}
    description = _string(item.get("description")) or ""
    if not description:
        return None
    confidence = _number(item.get("confidence"))
    finding: dict[str, Any] = {
        "severity": SEVERITIES.get(_string(item.get("severity")) or "", "P3"),
        "category": _string(item.get("category")) or "general",
        "description": description,
        "confidence": DEFAULT_CONFIDENCE if confidence is None else confidence,
        "autofix_class": a if (a := _string(item.get("autofix_class"))) in AUTOFIX_CLASSES else "manual",
        "owner": o if (o := _string(item.get("owner"))) in OWNERS else "review-fixer",
        "evidence": [e for e in item.get("evidence", []) if isinstance(e, str)]
        if isinstance(item.get("evidence"), list) else [],
        "pre_existing": item.get("pre_existing") if isinstance(item.get("pre_existing"), bool) else False,
        "requires_verification": item.get("requires_verification")
        if isinstance(item.get("requires_verification"), bool) else False,
    }
    if (file := _string(item.get("file"))) is not None:
        finding["file"] = file
    line = item.get("line")
    if isinstance(line, int) and not isinstance(line, bool) and line >= 0 and line < 2**64:
        finding["line"] = line % _U32  # the reference keeps a u64 as u32 (`as u32` wraps)
    for key in ("suggested_fix", "why_it_matters"):
        if (text := _string(item.get(key))) is not None:
            finding[key] = text
    return finding


def passes_confidence(finding: dict[str, Any]) -> bool:
    """Keep P0 findings from confidence 0.5, others from 0.6."""
    return cast(bool, finding["confidence"] >= (0.5 if finding["severity"] == "P0" else 0.6))


def parse_findings(output: str) -> tuple[list[dict[str, Any]], float]:
    """(findings above the confidence floor, the review's confidence) from a structured review (0.8 default)."""
    data = parse_structured(output)
    if data is None:
        return [], DEFAULT_CONFIDENCE
    confidence = _number(data.get("confidence"))
    items = data.get("findings")
    findings = [f for f in (normalize_finding(i) for i in items) if f is not None] if isinstance(items, list) else []
    return [f for f in findings if passes_confidence(f)], DEFAULT_CONFIDENCE if confidence is None else confidence


def model_review(model: str, verdict: str, findings: list[dict[str, Any]], confidence: float) -> dict[str, Any]:
    """A ModelReview: `{model, verdict (SHIP|NEEDS_WORK|ABSTAIN), findings, confidence}`."""
    return {"confidence": confidence, "findings": findings, "model": model, "verdict": verdict}


def abstain(model: str) -> dict[str, Any]:
    """The review of a model that failed or did not take part."""
    return model_review(model, "ABSTAIN", [], 0.0)


def vote(verdict: str | None) -> str:
    """SHIP and NEEDS_WORK vote; anything else (no verdict, MAJOR_RETHINK) abstains."""
    return verdict if verdict in ("SHIP", "NEEDS_WORK") else "ABSTAIN"


def review_from_result_file(content: str, default_model: str = "claude/opus-4") -> dict[str, Any]:
    """The ModelReview in a pre-populated result file `{verdict, review?, confidence?, model?}`."""
    try:
        data = json.loads(content.strip())
    except ValueError:
        return abstain(default_model)
    if not isinstance(data, dict):
        return abstain(default_model)
    if isinstance(data.get("review"), str):
        findings, confidence = parse_findings(data["review"])
    else:
        findings, confidence = [], DEFAULT_CONFIDENCE
    explicit = _number(data.get("confidence"))
    model = _string(data.get("model")) or default_model
    return model_review(model, vote(_string(data.get("verdict"))), findings,
                        confidence if explicit is None else explicit)


def consensus(reviews: list[dict[str, Any]]) -> dict[str, Any]:
    """Conservative consensus: any NEEDS_WORK wins; abstainers do not vote; fewer than two reviews is not enough."""
    if len(reviews) < 2:
        return {"type": "insufficient_reviews"}
    voters = [r for r in reviews if r["verdict"] != "ABSTAIN"]
    if not voters:
        return {"type": "insufficient_reviews"}
    mean = sum(r["confidence"] for r in voters) / len(voters)
    if any(r["verdict"] == "NEEDS_WORK" for r in voters):
        return {"confidence": mean, "type": "consensus", "verdict": "NEEDS_WORK"}
    if all(r["verdict"] == voters[0]["verdict"] for r in voters):
        return {"confidence": mean, "type": "consensus", "verdict": voters[0]["verdict"]}
    return {"reviews": reviews, "type": "conflict"}


def consensus_label(result: dict[str, Any]) -> str:
    """SHIP / NEEDS_WORK / CONFLICT / INSUFFICIENT for the plain summary."""
    if result["type"] == "consensus":
        return cast(str, result["verdict"])
    return "CONFLICT" if result["type"] == "conflict" else "INSUFFICIENT"
