"""show / epics / tasks / list / cat / files over real files in a temporary .flow/."""

from __future__ import annotations

import os

import pytest

from flowctl_core import json_store as js
from flowctl_core.errors import InvalidInputError, NotFoundError
from flowctl_db import FlowStore
from flowctl_service import queries

E = "fn-1-add-oauth-login"
T_AT = "2026-11-26T14:49:46.304449427Z"


@pytest.fixture
def store(store: FlowStore) -> FlowStore:
    """The empty store of conftest, with this module's epics."""
    s = store
    s.save_epic({"id": E, "title": "Add OAuth Login!", "status": "open", "branch_name": "feat/oauth2",
                 "plan_review": "failed", "completion_review": "unknown", "default_impl": "codex:gpt-5",
                 "default_review": "rp", "archived": False, "file_path": f"specs/{E}.md",
                 "created_at": "2026-11-26T13:57:02.127984849Z", "updated_at": "2026-11-26T13:58:16.891250785Z"})
    s.write_epic_spec(E, f"# {E} Add OAuth Login!\n\n## Overview\nTBD\n")
    s.save_epic({"id": "fn-2-second-epic", "title": "Second Epic", "created_at": T_AT, "updated_at": T_AT})
    add_task(s, f"{E}.1", "Design flow", priority=2, domain="backend", files=["src/a.rs", "src/b.rs"],
             review="codex:o3")
    add_task(s, f"{E}.2", "Implement", depends_on=[f"{E}.1"], files=["src/b.rs"])
    add_task(s, f"{E}.10", "Polish", spec="## Description\n**Files:** `src/c.rs`, src/a.rs ,\n")
    s.save_state(f"{E}.1", {"status": "done", "assignee": "dev@example.com",
                            "claimed_at": "2026-11-26T14:49:46.339379654Z",
                            "completed_at": "2026-11-26T14:49:48.348195989Z",
                            "evidence": {"commits": ["9f1c2ab"]}, "duration_seconds": 2, "retry_count": 0,
                            "updated_at": "2026-11-26T14:49:48.348195989Z", "summary": "Designed it"})
    s.save_state(f"{E}.2", {"status": "in_progress", "assignee": "dev@example.com",
                            "claimed_at": "2026-11-26T14:49:50Z", "retry_count": 0,
                            "updated_at": "2026-11-26T14:49:50Z", "claim_note": "on it"})
    return s


def add_task(s: FlowStore, tid: str, title: str, spec: str | None = None, **fields) -> None:
    epic = tid.rsplit(".", 1)[0]
    s.save_task_definition({"id": tid, "epic": epic, "title": title, "status": "todo", **fields,
                            "file_path": f".flow/tasks/{tid}.md", "created_at": T_AT, "updated_at": T_AT})
    s.write_task_spec(tid, spec if spec is not None else f"# {tid} {title}\n\n## Description\nTBD\n")


# ── show ────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_show_epic_has_reference_keys_and_tasks_in_id_order(store):
    data = queries.show(store, E)
    assert data == {
        "branch_name": "feat/oauth2", "completion_review_status": "unknown", "completion_reviewed_at": None,
        "created_at": "2026-11-26T13:57:02.127984849+00:00", "default_impl": "codex:gpt-5",
        "default_review": "rp", "default_sync": None, "depends_on_epics": [], "id": E,
        "plan_review_status": "failed", "plan_reviewed_at": None, "spec_path": f".flow/specs/{E}.md",
        "status": "open", "title": "Add OAuth Login!", "updated_at": "2026-11-26T13:58:16.891250785+00:00",
        "tasks": [
            {"depends_on": [], "id": f"{E}.1", "priority": 2, "status": "done", "title": "Design flow"},
            {"depends_on": [], "id": f"{E}.10", "priority": None, "status": "todo", "title": "Polish"},
            {"depends_on": [f"{E}.1"], "id": f"{E}.2", "priority": None, "status": "in_progress",
             "title": "Implement"},
        ],
    }


def test_show_task_merges_state_runtime_fields(store):
    data = queries.show(store, f"{E}.1")
    assert data == {
        "assignee": "dev@example.com", "claim_note": "", "claimed_at": "2026-11-26T14:49:46.339379654+00:00",
        "completed_at": "2026-11-26T14:49:48.348195989+00:00", "created_at": "2026-11-26T14:49:46.304449427+00:00",
        "depends_on": [], "domain": "backend", "duration_seconds": 2, "epic": E,
        "evidence": {"commits": ["9f1c2ab"]}, "files": ["src/a.rs", "src/b.rs"], "id": f"{E}.1", "impl": None,
        "priority": 2, "retry_count": 0, "review": "codex:o3", "spec_path": f".flow/tasks/{E}.1.md",
        "status": "done", "summary": "Designed it", "sync": None, "title": "Design flow",
        "updated_at": "2026-11-26T14:49:48.348195989+00:00",
    }
    assert queries.show(store, f"{E}.2")["claim_note"] == "on it"


