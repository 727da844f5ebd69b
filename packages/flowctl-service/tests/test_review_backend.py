"""review-backend: backend resolution and the comparison of review receipts (cli-core.md §3.9)."""

from __future__ import annotations

import json

import pytest

from flowctl_core.errors import CorruptFileError, InvalidInputError
from flowctl_db import FlowStore
from flowctl_service import review_backend as rb

E = "fn-1-auth"
CODEX = {"type": "impl_review", "id": f"{E}.1", "mode": "codex", "verdict": "SHIP",
         "timestamp": "2026-03-30T00:00:00Z", "review": "Looks good"}
RP = {"type": "plan_review", "id": E, "mode": "rp", "verdict": "NEEDS_WORK", "timestamp": "2026-03-30T00:01:00Z"}


@pytest.mark.parametrize("env, config, expected", [
    ({"FLOW_REVIEW_BACKEND": " codex "}, {"review": {"backend": "rp"}}, {"backend": "codex", "source": "env"}),
    ({"FLOW_REVIEW_BACKEND": "bogus"}, {"review": {"backend": "rp"}}, {"backend": "ASK", "source": "none"}),
    ({"FLOW_REVIEW_BACKEND": ""}, {"review": {"backend": "rp"}}, {"backend": "ASK", "source": "none"}),
    ({}, {"review": {"backend": "rp"}}, {"backend": "rp", "source": "config"}),
    ({}, {"review": {"backend": "none"}}, {"backend": "none", "source": "config"}),
    ({}, {"review": {"backend": "RP"}}, {"backend": "ASK", "source": "none"}),
    ({}, {}, {"backend": "ASK", "source": "none"}),
])
def test_backend_resolution(store, env, config, expected):
    store.paths.config.write_text(json.dumps(config))
    assert rb.backend(store, env) == expected


def test_backend_without_flow(tmp_path):
    assert rb.backend(FlowStore(tmp_path / ".flow"), {}) == {"backend": "ASK", "source": "none"}
    assert not (tmp_path / ".flow").exists()


def test_corrupt_config_is_an_error(store):
    store.paths.config.write_text("{oops")
    with pytest.raises(CorruptFileError, match="config.json"):
        rb.backend(store, {})


def test_compare_files(store, tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(CODEX))
    (tmp_path / "b.json").write_text(json.dumps(RP))
    (tmp_path / "c.json").write_text(json.dumps({**CODEX, "mode": "rp"}))
    data = rb.compare(store, tmp_path, "a.json, b.json", None)
    assert data == {"reviews": 2, "verdicts": {"codex": "SHIP", "rp": "NEEDS_WORK"}, "consensus": None,
                    "has_conflict": True, "details": [
                        {"file": "a.json", "mode": "codex", "verdict": "SHIP", "id": f"{E}.1",
                         "timestamp": "2026-03-30T00:00:00Z", "review": "Looks good"},
                        {"file": "b.json", "mode": "rp", "verdict": "NEEDS_WORK", "id": E,
                         "timestamp": "2026-03-30T00:01:00Z", "review": ""}]}
    assert rb.compare_text(data) == (
        "Review Comparison (2 reviews):\n\n  [codex] verdict: SHIP  (a.json)\n  [rp] verdict: NEEDS_WORK  (b.json)\n\n"
        "CONFLICT \u2014 reviewers disagree:\n  codex: SHIP\n  rp: NEEDS_WORK\n")
    later_wins = rb.compare(store, tmp_path, "b.json,a.json,c.json", None)  # c (rp: SHIP) replaces b
    assert later_wins["verdicts"] == {"rp": "SHIP", "codex": "SHIP"}
    assert (later_wins["consensus"], later_wins["has_conflict"]) == ("SHIP", False)
    assert rb.compare_text(later_wins).endswith("\nConsensus: SHIP\n")


def test_compare_receipts_that_are_not_objects(store, tmp_path):
    (tmp_path / "list.json").write_text("[1, 2]")
    data = rb.compare(store, tmp_path, "list.json", None)
    assert data["details"] == [{"file": "list.json", "mode": "unknown", "verdict": "unknown", "id": "unknown",
                                "timestamp": "", "review": ""}]
    assert data["consensus"] == "unknown"


def test_compare_errors(store, tmp_path):
    (tmp_path / "bad.json").write_text("{x")
    (tmp_path / "latin.json").write_bytes(b'{"mode": "\xff"}')
    (tmp_path / "dir").mkdir()
    (tmp_path / "a.json").write_text(json.dumps(CODEX))
    with pytest.raises(InvalidInputError, match="^Receipt file not found: nope.json$"):
        rb.compare(store, tmp_path, "nope.json", None)
    with pytest.raises(InvalidInputError, match="^Receipt file not found: $"):
        rb.compare(store, tmp_path, "a.json,", None)
    with pytest.raises(InvalidInputError, match="^Invalid receipt JSON: bad.json: .* at line 1 column 2$"):
        rb.compare(store, tmp_path, "bad.json", None)
    with pytest.raises(InvalidInputError, match="^Could not read receipt: latin.json: stream did not contain valid"):
        rb.compare(store, tmp_path, "latin.json", None)
    with pytest.raises(InvalidInputError, match=r"^Could not read receipt: dir: Is a directory \(os error 21\)$"):
        rb.compare(store, tmp_path, "dir", None)


def test_epic_receipts(store, tmp_path):
    assert rb.compare(store, tmp_path, None, E) is None  # no reviews/ yet: the caller reports the backend
    reviews = store.flow_dir / "reviews"
    reviews.mkdir()
    (reviews / f"impl_review-{E}.1-codex.json").write_text(json.dumps(CODEX))
    (reviews / f"plan_review-{E}.rp.json").write_text(json.dumps(RP))
    (reviews / f"epic-audit-{E}-20260101T000000Z.json").write_text("{}")  # not `-E.`: not a receipt
    (reviews / "impl_review-fn-10-x.1-codex.json").write_text(json.dumps(CODEX))
    (reviews / f"notes-{E}.txt").write_text("x")
    data = rb.compare(store, tmp_path, None, E)
    assert [d["file"] for d in data["details"]] == [
        str(reviews / f"impl_review-{E}.1-codex.json"), str(reviews / f"plan_review-{E}.rp.json")]
    assert data["has_conflict"] is True
    assert rb.compare(store, tmp_path, None, "fn-9") is None
    (tmp_path / "a.json").write_text(json.dumps(CODEX))
    assert rb.compare(store, tmp_path, "a.json", E)["reviews"] == 1  # --compare wins over --epic
    (reviews / f"review-{E}.2-unknown.json").write_text("{x")
    with pytest.raises(InvalidInputError, match=f"^Invalid receipt JSON: {reviews}/review-{E}.2-unknown.json: "):
        rb.compare(store, tmp_path, None, E)
