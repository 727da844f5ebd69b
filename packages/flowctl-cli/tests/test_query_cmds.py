"""show / epics / tasks / list / cat / files end to end: JSON (compact and full), plain text, filters, errors."""

from __future__ import annotations

import pytest

from flowctl_db import FlowStore

E = "fn-1-add-oauth-login"
T_AT = "2026-11-26T14:49:46.304449427Z"
FULL = {"FLOWCTL_COMPACT": "0"}


def seed(flow) -> FlowStore:
    """Two epics, three tasks of the first (done / todo / in_progress)."""
    s = FlowStore(flow)
    s.save_epic({"id": E, "title": "Add OAuth Login!", "status": "open", "branch_name": "feat/oauth2",
                 "plan_review": "failed", "completion_review": "passed", "depends_on_epics": ["fn-2-second-epic"],
                 "file_path": f"specs/{E}.md", "created_at": "2026-11-26T13:57:02.127984849Z",
                 "updated_at": "2026-11-26T13:58:16.891250785Z"})
    s.write_epic_spec(E, "".join(f"line {i}\n" for i in range(1, 41)) + "x" * 130 + "\n")
    s.save_epic({"id": "fn-2-second-epic", "title": "Second Epic", "status": "done", "created_at": T_AT,
                 "updated_at": T_AT})
    for n, title, extra in ((1, "Design flow", {"priority": 2, "domain": "backend", "files": ["src/a.rs"]}),
                            (2, "Implement", {"depends_on": [f"{E}.1"], "files": ["src/a.rs", "src/b.rs"]}),
                            (3, "Part A", {})):
        tid = f"{E}.{n}"
        s.save_task_definition({"id": tid, "epic": E, "title": title, "status": "todo", **extra,
                                "file_path": f".flow/tasks/{tid}.md", "created_at": T_AT, "updated_at": T_AT})
        s.write_task_spec(tid, f"# {tid} {title}\n\n## Description\nTBD\n")
    s.save_state(f"{E}.1", {"status": "done", "assignee": "dev@example.com", "claimed_at": T_AT,
                            "evidence": {"commits": ["9f1c2ab"]}, "retry_count": 0, "updated_at": T_AT})
    s.save_state(f"{E}.3", {"status": "in_progress", "assignee": "dev@example.com", "claimed_at": T_AT,
                            "retry_count": 0, "updated_at": T_AT})
    return s


@pytest.fixture
def seeded_flowctl(initialized_flowctl):
    seed(initialized_flowctl.flow)
    return initialized_flowctl


# ── show ────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_show_epic_json_compact_and_full(seeded_flowctl):
    tasks = [{"depends_on": [], "id": f"{E}.1", "priority": 2, "status": "done", "title": "Design flow"},
             {"depends_on": [f"{E}.1"], "id": f"{E}.2", "priority": None, "status": "todo", "title": "Implement"},
             {"depends_on": [], "id": f"{E}.3", "priority": None, "status": "in_progress", "title": "Part A"}]
    assert seeded_flowctl.ok("show", E, "--json") == {"depends_on_epics": ["fn-2-second-epic"], "id": E, "status": "open",
                                           "tasks": tasks, "title": "Add OAuth Login!"}
    full = seeded_flowctl.ok("show", E, "--json", env=FULL)
    assert full == {
        "branch_name": "feat/oauth2", "completion_review_status": "passed", "completion_reviewed_at": None,
        "created_at": "2026-11-26T13:57:02.127984849+00:00", "default_impl": None, "default_review": None,
        "default_sync": None, "depends_on_epics": ["fn-2-second-epic"], "id": E, "plan_review_status": "failed",
        "plan_reviewed_at": None, "spec_path": f".flow/specs/{E}.md", "status": "open", "success": True,
        "tasks": tasks, "title": "Add OAuth Login!", "updated_at": "2026-11-26T13:58:16.891250785+00:00"}
    assert seeded_flowctl.ok("--no-compact", "--json", "show", E) == full


def test_show_task_json(seeded_flowctl):
    assert seeded_flowctl.ok("show", f"{E}.1", "--json") == {
        "assignee": "dev@example.com", "claim_note": "", "claimed_at": "2026-11-26T14:49:46.304449427+00:00",
        "depends_on": [], "domain": "backend", "epic": E, "evidence": {"commits": ["9f1c2ab"]},
        "files": ["src/a.rs"], "id": f"{E}.1", "impl": None, "priority": 2, "retry_count": 0, "review": None,
        "status": "done", "sync": None, "title": "Design flow"}
    full = seeded_flowctl.ok("show", f"{E}.2", "--json", env=FULL)
    assert full["spec_path"] == f".flow/tasks/{E}.2.md" and full["success"] is True
    assert full["created_at"] == full["updated_at"] == "2026-11-26T14:49:46.304449427+00:00"
    assert full["assignee"] is None and full["status"] == "todo" and full["domain"] == "general"


