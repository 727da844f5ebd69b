"""End-to-end tests of the admin commands: detect, status, doctor, validate, state-path, export/import, help."""

from __future__ import annotations

import json

from flowctl_core import spec_md
from flowctl_db import FlowStore

GOOD_SPEC = "## Description\nx\n## Acceptance\n- [ ] y\n## Done summary\n## Evidence\n"


def seed(flowctl, epics: dict[str, str], tasks: dict[str, tuple[str | None, tuple[str, ...]]]) -> FlowStore:
    """Write epics {id: status} and tasks {id: (status or None, deps)} with good specs through the store API."""
    store = FlowStore(flowctl.flow)
    for eid, status in epics.items():
        store.save_epic({"id": eid, "title": f"Title {eid}", "status": status})
        store.write_epic_spec(eid, spec_md.epic_spec_template(eid, f"Title {eid}"))
    for tid, (status, deps) in tasks.items():
        store.save_task_definition({"id": tid, "epic": tid.rpartition(".")[0], "title": f"T {tid}",
                                    "depends_on": list(deps)})
        store.write_task_spec(tid, GOOD_SPEC)
        if status:
            store.save_state(tid, {"status": status})
    return store


# ── init ────────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_init_links_into_git_and_rerun_is_up_to_date(flowctl):
    shared = flowctl.cwd / ".git" / "flow-state" / "flow"
    assert flowctl.ok("init", "--json") == {"actions": [
        f".flow/ → {shared}", "created epics/", "created specs/", "created tasks/", "created memory/",
        "created reviews/", "created meta.json", "created config.json", "created .state/"],
        "path": str(flowctl.cwd / ".flow")}
    assert flowctl.flow.is_symlink() and flowctl.flow.resolve() == shared.resolve()
    assert flowctl.ok("init") == ".flow/ already up to date\n"
    assert flowctl.ok("--no-compact", "init", "--json") == {
        "actions": [], "message": ".flow/ already up to date", "path": str(flowctl.cwd / ".flow"), "success": True}


def test_init_refuses_a_regular_file_named_flow(flowctl):
    (flowctl.cwd / ".flow").write_text("not a directory")
    run = flowctl.fail("init")
    assert run.error == f"Failed to setup .flow/: .flow exists but is not a dir or symlink: {flowctl.cwd / '.flow'}"
    assert (flowctl.cwd / ".flow").read_text() == "not a directory"


# ── detect ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_detect_without_flow(flowctl):
    assert flowctl.ok("detect") == ".flow/ not found\n"
    assert flowctl.ok("detect", "--json") == {"exists": False, "issues": [], "path": str(flowctl.cwd / ".flow"), "valid": False}
    assert not flowctl.flow.exists()


def test_detect_valid_and_with_issues(initialized_flowctl):
    assert initialized_flowctl.ok("detect") == ".flow/ exists and is valid\n"
    assert initialized_flowctl.ok("--no-compact", "detect", "--json") == {
        "exists": True, "issues": [], "path": str(initialized_flowctl.cwd / ".flow"), "success": True, "valid": True}
    (initialized_flowctl.flow / "meta.json").write_text('{"schema_version": 9}')
    (initialized_flowctl.flow / "specs").rmdir()
    assert initialized_flowctl.ok("detect") == (".flow/ exists but has issues:\n"
                                "  - schema_version unsupported (supported [1, 2], got 9)\n  - specs/ missing\n")


# ── status ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_status_without_flow(flowctl):
    assert flowctl.ok("status") == ".flow/ not initialized\n"
    assert flowctl.ok("status", "--json") == {"epics": {"done": 0, "open": 0}, "flow_exists": False, "runs": [],
                                         "tasks": {"blocked": 0, "done": 0, "in_progress": 0, "todo": 0}}
    assert flowctl.ok("status", "--interrupted", "--json") == {"interrupted": []}
    assert flowctl.ok("status", "--interrupted") == "No interrupted work (.flow/ not found)\n"


