"""stats, plan-depth and skill register end to end: JSON when piped, tables on a TTY, errors, nothing written."""

from __future__ import annotations

import json

import pytest
from flowctl_runner import Flowctl, init_git_repo

FULL = {"FLOWCTL_COMPACT": "0"}


@pytest.fixture
def worked(initialized_flowctl: Flowctl) -> Flowctl:
    """One epic with four tasks driven through the real lifecycle: done, failed, blocked, in progress."""
    f = initialized_flowctl
    epic = f.ok("epic", "create", "--title", "Auth work", "--json")["id"]
    for title in ("Login", "Logout", "Tokens", "Sessions"):
        f.ok("task", "create", "--epic", epic, "--title", title, "--json")
    f.ok("start", f"{epic}.1", "--json")
    f.ok("done", f"{epic}.1", "--summary", "ok", "--json")
    f.ok("start", f"{epic}.2", "--json")
    f.ok("fail", f"{epic}.2", "--reason", "flaky", "--json")
    f.ok("block", f"{epic}.3", "--reason", "waiting for keys", "--json")
    f.ok("start", f"{epic}.4", "--json")
    f.epic = epic
    return f


def snapshot(flow) -> dict[str, bytes]:
    return {str(p.relative_to(flow.resolve())): p.read_bytes() for p in flow.resolve().rglob("*") if p.is_file()
            and p.name != ".lock"}


def test_summary_piped_json_and_tty_text(worked):
    data = worked.ok("stats", "summary")
    events = sum(1 for line in (worked.flow / ".state" / "events.jsonl").read_text().splitlines() if line)
    assert data == {"blocked_tasks": 1, "done_tasks": 1, "in_progress_tasks": 1, "open_epics": 1,
                    "total_cost_usd": 0.0, "total_epics": 1, "total_events": events, "total_tasks": 4,
                    "total_tokens": 0}
    assert worked.ok("stats", "summary", "--json", env=FULL) == {**data, "success": True}
    assert worked.tty("stats", "summary") == (
        "flowctl Stats Summary\n" + "=" * 40 + "\nEpics:       1 total, 1 open\n"
        "Tasks:       4 total, 1 done, 1 in progress, 1 blocked\n" + f"Events:      {events}\n")


def test_epic_table_and_filter(worked):
    rows = worked.ok("stats", "epic")["epics"]
    assert [(r["epic_id"], r["done_count"], r["task_count"], r["status"]) for r in rows] == [
        (worked.epic, 1, 4, "open")]
    assert isinstance(rows[0]["avg_duration_secs"], int)
    assert worked.tty("stats", "epic") == (
        "EPIC                           STATUS  DONE/TOTAL\n" + "-" * 55 + f"\n{worked.epic:<30}   open 1/4\n")
    assert worked.ok("stats", "epic", "--id", "fn-9") == {"count": 0, "epics": []}
    assert worked.tty("stats", "epic", "--id", "fn-9") == "No epic stats found.\n"


def test_weekly_counts_the_lifecycle_events(worked):
    trends = worked.ok("stats", "weekly")["weekly_trends"]
    assert len(trends) == 1
    assert {k: v for k, v in trends[0].items() if k != "week"} == {
        "tasks_started": 3, "tasks_completed": 1, "tasks_failed": 1}
    assert worked.ok("stats", "weekly", "--weeks", "0")["weekly_trends"] == trends  # today is inside
    text = worked.tty("stats", "weekly")
    assert text.splitlines()[0] == "WEEK          STARTED  COMPLETED   FAILED"
    assert worked.fail("stats", "weekly", "--weeks", "-1", code=2).out == ""


def test_bottlenecks_dora_rollup(worked):
    rows = worked.ok("stats", "bottlenecks")["bottlenecks"]
    assert [(r["task_id"].rsplit(".", 1)[1], r["status"]) for r in rows] == [
        ("3", "blocked"), ("1", "done"), ("4", "in_progress")]
    assert rows[0]["blocked_reason"] == "waiting for keys"
    assert len(worked.ok("stats", "bottlenecks", "--limit", "1")["bottlenecks"]) == 1
    dora = worked.ok("stats", "dora")
    assert dora["throughput_per_week"] == 0.25
    assert dora["change_failure_rate"] == 0.5
    assert dora["lead_time_hours"] is not None and dora["time_to_restore_hours"] is None
    assert worked.tty("stats", "dora").splitlines()[3] == "Throughput:          0.2 tasks/week"
    rollup = worked.ok("stats", "rollup")
    assert rollup["months_updated"] == 1 and rollup["rollups"][0]["tasks_completed"] == 1


