"""parse-findings: the reference's extraction and normalisation, the legacy format, and gap registration."""

from __future__ import annotations

import json

import pytest

from flowctl_core.errors import InvalidInputError, NotFoundError
from flowctl_db import FlowStore
from flowctl_service import findings

E = "fn-1-auth"
T_AT = "2026-11-01T10:00:00Z"

CE_REVIEW = """The diff looks mostly fine, but:

<findings>
[
  {"title": "SQL injection", "severity": "P0", "category": "security", "file": "src/db.rs", "line": 42,
   "confidence": 0.9, "autofix_class": "safe_auto", "owner": "human", "evidence": ["query built with format!", 3],
   "suggested_fix": "use params", "why_it_matters": "data loss"},
  {"title": "Low confidence", "severity": "P2", "file": null, "line": -1, "confidence": 0.5, "evidence": []},
  {"description": "desc wins", "title": "t", "severity": "warning", "file": "a.py", "line": null,
   "confidence": 0.6, "evidence": "x"},
  {"severity": "critical", "file": "b.py", "line": 3.0, "confidence": "high", "evidence": null},
  5,
  {"severity": "P1"}
]
</findings>

<verdict>NEEDS_WORK</verdict>
"""


def test_ce_review_exactly_as_the_reference():
    data = findings.parse(CE_REVIEW.encode())
    assert data == {"count": 3, "registered": 0, "findings": [
        {"autofix_class": "safe_auto", "category": "security", "confidence": 0.9, "description": "SQL injection",
         "evidence": ["query built with format!"], "file": "src/db.rs", "line": 42, "owner": "human",
         "pre_existing": False, "requires_verification": False, "severity": "P0", "suggested_fix": "use params",
         "why_it_matters": "data loss"},
        {"autofix_class": "manual", "category": "general", "confidence": 0.6, "description": "desc wins",
         "evidence": [], "file": "a.py", "owner": "review-fixer", "pre_existing": False,
         "requires_verification": False, "severity": "P1"},
        {"autofix_class": "manual", "category": "general", "confidence": 0.8, "description": "", "evidence": [],
         "file": "b.py", "owner": "review-fixer", "pre_existing": False, "requires_verification": False,
         "severity": "P0"}],
        "warnings": ["Finding 4 is not an object, skipping",
                     "Finding 5 missing keys: file, line, confidence, evidence, skipping"]}
    assert findings.findings_text(data) == (
        "Found 3 finding(s)\n"
        "  [P0] SQL injection \u2014 src/db.rs:42 (confidence: 90%)\n"
        "  [P1] desc wins \u2014 a.py (confidence: 60%)\n"
        "  [P0]  \u2014 b.py (confidence: 80%)\n")


@pytest.mark.parametrize("text, count, warnings", [
    ("No findings here, just plain review text.", 0, ["No findings found in review output"]),
    ("x [1,2] y", 0, ["No <findings> tag found; extracted bare JSON array", "Finding 0 is not an object, skipping",
                      "Finding 1 is not an object, skipping"]),
    ('<findings>{"a":1}</findings>', 0, ["Findings JSON is not a list"]),
    ("<findings>[{,}]</findings>", 0, ["Finding 0 missing keys: severity, file, line, confidence, evidence, "
                                       "skipping"]),
    ('<findings>[{"severity":"P3","file":"x","line":1,"confidence":1,"evidence":[]},]</findings>', 1, []),
    ("a ] b [", 0, ["No findings found in review output"]),  # the reference aborted on a slice panic here
    ("</findings> <findings>[]</findings>", 0, []),  # the closing tag is looked for after the opening one
])
def test_extraction_tiers_and_warnings(text, count, warnings):
    data = findings.parse(text.encode())
    assert (data["count"], data["warnings"]) == (count, warnings)


def test_unparseable_json_is_a_warning():
    data = findings.parse(b"<findings>[{'single': 'quotes'}]</findings>")
    assert data["count"] == 0
    assert data["warnings"][0].startswith("Failed to parse findings JSON: ")
    assert findings.parse(b'[{"severity":"P0","file":"x","line":1,"confidence":NaN,"evidence":[]}]')["count"] == 0


def test_confidence_thresholds_and_cap():
    items = [{"severity": sev, "file": "x", "line": 1, "confidence": c, "evidence": []}
             for sev, c in (("P0", 0.5), ("P0", 0.49), ("P1", 0.6), ("P1", 0.59), ("P3", True), ("P2", 2))]
    data = findings.parse(json.dumps(items).encode())
    assert [(f["severity"], f["confidence"]) for f in data["findings"]] == [
        ("P0", 0.5), ("P1", 0.6), ("P3", 0.8), ("P2", 2.0)]
    many = [{"severity": "P1", "file": f"f{i}", "line": i, "confidence": 0.9, "evidence": []} for i in range(60)]
    data = findings.parse(json.dumps(many).encode())
    assert data["count"] == 50 and data["findings"][-1]["file"] == "f49"
    assert data["warnings"][-1] == "Found 60 findings, capping at 50"


