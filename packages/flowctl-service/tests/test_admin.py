"""Service-level tests of the admin operations: detect, status, progress, validate, doctor, state-path, export."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from flowctl_core import spec_md
from flowctl_core.errors import CorruptFileError, FlowError
from flowctl_db import FlowStore
from flowctl_service import admin

GOOD_SPEC = "## Description\nx\n## Acceptance\n- [ ] y\n## Done summary\n## Evidence\n"


@pytest.fixture
def store(tmp_path: Path) -> FlowStore:
    """A freshly initialised store in a git repository."""
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    admin.init(tmp_path)
    return FlowStore(tmp_path / ".flow")


def add_epic(store: FlowStore, eid: str, status: str = "open", spec: bool = True) -> None:
    store.save_epic({"id": eid, "title": f"Title {eid}", "status": status})
    if spec:
        store.write_epic_spec(eid, spec_md.epic_spec_template(eid, f"Title {eid}"))


def add_task(store: FlowStore, tid: str, deps: tuple[str, ...] = (), status: str | None = None,
             spec: str | None = GOOD_SPEC) -> None:
    store.save_task_definition({"id": tid, "epic": tid.rpartition(".")[0], "title": f"T {tid}",
                                "depends_on": list(deps)})
    if status is not None:
        store.save_state(tid, {"status": status})
    if spec is not None:
        store.write_task_spec(tid, spec)


# ── detect ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_detect_missing_flow(tmp_path: Path):
    data = admin.detect(FlowStore(tmp_path / ".flow"))
    assert data == {"exists": False, "issues": [], "path": str(tmp_path / ".flow"), "valid": False}


def test_detect_valid_and_issues(store: FlowStore):
    assert admin.detect(store)["valid"] is True
    store.paths.meta.write_text('{"schema_version": 2}')
    assert admin.detect(store)["issues"] == []
    store.paths.meta.write_text('{"schema_version": 3}')
    (store.flow_dir / "reviews").rmdir()
    assert admin.detect(store)["issues"] == ["schema_version unsupported (supported [1, 2], got 3)", "reviews/ missing"]
    store.paths.meta.write_text("{}")
    assert admin.detect(store)["issues"][0] == "schema_version unsupported (supported [1, 2], got 0)"
    store.paths.meta.write_text("{nope")
    assert admin.detect(store)["issues"][0].startswith("meta.json parse error: ")
    store.paths.meta.unlink()
    assert admin.detect(store)["issues"][0] == "meta.json missing"
    assert admin.detect_text(admin.detect(store)) == ".flow/ exists but has issues:\n  - meta.json missing\n  - reviews/ missing"


# ── status / interrupted / progress ─────────────────────────────────────────────────────────────────────────────────


def test_status_counts(store: FlowStore):
    add_epic(store, "fn-1-a")
    add_epic(store, "fn-2-b", status="done")
    add_task(store, "fn-1-a.1", status="in_progress")
    add_task(store, "fn-1-a.2")
    add_task(store, "fn-1-a.3", status="blocked")
    add_task(store, "fn-2-b.1", status="done")
    add_task(store, "fn-2-b.2", status="skipped")  # not counted
    data = admin.status(store)
    assert data == {"epics": {"done": 1, "open": 1}, "flow_exists": True, "runs": [],
                    "tasks": {"blocked": 1, "done": 1, "in_progress": 1, "todo": 1}}
    assert admin.status_text(data) == ("Epics: 1 open, 1 done\nTasks: 1 todo, 1 in_progress, 1 done, 1 blocked\n"
                                       "\nNo active runs\n")


def test_status_surfaces_corrupt_state(store: FlowStore):
    add_epic(store, "fn-1-a")
    add_task(store, "fn-1-a.1")
    store.paths.task_state("fn-1-a.1").write_text("{")
    with pytest.raises(CorruptFileError) as err:
        admin.status(store)
    assert "fn-1-a.1.state.json" in str(err.value)


def test_interrupted(store: FlowStore):
    add_epic(store, "fn-1-a")
    add_task(store, "fn-1-a.1", status="in_progress")
    add_task(store, "fn-1-a.2", status="done")
    add_task(store, "fn-1-a.3", status="failed")  # ignored, also in total
    add_epic(store, "fn-2-b")
    add_task(store, "fn-2-b.1")
    add_epic(store, "fn-3-c")
    add_task(store, "fn-3-c.1", status="done")  # nothing left: not interrupted
    add_epic(store, "fn-4-d", status="done")
    add_task(store, "fn-4-d.1")  # closed epic: not interrupted
    items = admin.interrupted(store)["interrupted"]
    assert [i["id"] for i in items] == ["fn-1-a", "fn-2-b"]
    assert items[0] == {"blocked": 0, "done": 1, "id": "fn-1-a", "in_progress": 1, "reason": "partially_complete",
                        "skipped": 0, "stale_task_ids": ["fn-1-a.1"], "suggested": "/flow-code:work fn-1-a",
                        "title": "Title fn-1-a", "todo": 0, "total": 2}
    assert items[1]["reason"] == "planned_not_started"
    assert admin.interrupted_text({"interrupted": items}) == (
        "Found 2 interrupted epic(s):\n\n"
        "  fn-1-a: Title fn-1-a\n    Progress: 1/2 done (1 in_progress)\n    Recovery:\n"
        "      Run: flowctl restart fn-1-a.1\n      Then: /flow-code:work fn-1-a\n\n"
        "  fn-2-b: Title fn-2-b\n    Progress: 0/1 done (1 todo)\n    Resume:   /flow-code:work fn-2-b\n\n")


def test_progress(store: FlowStore):
    with pytest.raises(FlowError, match=r"^No open epic found\. Pass --epic <id>\.$"):
        admin.progress(store, None)
    add_epic(store, "fn-1-a")
    for n, st in enumerate(["done", "skipped", "in_progress", "failed", "upstream_failed", None, "blocked"], 1):
        add_task(store, f"fn-1-a.{n}", status=st)
    data = admin.progress(store, None)
    assert data == {"epic": "fn-1-a", "percent": 28, "tasks_blocked": 1, "tasks_done": 2, "tasks_failed": 2,
                    "tasks_in_progress": ["fn-1-a.3"], "tasks_todo": 1, "tasks_total": 7}
    assert admin.progress_text(data) == (
        "Epic: fn-1-a\nTasks: 2/7 done, 1 in progress, 1 todo, 1 blocked, 2 failed\nActive: [fn-1-a.3]\n"
        + "█" * 8 + "░" * 22 + " 28%")
    assert admin.progress(store, "fn-9")["tasks_total"] == 0


# ── validate ────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_validate_epic_rules(store: FlowStore):
    add_epic(store, "fn-1-a", spec=False)
    add_task(store, "fn-1-a.1", spec="")  # no spec body → warning
    add_task(store, "fn-1-a.2", spec="## Description\n")
    add_task(store, "fn-1-a.3", deps=("fn-1-a.9", "fn-2-b.1"))
    data = admin.validate_epic(store, "fn-1-a")
    assert data["valid"] is False and data["task_count"] == 3
    assert data["errors"] == [
        "Task fn-1-a.2: missing required heading '## Acceptance'",
        "Task fn-1-a.2: missing required heading '## Done summary'",
        "Task fn-1-a.2: missing required heading '## Evidence'",
        "Task fn-1-a.3: dependency fn-1-a.9 not found",
        "Task fn-1-a.3: dependency fn-2-b.1 not found",
        "Task fn-1-a.3: dependency fn-2-b.1 is outside epic fn-1-a",
    ]
    assert data["warnings"] == ["Task fn-1-a.1: no spec body",
                                f"Epic spec missing: {store.flow_dir / 'specs' / 'fn-1-a.md'}"]


def test_validate_unknown_epic_is_valid(store: FlowStore):
    data = admin.validate_epic(store, "fn-7")
    assert data["valid"] is True and data["task_count"] == 0 and len(data["warnings"]) == 1


def test_cycles_report_members_only(store: FlowStore):
    add_epic(store, "fn-1-a")
    add_task(store, "fn-1-a.1", deps=("fn-1-a.2",))
    add_task(store, "fn-1-a.2", deps=("fn-1-a.3",))
    add_task(store, "fn-1-a.3", deps=("fn-1-a.1",))
    add_task(store, "fn-1-a.4", deps=("fn-1-a.1",))  # downstream of the cycle, not on it (D48)
    add_task(store, "fn-1-a.5", deps=("fn-1-a.5",))  # self-dependency
    errors = admin.validate_epic(store, "fn-1-a")["errors"]
    assert errors == [f"Dependency cycle detected involving fn-1-a.{n}" for n in (1, 2, 3, 5)]


def test_corrupt_files_are_errors_naming_the_file(store: FlowStore):
    add_epic(store, "fn-1-a")
    add_task(store, "fn-1-a.1")
    add_task(store, "fn-1-a.2", status="done")
    (store.paths.tasks / "fn-1-a.3.json").write_text("{broken")
    store.paths.task_state("fn-1-a.2").write_text("[]")
    add_epic(store, "fn-2-b")
    store.paths.epic_json("fn-2-b").write_text("nope")
    data = admin.validate_all(store)
    by_id = {r["epic"]: r for r in data["epics"]}
    assert by_id["fn-1-a"]["task_count"] == 2
    errs = by_id["fn-1-a"]["errors"]
    assert len(errs) == 2
    assert any("fn-1-a.3.json" in e for e in errs) and any("fn-1-a.2.state.json" in e for e in errs)
    assert len(by_id["fn-2-b"]["errors"]) == 1 and "fn-2-b.json" in by_id["fn-2-b"]["errors"][0]
    assert data["total_errors"] == 3 and data["valid"] is False


def test_validate_root(store: FlowStore):
    assert admin.validate_root(store) == []
    store.paths.meta.write_text('{"schema_version": 2, "next_epic": 1}')  # D37: 2 accepted like detect
    assert admin.validate_root(store) == []
    store.paths.meta.write_text('{"schema_version": 5}')
    (store.flow_dir / "memory").rmdir()
    assert admin.validate_root(store) == ["schema_version unsupported in meta.json (supported [1, 2], got 5)",
                                          "Required directory missing: memory/"]
    store.paths.meta.write_text("")
    assert admin.validate_root(store)[0].startswith("meta.json invalid JSON: ")
    store.paths.meta.unlink()
    assert admin.validate_root(store)[0] == f"meta.json missing: {store.paths.meta}"


def test_validate_all_totals_and_text(store: FlowStore):
    add_epic(store, "fn-2-b")
    add_epic(store, "fn-1-a")
    add_task(store, "fn-1-a.1")
    add_task(store, "fn-2-b.1", spec="")
    data = admin.validate_all(store)
    assert [r["epic"] for r in data["epics"]] == ["fn-1-a", "fn-2-b"]
    assert (data["total_epics"], data["total_tasks"], data["total_errors"], data["total_warnings"]) == (2, 2, 0, 1)
    assert admin.validate_text(data) == ("Validation for all epics:\n  Epics: 2\n  Tasks: 2\n  Valid: true\n"
                                         "  Warnings:\n    - Task fn-2-b.1: no spec body")


def test_validate_is_linear_on_a_large_workspace(store: FlowStore):
    # 2,000 tasks in one long chain plus a cycle at the end: one pass, no per-task DFS.
    add_epic(store, "fn-1-big")
    tasks = store.paths.tasks
    n = 2000
    for i in range(1, n + 1):
        deps = [f"fn-1-big.{i - 1}"] if i > 1 else [f"fn-1-big.{n}"]
        (tasks / f"fn-1-big.{i}.json").write_text(json.dumps(
            {"id": f"fn-1-big.{i}", "epic": "fn-1-big", "title": "t", "depends_on": deps,
             "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}))
        (tasks / f"fn-1-big.{i}.md").write_text(GOOD_SPEC)
    start = time.perf_counter()
    data = admin.validate_all(store)
    elapsed = time.perf_counter() - start
    assert data["total_tasks"] == n
    assert data["total_errors"] == n  # every task is on the one big cycle
    assert elapsed < 5, elapsed


# ── doctor ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_doctor_healthy_fresh_repo(store: FlowStore):
    data = admin.doctor(store, store.flow_dir.parent)
    assert [(c["name"], c["status"]) for c in data["checks"]] == [
        ("validate", "pass"), ("state_dir_access", "pass"), ("config", "pass"), ("git_common_dir", "pass")]
    assert data["checks"][3]["message"] == "git common-dir reachable: .git"
    assert data["healthy"] is True and data["summary"] == {"fail": 0, "pass": 4, "warn": 0}
    assert not (store.paths.state / ".doctor-probe").exists()


def test_doctor_config_checks(store: FlowStore):
    cfg_path = store.paths.config
    cfg_path.write_text('{"outputs": {}, "max_retries": 2, "zeta": 1, "alpha": 2}')
    check = admin.doctor(store, store.flow_dir.parent)["checks"][2]
    assert check == {"message": "Unknown config keys: alpha, zeta", "name": "config", "status": "warn"}
    cfg_path.write_text("[1]")
    assert admin.doctor(store, store.flow_dir.parent)["checks"][2]["message"] == "config.json is not a JSON object"
    cfg_path.write_text("{,")
    data = admin.doctor(store, store.flow_dir.parent)
    assert data["checks"][2]["status"] == "fail" and data["checks"][2]["message"].startswith("config.json invalid JSON")
    assert data["healthy"] is False
    cfg_path.unlink()
    assert admin.doctor(store, store.flow_dir.parent)["checks"][2]["message"] == "config.json missing (run 'flowctl init')"


def test_doctor_counts_validation_errors(store: FlowStore):
    add_epic(store, "fn-1-a")
    add_task(store, "fn-1-a.1", deps=("fn-1-a.1",))
    check = admin.doctor(store, store.flow_dir.parent)["checks"][0]
    assert check == {"message": "Validation found 1 error(s). Run 'flowctl validate --all' for details",
                     "name": "validate", "status": "fail"}


def test_doctor_outside_git(tmp_path: Path):
    admin.init(tmp_path)
    store = FlowStore(tmp_path / ".flow")
    check = admin.doctor(store, tmp_path)["checks"][3]
    assert check["status"] == "warn"


def test_doctor_workflow(store: FlowStore, monkeypatch: pytest.MonkeyPatch):
    cwd = store.flow_dir.parent
    checks = admin.doctor(store, cwd, workflow=True)["checks"][4:]
    assert [(c["name"], c["status"]) for c in checks] == [("review_backend", "warn"), ("stale_locks", "pass")]
    store.paths.config.write_text('{"review": {"backend": "codex"}}')
    monkeypatch.setenv("PATH", "/nonexistent")
    checks = admin.doctor(store, cwd, workflow=True)["checks"][4:]
    assert checks[0]["message"] == "Review backend configured: codex"
    assert checks[1] == {"message": "codex not found on PATH (required by review.backend=codex)",
                         "name": "tool_available", "status": "fail"}


# ── state-path, export counts ───────────────────────────────────────────────────────────────────────────────────────


def test_state_path(store: FlowStore):
    import shutil

    shutil.rmtree(store.paths.state)
    assert admin.state_path(store) == {"state_dir": str(store.paths.state)}
    assert store.paths.state.is_dir()
    assert admin.state_path(store, "fn-1.2")["task_state_path"] == str(store.paths.state / "tasks" / "fn-1.2.state.json")
    with pytest.raises(FlowError, match="^Invalid task ID: fn-1. Expected format"):
        admin.state_path(store, "fn-1")


def test_exchange_counts(store: FlowStore):
    add_epic(store, "fn-1-a")
    add_task(store, "fn-1-a.1")
    add_task(store, "fn-1-a.2")
    add_task(store, "fn-3-orphan.1")  # epic file missing: not counted
    assert admin.exchange_counts(store) == (1, 2)