def test_show_task_without_state_uses_definition(store):
    data = queries.show(store, f"{E}.10")
    assert data["status"] == "todo" and data["assignee"] is None and data["claimed_at"] is None
    assert data["claim_note"] == "" and data["domain"] == "general"
    assert "evidence" not in data and "retry_count" not in data
    assert data["updated_at"] == "2026-11-26T14:49:46.304449427+00:00"


def test_show_legacy_task_status_from_definition(store, tmp_path):
    # A legacy definition carrying its own status and runtime fields, with no state file.
    path = store.paths.task_json("fn-9.1")
    path.write_text('{"id": "fn-9.1", "epic": "fn-9", "title": "Old", "status": "done", '
                    '"assignee": "old@example.com", "created_at": "2025-01-01T00:00:00Z"}')
    data = queries.show(store, "fn-9.1")
    assert data["status"] == "done" and data["assignee"] == "old@example.com"
    assert data["created_at"] == "2025-01-01T00:00:00+00:00"


def test_show_errors(store):
    with pytest.raises(InvalidInputError) as err:
        queries.show(store, "nope")
    assert str(err.value) == ("Invalid ID: nope. Expected format: fn-N or fn-N-slug (epic), "
                              "fn-N.M or fn-N-slug.M (task)")
    with pytest.raises(NotFoundError, match=r"^Epic not found: fn-7$"):
        queries.show(store, "fn-7")
    with pytest.raises(NotFoundError, match=r"^Task not found: fn-7\.1$"):
        queries.show(store, "fn-7.1")


def test_show_task_and_cat_task_never_list_folders(store, monkeypatch):
    def no_listing(*_a, **_k):
        raise AssertionError("a folder was listed")

    monkeypatch.setattr(js.os, "listdir", no_listing)
    monkeypatch.setattr(os, "scandir", no_listing)
    assert queries.show(store, f"{E}.2")["status"] == "in_progress"
    assert queries.cat(store, f"{E}.2").startswith(f"# {E}.2")


def test_show_text_epic_and_task(store):
    assert queries.show_text(queries.show(store, E)) == (
        f"Epic: {E}\nTitle: Add OAuth Login!\nStatus: open\nSpec: .flow/specs/{E}.md\n\nTasks (3):\n"
        f"  [done] {E}.1: Design flow\n  [todo] {E}.10: Polish\n"
        f"  [in_progress] {E}.2: Implement (deps: {E}.1)\n")
    assert queries.show_text(queries.show(store, f"{E}.1")) == (
        f"Task: {E}.1\nEpic: {E}\nTitle: Design flow\nStatus: done\nDomain: backend\nDepends on: none\n"
        f"Spec: .flow/tasks/{E}.1.md\n")
    assert "Domain:" not in queries.show_text(queries.show(store, f"{E}.2"))
    assert f"Depends on: {E}.1\n" in queries.show_text(queries.show(store, f"{E}.2"))


# ── epics / tasks / list ────────────────────────────────────────────────────────────────────────────────────────


def test_epics_counts_and_single_task_listing(store, monkeypatch):
    calls = []
    original = store.task_statuses
    monkeypatch.setattr(store, "task_statuses", lambda: calls.append(1) or original())
    monkeypatch.setattr(store, "list_tasks", lambda epic=None: pytest.fail("epics needs statuses only"))
    data = queries.epics(store)
    assert calls == [1]  # one listing of the tasks folder, statuses only
    assert data == {"count": 2, "epics": [
        {"done": 1, "id": E, "status": "open", "tasks": 3, "title": "Add OAuth Login!"},
        {"done": 0, "id": "fn-2-second-epic", "status": "open", "tasks": 0, "title": "Second Epic"}]}
    assert queries.epics_text(data) == (
        f"Epics (2):\n\n  [open] {E}: Add OAuth Login! (1/3 tasks done)\n"
        "  [open] fn-2-second-epic: Second Epic (0/0 tasks done)\n")
    assert queries.epics_text({"count": 0, "epics": []}) == "No epics found.\n"


def test_tasks_filters(store):
    everything = queries.tasks(store)
    assert everything["count"] == 3
    assert everything["tasks"][0] == {"depends_on": [], "domain": "backend", "epic": E, "id": f"{E}.1",
                                      "priority": 2, "status": "done", "title": "Design flow"}
    assert [t["id"] for t in queries.tasks(store, epic=E, status="in_progress")["tasks"]] == [f"{E}.2"]
    assert [t["id"] for t in queries.tasks(store, domain="backend")["tasks"]] == [f"{E}.1"]
    assert queries.tasks(store, epic="fn-99")["count"] == 0


