"""plan-depth classification: the reference's keyword and file-reference rules (cli-ext.md §20)."""

from __future__ import annotations

import pytest

from flowctl_service.plan_depth import classify, classify_text, count_file_refs


@pytest.mark.parametrize("request_text, depth", [
    ("fix typo in README", "quick"),
    ("fix bug in src/a.rs src/b.rs src/c.rs", "standard"),
    ("add a new endpoint", "standard"),
    ("Refactor the auth module", "deep"),
    ("fix and refactor the auth module", "deep"),
    ("debug the prefix handler", "quick"),  # substring matching, as the reference
    ("修复 登录", "quick"),
    ("重构架构设计", "deep"),
    ("fix 'main.py', `lib.go` foo/bar.x", "standard"),
    ("fix the typo in main.rs", "quick"),
    ("", "standard"),
])
def test_classify(request_text, depth):
    result = classify(request_text)
    assert result["depth"] == depth
    assert result["step_count"] == len(result["steps"])


def test_step_lists():
    assert classify("fix it")["steps"] == ["init", "write", "validate", "return"]
    assert classify("")["steps"] == ["init", "clarity", "skill-route", "research", "gap-analysis", "write",
                                     "validate"]
    assert classify("")["step_count"] == 7  # the reference said 10 for these 7 steps
    assert classify("migration")["step_count"] == 15


def test_file_refs():
    assert count_file_refs("a.rs b.PY c/d e\\f.g 'x.md', README notes.txt") == 3  # extensions are case-sensitive


def test_text():
    assert classify_text(classify("fix typo")) == "depth: quick\nsteps: 4\nsequence: init, write, validate, return\n"