def test_stubs_keep_the_reference_output(worked):
    assert worked.ok("stats", "tokens", "--epic", worked.epic) == {"token_usage": []}
    assert worked.ok("stats", "cleanup") == {"deleted": 0}
    assert worked.ok("stats", "cleanup", "--json", env=FULL) == {
        "deleted": 0, "message": "Cleanup not applicable (file-based storage)", "success": True}
    assert worked.tty("stats", "tokens") == "Token usage tracking not available with file-based storage.\n"


def test_stats_reads_only(worked):
    before = snapshot(worked.flow)
    for sub in ("summary", "epic", "weekly", "tokens", "bottlenecks", "dora", "rollup", "cleanup"):
        worked.ok("stats", sub)
        worked.ok("--dry-run", "stats", sub)
    assert snapshot(worked.flow) == before


def test_stats_without_flow_creates_nothing(tmp_path):
    f = Flowctl(init_git_repo(tmp_path / "bare"))
    assert f.ok("stats", "summary")["total_events"] == 0
    assert f.ok("stats", "dora")["lead_time_hours"] is None
    assert not (f.cwd / ".flow").exists()


def test_stats_without_subcommand_is_a_usage_error(flowctl):
    run = flowctl.fail("stats", code=2)
    assert "summary" in run.err + run.out


def test_corrupt_epic_is_named(initialized_flowctl):
    (initialized_flowctl.flow / "epics" / "fn-1-x.json").write_text("{oops")
    assert "fn-1-x.json" in initialized_flowctl.fail("stats", "summary").error


# ── plan-depth ──────────────────────────────────────────────────────────────────────────────────────────────────


def test_plan_depth(flowctl):
    assert flowctl.ok("plan-depth", "--request", "fix typo in README", "--json") == {
        "depth": "quick", "step_count": 4, "steps": ["init", "write", "validate", "return"]}
    assert flowctl.ok("plan-depth", "--request", "", "--json", env=FULL)["success"] is True
    assert flowctl.ok("plan-depth", "--request", "add a feature") == (
        "depth: standard\nsteps: 7\nsequence: init, clarity, skill-route, research, gap-analysis, write, validate\n")
    assert flowctl.fail("plan-depth", code=2).out == ""
    assert not (flowctl.cwd / ".flow").exists()


# ── skill register ──────────────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def plugin(tmp_path):
    root = tmp_path / "plugin"
    for name, text in (("flow-code-run", "---\nname: flow-code-run\ndescription: \"Use when: running\"\n---\n"),
                       ("broken", "---\nname: broken\n---\n"),
                       ("flow-code-plan", "---\nname: flow-code-plan\ndescription: >\n  Plan\n  things\n---\n")):
        (root / "skills" / name).mkdir(parents=True)
        (root / "skills" / name / "SKILL.md").write_text(text)
    return root


def test_skill_register(flowctl, plugin):
    run = flowctl("skill", "register", "--dir", str(plugin), "--json")
    assert run.code == 0
    assert run.json == {"registered": 2, "skills": [
        {"description": "Plan things\n", "name": "flow-code-plan"},
        {"description": "Use when: running", "name": "flow-code-run"}]}
    assert run.err == (f"warn: cannot parse frontmatter in {plugin}/skills/broken/SKILL.md: frontmatter parse "
                       "error: missing field `description`\n")
    text = flowctl.ok("skill", "register", env={"CLAUDE_PLUGIN_ROOT": str(plugin)})
    assert text == "Registered 2 skills\n  flow-code-plan \u2014 Plan things\n  flow-code-run \u2014 Use when: running\n"
    json_run = flowctl("--json", "skill", "register", env={"DROID_PLUGIN_ROOT": str(plugin),
                                                           "CLAUDE_PLUGIN_ROOT": "/nowhere"})
    assert json.loads(json_run.out)["registered"] == 2


def test_skill_register_errors(flowctl, plugin):
    assert flowctl.fail("skill", "register").error == (
        "No --dir given and DROID_PLUGIN_ROOT / CLAUDE_PLUGIN_ROOT not set")
    assert flowctl.fail("skill", "register", env={"DROID_PLUGIN_ROOT": "/nowhere",
                                                  "CLAUDE_PLUGIN_ROOT": str(plugin)}).error == (
        "Skills directory not found: /nowhere/skills")
    flowctl.fail("skill", "match", "query", code=2)  # removed in the reference
