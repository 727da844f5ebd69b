"""`flowctl epic …` end to end (cli-core.md §8, old names of §11.1)."""

from __future__ import annotations

import json
import os

import pytest

E = "fn-1-add-oauth-login"
SPEC = (f"# {E} Add OAuth login\n\n## Overview\nTBD\n\n## Scope\nTBD\n\n## Approach\nTBD\n\n## Quick commands\n"
        "<!-- Required: at least one smoke command for the repo -->\n- `# e.g., npm test, bun test, make test`\n\n"
        "## Acceptance\n- [ ] TBD\n\n## References\n- TBD\n")
BAD_EPIC = "Invalid epic ID: {}. Expected format: fn-N or fn-N-slug (e.g., fn-1, fn-1-add-auth)"


@pytest.fixture
def ws(initialized_flowctl):
    initialized_flowctl.ok("epic", "create", "--title", "Add OAuth login")
    return initialized_flowctl


def epic_file(flowctl, eid=E):
    return json.loads((flowctl.flow / "epics" / f"{eid}.json").read_text())


# ── create ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_create(initialized_flowctl):
    assert initialized_flowctl.ok("epic", "create", "--title", "Add OAuth login") == f"Epic {E} created: Add OAuth login\n"
    assert initialized_flowctl.ok("epic", "create", "--title", "Billing", "--json") == {"id": "fn-2-billing", "title": "Billing"}
    assert initialized_flowctl.ok("--no-compact", "epic", "create", "--title", "Base", "--branch", "feat/base", "--json") == {
        "id": "fn-3-base", "message": "Epic fn-3-base created", "spec_path": ".flow/specs/fn-3-base.md",
        "success": True, "title": "Base"}
    text = (initialized_flowctl.flow / "epics" / f"{E}.json").read_text()
    rec = json.loads(text)
    assert list(rec) == ["id", "title", "status", "branch_name", "plan_review", "completion_review", "archived",
                         "file_path", "created_at", "updated_at"]
    assert {k: rec[k] for k in list(rec)[:-2]} == {
        "id": E, "title": "Add OAuth login", "status": "open", "branch_name": E, "plan_review": "unknown",
        "completion_review": "unknown", "archived": False, "file_path": f"specs/{E}.md"}
    assert not text.endswith("\n")
    assert (initialized_flowctl.flow / "specs" / f"{E}.md").read_text() == SPEC
    assert epic_file(initialized_flowctl, "fn-3-base")["branch_name"] == "feat/base"
    assert json.loads((initialized_flowctl.flow / "meta.json").read_text())["next_epic"] == 1


def test_create_dry_run_and_errors(flowctl):
    assert flowctl.fail("epic", "create", "--title", "X").error == ".flow/ does not exist. Run 'flowctl init' first."
    flowctl.ok("init")
    preview = json.loads(flowctl("--dry-run", "epic", "create", "--title", "Ghost").out)
    assert [m["op"] for m in preview["changes"]["mutations"]] == ["create_epic", "set_epic_spec"]
    assert preview["changes"]["mutations"][0]["epic"]["file_path"] == "specs/fn-1-ghost.md"
    assert os.listdir(flowctl.flow / "epics") == []
    flowctl.fail("epic", "create", code=2)
    flowctl.fail("epic", code=2)
    (flowctl.flow / "meta.json").unlink()
    assert flowctl.fail("epic", "create", "--title", "X").error == "meta.json not found. Run 'flowctl init' first."


def test_create_counts_legacy_epic_files(initialized_flowctl):
    (initialized_flowctl.flow / "epics" / "fn-4.json").write_text('{"id": "fn-4", "title": "Legacy"}')
    assert initialized_flowctl.ok("epic", "create", "--title", "New", "--json")["id"] == "fn-5-new"


# ── plan / review / completion / branch (and old names) ────────────────────────────────────────────────────────────


