from __future__ import annotations

import pytest

from flowctl_core.errors import InvalidInputError
from flowctl_core.spec_md import (
    REQUIRED_TASK_HEADINGS,
    check_duplicate_headings,
    clear_evidence,
    duplicate_headings,
    duplicate_headings_message,
    epic_spec_template,
    evidence_lines,
    missing_task_headings,
    patch_section,
    rust_lines,
    set_done_summary,
    set_evidence_section,
    task_spec_template,
)

TID = "fn-1-add-oauth-login.1"

DEFAULT_TASK = (
    f"# {TID} Design flow\n\n"
    "## Description\nTBD\n\n"
    "## Investigation targets\n\n"
    "## Acceptance\n- [ ] TBD\n\n"
    "## Done summary\nTBD\n\n"
    "## Evidence\n- Commits:\n- Tests:\n- PRs:\n"
)


def test_epic_template_byte_exact() -> None:
    assert epic_spec_template("fn-1-x", "X") == (
        "# fn-1-x X\n\n## Overview\nTBD\n\n## Scope\nTBD\n\n## Approach\nTBD\n\n## Quick commands\n"
        "<!-- Required: at least one smoke command for the repo -->\n"
        "- `# e.g., npm test, bun test, make test`\n\n## Acceptance\n- [ ] TBD\n\n## References\n- TBD\n"
    )


def test_task_template_byte_exact() -> None:
    assert task_spec_template(TID, "Design flow") == DEFAULT_TASK
    for h in REQUIRED_TASK_HEADINGS:
        assert h in DEFAULT_TASK


def test_task_template_acceptance_verbatim() -> None:
    body = task_spec_template(TID, "T", "- [ ] Callback validates the state param\n")
    assert "## Acceptance\n- [ ] Callback validates the state param\n\n\n## Done summary" in body
    assert task_spec_template(TID, "T", "").count("## Acceptance\n\n\n## Done summary") == 1


def test_rust_lines() -> None:
    assert rust_lines("") == []
    assert rust_lines("a") == ["a"]
    assert rust_lines("a\n") == ["a"]
    assert rust_lines("a\n\n") == ["a", ""]
    assert rust_lines("a\r\nb\r\n") == ["a", "b"]
    assert rust_lines("\n") == [""]
    assert rust_lines("a\rb") == ["a\rb"]


# ── patch section ────────────────────────────────────────────────────────────────────────────────────────────────


def test_patch_section_observed_vector() -> None:
    out = patch_section(DEFAULT_TASK, "## Description", "## Description\n\nNew desc line\n\n")
    assert out == (
        f"# {TID} Design flow\n\n"
        "## Description\nNew desc line\n"
        "## Investigation targets\n\n"
        "## Acceptance\n- [ ] TBD\n\n"
        "## Done summary\nTBD\n\n"
        "## Evidence\n- Commits:\n- Tests:\n- PRs:"
    )


def test_patch_section_without_heading_in_content() -> None:
    out = patch_section(DEFAULT_TASK, "## Acceptance", "- [ ] A\n- [ ] B\n")
    assert "## Acceptance\n- [ ] A\n- [ ] B\n## Done summary" in out
    assert not out.endswith("\n")


def test_patch_section_keeps_leading_whitespace_when_no_heading() -> None:
    # Only a leading copy of the heading triggers the left trim.
    out = patch_section("## A\nold\n## B\nx\n", "## A", "\n  new\n")
    assert out == "## A\n\n  new\n## B\nx"


def test_patch_section_heading_in_content_after_blank_lines() -> None:
    out = patch_section("## A\nold\n", "## A", "\n\n  ## A  \n\n  body\n")
    assert out == "## A\nbody"


def test_patch_section_appends_missing() -> None:
    out = patch_section("# T\n\n## Description\nx\n", "## Investigation targets", "- src/a.py\n")
    assert out == "# T\n\n## Description\nx\n\n## Investigation targets\n- src/a.py"


def test_patch_section_heading_match_trimmed_and_last_section() -> None:
    out = patch_section("## Evidence   \n- Commits: a\n", "## Evidence", "- Commits: b")
    assert out == "## Evidence   \n- Commits: b"


def test_patch_section_replaces_every_occurrence() -> None:
    # The reference replaces each matching section (no "first only" rule).
    out = patch_section("## A\n1\n## A\n2\n## B\n3", "## A", "x")
    assert out == "## A\nx\n## A\nx\n## B\n3"


def test_patch_section_crlf_body() -> None:
    out = patch_section("## A\r\nold\r\n## B\r\nb\r\n", "## A", "new")
    assert out == "## A\nnew\n## B\nb"


# ── clear evidence ───────────────────────────────────────────────────────────────────────────────────────────────


def test_clear_evidence_observed_vector() -> None:
    body = "## Evidence  \n- Commits: abc\n- Tests: t\n\n## Notes\nfoo\n"
    assert clear_evidence(body) == "## Evidence  \n- Commits:\n- Tests:\n- PRs:\n\n## Notes\nfoo\n"