def test_show_plain_piped_and_tty_forms(seeded_flowctl):
    assert seeded_flowctl.ok("show", E) == ("Epic: fn-1-add-oauth-login\nTitle: Add OAuth Login!\nStatus: open\nTasks (3):\n"
                                 "  [done] .1: Design flow\n  [todo] .2: Implement (deps: .1)\n"
                                 "  [wip] .3: Part A\n")
    assert seeded_flowctl.ok("show", E, env=FULL) == (
        f"Epic: {E}\nTitle: Add OAuth Login!\nStatus: open\nSpec: .flow/specs/{E}.md\n\nTasks (3):\n"
        f"  [done] {E}.1: Design flow\n  [todo] {E}.2: Implement (deps: {E}.1)\n"
        f"  [in_progress] {E}.3: Part A\n")
    assert seeded_flowctl.ok("show", f"{E}.3") == f"Task: .3\nEpic: {E}\nTitle: Part A\nStatus: wip\nDepends on: none\n"
    assert seeded_flowctl.ok("show", f"{E}.1", env=FULL) == (
        f"Task: {E}.1\nEpic: {E}\nTitle: Design flow\nStatus: done\nDomain: backend\nDepends on: none\n"
        f"Spec: .flow/tasks/{E}.1.md\n")


def test_show_errors(seeded_flowctl, flowctl):
    assert seeded_flowctl.fail("show", "nope").error == ("Invalid ID: nope. Expected format: fn-N or fn-N-slug (epic), "
                                              "fn-N.M or fn-N-slug.M (task)")
    assert seeded_flowctl.fail("show", "fn-9").error == "Epic not found: fn-9"
    run = seeded_flowctl.fail("show", "fn-9.1", "--json")
    assert run.error == "Task not found: fn-9.1" and run.out == ""
    seeded_flowctl.fail("show", code=2)


def test_query_commands_need_flow(flowctl):
    for args in (["show", E], ["epics"], ["tasks"], ["list"], ["cat", E], ["files", "--epic", E]):
        assert flowctl.fail(*args).error == ".flow/ does not exist. Run 'flowctl init' first."


# ── epics / tasks / list ────────────────────────────────────────────────────────────────────────────────────────


def test_epics(seeded_flowctl):
    assert seeded_flowctl.ok("epics", "--json") == {"count": 2, "epics": [
        {"done": 1, "id": E, "status": "open", "tasks": 3, "title": "Add OAuth Login!"},
        {"done": 0, "id": "fn-2-second-epic", "status": "done", "tasks": 0, "title": "Second Epic"}]}
    assert seeded_flowctl.ok("epics") == "fn-1[1/3 open]: Add OAuth Login!\nfn-2[0/0 done]: Second Epic\n"
    assert seeded_flowctl.ok("epics", env=FULL) == (f"Epics (2):\n\n  [open] {E}: Add OAuth Login! (1/3 tasks done)\n"
                                         "  [done] fn-2-second-epic: Second Epic (0/0 tasks done)\n")


def test_epics_empty(initialized_flowctl):
    assert initialized_flowctl.ok("epics") == "No epics found.\n"
    assert initialized_flowctl.ok("epics", "--json") == {"count": 0, "epics": []}


def test_tasks_filters_and_text(seeded_flowctl):
    data = seeded_flowctl.ok("tasks", "--json")
    assert data["count"] == 3 and data["tasks"][1] == {
        "depends_on": [f"{E}.1"], "domain": "general", "epic": E, "id": f"{E}.2", "priority": None,
        "status": "todo", "title": "Implement"}
    assert [t["id"] for t in seeded_flowctl.ok("tasks", "--epic", E, "--status", "done", "--json")["tasks"]] == [f"{E}.1"]
    assert [t["id"] for t in seeded_flowctl.ok("tasks", "--domain", "backend", "--json")["tasks"]] == [f"{E}.1"]
    assert seeded_flowctl.ok("tasks", "--epic", "fn-7", "--json") == {"count": 0, "tasks": []}
    assert seeded_flowctl("tasks", "--epic", E).out == ("  [done] .1: Design flow [backend]\n  [todo] .2: Implement (deps: .1)\n"
                                            "  [wip] .3: Part A\n")
    assert seeded_flowctl.ok("tasks", "--epic", E, env=FULL).startswith(f"Tasks for {E} (3):\n\n  [done] {E}.1: Design flow "
                                                             "[backend]\n")
    assert seeded_flowctl.ok("tasks", "--epic", "fn-7", "--status", "blocked") == "No tasks found for epic fn-7 with status 'blocked'.\n"
    assert seeded_flowctl.fail("tasks", "--status", "nope", code=2).out == ""
    seeded_flowctl.fail("tasks", "--domain", "nope", code=2)