def test_tasks_text(store):
    data = queries.tasks(store, epic=E)
    assert queries.tasks_text(data, E) == (
        f"Tasks for {E} (3):\n\n  [done] {E}.1: Design flow [backend]\n  [todo] {E}.10: Polish\n"
        f"  [in_progress] {E}.2: Implement (deps: {E}.1)\n")
    assert queries.tasks_text({"tasks": [], "count": 0}) == "No tasks found.\n"
    assert queries.tasks_text({"tasks": [], "count": 0}, "fn-3", "done") == \
        "No tasks found for epic fn-3 with status 'done'.\n"


def test_list_all_and_text(store, monkeypatch):
    calls = []
    original = store.list_tasks
    monkeypatch.setattr(store, "list_tasks", lambda epic=None: calls.append(epic) or original(epic))
    data = queries.list_all(store)
    assert calls == [None]
    assert data["epic_count"] == 2 and data["task_count"] == 3
    assert data["tasks"][2] == {"depends_on": [f"{E}.1"], "epic": E, "id": f"{E}.2", "priority": None,
                                "status": "in_progress", "title": "Implement"}
    assert queries.list_text(data) == (
        "Flow Status: 2 epics, 3 tasks (1 done)\n\n"
        f"[open] {E}: Add OAuth Login! (1/3 done)\n    [done] {E}.1: Design flow\n    [todo] {E}.10: Polish\n"
        f"    [in_progress] {E}.2: Implement (deps: {E}.1)\n\n"
        "[open] fn-2-second-epic: Second Epic (0/0 done)\n\n")
    assert queries.list_text({"epics": [], "tasks": []}) == "No epics or tasks found.\n"


# ── cat / files ─────────────────────────────────────────────────────────────────────────────────────────────────


def test_cat(store):
    assert queries.cat(store, E) == f"# {E} Add OAuth Login!\n\n## Overview\nTBD\n"
    with pytest.raises(NotFoundError) as err:
        queries.cat(store, "fn-2-second-epic")
    assert str(err.value) == f"Spec not found: {os.path.abspath(store.paths.epic_spec('fn-2-second-epic'))}"
    store.write_task_spec(f"{E}.2", "")
    with pytest.raises(NotFoundError, match=rf"^Task spec not found: {E}\.2$"):
        queries.cat(store, f"{E}.2")
    with pytest.raises(NotFoundError, match=r"^Task spec not found: fn-5\.5$"):
        queries.cat(store, "fn-5.5")
    with pytest.raises(InvalidInputError, match=r"^Invalid ID: x\."):
        queries.cat(store, "x")


def test_cat_archived_epic_reads_archive(store):
    archive = store.paths.archive / "fn-2-second-epic"
    archive.mkdir(parents=True)
    (archive / "fn-2-second-epic.md").write_text("# archived\n")
    assert queries.cat(store, "fn-2-second-epic") == "# archived\n"


def test_files_ownership_conflicts_and_spec_fallback(store):
    data = queries.files(store, E)
    assert data == {
        "epic": E,
        "ownership": {"src/a.rs": [f"{E}.1", f"{E}.10"], "src/b.rs": [f"{E}.1", f"{E}.2"], "src/c.rs": [f"{E}.10"]},
        "conflicts": {"src/a.rs": [f"{E}.1", f"{E}.10"], "src/b.rs": [f"{E}.1", f"{E}.2"]},
        "file_count": 3, "conflict_count": 2,
    }
    assert list(data["ownership"]) == sorted(data["ownership"])
    assert queries.files_text(data) == (
        f"File ownership for {E}:\n\n  src/a.rs \u2192 CONFLICT: {E}.1, {E}.10\n"
        f"  src/b.rs \u2192 CONFLICT: {E}.1, {E}.2\n  src/c.rs \u2192 {E}.10\n\n"
        "  \u26a0 2 file conflict(s) \u2014 tasks sharing files cannot run in parallel\n")


def test_files_empty_and_invalid(store):
    data = queries.files(store, "fn-2-second-epic")
    assert data["file_count"] == 0
    assert queries.files_text(data) == "File ownership for fn-2-second-epic:\n\n  No files declared.\n"
    with pytest.raises(InvalidInputError, match=r"^Invalid epic ID: fn-1\.1$"):
        queries.files(store, "fn-1.1")


def test_ts_off():
    assert queries.ts_off("2026-11-26T14:49:46Z") == "2026-11-26T14:49:46+00:00"
    assert queries.ts_off("2026-11-26T16:49:46.5+02:00") == "2026-11-26T14:49:46.500+00:00"
    assert queries.ts_off(None) is None
