"""The files the hooks own: the hooks log under .flow, per-session scratch files outside it, and the status scan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowctl_core.errors import CorruptFileError, StoreIOError
from flowctl_db import FlowStore, session_files


def test_hooks_log_appends_whole_sorted_lines(flow: FlowStore) -> None:
    flow.hooks_log.append({"time": "t", "event": "task_completed", "subject": "é"})
    flow.hooks_log.append({"event": "files_unlocked", "task": "fn-1.1", "time": "t"})
    lines = (flow.flow_dir / "hooks-log" / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines == ['{"event":"task_completed","subject":"é","time":"t"}',
                     '{"event":"files_unlocked","task":"fn-1.1","time":"t"}']
    with pytest.raises(ValueError):
        flow.hooks_log.put("", {})
    with pytest.raises(ValueError):
        flow.hooks_log.delete("")


def test_session_files(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    assert session_files.read_text(path) is None and session_files.age_seconds(path, 0) is None
    session_files.write_text(path, '{"a":1}')
    assert session_files.read_text(path) == '{"a":1}' and list(tmp_path.iterdir()) == [path]
    assert session_files.remove(path) and not session_files.remove(path)
    with pytest.raises(StoreIOError):
        session_files.write_text(tmp_path / "missing-dir" / "x", "x")
    with pytest.raises(StoreIOError):
        session_files.append_log(tmp_path / "missing-dir" / "x.log", "x")
    assert not (tmp_path / "missing-dir").exists()


def test_debug_log_rotates(tmp_path: Path) -> None:
    log = tmp_path / "guard.log"
    session_files.append_log(log, "one", rotate_at=10)
    log.write_text("x" * 11)
    session_files.append_log(log, "two", rotate_at=10)
    assert log.read_text() == "two\n" and (tmp_path / "guard.log.1").read_text() == "x" * 11


def add_task(store: FlowStore, tid: str, status: str | None = None) -> None:
    store.save_task_definition({"id": tid, "epic": tid.rpartition(".")[0], "title": f"T {tid}", "depends_on": []})
    if status is not None:
        store.save_state(tid, {"status": status})


def test_any_task_in_status(flow: FlowStore) -> None:
    assert not flow.any_task_in_status("in_progress")
    add_task(flow, "fn-1-a.1", "done")
    add_task(flow, "fn-2-b.1")
    assert not flow.any_task_in_status("in_progress") and flow.any_task_in_status("done")
    assert flow.any_task_in_status("todo")  # no state file: the definition's status
    add_task(flow, "fn-2-b.2", "in_progress")
    assert flow.any_task_in_status("in_progress")


def test_any_task_in_status_checks_the_parsed_status(flow: FlowStore) -> None:
    flow.save_task_definition({"id": "fn-1-a.1", "epic": "fn-1-a", "title": "mentions in_progress",
                               "depends_on": []})
    flow.paths.task_state("fn-1-a.1").write_text(json.dumps({"status": "todo", "note": "in_progress"}))
    assert not flow.any_task_in_status("in_progress")


def test_any_task_in_status_reports_a_corrupt_candidate(flow: FlowStore) -> None:
    add_task(flow, "fn-1-a.1", "in_progress")
    flow.paths.task_state("fn-1-a.1").write_text('{"status": "in_progress", oops')
    with pytest.raises(CorruptFileError):
        flow.any_task_in_status("in_progress")
