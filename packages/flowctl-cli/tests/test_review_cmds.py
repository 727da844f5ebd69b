"""review-backend and parse-findings end to end in real git repositories (cli-core.md §3.9, §3.10)."""

from __future__ import annotations

import json

import pytest
from flowctl_runner import Flowctl, init_git_repo

FULL = {"FLOWCTL_COMPACT": "0"}
RECEIPT = {"type": "impl_review", "mode": "codex", "verdict": "SHIP", "timestamp": "2026-03-30T00:00:00Z",
           "review": "LGTM"}


@pytest.fixture
def reviewed(initialized_flowctl: Flowctl) -> Flowctl:
    """An epic whose task was completed with a codex review receipt (archived by `done` under reviews/)."""
    f = initialized_flowctl
    f.epic = f.ok("epic", "create", "--title", "Receipt test", "--json")["id"]
    f.ok("task", "create", "--epic", f.epic, "--title", "Task with review", "--json")
    f.ok("start", f"{f.epic}.1", "--json")
    evidence = {"commits": ["x1"], "tests": [], "prs": [], "review_receipt": {**RECEIPT, "id": f"{f.epic}.1"}}
    f.ok("done", f"{f.epic}.1", "--summary", "done", "--evidence", json.dumps(evidence), "--json")
    return f


# ── review-backend ──────────────────────────────────────────────────────────────────────────────────────────────


def test_backend_ask_env_and_config(initialized_flowctl):
    f = initialized_flowctl
    assert f.ok("review-backend") == "ASK\n"
    assert f.ok("review-backend", "--json") == {"backend": "ASK", "source": "none"}
    assert f.ok("review-backend", "--json", env=FULL) == {"backend": "ASK", "source": "none", "success": True}
    f.ok("config", "set", "review.backend", "rp")
    assert f.ok("review-backend") == "rp\n"
    assert f.ok("review-backend", "--json") == {"backend": "rp", "source": "config"}
    assert f.ok("review-backend", "--json", env={"FLOW_REVIEW_BACKEND": " codex "}) == {
        "backend": "codex", "source": "env"}
    assert f.ok("review-backend", env={"FLOW_REVIEW_BACKEND": "gemini"}) == "ASK\n"


def test_backend_without_flow_creates_nothing(tmp_path):
    f = Flowctl(init_git_repo(tmp_path / "bare"))
    assert f.ok("review-backend") == "ASK\n"
    assert f.ok("review-backend", "--epic", "fn-1") == "ASK\n"
    assert not (f.cwd / ".flow").exists()


def test_backend_corrupt_config_is_named(initialized_flowctl):
    (initialized_flowctl.flow / "config.json").write_text("{oops")
    assert "config.json" in initialized_flowctl.fail("review-backend").error


def test_compare_consensus_and_conflict(reviewed):
    f = reviewed
    (f.cwd / "codex.json").write_text(json.dumps({**RECEIPT, "id": "fn-1.1"}))
    (f.cwd / "rp.json").write_text(json.dumps({**RECEIPT, "id": "fn-1.1", "mode": "rp", "review": "ok"}))
    (f.cwd / "conflict.json").write_text(json.dumps({**RECEIPT, "mode": "rp", "verdict": "NEEDS_WORK"}))
    data = f.ok("review-backend", "--compare", "codex.json,rp.json", "--json")
    assert (data["consensus"], data["has_conflict"], data["reviews"]) == ("SHIP", False, 2)
    data = f.ok("review-backend", "--compare", "codex.json,conflict.json", "--json")
    assert (data["consensus"], data["has_conflict"]) == (None, True)
    assert f.ok("review-backend", "--compare", "codex.json, conflict.json") == (
        "Review Comparison (2 reviews):\n\n  [codex] verdict: SHIP  (codex.json)\n"
        "  [rp] verdict: NEEDS_WORK  (conflict.json)\n\nCONFLICT \u2014 reviewers disagree:\n"
        "  codex: SHIP\n  rp: NEEDS_WORK\n")


