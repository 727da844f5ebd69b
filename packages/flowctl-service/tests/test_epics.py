"""Service-level tests of the `epic` group (real files in tmp_path)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from flowctl_core import records, spec_md
from flowctl_core.errors import (
    ConflictError,
    CorruptFileError,
    DependencyError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
)
from flowctl_db import FlowStore
from flowctl_service import (
    approvals,
    epic_archive,
    epic_rename,
    epics,
    file_locks,
    gaps,
    tasks,
    worker_phases,
)

ACTOR = "tester@example.com"




def create(store: FlowStore, title: str, **kw) -> str:
    return epics.create(store, ACTOR, title, **kw)["id"]


def finish(store: FlowStore, tid: str, status: str = "done") -> None:
    store.save_state(tid, records.blank_state(status))


# ── create ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_create_record_spec_and_events(store):
    out = epics.create(store, ACTOR, "Add OAuth login")
    eid = "fn-1-add-oauth-login"
    assert out == {"id": eid, "message": f"Epic {eid} created", "spec_path": f".flow/specs/{eid}.md",
                   "title": "Add OAuth login"}
    rec = json.loads(store.paths.epic_json(eid).read_text())
    assert list(rec) == ["id", "title", "status", "branch_name", "plan_review", "completion_review", "archived",
                         "file_path", "created_at", "updated_at"]
    assert rec["branch_name"] == eid and rec["file_path"] == f"specs/{eid}.md" and rec["archived"] is False
    assert rec["created_at"] == rec["updated_at"]
    assert store.read_epic_spec(eid) == spec_md.epic_spec_template(eid, "Add OAuth login")
    assert [e["type"] for e in store.events.read_all()] == ["epic.create", "epic_spec.set"]
    assert json.loads(store.paths.meta.read_text()) == {"next_epic": 1, "schema_version": 1}  # untouched


def test_create_numbering_counts_legacy_ids_and_branch(store):
    store.save_epic({"id": "fn-7", "title": "Legacy"})  # `epics/fn-7.json` (D30: counted)
    assert create(store, "Next", branch="feat/x") == "fn-8-next"
    assert store.get_epic("fn-8-next")["branch_name"] == "feat/x"
    assert create(store, "日本語").startswith("fn-9-")


def test_create_dry_run_and_missing_meta(store):
    preview = epics.create(store, ACTOR, "Ghost", dry_run=True)
    assert [m["op"] for m in preview["changes"]["mutations"]] == ["create_epic", "set_epic_spec"]
    assert preview["changes"]["mutations"][1]["content"].startswith("# fn-1-ghost Ghost\n")
    assert store.list_epics() == [] and store.events.read_all() == []
    store.paths.meta.unlink()
    with pytest.raises(InvalidInputError, match=r"^meta.json not found. Run 'flowctl init' first.$"):
        create(store, "X")


def test_create_refuses_an_orphaned_spec(store):
    store.write_epic_spec("fn-1-x", "orphan")
    with pytest.raises(ConflictError, match="^Refusing to overwrite existing epic fn-1-x. This shouldn't happen"):
        create(store, "x")
    assert store.read_epic_spec("fn-1-x") == "orphan"


# ── field updates (D39: the spec is never rewritten) ───────────────────────────────────────────────────────────────


def test_plan_replaces_the_spec(store, tmp_path):
    eid = create(store, "P")
    f = tmp_path / "plan.md"
    f.write_text("# Plan\n## A\n### x\n### x\n")
    out = epics.plan(store, eid, str(f))
    assert out == {"id": eid, "message": f"Epic {eid} spec updated", "spec_path": str(store.paths.epic_spec(eid))}
    assert store.read_epic_spec(eid) == "# Plan\n## A\n### x\n### x\n"
    f.write_text("## A\n## B\n## A \n## B\n")
    with pytest.raises(InvalidInputError, match=r"^Spec validation failed: Duplicate heading: ## A \(found 2 times\); "
                                                r"Duplicate heading: ## B \(found 2 times\)$"):
        epics.plan(store, eid, str(f))
    with pytest.raises(InvalidInputError, match="^Input file not found: nope.md$"):
        epics.plan(store, eid, "nope.md")
    with pytest.raises(NotFoundError, match="^Epic fn-5 not found$"):
        epics.plan(store, "fn-5", str(f))


def test_updates_never_recreate_a_missing_spec(store):
    eid = create(store, "S")
    store.paths.epic_spec(eid).unlink()
    epics.set_review(store, eid, "ship")
    epics.set_review(store, eid, "needs_work", "completion")
    epics.set_branch(store, eid, "b")
    epics.set_backend(store, eid, impl="x")
    epics.auto_exec(store, eid, pending=True)
    epics.add_dep(store, eid, create(store, "Other"))
    assert not store.paths.epic_spec(eid).exists()
    rec = store.get_epic(eid)
    assert (rec["plan_review"], rec["completion_review"], rec["branch_name"]) == ("passed", "failed", "b")


def test_review_outputs(store):
    eid = create(store, "R")
    out = epics.set_review(store, eid, "needs_work")
    assert out["plan_review_status"] == "needs_work" and out["message"] == f"Epic {eid} plan review status set to needs_work"
    assert set(out) == {"id", "message", "plan_review_status", "plan_reviewed_at"}
    out = epics.set_review(store, eid, "unknown", "completion")
    assert set(out) == {"id", "message", "completion_review_status", "completion_reviewed_at"}
    with pytest.raises(InvalidInputError, match="^Invalid epic ID: nope"):
        epics.set_review(store, "nope", "ship")


def test_set_backend_and_auto_exec(store):
    eid = create(store, "B")
    out = epics.set_backend(store, eid, impl="codex:gpt-5", review="rp", sync="none")
    assert out["message"] == f"Epic {eid} backend specs updated: default_impl=codex:gpt-5, default_review=rp, default_sync=none"
    out = epics.set_backend(store, eid, sync="")
    assert out == {"default_impl": "codex:gpt-5", "default_review": "rp", "default_sync": None, "id": eid,
                   "message": f"Epic {eid} backend specs updated: default_sync="}
    with pytest.raises(InvalidInputError, match="^At least one of --impl, --review, or --sync must be provided$"):
        epics.set_backend(store, eid)
    pending = epics.auto_exec(store, eid, pending=True, done=True)
    assert pending["auto_execute_pending"] is True and pending["auto_execute_set_at"].endswith("+00:00")
    done = epics.auto_exec(store, eid, done=True)
    assert done["auto_execute_pending"] is False and done["auto_execute_set_at"] == pending["auto_execute_set_at"]
    assert done["message"] == f"Epic {eid} auto_execute set to done"
    with pytest.raises(InvalidInputError, match="^Either --pending or --done must be specified$"):
        epics.auto_exec(store, eid)


# ── epic dependencies (D46) ────────────────────────────────────────────────────────────────────────────────────────


def test_add_and_remove_epic_deps(store):
    a, b, c = create(store, "A"), create(store, "B"), create(store, "C")
    assert epics.add_dep(store, a, b) == {"depends_on_epics": [b], "id": a, "message": f"Added {b} to {a} dependencies"}
    again = epics.add_dep(store, a, b)
    assert again["message"] == f"{b} already in dependencies" and epics.dep_text(again) == f"{b} already in {a} dependencies"
    epics.add_dep(store, b, c)
    with pytest.raises(DependencyError, match=f"^Epic dependency cycle detected: {c} -> {a} -> {b} -> {c}$"):
        epics.add_dep(store, c, a)
    with pytest.raises(DependencyError, match="^Epic cannot depend on itself$"):
        epics.add_dep(store, a, a)
    with pytest.raises(NotFoundError, match="^Epic fn-9 not found$"):
        epics.add_dep(store, a, "fn-9")
    with pytest.raises(NotFoundError, match="^Epic fn-9 not found$"):
        epics.add_dep(store, "fn-9", a)
    out = epics.rm_dep(store, a, "fn-77")
    assert out["message"] == "fn-77 not in dependencies" and epics.dep_text(out) == f"fn-77 not in {a} dependencies"
    assert epics.rm_dep(store, a, b) == {"depends_on_epics": [], "id": a, "message": f"Removed {b} from {a} dependencies"}
    assert "depends_on_epics" not in json.loads(store.paths.epic_json(a).read_text())


# ── close / reopen ─────────────────────────────────────────────────────────────────────────────────────────────────


def test_close_requires_finished_tasks_and_no_blocking_gaps(store):
    eid = create(store, "C")
    t1 = tasks.create(store, ACTOR, eid, "One")["id"]
    t2 = tasks.create(store, ACTOR, eid, "Two")["id"]
    finish(store, t1, "in_progress")
    with pytest.raises(InvalidTransitionError) as info:
        epics.close(store, eid)
    assert str(info.value) == f"Cannot close epic: incomplete tasks - {t1} (in_progress), {t2} (todo)"
    finish(store, t1)
    tasks.skip(store, ACTOR, t2)
    gaps.add_gap(store, ACTOR, eid, "Auth flow", "required")
    gaps.add_gap(store, ACTOR, eid, "Docs", "nice-to-have")
    gaps.add_gap(store, ACTOR, eid, "Metrics", "important")
    with pytest.raises(InvalidTransitionError) as info:
        epics.close(store, eid)
    assert str(info.value) == ("Cannot close epic: 2 unresolved blocking gap(s): [required] Auth flow, "
                               "[important] Metrics. Use --skip-gap-check to bypass.")
    out = epics.close(store, eid, skip_gap_check=True)
    assert out == {"gaps_skipped": 2, "id": eid, "message": f"Epic {eid} closed", "retro_suggested": True,
                   "status": "done"}
    assert store.get_epic(eid)["status"] == "done"
    assert epics.close(store, eid, skip_gap_check=True)["status"] == "done"  # closing again succeeds


def test_close_refuses_a_corrupt_gaps_file(store):
    eid = create(store, "G")
    store.paths.gaps.mkdir(exist_ok=True)
    store.paths.gaps_json(eid).write_text("[oops")
    with pytest.raises(CorruptFileError):
        epics.close(store, eid)
    assert store.get_epic(eid)["status"] == "open"


def test_reopen(store):
    eid = create(store, "O")
    with pytest.raises(InvalidTransitionError, match=f"^Epic {eid} is already open \\(no-op protection\\)$"):
        epics.reopen(store, eid)
    epics.set_review(store, eid, "ship")
    epics.close(store, eid)
    assert epics.reopen(store, eid) == {"id": eid, "message": f"Epic {eid} reopened", "new_status": "open",
                                        "previous_status": "done"}
    assert store.get_epic(eid)["plan_review"] == "unknown"
    epics.close(store, eid)
    epic_archive.archive(store, eid)
    with pytest.raises(InvalidTransitionError, match=f"^Epic {eid} is archived. Unarchive it first"):
        epics.reopen(store, eid)


# ── archive / clean (D43, D-12) ────────────────────────────────────────────────────────────────────────────────────


def test_archive_moves_spec_and_reviews_and_keeps_the_json(store):
    eid = create(store, "Arch")
    other = create(store, "Arch two")
    store.paths.reviews.mkdir(exist_ok=True)
    for name in (f"impl_review-{eid}.1-rp.json", f"epic-audit-{eid}-20260101T000000Z.json",
                 f"impl_review-{other}.1-rp.json"):
        (store.paths.reviews / name).write_text("{}")
    with pytest.raises(InvalidTransitionError, match=f"^Cannot archive epic {eid}: status is 'open', not 'done'. "):
        epic_archive.archive(store, eid)
    out = epic_archive.archive(store, eid, force=True)
    archive_dir = store.paths.archive / eid
    assert out == {"archive_dir": str(archive_dir), "count": 3, "epic": eid,
                   "moved": [f"specs/{eid}.md", f"reviews/epic-audit-{eid}-20260101T000000Z.json",
                             f"reviews/impl_review-{eid}.1-rp.json"]}
    assert sorted(os.listdir(archive_dir)) == sorted([f"{eid}.md", f"epic-audit-{eid}-20260101T000000Z.json",
                                                      f"impl_review-{eid}.1-rp.json"])
    assert store.get_epic(eid)["archived"] is True and store.paths.epic_json(eid).exists()
    assert os.listdir(store.paths.reviews) == [f"impl_review-{other}.1-rp.json"]
    epics.set_branch(store, eid, "later")
    assert not store.paths.epic_spec(eid).exists()  # D39: not recreated
    assert epic_archive.archive_text(out).splitlines()[0] == f"Archived epic {eid} (3 files) → .flow/.archive/{eid}/"


def test_clean_archives_closed_epics(store):
    a, b = create(store, "A"), create(store, "B")
    assert epic_archive.clean(store) == {"archived": [], "count": 0}
    assert epic_archive.clean_text({"archived": [], "count": 0}) == "No closed epics to archive."
    epics.close(store, a)
    out = epic_archive.clean(store)
    assert out == {"archived": [a], "count": 1} and epic_archive.clean_text(out) == f"Archived 1 closed epic(s): {a}"
    assert (store.paths.archive / a / f"{a}.md").exists() and store.paths.epic_spec(b).exists()
    assert epic_archive.clean(store)["archived"] == []


# ── audit (D40) ────────────────────────────────────────────────────────────────────────────────────────────────────


def test_audit_writes_a_receipt_with_real_statuses_then_reuses_it(store):
    eid = create(store, "Audit")
    t1 = tasks.create(store, ACTOR, eid, "One", files="a.py")["id"]
    t2 = tasks.create(store, ACTOR, eid, "Two", deps=t1, domain="testing")["id"]
    finish(store, t1, "in_progress")
    finish(store, t2, "up_for_retry")
    out = epics.audit(store, eid)
    path = Path(out["receipt_path"])
    assert out == {"id": eid, "message": f"Wrote audit payload to {path}. Run agents/epic-auditor.md to populate findings.",
                   "receipt_path": str(path), "reused": False, "task_count": 2}
    text = path.read_text()
    assert not text.endswith("\n") and path.name.startswith(f"epic-audit-{eid}-")
    receipt = json.loads(text)
    assert list(receipt) == sorted(receipt)
    assert receipt["kind"] == "epic-audit-payload" and receipt["schema_version"] == 1 and receipt["task_count"] == 2
    assert receipt["epic"] == {"id": eid, "spec_body": store.read_epic_spec(eid), "status": "open", "title": "Audit"}
    assert receipt["tasks"] == [
        {"depends_on": [], "domain": "general", "files": ["a.py"], "id": t1, "status": "in_progress", "title": "One"},
        {"depends_on": [t1], "domain": "testing", "files": [], "id": t2, "status": "up_for_retry", "title": "Two"}]
    assert receipt["audit"]["notes"] == epics.AUDIT_NOTES and receipt["audit"]["coverage_score"] is None
    reused = epics.audit(store, eid)
    assert reused["reused"] is True and reused["receipt_path"] == str(path) and 0 <= reused["age_hours"] < 0.1
    assert reused["message"] == "Reusing audit receipt from 0.0h ago. Pass --force to regenerate."
    old = time.time() - 25 * 3600
    os.utime(path, (old, old))
    assert epics.audit(store, eid)["reused"] is False
    with pytest.raises(NotFoundError, match="^Epic fn-9 not found$"):
        epics.audit(store, "fn-9")


# ── rename (D11) ───────────────────────────────────────────────────────────────────────────────────────────────────


def test_rename_to_the_same_slug_only_retitles(store):
    eid = create(store, "Same Title")
    t = tasks.create(store, ACTOR, eid, "T")["id"]
    finish(store, t, "in_progress")
    out = epic_rename.rename(store, eid, "same title")
    assert out == {"files_renamed": 0, "message": f"Epic renamed: {eid} -> {eid}", "new_id": eid, "old_id": eid,
                   "tasks_updated": 0, "title": "same title"}
    assert store.get_epic(eid)["title"] == "same title"
    assert store.read_epic_spec(eid).startswith(f"# {eid} same title\n")
    assert store.get_task(t)["status"] == "in_progress" and store.read_task_spec(t)


def test_rename_refuses_an_existing_target(store):
    a = create(store, "Alpha")
    store.save_epic({"id": "fn-1-beta", "title": "Beta"})
    with pytest.raises(ConflictError, match="^Epic fn-1-beta already exists. Choose a different title.$"):
        epic_rename.rename(store, a, "Beta")
    assert store.get_epic(a)["title"] == "Alpha"


def test_rename_refuses_when_a_destination_file_exists_and_changes_nothing(store):
    a = create(store, "Alpha")
    t = tasks.create(store, ACTOR, a, "T")["id"]
    store.write_task_spec("fn-1-gamma.1", "stray")
    before = sorted(p.name for p in store.paths.root.rglob("*"))
    with pytest.raises(ConflictError, match="^Cannot rename epic fn-1-alpha to fn-1-gamma: tasks/fn-1-gamma.1.md"):
        epic_rename.rename(store, a, "Gamma")
    assert sorted(p.name for p in store.paths.root.rglob("*")) == before
    assert store.get_task(t) is not None


def test_rename_moves_everything_carrying_the_epic_id(store):
    old = create(store, "Rename me")
    other = create(store, "Other")
    t1 = tasks.create(store, ACTOR, old, "First")["id"]
    t2 = tasks.create(store, ACTOR, old, "Second", deps=t1)["id"]
    epics.add_dep(store, other, old)
    store.save_state(t1, {**records.blank_state("in_progress"), "assignee": "a@b"})
    gaps.add_gap(store, ACTOR, old, "Auth", "required", task=t1)
    store.pipeline.put("", {old: "work", other: "plan"})
    worker_phases.mark_done(store, t1, "1")
    file_locks.lock(store, t1, "src/a.py")
    approvals.create(store, t2, "generic", '{"x": 1}')
    store.paths.outputs.mkdir(exist_ok=True)
    (store.paths.outputs / f"{t1}.md").write_text("output one")
    store.paths.reviews.mkdir(exist_ok=True)
    (store.paths.reviews / f"impl_review-{t1}-rp.json").write_text(json.dumps({"id": t1, "verdict": "SHIP"}, indent=2))
    (store.paths.reviews / f"epic-audit-{old}-20260101T000000Z.json").write_text("not json")
    checkpoint = {"epic": store.get_epic(old), "tasks": [{"state": None, "task": store.get_task(t2)}], "timestamp": "x"}
    store.paths.checkpoint(old).write_text(json.dumps(checkpoint, indent=2, sort_keys=True))
    # A hand-edited cross-epic dependency on a renamed task.
    t_other = tasks.create(store, ACTOR, other, "Elsewhere")["id"]
    store.save_task_definition({**store.get_task_definition(t_other), "depends_on": [t1]})

    out = epic_rename.rename(store, old, "Renamed Epic")
    new = "fn-1-renamed-epic"
    n1, n2 = f"{new}.1", f"{new}.2"
    assert out == {"files_renamed": 6, "message": f"Epic renamed: {old} -> {new}", "new_id": new, "old_id": old,
                   "tasks_updated": 2, "title": "Renamed Epic", "updated_deps_in": [other]}
    # epic: old JSON gone, new one complete
    assert not store.paths.epic_json(old).exists()
    epic = store.get_epic(new)
    assert (epic["title"], epic["file_path"], epic["branch_name"]) == ("Renamed Epic", f"specs/{new}.md", old)
    assert [e["id"] for e in store.list_epics()] == [new, other]
    assert store.read_epic_spec(new).startswith(f"# {new} Renamed Epic\n") and not store.paths.epic_spec(old).exists()
    # tasks: definitions, specs and states moved, status kept, deps remapped
    assert [t["id"] for t in store.list_tasks(new)] == [n1, n2] and store.list_tasks(old) == []
    assert store.get_task(n1)["status"] == "in_progress" and store.get_state(n1)["assignee"] == "a@b"
    assert store.get_task_definition(n2)["depends_on"] == [n1]
    assert store.get_task_definition(n2)["file_path"] == f".flow/tasks/{n2}.md"
    assert store.read_task_spec(n2).startswith(f"# {n2} Second\n")
    assert not any(p.name.startswith(old) for p in store.paths.tasks.iterdir())
    assert not any(p.name.startswith(old) for p in store.paths.state_tasks.iterdir())
    assert store.get_task_definition(t_other)["depends_on"] == [n1]
    # auxiliary stores
    assert not store.paths.gaps_json(old).exists() and store.gaps.read(new)[0]["task"] == n1
    assert store.pipeline.read_all() == {new: "work", other: "plan"}
    assert store.phases.completed(n1) == ["1"] and store.phases.completed(t1) == []
    assert [e["task_id"] for e in store.locks.list()] == [n1]
    assert [a["task_id"] for a in store.approvals.list()] == [n2]
    assert (store.paths.outputs / f"{n1}.md").read_text() == "output one"
    assert sorted(os.listdir(store.paths.reviews)) == [f"epic-audit-{new}-20260101T000000Z.json",
                                                       f"impl_review-{n1}-rp.json"]
    assert json.loads((store.paths.reviews / f"impl_review-{n1}-rp.json").read_text())["id"] == n1
    assert (store.paths.reviews / f"epic-audit-{new}-20260101T000000Z.json").read_text() == "not json"
    moved_cp = json.loads(store.paths.checkpoint(new).read_text())
    assert not store.paths.checkpoint(old).exists()
    assert moved_cp["epic"]["id"] == new and moved_cp["epic"]["title"] == "Renamed Epic"
    assert moved_cp["tasks"][0]["task"]["id"] == n2 and moved_cp["tasks"][0]["task"]["depends_on"] == [n1]
    assert store.get_epic(other)["depends_on_epics"] == [new]
    assert epic_rename.rename_text(out).splitlines() == [
        f"Epic renamed: {old} -> {new}", "  Title: Renamed Epic", "  Files renamed: 6", "  Tasks updated: 2",
        f"  Updated deps in: {other}"]


def test_rename_moves_a_receipt_json_cannot_read_verbatim(store):
    old = create(store, "Huge")
    store.paths.reviews.mkdir(exist_ok=True)
    text = '{"id": "' + old + '", "n": ' + "9" * 5000 + "}"  # a number int() refuses
    (store.paths.reviews / f"epic-audit-{old}-20260101T000000Z.json").write_text(text)
    new = epic_rename.rename(store, old, "Huge two")["new_id"]
    assert (store.paths.reviews / f"epic-audit-{new}-20260101T000000Z.json").read_text() == text


def test_rename_of_an_archived_epic_moves_its_archive(store):
    old = create(store, "Old")
    epics.close(store, old)
    epic_archive.archive(store, old)
    epic_rename.rename(store, old, "New")
    assert not (store.paths.archive / old).exists()
    assert os.listdir(store.paths.archive / "fn-1-new") == ["fn-1-new.md"]
    assert not store.paths.epic_spec("fn-1-new").exists()  # still archived, not recreated