def test_status_counts_plain_piped_and_tty_forms(initialized_flowctl):
    seed(initialized_flowctl, {"fn-1-a": "open", "fn-2-b": "done"},
         {"fn-1-a.1": ("in_progress", ()), "fn-1-a.2": (None, ()), "fn-2-b.1": ("done", ())})
    assert initialized_flowctl.ok("status") == "E:1o/1d\nT:1t/1w/1d/0b\n"
    assert initialized_flowctl.ok("--no-compact", "status") == (
        "Epics: 1 open, 1 done\nTasks: 1 todo, 1 in_progress, 1 done, 0 blocked\n\nNo active runs\n")
    assert initialized_flowctl.ok("status", "--json", env={"FLOWCTL_COMPACT": "0"}) == {
        "epics": {"done": 1, "open": 1}, "flow_exists": True, "runs": [], "success": True,
        "tasks": {"blocked": 0, "done": 1, "in_progress": 1, "todo": 1}}


def test_status_interrupted(initialized_flowctl):
    seed(initialized_flowctl, {"fn-1-a": "open"}, {"fn-1-a.1": ("in_progress", ()), "fn-1-a.2": (None, ("fn-1-a.1",))})
    out = initialized_flowctl.ok("status", "--interrupted", "--json")
    assert out["interrupted"][0]["stale_task_ids"] == ["fn-1-a.1"]
    assert initialized_flowctl.ok("status", "--interrupted") == (
        "Found 1 interrupted epic(s):\n\n  fn-1-a: Title fn-1-a\n    Progress: 0/2 done (1 todo, 1 in_progress)\n"
        "    Recovery:\n      Run: flowctl restart fn-1-a.1\n      Then: /flow-code:work fn-1-a\n\n")


def test_status_interrupted_none(initialized_flowctl):
    assert initialized_flowctl.ok("status", "--interrupted") == "No interrupted work found.\n"


def test_status_progress(initialized_flowctl):
    assert initialized_flowctl.fail("status", "--progress").error == "No open epic found. Pass --epic <id>."
    seed(initialized_flowctl, {"fn-1-a": "open"}, {"fn-1-a.1": ("done", ()), "fn-1-a.2": (None, ())})
    assert initialized_flowctl.ok("status", "--progress", "--json") == {
        "epic": "fn-1-a", "percent": 50, "tasks_blocked": 0, "tasks_done": 1, "tasks_failed": 0,
        "tasks_in_progress": [], "tasks_todo": 1, "tasks_total": 2}
    assert initialized_flowctl.ok("status", "--progress", "--epic", "fn-1-a") == (
        "Epic: fn-1-a\nTasks: 1/2 done, 0 in progress, 1 todo, 0 blocked, 0 failed\n"
        + "█" * 15 + "░" * 15 + " 50%\n")
    assert initialized_flowctl.ok("status", "--progress", "--epic", "fn-8", "--json")["tasks_total"] == 0


def test_status_progress_requires_flow(flowctl):
    assert flowctl.fail("status", "--progress").error == ".flow/ does not exist. Run 'flowctl init' first."


def test_status_dag_is_the_dag_command(initialized_flowctl):
    assert initialized_flowctl.fail("status", "--dag").error == "No open epic found. Use --epic <id> to specify."
    seed(initialized_flowctl, {"fn-1-a": "open"}, {"fn-1-a.1": ("in_progress", ()), "fn-1-a.2": (None, ("fn-1-a.1",))})
    for extra in ([], ["--json"]):
        assert initialized_flowctl("status", "--dag", *extra).out == initialized_flowctl("dag", "fn-1-a", *extra).out
    assert initialized_flowctl("status", "--dag", "--epic", "fn-1-a", "--no-compact").out == initialized_flowctl("dag", "fn-1-a", "--no-compact").out
    assert initialized_flowctl.ok("status", "--dag")["layers"][1]["nodes"][0]["deps"] == ["fn-1-a.1"]
    # --dag wins over --progress and --interrupted
    assert "layers" in initialized_flowctl.ok("status", "--dag", "--progress", "--interrupted")


# ── validate ────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_validate_requires_flow(flowctl):
    assert flowctl.fail("validate", "--all").error == ".flow/ does not exist. Run 'flowctl init' first."


def test_validate_errors(initialized_flowctl):
    assert initialized_flowctl.fail("validate").error == "Must specify --epic or --all"
    assert initialized_flowctl.fail("validate", "--epic", "bad").error == (
        "Invalid epic ID: bad. Expected format: fn-N or fn-N-slug (e.g., fn-1, fn-1-add-auth)")