def test_epic_discovers_receipts_under_reviews(reviewed):
    f = reviewed
    reviews = f.cwd / ".flow" / "reviews"
    (reviews / f"impl_review-{f.epic}.1-rp.json").write_text(
        json.dumps({**RECEIPT, "id": "PLACEHOLDER", "mode": "rp", "timestamp": "2026-03-30T00:01:00Z"}))
    data = f.ok("review-backend", "--epic", f.epic, "--json")
    assert (data["reviews"], data["consensus"]) == (2, "SHIP")
    assert [d["file"] for d in data["details"]] == [str(reviews / f"impl_review-{f.epic}.1-{m}.json")
                                                     for m in ("codex", "rp")]
    assert f.ok("review-backend", "--epic", f.epic).endswith("\nConsensus: SHIP\n")
    assert f.ok("review-backend", "--epic", "fn-9") == "ASK\n"


def test_compare_errors(reviewed):
    f = reviewed
    assert f.fail("review-backend", "--compare", "nope.json").error == "Receipt file not found: nope.json"
    (f.cwd / "bad.json").write_text("{x")
    assert f.fail("review-backend", "--compare", "bad.json").error.startswith("Invalid receipt JSON: bad.json: ")
    (f.cwd / "latin.json").write_bytes(b'{"mode":"\xff"}')
    assert f.fail("review-backend", "--compare", "latin.json").error == (
        "Could not read receipt: latin.json: stream did not contain valid UTF-8")
    assert f.fail("review-backend", "--compare", code=2).out == ""


# ── parse-findings ──────────────────────────────────────────────────────────────────────────────────────────────

IMPL_REVIEW = """## Code Quality

The retry loop can spin forever.

<findings>
[
  {
    "title": "Unbounded retry loop",
    "severity": "P1",
    "file": "src/sync.py",
    "line": 88,
    "why_it_matters": "a dead upstream pins a CPU",
    "confidence": 0.85,
    "autofix_class": "gated_auto",
    "evidence": ["while True: without a counter"]
  },
  {
    "title": "Token logged at debug level",
    "severity": "P0",
    "file": "src/auth.py",
    "line": 12,
    "confidence": 0.95,
    "autofix_class": "safe_auto",
    "evidence": ["log.debug(token)"],
  },
  {
    "title": "Prefer pathlib",
    "severity": "P3",
    "file": "src/util.py",
    "line": 3,
    "confidence": 0.7,
    "evidence": []
  },
  {
    "title": "Maybe a race",
    "severity": "P2",
    "file": "src/cache.py",
    "line": 40,
    "confidence": 0.4,
    "evidence": []
  }
]
</findings>

<verdict>NEEDS_WORK</verdict>
"""

EPIC_REVIEW = """- **Requirement**: OAuth callback validates state — **Status**: Missing

<findings>
[
  {"title": "State parameter not validated", "severity": "critical", "location": "src/oauth.py:77",
   "recommendation": "Compare against the session value"},
  {"title": "Typo in README", "severity": "minor", "location": "README.md", "recommendation": "Fix it"}
]
</findings>
<verdict>NEEDS_WORK</verdict>
"""


def test_parse_impl_review_file(initialized_flowctl):
    f = initialized_flowctl
    (f.cwd / "review.txt").write_text(IMPL_REVIEW)
    data = f.ok("parse-findings", "--file", "review.txt", "--json")
    assert data["count"] == 3 and data["registered"] == 0 and data["warnings"] == []
    assert [(x["severity"], x["description"], x.get("line")) for x in data["findings"]] == [
        ("P1", "Unbounded retry loop", 88), ("P0", "Token logged at debug level", 12), ("P3", "Prefer pathlib", 3)]
    assert data["findings"][0]["why_it_matters"] == "a dead upstream pins a CPU"
    assert f.ok("parse-findings", "--file", "review.txt", "--json", env=FULL)["success"] is True
    run = f("parse-findings", "--file", "review.txt")
    assert (run.code, run.err) == (0, "")
    assert run.out == ("Found 3 finding(s)\n"
                       "  [P1] Unbounded retry loop \u2014 src/sync.py:88 (confidence: 85%)\n"
                       "  [P0] Token logged at debug level \u2014 src/auth.py:12 (confidence: 95%)\n"
                       "  [P3] Prefer pathlib \u2014 src/util.py:3 (confidence: 70%)\n")


def test_parse_stdin_and_warnings_on_stderr(flowctl):
    run = flowctl("parse-findings", "--file", "-", input="Plain review, no structured block.\n")
    assert (run.code, run.out) == (0, "Found 0 finding(s)\n")
    assert run.err == "  Warning: No findings found in review output\n"
    data = flowctl.ok("parse-findings", "--file", "-", "--json", input=EPIC_REVIEW)
    assert [x["severity"] for x in data["findings"]] == ["P0", "P2"]
    assert not (flowctl.cwd / ".flow").exists()  # parsing alone needs no .flow and writes nothing


