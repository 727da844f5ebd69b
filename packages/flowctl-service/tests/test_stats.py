"""stats over real files: the reference's summary/epic figures and the computed weekly/bottlenecks/dora/rollup."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from flowctl_core.timefmt import fmt_off, fmt_z
from flowctl_db import FlowStore
from flowctl_service import stats

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday; week 2026-W47 began on Monday the 23rd
E1, E2 = "fn-1-auth", "fn-2-billing"
T_AT = "2026-11-01T10:00:00Z"


def ago(**kw) -> datetime:
    return NOW - timedelta(**kw)


def add_task(s: FlowStore, tid: str, status: str | None = None, title: str = "", **state) -> None:
    s.save_task_definition({"id": tid, "epic": tid.rsplit(".", 1)[0], "title": title or f"Task {tid}",
                            "status": "todo", "depends_on": [], "created_at": T_AT, "updated_at": T_AT})
    if status is not None:
        s.save_state(tid, {"status": status, "retry_count": 0, "updated_at": T_AT, **state})


def event(s: FlowStore, kind: str, tid: str, at: datetime) -> None:
    s.events.append({"stream_id": f"task:{tid}", "task_id": tid, "timestamp": fmt_off(at), "type": kind})


@pytest.fixture
def store(store: FlowStore) -> FlowStore:
    s = store
    s.save_epic({"id": E1, "title": "Auth", "status": "open", "created_at": T_AT, "updated_at": T_AT})
    s.save_epic({"id": E2, "title": "Billing", "status": "done", "created_at": T_AT,
                 "updated_at": fmt_z(ago(days=3))})
    add_task(s, f"{E1}.1", "done", completed_at=fmt_z(ago(days=1)), duration_seconds=3600)
    add_task(s, f"{E1}.2", "done", completed_at=fmt_z(ago(days=40)), duration_seconds=600)
    add_task(s, f"{E1}.3", "blocked", blocked_reason="waiting for the API key")
    add_task(s, f"{E1}.4", "in_progress", claimed_at=fmt_z(ago(hours=2)))
    add_task(s, f"{E1}.5")
    add_task(s, f"{E2}.1", "done", completed_at=fmt_z(ago(days=2)), duration_seconds=7200)
    add_task(s, "fn-9-orphan.1", "done")  # no epic file: not counted, like the reference
    # The event log: .1 started and done this week; .6 of E2 failed then recovered; one in the old past.
    event(s, "task_started", f"{E1}.1", ago(days=1, hours=1))
    event(s, "task_completed", f"{E1}.1", ago(days=1))
    event(s, "task_failed", f"{E2}.1", ago(days=9))
    event(s, "blocked", f"{E2}.1", ago(days=8))
    event(s, "task_completed", f"{E2}.1", ago(days=2))
    event(s, "task_started", f"{E1}.2", ago(days=100))
    event(s, "task_completed", f"{E1}.2", ago(days=40))
    with open(s.events.path, "a") as f:
        f.write("not json\n\n")
    return s


def test_summary_counts_tasks_of_listed_epics_and_event_lines(store):
    assert stats.summary(store) == {
        "total_epics": 2, "open_epics": 1, "total_tasks": 6, "done_tasks": 3, "in_progress_tasks": 1,
        "blocked_tasks": 1, "total_events": 8, "total_tokens": 0, "total_cost_usd": 0.0}


def test_summary_without_flow_is_zeros_and_creates_nothing(tmp_path):
    s = FlowStore(tmp_path / ".flow")
    assert stats.summary(s)["total_events"] == 0
    assert stats.per_epic(s) == {"epics": [], "count": 0}
    assert stats.dora(s, NOW)["lead_time_hours"] is None
    assert not (tmp_path / ".flow").exists()


def test_per_epic_averages_recorded_durations(store):
    rows = stats.per_epic(store)["epics"]
    assert [(r["epic_id"], r["task_count"], r["done_count"], r["avg_duration_secs"]) for r in rows] == [
        (E1, 5, 2, 2100), (E2, 1, 1, 7200)]
    assert stats.per_epic(store, E2)["count"] == 1
    assert stats.per_epic(store, "fn-7")["count"] == 0
    assert stats.per_epic_text(stats.per_epic(store)).splitlines() == [
        "EPIC                           STATUS  DONE/TOTAL", "-" * 55,
        "fn-1-auth                        open 2/5", "fn-2-billing                     done 1/1"]


def test_weekly_groups_by_monday_week_within_the_window(store):
    assert stats.weekly(store, 8, NOW) == {"weekly_trends": [
        {"week": "2026-W41", "tasks_started": 0, "tasks_completed": 1, "tasks_failed": 0},
        {"week": "2026-W46", "tasks_started": 0, "tasks_completed": 0, "tasks_failed": 1},
        {"week": "2026-W47", "tasks_started": 1, "tasks_completed": 2, "tasks_failed": 0}]}
    assert [w["week"] for w in stats.weekly(store, 1, NOW)["weekly_trends"]] == ["2026-W47"]
    assert stats.weekly(store, 0, NOW) == {"weekly_trends": []}
    text = stats.weekly_text(stats.weekly(store, 1, NOW))
    assert text == ("WEEK          STARTED  COMPLETED   FAILED\n" + "-" * 42 + "\n"
                    "2026-W47            1          2        0\n")
    assert stats.weekly_text({"weekly_trends": []}) == "No weekly trend data available.\n"


def test_bottlenecks_blocked_first_then_longest(store):
    rows = stats.bottlenecks(store, 10)["bottlenecks"]
    assert [(r["task_id"], r["duration_secs"]) for r in rows] == [
        (f"{E1}.3", None), (f"{E2}.1", 7200), (f"{E1}.1", 3600), (f"{E1}.2", 600), (f"{E1}.4", None)]
    assert rows[0] == {"task_id": f"{E1}.3", "epic_id": E1, "title": f"Task {E1}.3", "duration_secs": None,
                       "status": "blocked", "blocked_reason": "waiting for the API key"}
    assert len(stats.bottlenecks(store, 2)["bottlenecks"]) == 2
    lines = stats.bottlenecks_text(stats.bottlenecks(store, 2)).splitlines()
    assert lines[2] == f"{E1 + '.3':<25} blocked             - Task {E1}.3 [blocked: waiting for the API key]"
    assert lines[3] == f"{E2 + '.1':<25} done             2.0h Task {E2}.1"


def test_dora_from_states_and_events(store):
    d = stats.dora(store, NOW)
    assert d["lead_time_hours"] == pytest.approx((3600 + 7200) / 2 / 3600)  # completions within 30 days
    assert d["throughput_per_week"] == 0.5  # two completions in 28 days / 4
    assert d["change_failure_rate"] == pytest.approx(1 / 3)  # 2 completed + 1 failed events in 30 days
    assert d["time_to_restore_hours"] == pytest.approx(7 * 24)  # failed 9 days ago, done 2 days ago
    assert stats.dora_text(d).splitlines() == [
        "DORA Metrics (last 30 days)", "=" * 40, "Lead Time:           1.5h", "Throughput:          0.5 tasks/week",
        "Change Failure Rate: 33.3%", "Time to Restore:     168.0h"]


def test_dora_with_no_activity(store):
    assert stats.dora(store, NOW + timedelta(days=365)) == {
        "lead_time_hours": None, "throughput_per_week": 0.0, "change_failure_rate": 0.0,
        "time_to_restore_hours": None}


def test_rollup_per_month(store):
    d = stats.rollup(store)
    assert d["months_updated"] == 2
    assert d["rollups"] == [
        {"month": "2026-10", "epics_completed": 0, "tasks_completed": 1, "avg_lead_time_h": pytest.approx(600 / 3600),
         "total_tokens": 0, "total_cost_usd": 0.0},
        {"month": "2026-11", "epics_completed": 1, "tasks_completed": 2, "avg_lead_time_h": 1.5,
         "total_tokens": 0, "total_cost_usd": 0.0}]
    assert stats.rollup_text(d).splitlines()[0] == "Computed 2 monthly rollup(s)."


def test_stubs_where_no_file_holds_the_data(store):
    assert stats.tokens(store)["token_usage"] == []
    assert stats.cleanup(store)["deleted"] == 0
    before = store.events.path.read_bytes()
    stats.cleanup(store)
    assert store.events.path.read_bytes() == before


def test_hand_edited_timestamps_are_skipped(store):
    store.events.append({"stream_id": f"task:{E1}.5", "timestamp": "yesterday", "type": "task_completed"})
    assert stats.dora(store, NOW)["throughput_per_week"] == 0.5
    assert json.dumps(stats.rollup(store))  # still computes


def test_truncate_counts_characters():
    assert stats.truncate("é" * 40, 30) == "é" * 27 + "..."
    assert stats.truncate("short", 30) == "short"