def test_line_numbers():
    items = [{"severity": "P1", "file": "x", "line": line, "confidence": 0.9, "evidence": []}
             for line in (0, 4294967296, 12.5, "7", True)]
    assert [f.get("line") for f in findings.parse(json.dumps(items).encode())["findings"]] == [
        0, 4294967296, None, None, None]


def test_severity_words():
    items = [{"severity": s, "file": "x", "line": 1, "confidence": 0.9, "evidence": []}
             for s in ("P0", "critical", "Critical", "p1", "warning", "major", "P2", "minor", "P3", "nitpick", 3)]
    assert [f["severity"] for f in findings.parse(json.dumps(items).encode())["findings"]] == [
        "P0", "P0", "P0", "P1", "P1", "P1", "P2", "P2", "P3", "P3", "P3"]


LEGACY_REVIEW = """<findings>
[
  {"title": "Missing input validation", "severity": "critical", "location": "src/auth.py:42",
   "recommendation": "Add input sanitization"},
  {"title": "Unused import", "severity": "nitpick", "location": "task fn-1.2", "recommendation": "Remove it"},
]
</findings>"""


def test_legacy_epic_review_format():
    data = findings.parse(LEGACY_REVIEW.encode())
    assert data["count"] == 2
    first, second = data["findings"]
    assert (first["severity"], first["description"], first["file"], first["line"], first["suggested_fix"]) == (
        "P0", "Missing input validation", "src/auth.py", 42, "Add input sanitization")
    assert (second["severity"], second["file"], "line" in second) == ("P3", "task fn-1.2", False)


def test_non_utf8_review_is_read_with_replacement():
    data = findings.parse(b'\xff<findings>[{"severity":"P1","file":"\xfe.py","line":1,"confidence":0.9,'
                          b'"evidence":[]}]</findings>')
    assert data["count"] == 1 and data["findings"][0]["file"] == "\ufffd.py"
    assert data["warnings"] == ["Review output is not valid UTF-8 (first bad byte at 0); invalid bytes replaced"]


def test_read_review_errors(tmp_path):
    with pytest.raises(InvalidInputError, match=r"Failed to read file nope: No such file or directory \(os error 2\)"):
        findings.read_review("nope")
    with pytest.raises(InvalidInputError, match="Is a directory"):
        findings.read_review(str(tmp_path))
    big = tmp_path / "huge.txt"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    with pytest.raises(InvalidInputError, match=r"^Failed to read file .*huge.txt: content is larger than"):
        findings.read_review(str(big))


# ── registration ──────────────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def store(store: FlowStore) -> FlowStore:
    store.save_epic({"id": E, "title": "Auth", "status": "open", "created_at": T_AT, "updated_at": T_AT})
    return store


def test_register_p0_and_p1_in_one_write(store):
    data = findings.parse(CE_REVIEW.encode())
    assert findings.register(store, "dev", E, data, "impl-review") is None
    assert data["registered"] == 2
    assert data["gaps"] == [
        {"id": 1, "capability": "SQL injection (src/db.rs:42)", "priority": "required", "created": True},
        {"id": 2, "capability": "desc wins (a.py)", "priority": "important", "created": True}]
    assert "P0 finding at b.py has no description, not registered" in data["warnings"]
    assert [(g["capability"], g["source"]) for g in store.gaps.read(E)] == [
        ("SQL injection (src/db.rs:42)", "impl-review"), ("desc wins (a.py)", "impl-review")]
    again = findings.parse(CE_REVIEW.encode())
    findings.register(store, "dev", E, again, "impl-review")
    assert again["registered"] == 2 and [g["created"] for g in again["gaps"]] == [False, False]
    assert len(store.gaps.read(E)) == 2


def test_register_dry_run_previews_one_put_and_writes_nothing(store):
    data = findings.parse(LEGACY_REVIEW.encode())
    preview = findings.register(store, "dev", E, data, "epic-review", dry_run=True)
    assert preview["dry_run"] is True
    [mutation] = preview["changes"]["mutations"]
    assert mutation["store"] == "gaps" and mutation["key"] == E
    assert [g["capability"] for g in mutation["value"]] == ["Missing input validation (src/auth.py:42)"]
    assert not store.paths.gaps_json(E).exists()


def test_register_needs_an_existing_epic(store):
    data = findings.parse(CE_REVIEW.encode())
    with pytest.raises(InvalidInputError, match="--epic is required when --register is used"):
        findings.register(store, "dev", None, data, "manual")
    with pytest.raises(NotFoundError, match="Epic not found: fn-9"):
        findings.register(store, "dev", "fn-9", data, "manual")
    with pytest.raises(InvalidInputError, match="Invalid epic ID"):
        findings.register(store, "dev", f"{E}.1", data, "manual")