def test_plan(ws, tmp_path):
    f = tmp_path / "plan.md"
    f.write_text("# Plan\n## A\n")
    assert ws.ok("epic", "plan", E, "--file", str(f)) == f"Epic {E} spec updated\n"
    assert ws.ok("--no-compact", "epic", "plan", E, "--file", "-", "--json", input="# stdin\n") == {
        "id": E, "message": f"Epic {E} spec updated", "spec_path": str(ws.flow / "specs" / f"{E}.md"),
        "success": True}
    assert (ws.flow / "specs" / f"{E}.md").read_text() == "# stdin\n"
    assert ws.ok("epic", "set-plan", E, "--file", str(f), "--json") == {"id": E}
    assert (ws.flow / "specs" / f"{E}.md").read_text() == "# Plan\n## A\n"
    f.write_text("## A\nx\n## A \n")
    assert ws.fail("epic", "plan", E, "--file", str(f)).error == \
        "Spec validation failed: Duplicate heading: ## A (found 2 times)"
    assert ws.fail("epic", "plan", E, "--file", "nope.md").error == "Input file not found: nope.md"
    assert ws.fail("epic", "plan", "fn-9", "--file", str(f)).error == "Epic fn-9 not found"
    assert ws.fail("epic", "plan", "Bad", "--file", str(f)).error == BAD_EPIC.format("Bad")


def test_review_and_completion(ws):
    assert ws.ok("epic", "review", E, "ship") == f"Epic {E} plan review status set to ship\n"
    assert ws.ok("epic", "review", E, "ship", "--json") == {"id": E}
    full = ws.ok("--no-compact", "epic", "completion", E, "needs_work", "--json")
    assert set(full) == {"completion_review_status", "completion_reviewed_at", "id", "message", "success"}
    assert full["completion_review_status"] == "needs_work" and full["completion_reviewed_at"].endswith("+00:00")
    rec = epic_file(ws)
    assert (rec["plan_review"], rec["completion_review"]) == ("passed", "failed")
    ws.fail("epic", "review", E, "weird", code=2)
    ws.fail("epic", "review", E, code=2)


def test_review_old_names_take_status_as_a_flag(ws):
    assert ws.ok("epic", "set-plan-review-status", E, "--status", "needs_work") == \
        f"Epic {E} plan review status set to needs_work\n"
    assert ws.ok("epic", "set-completion-review-status", E, "--status", "ship", "--json") == {"id": E}
    rec = epic_file(ws)
    assert (rec["plan_review"], rec["completion_review"]) == ("failed", "passed")
    assert ws.ok("show", E, "--json", env={"FLOWCTL_COMPACT": "0"})["plan_review_status"] == "failed"
    ws.fail("epic", "set-plan-review-status", E, "--status", "nope", code=2)


def test_branch(ws):
    assert ws.ok("epic", "branch", E, "feat/x") == f"Epic {E} branch_name set to feat/x\n"
    assert ws.ok("--no-compact", "epic", "set-branch", E, "--branch", "feat/y", "--json") == {
        "branch_name": "feat/y", "id": E, "message": f"Epic {E} branch_name set to feat/y", "success": True}
    assert epic_file(ws)["branch_name"] == "feat/y"


def test_updates_do_not_recreate_a_missing_spec(ws):
    (ws.flow / "specs" / f"{E}.md").unlink()
    ws.ok("epic", "branch", E, "b")
    ws.ok("epic", "review", E, "ship")
    assert not (ws.flow / "specs" / f"{E}.md").exists()


# ── title (rename, D11) ────────────────────────────────────────────────────────────────────────────────────────────


def test_title_renames_and_keeps_everything(ws):
    ws.ok("epic", "create", "--title", "Base")
    t1 = ws.ok("task", "create", "--epic", E, "--title", "One", "--json")["id"]
    ws.ok("task", "create", "--epic", E, "--title", "Two", "--deps", t1)
    ws.ok("epic", "add-dep", "fn-2-base", E)
    ws.ok("start", t1)
    new = "fn-1-renamed-epic"
    assert ws.ok("epic", "title", E, "--title", "Renamed Epic") == (
        f"Epic renamed: {E} -> {new}\n  Title: Renamed Epic\n  Files renamed: 1\n  Tasks updated: 2\n"
        "  Updated deps in: fn-2-base\n")
    assert sorted(os.listdir(ws.flow / "epics")) == ["fn-1-renamed-epic.json", "fn-2-base.json"]
    assert ws.ok("show", f"{new}.1", "--json")["status"] == "in_progress"
    assert ws.ok("cat", f"{new}.2").startswith(f"# {new}.2 Two")
    assert epic_file(ws, "fn-2-base")["depends_on_epics"] == [new]
    assert ws.ok("epic", "title", new, "--title", "Renamed again", "--json") == {
        "files_renamed": 1, "new_id": "fn-1-renamed-again", "old_id": new, "tasks_updated": 2,
        "title": "Renamed again", "updated_deps_in": ["fn-2-base"]}
    assert not (ws.flow / "epics" / f"{new}.json").exists()


