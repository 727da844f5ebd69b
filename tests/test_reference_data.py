"""Every query command reads a `.flow/` written in the reference's exact on-disk format.

The data set (`tests/data/reference/.flow`) was written by hand after storage.md's real examples: legacy `fn-N` /
`fn-N.M` ids and minimal records with optional fields missing (epic fn-1), a legacy task definition whose own status
is `done` with no state file (fn-1.1), a full modern epic with tasks in all eight statuses, a task without state and a
`**Files:**` spec line (fn-2-add-oauth-login), an archived closed epic whose spec lives in `.archive/` (fn-3), an event
log with reference-era lines (and one garbage line), a lock entry without expiry fields and worker-phase progress.
It is copied into a fresh git repository; nothing here writes to it except the last test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "reference" / ".flow"
E = "fn-2-add-oauth-login"
A = "fn-3-old-billing"
FULL = {"FLOWCTL_COMPACT": "0"}

STATUS_OF = {  # merged status of every task in the data set
    "fn-1.1": "done", "fn-1.2": "todo",
    f"{E}.1": "done", f"{E}.10": "done", f"{E}.2": "in_progress", f"{E}.3": "blocked", f"{E}.4": "todo",
    f"{E}.5": "skipped", f"{E}.6": "failed", f"{E}.7": "up_for_retry", f"{E}.8": "upstream_failed",
    f"{E}.9": "todo", f"{A}.1": "done",
}
DOMAIN_OF = {
    "fn-1.1": "general", "fn-1.2": "general", f"{E}.1": "ops", f"{E}.10": "testing", f"{E}.2": "backend",
    f"{E}.3": "backend", f"{E}.4": "frontend", f"{E}.5": "architecture", f"{E}.6": "backend", f"{E}.7": "backend",
    f"{E}.8": "general", f"{E}.9": "docs", f"{A}.1": "backend",
}


@pytest.fixture
def ref(flowctl):
    shutil.copytree(DATA, flowctl.flow, symlinks=True)
    for name in ("memory", "reviews"):  # empty directories cannot be stored in git
        (flowctl.flow / name).mkdir(exist_ok=True)
    return flowctl


# ── show ────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_show_legacy_epic_with_missing_optional_fields(ref):
    data = ref.ok("show", "fn-1", "--json", env=FULL)
    assert {k: data[k] for k in ("id", "title", "status", "branch_name", "plan_review_status",
                                 "completion_review_status", "depends_on_epics", "default_impl")} == {
        "id": "fn-1", "title": "Legacy setup", "status": "open", "branch_name": None, "plan_review_status": "unknown",
        "completion_review_status": "unknown", "depends_on_epics": [], "default_impl": None}
    assert data["tasks"] == [
        {"depends_on": [], "id": "fn-1.1", "priority": None, "status": "done", "title": "Bootstrap repo"},
        {"depends_on": ["fn-1.1"], "id": "fn-1.2", "priority": None, "status": "todo", "title": "Add CI"}]


def test_show_full_epic(ref):
    data = ref.ok("show", E, "--json", env=FULL)
    assert data["plan_review_status"] == "passed" and data["completion_review_status"] == "unknown"
    assert data["depends_on_epics"] == ["fn-1"] and data["branch_name"] == E
    assert (data["default_impl"], data["default_review"], data["default_sync"]) == ("codex:gpt-5", "rp", "none")
    assert data["created_at"] == "2026-11-26T14:49:46.280348263+00:00"
    assert data["updated_at"] == "2026-11-26T14:49:46.333235528+00:00"
    assert [(t["id"], t["status"]) for t in data["tasks"]] == [(t, s) for t, s in STATUS_OF.items() if t.startswith(E)]
    assert data["tasks"][2] == {"depends_on": [f"{E}.1"], "id": f"{E}.2", "priority": 1, "status": "in_progress",
                                "title": "Wire callback handler"}
    compact = ref.ok("show", E, "--json")
    assert sorted(compact) == ["depends_on_epics", "id", "status", "tasks", "title"]


def test_show_archived_epic(ref):
    data = ref.ok("show", A, "--json")
    assert data["status"] == "done" and [t["status"] for t in data["tasks"]] == ["done"]


def test_show_tasks_every_status(ref):
    for tid, status in STATUS_OF.items():
        data = ref.ok("show", tid, "--json")
        assert data["status"] == status, tid
        assert data["domain"] == DOMAIN_OF[tid], tid


def test_show_task_runtime_fields(ref):
    done = ref.ok("show", f"{E}.1", "--json", env=FULL)
    assert done["assignee"] == "dev@example.com"
    assert done["claimed_at"] == "2026-11-26T14:49:46.339379654+00:00"
    assert done["evidence"] == {"commits": ["9f1c2ab"], "tests": ["cargo test -p auth"]}
    assert done["duration_seconds"] == 2 and done["priority"] == 1
    assert done["updated_at"] == "2026-11-26T14:49:48.348195989+00:00"
    blocked = ref.ok("show", f"{E}.3", "--json")
    assert blocked["blocked_reason"] == "waiting for API keys"
    assert blocked["files"] == ["src/auth/token.rs", "src/auth/mod.rs"]
    assert ref.ok("show", f"{E}.7", "--json")["retry_count"] == 1
    four = ref.ok("show", f"{E}.4", "--json")
    assert (four["impl"], four["review"], four["sync"], four["depends_on"]) == ("codex", "rp", "none", [f"{E}.2"])
    legacy = ref.ok("show", "fn-1.1", "--json", env=FULL)
    assert legacy["status"] == "done" and legacy["assignee"] is None and legacy["claim_note"] == ""
    assert legacy["created_at"] == "2025-03-01T09:00:00+00:00"
    assert ref.ok("show", f"{E}.9", "--json")["status"] == "todo"  # no state file


def test_show_plain(ref):
    assert ref.ok("show", "fn-1") == ("Epic: fn-1\nTitle: Legacy setup\nStatus: open\nTasks (2):\n"
                                      "  [done] .1: Bootstrap repo\n  [todo] .2: Add CI (deps: .1)\n")
    assert ref.ok("show", f"{E}.2", env=FULL) == (
        f"Task: {E}.2\nEpic: {E}\nTitle: Wire callback handler\nStatus: in_progress\nDomain: backend\n"
        f"Depends on: {E}.1\nSpec: .flow/tasks/{E}.2.md\n")


# ── epics / tasks / list ────────────────────────────────────────────────────────────────────────────────────────


def test_epics(ref):
    assert ref.ok("epics", "--json") == {"count": 3, "epics": [
        {"done": 1, "id": "fn-1", "status": "open", "tasks": 2, "title": "Legacy setup"},
        {"done": 2, "id": E, "status": "open", "tasks": 10, "title": "Add OAuth login"},
        {"done": 1, "id": A, "status": "done", "tasks": 1, "title": "Old billing"}]}
    assert ref.ok("epics") == ("fn-1[1/2 open]: Legacy setup\nfn-2[2/10 open]: Add OAuth login\n"
                               "fn-3[1/1 done]: Old billing\n")


@pytest.mark.parametrize("status", sorted(set(STATUS_OF.values())))
def test_tasks_status_filter(ref, status):
    data = ref.ok("tasks", "--status", status, "--json")
    assert [t["id"] for t in data["tasks"]] == [t for t, s in STATUS_OF.items() if s == status]
    assert data["count"] == len(data["tasks"])


@pytest.mark.parametrize("domain", ["frontend", "backend", "architecture", "testing", "docs", "ops", "general"])
def test_tasks_domain_filter(ref, domain):
    data = ref.ok("tasks", "--domain", domain, "--json")
    assert [t["id"] for t in data["tasks"]] == [t for t, d in DOMAIN_OF.items() if d == domain]


@pytest.mark.parametrize("epic", ["fn-1", E, A, "fn-10-x"])
def test_tasks_epic_filter(ref, epic):
    data = ref.ok("tasks", "--epic", epic, "--json")
    assert [t["id"] for t in data["tasks"]] == [t for t in STATUS_OF if t.rsplit(".", 1)[0] == epic]
    assert all(t["epic"] == epic for t in data["tasks"])


def test_tasks_combined_filters_and_all(ref):
    assert [t["id"] for t in ref.ok("tasks", "--epic", E, "--status", "todo", "--domain", "docs",
                                    "--json")["tasks"]] == [f"{E}.9"]
    everything = ref.ok("tasks", "--json")
    assert [t["id"] for t in everything["tasks"]] == list(STATUS_OF)
    assert everything["tasks"][1] == {"depends_on": ["fn-1.1"], "domain": "general", "epic": "fn-1", "id": "fn-1.2",
                                      "priority": None, "status": "todo", "title": "Add CI"}


def test_list(ref):
    data = ref.ok("list", "--json")
    assert data["epic_count"] == 3 and data["task_count"] == 13
    assert [(t["id"], t["status"]) for t in data["tasks"]] == list(STATUS_OF.items())
    text = ref.ok("list")
    assert text.startswith("Flow Status: 3 epics, 13 tasks (4 done)\n\n[open] fn-1: Legacy setup (1/2 done)\n"
                           "    [done] fn-1.1: Bootstrap repo\n    [todo] fn-1.2: Add CI (deps: fn-1.1)\n\n")
    assert f"    [upstream_failed] {E}.8: Discovery cache (deps: {E}.6)\n" in text
    assert text.endswith(f"[done] {A}: Old billing (1/1 done)\n    [done] {A}.1: Invoice export\n\n")


# ── cat / files ─────────────────────────────────────────────────────────────────────────────────────────────────


def test_cat(ref):
    assert ref.ok("cat", "fn-1", env=FULL) == (DATA / "specs" / "fn-1.md").read_text()
    assert ref.ok("cat", f"{E}.9", env=FULL) == (DATA / "tasks" / f"{E}.9.md").read_text()
    assert ref.ok("cat", A, env=FULL) == (DATA / ".archive" / A / f"{A}.md").read_text()
    assert ref.ok("cat", E) == (DATA / "specs" / f"{E}.md").read_text()  # short enough to pass the filter intact


def test_files(ref):
    assert ref.ok("files", "--epic", E, "--json") == {
        "conflict_count": 1, "conflicts": {"src/auth/mod.rs": [f"{E}.3", f"{E}.4"]}, "epic": E, "file_count": 7,
        "ownership": {"README.md": [f"{E}.9"], "docs/oauth.md": [f"{E}.9"], "src/audit.rs": [f"{E}.10"],
                      "src/auth/callback.rs": [f"{E}.2"], "src/auth/mod.rs": [f"{E}.3", f"{E}.4"],
                      "src/auth/token.rs": [f"{E}.3"], "web/login.tsx": [f"{E}.4"]}}
    assert ref.ok("files", "--epic", "fn-1", "--json")["file_count"] == 0


# ── dag / estimate / events / locks ─────────────────────────────────────────────────────────────────────────────


def test_dag(ref):
    data = ref.ok("dag", E)
    layers = [[(n["id"], n["status"], tuple(n["deps"])) for n in layer["nodes"]] for layer in data["layers"]]
    assert layers == [
        [(f"{E}.1", "done", ()), (f"{E}.5", "skipped", ()), (f"{E}.6", "failed", ()), (f"{E}.7", "up_for_retry", ())],
        [(f"{E}.10", "done", (f"{E}.1",)), (f"{E}.2", "in_progress", (f"{E}.1",)), (f"{E}.3", "blocked", (f"{E}.1",)),
         (f"{E}.8", "upstream_failed", (f"{E}.6",)), (f"{E}.9", "todo", (f"{E}.5",))],
        [(f"{E}.4", "todo", (f"{E}.2",))]]
    assert ref.ok("dag", "fn-1") == {"epic": "fn-1", "layers": [
        {"layer": 0, "nodes": [{"deps": [], "id": "fn-1.1", "status": "done"}]},
        {"layer": 1, "nodes": [{"deps": ["fn-1.1"], "id": "fn-1.2", "status": "todo"}]}]}


def test_estimate(ref):
    assert ref.ok("estimate", "--epic", E) == {"avg_duration_secs": 3, "done_tasks": 2, "epic": E,
                                               "estimated_remaining_secs": 21, "incomplete_tasks": 7,
                                               "total_tasks": 10}
    assert ref.ok("estimate", "--epic", "fn-1") == {"avg_duration_secs": 0, "done_tasks": 1, "epic": "fn-1",
                                                    "estimated_remaining_secs": 0, "incomplete_tasks": 1,
                                                    "total_tasks": 2}


def test_events(ref):
    data = ref.ok("events", "--epic", E, "--json")
    # Exact matching (D4): the epic's mutation stream, its task streams and the reference's mis-attributed
    # `mutation:<task id>` line (D33: it belongs to the task's epic); not fn-10-x, not the global decision;
    # the garbage line is skipped.
    assert [(e["stream_id"], e["type"]) for e in data["events"]] == [
        (f"mutation:{E}", "epic.create"), (f"mutation:{E}", "task.create"), (f"mutation:{E}.1", "task_spec.set"),
        (f"task:{E}.1", "task_started"), (f"task:{E}.1", "started"), (f"task:{E}.1", "task_completed"),
        (f"task:{E}.1", "completed"), (f"task:{E}.3", "blocked")]
    assert data["count"] == 8
    assert [e["type"] for e in ref.ok("events", "--epic", "fn-1", "--json")["events"]] == ["started", "decision"]
    assert ref.ok("events", "--epic", "fn-10-x", "--json")["count"] == 1


def test_reference_lock_entries(ref):
    assert ref.ok("lock-check", "--json") == {"count": 1, "locks": [
        {"file": "src/auth/callback.rs", "locked_at": "2026-11-26T14:49:48.379139046+00:00", "mode": "write",
         "task_id": f"{E}.2"}]}
    assert ref.ok("lock-check", "--file", "src/auth/callback.rs") == f"src/auth/callback.rs: locked by {E}.2\n"
    conflict = ref.ok("lock", "--task", f"{E}.4", "--files", "src/auth/callback.rs", "--mode", "read", "--json")
    assert conflict["locked"] == [] and conflict["already_locked"][0]["owners"] == [f"{E}.2(write)"]


# ── commands written by other parts of the CLI, over the same data ──────────────────────────────────────────────


def test_ready(ref):
    data = ref.ok("ready", "--epic", E, "--json")
    assert [t["id"] for t in data["ready"]] == [f"{E}.7", f"{E}.9"]  # retry offered (D-6); skipped dep satisfied
    assert [t["id"] for t in data["in_progress"]] == [f"{E}.2"]
    assert {t["id"]: t["blocked_by"] for t in data["blocked"]} == {f"{E}.3": ["status=blocked"],
                                                                   f"{E}.4": [f"{E}.2"]}
    legacy = ref.ok("ready", "--epic", "fn-1", "--json")
    assert [t["id"] for t in legacy["ready"]] == ["fn-1.2"]  # the legacy definition's `done` satisfies it


def test_next(ref):
    assert ref.ok("next", "--json") == {"epic": "fn-1", "reason": "ready_task", "status": "work", "task": "fn-1.2"}


def test_queue(ref):
    data = ref.ok("queue", "--json")
    rows = {e["id"]: e for e in data["epics"]}
    assert rows["fn-1"]["tasks"] == {"blocked": 0, "done": 1, "in_progress": 0, "ready": 1, "todo": 1}
    assert rows[E]["blocked_by"] == ["fn-1"] and rows[E]["depends_on_epics"] == ["fn-1"]
    assert rows[E]["tasks"]["in_progress"] == 1 and rows[E]["tasks"]["blocked"] == 1


def test_status(ref):
    assert ref.ok("status", "--json") == {"epics": {"done": 1, "open": 2}, "flow_exists": True, "runs": [],
                                          "tasks": {"blocked": 1, "done": 4, "in_progress": 1, "todo": 3}}
    assert ref.ok("status") == "E:2o/1d\nT:3t/1w/4d/1b\n"


def test_validate_all(ref):
    data = ref.ok("validate", "--all", "--json")
    assert data["valid"] is True and data["root_errors"] == []
    assert data["total_epics"] == 3 and data["total_tasks"] == 13 and data["total_errors"] == 0
    assert [e["epic"] for e in data["epics"]] == ["fn-1", E, A]


def test_replay_resets_the_data_set(ref):
    assert ref.fail("replay", E).error == f"Tasks in progress: {E}.2. Use --force to override."
    data = ref.ok("replay", E, "--force", "--json")
    assert data["reset"] == [t for t, s in STATUS_OF.items() if t.startswith(E) and s != "todo"]
    assert {t["status"] for t in ref.ok("tasks", "--epic", E, "--json")["tasks"]} == {"todo"}
    assert ref.ok("replay", "fn-1", "--json")["reset"] == ["fn-1.1"]  # legacy status reset through a state file
    assert ref.ok("show", "fn-1.1", "--json")["status"] == "todo"