def test_parse_non_utf8_input(flowctl):
    raw = IMPL_REVIEW.encode().replace(b"spin forever", b"spin \xff forever")
    (flowctl.cwd / "latin.txt").write_bytes(raw)
    data = flowctl.ok("parse-findings", "--file", "latin.txt", "--json")
    assert data["count"] == 3
    assert data["warnings"][0].startswith("Review output is not valid UTF-8")


def test_parse_errors(flowctl):
    assert flowctl.fail("parse-findings", "--file", "nope.txt").error == (
        "Failed to read file nope.txt: No such file or directory (os error 2)")
    flowctl.fail("parse-findings", code=2)
    assert flowctl.fail("parse-findings", "--file", "-", "--register", input=IMPL_REVIEW).error == (
        "--epic is required when --register is used")


def test_register_creates_gaps(initialized_flowctl):
    f = initialized_flowctl
    epic = f.ok("epic", "create", "--title", "Findings register", "--json")["id"]
    (f.cwd / "review.txt").write_text(IMPL_REVIEW)
    data = f.ok("parse-findings", "--file", "review.txt", "--epic", epic, "--register", "--source", "impl-review",
                "--json")
    assert data["registered"] == 2
    assert data["gaps"] == [
        {"capability": "Unbounded retry loop (src/sync.py:88)", "created": True, "id": 1, "priority": "important"},
        {"capability": "Token logged at debug level (src/auth.py:12)", "created": True, "id": 2,
         "priority": "required"}]
    listed = f.ok("gap", "list", "--epic", epic, "--json")["gaps"]
    assert [(g["priority"], g["source"]) for g in listed] == [("important", "impl-review"), ("required", "impl-review")]
    assert f.fail("gap", "check", "--epic", epic, "--json").json["gate"] == "fail"
    # The epic review's legacy format registers its critical finding; a re-run adds nothing.
    text = f.ok("parse-findings", "--file", "-", "--epic", epic, "--register", "--source", "epic-review",
                input=EPIC_REVIEW)
    assert text.startswith("Found 2 finding(s)\nRegistered 1 gap(s)\n")
    again = f.ok("parse-findings", "--file", "-", "--epic", epic, "--register", "--json", input=EPIC_REVIEW)
    assert again["registered"] == 1 and again["gaps"][0]["created"] is False
    assert [g["capability"] for g in f.ok("gap", "list", "--epic", epic, "--json")["gaps"]][-1] == (
        "State parameter not validated (src/oauth.py:77)")
    assert len(json.loads((f.flow / "gaps" / f"{epic}.json").read_text())) == 3


def test_register_dry_run_writes_nothing(initialized_flowctl):
    f = initialized_flowctl
    epic = f.ok("epic", "create", "--title", "Dry", "--json")["id"]
    preview = f.ok("--dry-run", "parse-findings", "--file", "-", "--epic", epic, "--register", input=IMPL_REVIEW)
    assert preview["dry_run"] is True and "success" not in preview
    [mutation] = preview["changes"]["mutations"]
    assert (mutation["op"], mutation["store"], mutation["key"]) == ("put", "gaps", epic)
    assert len(mutation["value"]) == 2
    assert not (f.flow / "gaps" / f"{epic}.json").exists()
    assert f.ok("gap", "list", "--epic", epic, "--json")["count"] == 0


def test_register_errors(initialized_flowctl):
    f = initialized_flowctl
    assert f.fail("parse-findings", "--file", "-", "--epic", "fn-9", "--register", input=IMPL_REVIEW).error == (
        "Epic not found: fn-9")
    assert f.fail("parse-findings", "--file", "-", "--epic", "fn-9.1", "--register", input=IMPL_REVIEW).error == (
        "Invalid epic ID: fn-9.1")


def test_register_without_flow(tmp_path):
    f = Flowctl(init_git_repo(tmp_path / "bare"))
    assert f.fail("parse-findings", "--file", "-", "--epic", "fn-1", "--register", input=IMPL_REVIEW).error == (
        ".flow/ does not exist. Run 'flowctl init' first.")
    assert not (f.cwd / ".flow").exists()