def test_title_collision(ws):
    (ws.flow / "epics" / "fn-1-taken.json").write_text('{"id": "fn-1-taken", "title": "Taken"}')
    assert ws.fail("epic", "title", E, "--title", "Taken").error == "Epic fn-1-taken already exists. Choose a different title."
    assert epic_file(ws)["title"] == "Add OAuth login"


# ── close / reopen / archive / clean ───────────────────────────────────────────────────────────────────────────────


def test_close_and_reopen(ws):
    t1 = ws.ok("task", "create", "--epic", E, "--title", "One", "--json")["id"]
    assert ws.fail("epic", "close", E).error == f"Cannot close epic: incomplete tasks - {t1} (todo)"
    ws.ok("task", "skip", t1)
    assert ws.ok("epic", "close", E) == (
        f"Epic {E} closed\n\n  Tip: Run /flow-code:retro to capture lessons learned before archiving.\n")
    assert ws.ok("epic", "close", E, "--json") == {"gaps_skipped": 0, "id": E, "retro_suggested": True,
                                                   "status": "done"}
    assert ws.ok("epic", "reopen", E) == f"Epic {E} reopened (was: done)\n"
    assert ws.fail("epic", "reopen", E).error == f"Epic {E} is already open (no-op protection)"
    ws.ok("epic", "close", E)
    assert ws.ok("--no-compact", "epic", "reopen", E, "--json") == {
        "id": E, "message": f"Epic {E} reopened", "new_status": "open", "previous_status": "done", "success": True}


def test_close_gap_gate(ws):
    gaps = ws.flow / "gaps"
    gaps.mkdir(exist_ok=True)
    (gaps / f"{E}.json").write_text(json.dumps([
        {"id": 1, "capability": "Auth", "priority": "required", "source": "manual", "resolved": False},
        {"id": 2, "capability": "Docs", "priority": "nice-to-have", "source": "manual", "resolved": False}]))
    assert ws.fail("epic", "close", E).error == \
        "Cannot close epic: 1 unresolved blocking gap(s): [required] Auth. Use --skip-gap-check to bypass."
    run = ws("epic", "close", E, "--skip-gap-check")
    assert run.code == 0 and run.err == "WARNING: Bypassing 1 unresolved blocking gap(s)\n"
    assert ws.ok("epic", "close", E, "--skip-gap-check", "--json")["gaps_skipped"] == 1


def test_archive_and_clean(ws):
    (ws.flow / "reviews" / f"impl_review-{E}.1-rp.json").write_text("{}")
    assert ws.fail("epic", "archive", E).error == (
        f"Cannot archive epic {E}: status is 'open', not 'done'. Close it first or use --force.")
    assert ws.ok("epic", "archive", E, "--force") == (
        f"Archived epic {E} (2 files) → .flow/.archive/{E}/\n  specs/{E}.md\n  reviews/impl_review-{E}.1-rp.json\n")
    assert epic_file(ws)["archived"] is True
    assert sorted(os.listdir(ws.flow / ".archive" / E)) == [f"{E}.md", f"impl_review-{E}.1-rp.json"]
    assert ws.ok("epic", "clean") == "No closed epics to archive.\n"
    ws.ok("epic", "create", "--title", "Two")
    ws.ok("epic", "close", "fn-2-two")
    assert ws.ok("epic", "clean", "--json") == {"archived": ["fn-2-two"], "count": 1}
    assert ws.fail("epic", "reopen", "fn-2-two").error == \
        "Epic fn-2-two is archived. Unarchive it first before reopening."
    ws.ok("epic", "create", "--title", "Three")
    ws.ok("epic", "close", "fn-3-three")
    assert ws.ok("epic", "clean") == "Archived 1 closed epic(s): fn-3-three\n"
    full = ws.ok("--no-compact", "epic", "archive", "fn-3-three", "--json")
    assert full == {"archive_dir": str(ws.flow / ".archive" / "fn-3-three"), "count": 0, "epic": "fn-3-three",
                    "moved": [], "success": True}