def test_list(seeded_flowctl):
    data = seeded_flowctl.ok("list", "--json")
    assert data["epic_count"] == 2 and data["task_count"] == 3
    assert data["epics"][0] == {"done": 1, "id": E, "status": "open", "tasks": 3, "title": "Add OAuth Login!"}
    assert data["tasks"][0] == {"depends_on": [], "epic": E, "id": f"{E}.1", "priority": 2, "status": "done",
                                "title": "Design flow"}
    assert seeded_flowctl.ok("list") == (
        "Flow Status: 2 epics, 3 tasks (1 done)\n\n"
        f"[open] {E}: Add OAuth Login! (1/3 done)\n    [done] {E}.1: Design flow\n"
        f"    [todo] {E}.2: Implement (deps: {E}.1)\n    [in_progress] {E}.3: Part A\n\n"
        "[done] fn-2-second-epic: Second Epic (0/0 done)\n\n")


def test_list_empty(initialized_flowctl):
    assert initialized_flowctl.ok("list") == "No epics or tasks found.\n"


# ── cat / files ─────────────────────────────────────────────────────────────────────────────────────────────────


def test_cat_verbatim_and_piped_filter(seeded_flowctl):
    spec = (seeded_flowctl.flow / "specs" / f"{E}.md").read_text()
    assert seeded_flowctl.ok("cat", E, env=FULL) == spec
    piped = seeded_flowctl.ok("cat", E).split("\n")
    assert piped[:30] == [f"line {i}" for i in range(1, 31)]
    assert piped[30] == "... (6 lines omitted)"
    assert piped[31:35] == [f"line {i}" for i in range(37, 41)]
    assert piped[35] == "x" * 117 + "..." and piped[36:] == [""]
    # --json is ignored: still the text.
    assert seeded_flowctl.ok("cat", f"{E}.1", "--json") == f"# {E}.1 Design flow\n\n## Description\nTBD\n"


def test_cat_adds_missing_final_newline_and_errors(seeded_flowctl):
    (seeded_flowctl.flow / "tasks" / f"{E}.2.md").write_text("no newline")
    assert seeded_flowctl.ok("cat", f"{E}.2") == "no newline\n"
    (seeded_flowctl.flow / "tasks" / f"{E}.3.md").write_text("")
    assert seeded_flowctl.fail("cat", f"{E}.3").error == f"Task spec not found: {E}.3"
    assert seeded_flowctl.fail("cat", "fn-2-second-epic").error == \
        f"Spec not found: {seeded_flowctl.cwd / '.flow' / 'specs' / 'fn-2-second-epic.md'}"
    assert seeded_flowctl.fail("cat", "bad").error.startswith("Invalid ID: bad.")
    seeded_flowctl.fail("cat", code=2)


def test_files(seeded_flowctl):
    assert seeded_flowctl.ok("files", "--epic", E, "--json") == {
        "conflict_count": 1, "conflicts": {"src/a.rs": [f"{E}.1", f"{E}.2"]}, "epic": E, "file_count": 2,
        "ownership": {"src/a.rs": [f"{E}.1", f"{E}.2"], "src/b.rs": [f"{E}.2"]}}
    assert seeded_flowctl.ok("files", "--epic", E) == "src/a.rs→!.1, .2\nsrc/b.rs→.2\n⚠1 conflicts\n"
    assert seeded_flowctl.ok("files", "--epic", E, env=FULL) == (
        f"File ownership for {E}:\n\n  src/a.rs → CONFLICT: {E}.1, {E}.2\n  src/b.rs → {E}.2\n\n"
        "  ⚠ 1 file conflict(s) — tasks sharing files cannot run in parallel\n")
    assert seeded_flowctl.fail("files", "--epic", "nope").error == "Invalid epic ID: nope"
    seeded_flowctl.fail("files", code=2)