def test_validate_epic_valid_and_invalid(initialized_flowctl):
    seed(initialized_flowctl, {"fn-1-a": "open"}, {"fn-1-a.1": (None, ("fn-1-a.2",)), "fn-1-a.2": (None, ("fn-1-a.1",)),
                                   "fn-1-a.3": (None, ("fn-1-a.1",))})
    run = initialized_flowctl.fail("validate", "--epic", "fn-1-a", "--json")
    assert run.json == {"epic": "fn-1-a", "errors": ["Dependency cycle detected involving fn-1-a.1",
                                                     "Dependency cycle detected involving fn-1-a.2"],
                        "task_count": 3, "valid": False, "warnings": []}
    run = initialized_flowctl.fail("validate", "--epic", "fn-1-a")
    assert run.out == ("Validation for fn-1-a:\n  Tasks: 3\n  Valid: false\n  Errors:\n"
                       "    - Dependency cycle detected involving fn-1-a.1\n"
                       "    - Dependency cycle detected involving fn-1-a.2\n")
    assert run.err == ""


def test_validate_all(initialized_flowctl):
    seed(initialized_flowctl, {"fn-1-a": "open", "fn-2-b": "open"}, {"fn-1-a.1": (None, ()), "fn-2-b.1": (None, ())})
    assert initialized_flowctl.ok("validate", "--all", "--json") == {
        "epics": [{"epic": "fn-1-a", "errors": [], "task_count": 1, "valid": True, "warnings": []},
                  {"epic": "fn-2-b", "errors": [], "task_count": 1, "valid": True, "warnings": []}],
        "root_errors": [], "total_epics": 2, "total_errors": 0, "total_tasks": 2, "total_warnings": 0,
        "valid": True}
    assert initialized_flowctl.ok("validate", "--all") == "Validation for all epics:\n  Epics: 2\n  Tasks: 2\n  Valid: true\n"
    # --all wins over --epic
    assert "epics" in initialized_flowctl.ok("validate", "--all", "--epic", "bad", "--json")


def test_validate_reports_corrupt_files(initialized_flowctl):
    store = seed(initialized_flowctl, {"fn-1-a": "open"}, {"fn-1-a.1": ("done", ())})
    store.paths.task_state("fn-1-a.1").write_text("{")
    (initialized_flowctl.flow / "meta.json").write_text('{"schema_version": 2}')  # accepted (D37)
    run = initialized_flowctl.fail("validate", "--all", "--json")
    assert run.json["root_errors"] == []
    [err] = run.json["epics"][0]["errors"]
    assert "fn-1-a.1.state.json" in err
    assert store.paths.task_state("fn-1-a.1").read_text() == "{"  # never rewritten


# ── doctor ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_doctor_requires_flow(flowctl):
    assert flowctl.fail("doctor").error == ".flow/ does not exist. Run 'flowctl init' first."


def test_doctor_fresh_repo_is_healthy(initialized_flowctl):
    # D37: the default `outputs` key is known, so a fresh repository has no warning.
    assert initialized_flowctl.ok("doctor", "--json") == {
        "checks": [{"name": "validate", "status": "pass"}, {"name": "state_dir_access", "status": "pass"},
                   {"name": "config", "status": "pass"}, {"name": "git_common_dir", "status": "pass"}],
        "healthy": True, "summary": {"fail": 0, "pass": 4, "warn": 0}}
    assert initialized_flowctl.ok("doctor", "--no-compact") == (
        "Doctor diagnostics:\n"
        "  [OK] validate: All epics and tasks validated successfully\n"
        f"  [OK] state_dir_access: State dir accessible: {initialized_flowctl.flow / '.state'}\n"
        "  [OK] config: config.json valid with known keys\n"
        "  [OK] git_common_dir: git common-dir reachable: .git\n\nSummary: 4 pass, 0 warn, 0 fail\n")