# ── audit ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_audit(ws):
    ws.ok("task", "create", "--epic", E, "--title", "One")
    ws.ok("start", f"{E}.1")
    out = ws.ok("epic", "audit", E).splitlines()
    path = out[0].removeprefix("Wrote audit payload: ")
    assert out[1:] == [f"  Epic: {E} (1 tasks)", "  Next: run agents/epic-auditor.md with receipt path as input"]
    receipt = json.loads(open(path).read())
    assert receipt["tasks"][0]["status"] == "in_progress" and receipt["epic"]["spec_body"] == SPEC
    reused = ws.ok("epic", "audit", E, "--json")
    assert reused["reused"] is True and reused["receipt_path"] == path and isinstance(reused["age_hours"], float)
    assert ws.ok("epic", "audit", E).startswith("Reusing audit receipt (0.0h old): ")
    forced = ws.ok("epic", "audit", E, "--force", "--json")
    assert forced["reused"] is False and forced["task_count"] == 1
    assert ws.fail("epic", "audit", "fn-7").error == "Epic fn-7 not found"


# ── add-dep / rm-dep / set-backend / auto-exec ─────────────────────────────────────────────────────────────────────


def test_epic_deps(ws):
    ws.ok("epic", "create", "--title", "Base")
    assert ws.ok("epic", "add-dep", E, "fn-2-base") == f"Added fn-2-base to {E} dependencies\n"
    assert ws.ok("epic", "add-dep", E, "fn-2-base") == f"fn-2-base already in {E} dependencies\n"
    assert ws.ok("--no-compact", "epic", "add-dep", E, "fn-2-base", "--json") == {
        "depends_on_epics": ["fn-2-base"], "id": E, "message": "fn-2-base already in dependencies", "success": True}
    assert ws.fail("epic", "add-dep", "fn-2-base", E).error == \
        f"Epic dependency cycle detected: fn-2-base -> {E} -> fn-2-base"
    assert ws.fail("epic", "add-dep", E, E).error == "Epic cannot depend on itself"
    assert ws.fail("epic", "add-dep", E, "fn-9").error == "Epic fn-9 not found"
    assert ws.fail("epic", "add-dep", E, "nope").error == BAD_EPIC.format("nope")
    assert ws.ok("epic", "rm-dep", E, "fn-7") == f"fn-7 not in {E} dependencies\n"
    assert ws.ok("epic", "rm-dep", E, "fn-2-base", "--json") == {"depends_on_epics": [], "id": E}
    assert "depends_on_epics" not in epic_file(ws)


def test_set_backend_and_auto_exec(ws):
    assert ws.ok("epic", "set-backend", E, "--impl", "codex:gpt-5", "--review", "rp", "--sync", "") == (
        f"Epic {E} backend specs updated: default_impl=codex:gpt-5, default_review=rp, default_sync=\n")
    assert ws.ok("epic", "set-backend", E, "--sync", "none", "--json") == {"id": E}
    assert ws.ok("--no-compact", "epic", "set-backend", E, "--review", "", "--json") == {
        "default_impl": "codex:gpt-5", "default_review": None, "default_sync": "none", "id": E,
        "message": f"Epic {E} backend specs updated: default_review=", "success": True}
    assert ws.fail("epic", "set-backend", E).error == "At least one of --impl, --review, or --sync must be provided"
    out = ws.ok("epic", "auto-exec", E, "--pending", "--json")
    assert out["auto_execute_pending"] is True and out["auto_execute_set_at"].endswith("+00:00")
    assert ws.ok("epic", "auto-exec", E, "--done") == f"Epic {E} auto_execute set to done\n"
    rec = epic_file(ws)
    assert rec["auto_execute_pending"] is False and rec["auto_execute_set_at"] == out["auto_execute_set_at"]
    assert list(rec)[list(rec).index("default_impl"):list(rec).index("archived")] == [
        "default_impl", "default_sync", "auto_execute_pending", "auto_execute_set_at"]
    assert ws.fail("epic", "auto-exec", E).error == "Either --pending or --done must be specified"