def test_clear_evidence_at_end() -> None:
    body = DEFAULT_TASK.replace(
        "- Commits:\n- Tests:\n- PRs:\n", "- Commits: a1\n- Tests: pytest\n- PRs: #4\n"
    )
    assert clear_evidence(body) == DEFAULT_TASK


def test_clear_evidence_only_first_and_absent() -> None:
    body = "## Evidence\nx\n## Evidence\ny\n"
    assert clear_evidence(body) == "## Evidence\n- Commits:\n- Tests:\n- PRs:\n\n## Evidence\ny\n"
    assert clear_evidence("# no evidence here\n") == "# no evidence here\n"
    # Heading must be followed (after optional whitespace) by a newline.
    assert clear_evidence("## Evidence") == "## Evidence"


def test_clear_evidence_blank_lines_after_heading_kept() -> None:
    assert clear_evidence("## Evidence\n\n\nold") == "## Evidence\n\n\n- Commits:\n- Tests:\n- PRs:\n"


# ── duplicate headings ───────────────────────────────────────────────────────────────────────────────────────────


def test_duplicate_headings_observed_message() -> None:
    body = "# E\n\n## A\nx\n## A \ny\n### A\n## B\n"
    dups = duplicate_headings(body)
    assert dups == [("## A", 2)]
    assert (
        duplicate_headings_message(dups) == "Spec validation failed: Duplicate heading: ## A (found 2 times)"
    )
    with pytest.raises(InvalidInputError) as ei:
        check_duplicate_headings(body)
    assert str(ei.value) == "Spec validation failed: Duplicate heading: ## A (found 2 times)"


def test_duplicate_headings_multiple() -> None:
    body = "## X\n## Y\n## X\n## Y\n## X\n"
    assert duplicate_headings(body) == [("## X", 3), ("## Y", 2)]
    assert duplicate_headings_message(duplicate_headings(body)) == (
        "Spec validation failed: Duplicate heading: ## X (found 3 times); Duplicate heading: ## Y (found 2 times)"
    )


def test_no_duplicates() -> None:
    assert duplicate_headings(epic_spec_template("fn-1", "t")) == []
    check_duplicate_headings(DEFAULT_TASK)
    # "##A" (no whitespace) and "###" lines are not level-2 headings.
    assert duplicate_headings("##A\n##A\n### B\n### B\n") == []
    # Headings are compared after trimming trailing whitespace only.
    assert duplicate_headings("##  A\n## A\n") == []


def test_missing_task_headings() -> None:
    assert missing_task_headings(DEFAULT_TASK) == []
    assert missing_task_headings("## Description\n## Evidence\n") == ["## Acceptance", "## Done summary"]


# ── D-5 done summary / evidence ──────────────────────────────────────────────────────────────────────────────────


def test_set_done_summary_on_template() -> None:
    out = set_done_summary(DEFAULT_TASK, "Implemented the flow.\n\n- with tests\n")
    assert out == DEFAULT_TASK.replace(
        "## Done summary\nTBD\n\n", "## Done summary\nImplemented the flow.\n\n- with tests\n\n"
    )
    assert set_done_summary(DEFAULT_TASK, "  ") == DEFAULT_TASK


def test_set_done_summary_strips_repeated_heading_and_appends() -> None:
    out = set_done_summary(DEFAULT_TASK, "## Done summary\nDone.\n")
    assert "## Done summary\nDone.\n\n## Evidence" in out
    appended = set_done_summary("# T\n\n## Description\nx\n\n\n", "S")
    assert appended == "# T\n\n## Description\nx\n\n## Done summary\nS\n"


def test_set_evidence_section() -> None:
    ev = {"commits": ["9f1c2ab", "0d4e6f1"], "tests": ["cargo test -p auth"], "prs": [], "files_changed": 3}
    out = set_evidence_section(DEFAULT_TASK, ev)
    assert out.endswith("## Evidence\n- Commits: 9f1c2ab, 0d4e6f1\n- Tests: cargo test -p auth\n- PRs:\n")
    assert out.startswith(DEFAULT_TASK.split("## Evidence")[0])
    # Round trip: clearing gives the template back.
    assert clear_evidence(out) == DEFAULT_TASK
    assert set_evidence_section(DEFAULT_TASK, {}) == DEFAULT_TASK
    assert set_evidence_section(DEFAULT_TASK, None) == DEFAULT_TASK


def test_set_evidence_section_mid_body_and_missing() -> None:
    body = "## Evidence\n- Commits: old\n\n## Notes\nkeep\n"
    out = set_evidence_section(body, {"commits": "abc", "prs": ["#1"]})
    assert out == "## Evidence\n- Commits: abc\n- Tests:\n- PRs: #1\n\n## Notes\nkeep\n"
    assert (
        set_evidence_section("# T\n", {"tests": ["pytest"]})
        == "# T\n\n## Evidence\n- Commits:\n- Tests: pytest\n- PRs:\n"
    )


def test_evidence_lines_normalisation() -> None:
    assert evidence_lines({"commits": [1, "a", "", None], "tests": "single"}) == (
        "- Commits: 1, a\n- Tests: single\n- PRs:\n"
    )
    assert evidence_lines(None) == "- Commits:\n- Tests:\n- PRs:\n"