def test_doctor_unhealthy_exits_1_with_result_on_stdout(initialized_flowctl):
    (initialized_flowctl.flow / "config.json").write_text("{oops")
    run = initialized_flowctl.fail("doctor", "--workflow", "--no-compact", "--json")
    data = run.json
    assert data["healthy"] is False and data["success"] is True
    assert [c["name"] for c in data["checks"]] == ["validate", "state_dir_access", "config", "git_common_dir",
                                                   "review_backend", "stale_locks"]
    text = initialized_flowctl.fail("doctor").out
    assert "  [FAIL] config: config.json invalid JSON" in text
    assert text.endswith("Summary: 3 pass, 0 warn, 1 fail\nHealth check FAILED — resolve fail items above.\n")


# ── state-path ──────────────────────────────────────────────────────────────────────────────────────────────────────


def test_state_path(initialized_flowctl):
    state = initialized_flowctl.flow / ".state"
    assert initialized_flowctl.ok("state-path") == f"{state}\n"
    assert initialized_flowctl.ok("state-path", "--task", "fn-1-a.2") == f"{state / 'tasks' / 'fn-1-a.2.state.json'}\n"
    assert initialized_flowctl.ok("state-path", "--json", "--task", "fn-1.2") == {
        "state_dir": str(state), "task_state_path": str(state / "tasks" / "fn-1.2.state.json")}
    assert initialized_flowctl.fail("state-path", "--task", "fn-1").error == (
        "Invalid task ID: fn-1. Expected format: fn-N.M or fn-N-slug.M (e.g., fn-1.2, fn-1-add-auth.2)")


def test_state_path_without_flow_links_into_git(flowctl):
    assert flowctl.fail("state-path", "--task", "nope").code == 1
    assert not flowctl.flow.exists()  # a bad id changes nothing
    assert flowctl.ok("state-path", "--json") == {"state_dir": str(flowctl.flow / ".state")}
    assert flowctl.flow.is_symlink() and (flowctl.cwd / ".git" / "flow-state" / "flow" / ".state").is_dir()


# ── export / import ─────────────────────────────────────────────────────────────────────────────────────────────────


def test_export_import(initialized_flowctl):
    seed(initialized_flowctl, {"fn-1-a": "open", "fn-2-b": "done"}, {"fn-1-a.1": (None, ()), "fn-1-a.2": (None, ()),
                                                     "fn-2-b.1": (None, ())})
    assert initialized_flowctl.ok("export") == "Data is already in JSON files: 2 epics, 3 tasks in .flow/\n"
    assert initialized_flowctl.ok("export", "--epic", "fn-1-a", "--format", "json", "--json") == {
        "epics_exported": 2, "tasks_exported": 3}
    assert initialized_flowctl.ok("--no-compact", "export", "--json") == {
        "epics_exported": 2, "message": "Data is already in JSON files (file-based storage)", "success": True,
        "tasks_exported": 3}
    assert initialized_flowctl.ok("import") == "Scanned 2 epics, 3 tasks from .flow/ (file-based storage, no DB to import into)\n"
    assert initialized_flowctl.ok("import", "--json") == {"epics_imported": 2, "files_skipped": 0, "tasks_imported": 3,
                                          "warnings": []}
    initialized_flowctl.fail("import", "--epic", "x", code=2)


def test_export_requires_flow(flowctl):
    assert flowctl.fail("export").error == ".flow/ does not exist. Run 'flowctl init' first."
    assert flowctl.fail("import").error == ".flow/ does not exist. Run 'flowctl init' first."


def test_usage_errors_exit_2(initialized_flowctl):
    for args in (["validate", "--epic"], ["status", "--bogus"], ["doctor", "extra"], ["state-path", "--task"],
                 ["export", "--format"]):
        run = initialized_flowctl.fail(*args, code=2)
        assert run.out == "" and run.err


def test_json_written_files_untouched_by_queries(initialized_flowctl):
    before = {p: p.read_bytes() for p in initialized_flowctl.flow.rglob("*") if p.is_file()}
    for args in (["status"], ["status", "--interrupted"], ["validate", "--all"], ["detect"], ["export"]):
        initialized_flowctl.ok(*args)
    after = {p: p.read_bytes() for p in initialized_flowctl.flow.rglob("*") if p.is_file()}
    assert before == after
    assert json.loads((initialized_flowctl.flow / "meta.json").read_text()) == {"next_epic": 1, "schema_version": 1}
