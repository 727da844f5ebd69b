"""Verdict tags, structured-review extraction, finding normalisation and consensus (cli-ext §15.6–15.7)."""

from __future__ import annotations

import json

import pytest

from flowctl_core import review_protocol as rp


def test_parse_verdict_takes_the_first_known_tag() -> None:
    assert rp.parse_verdict("x <verdict>NEEDS_WORK</verdict> <verdict>SHIP</verdict>") == "NEEDS_WORK"
    assert rp.parse_verdict("<verdict>MAJOR_RETHINK</verdict>") == "MAJOR_RETHINK"
    assert rp.parse_verdict("<verdict>ship</verdict> <verdict>MAYBE</verdict>") is None


OBJ = {"verdict": "SHIP", "n": 3}


@pytest.mark.parametrize("output", [
    "  " + json.dumps(OBJ) + "\n",
    json.dumps({"type": "item.completed", "item": {"type": "agent_message", "text": json.dumps(OBJ)}}),
    "text\n```json\n" + json.dumps(OBJ) + "\n```",
    "```" + json.dumps(OBJ) + "```",
    "prefix " + json.dumps(OBJ) + " suffix",
])
def test_structured_strategies(output: str) -> None:
    assert rp.parse_structured(output) == OBJ


def test_structured_misses() -> None:
    assert rp.parse_structured('{"no": "verdict"}') is None
    assert rp.parse_structured("[1, 2]") is None
    # an agent message with text after the object is not parsed by strategy 2; nested braces defeat strategy 4
    message = json.dumps({"type": "item.completed", "item": {"type": "agent_message",
                                                              "text": '{"verdict": "SHIP", "a": {}} tail'}})
    assert rp.parse_structured(message) is None
    # a JSON string holding a raw U+2028 stays one JSONL line
    obj = {"verdict": "SHIP", "note": "a\u2028b"}
    line = json.dumps({"type": "item.completed", "item": {"type": "agent_message",
                                                           "text": json.dumps(obj, ensure_ascii=False)}},
                      ensure_ascii=False)
    assert "\u2028" in line
    assert rp.parse_structured("x\n" + line) == obj


def test_findings_normalised_and_filtered() -> None:
    output = json.dumps({"verdict": "NEEDS_WORK", "confidence": 1, "findings": [
        {"severity": "critical", "description": "kept P0", "confidence": 0.9, "line": 12, "file": "a.py"},
        {"severity": "warning", "description": "P1 below 0.6", "confidence": 0.55},
        {"severity": "P0", "description": "P0 at 0.5", "confidence": 0.5, "evidence": ["e1", 3],
         "autofix_class": "weird", "owner": "release", "requires_verification": True},
        {"severity": "info", "description": "P3 default confidence", "line": 1.5},
        {"severity": "P2", "description": ""},
        "not an object",
    ]})
    findings, confidence = rp.parse_findings(output)
    assert confidence == 1.0 and isinstance(confidence, float)
    assert [f["description"] for f in findings] == ["kept P0", "P0 at 0.5", "P3 default confidence"]
    assert findings[0] == {"severity": "P0", "category": "general", "description": "kept P0", "confidence": 0.9,
                           "autofix_class": "manual", "owner": "review-fixer", "evidence": [],
                           "pre_existing": False, "requires_verification": False, "file": "a.py", "line": 12}
    assert findings[1]["evidence"] == ["e1"] and findings[1]["owner"] == "release"
    assert findings[1]["autofix_class"] == "manual" and findings[1]["requires_verification"] is True
    assert findings[2]["severity"] == "P3" and findings[2]["confidence"] == 0.8 and "line" not in findings[2]
    assert rp.parse_findings("no structure") == ([], 0.8)


def test_consensus() -> None:
    ship = rp.model_review("a", "SHIP", [], 0.8)
    assert rp.consensus([ship]) == {"type": "insufficient_reviews"}
    assert rp.consensus([ship, rp.model_review("b", "SHIP", [], 0.9)]) == {
        "confidence": 0.8500000000000001, "type": "consensus", "verdict": "SHIP"}
    assert rp.consensus([ship, rp.model_review("b", "NEEDS_WORK", [], 0.6)])["verdict"] == "NEEDS_WORK"
    assert rp.consensus([ship, rp.abstain("b")]) == {"confidence": 0.8, "type": "consensus", "verdict": "SHIP"}
    assert rp.consensus([rp.abstain("a"), rp.abstain("b")]) == {"type": "insufficient_reviews"}
    assert rp.consensus_label({"type": "conflict", "reviews": []}) == "CONFLICT"
    assert rp.vote("MAJOR_RETHINK") == "ABSTAIN"


def test_result_file() -> None:
    review = rp.review_from_result_file(json.dumps({"verdict": "NEEDS_WORK", "confidence": 0.4}))
    assert review == {"confidence": 0.4, "findings": [], "model": "claude/opus-4", "verdict": "NEEDS_WORK"}
    assert rp.review_from_result_file("not json")["verdict"] == "ABSTAIN"
    assert rp.review_from_result_file("not json")["confidence"] == 0.0
    assert rp.review_from_result_file('{"verdict": "MAYBE"}')["verdict"] == "ABSTAIN"
