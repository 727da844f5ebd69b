"""worker-phase rules: the sequence of cli-ext §18, the order gate, the stored progress, worker-prompt (D35)."""

from __future__ import annotations

import json

import pytest

from flowctl_core.errors import CorruptFileError, InvalidInputError, InvalidTransitionError
from flowctl_db import FlowStore
from flowctl_service import worker_phases as wp

T = "fn-1-x.1"
INIT = {"memory": {"enabled": True}, "outputs": {"enabled": True}}
OFF = {"memory": {"enabled": False}, "outputs": {"enabled": False}}


@pytest.mark.parametrize(("config", "flags", "expected"), [
    (INIT, {}, "1,2,5,6,7,9,10,11,12"),
    (INIT, {"size": "S"}, "1,2,5,6,7,9,10,11,12"),  # S ≡ M under the init defaults, as in the reference
    (INIT, {"size": "L"}, "1,2,4,5,6,7,8,9,10,11,12"),
    (INIT, {"review": True}, "1,2,5,6,7,8,9,10,11,12"),
    (INIT, {"tdd": True, "review": True}, "1,2,4,5,6,7,8,9,10,11,12"),
    (OFF, {"size": "L"}, "1,2,4,5,6,7,8,9,10,12"),  # 9 is in the L base
    (OFF, {}, "1,2,5,6,7,10,12"),
    ({}, {}, "1,2,5,6,7,9,10,12"),  # no keys: outputs on, memory off
    ({}, {"tdd": True, "size": "S"}, "1,2,4,5,6,7,9,10,12"),
])
def test_sequences(config, flags, expected):
    assert ",".join(wp.sequence(config, **flags)) == expected


def test_next_on_a_fresh_task_and_content(store: FlowStore):
    store.config.put("", INIT)
    data = wp.next_phase(store, T)
    assert data == {
        "all_done": False, "completed_phases": [], "phase": "1", "title": "Verify Configuration",
        "done_condition": "OWNED_FILES verified and configuration validated",
        "instructions": "Validate OWNED_FILES list and confirm task configuration matches the epic spec.",
        "content": "Validate OWNED_FILES list and confirm task configuration matches the epic spec.",
        "sequence": ["1", "2", "5", "6", "7", "9", "10", "11", "12"]}
    assert not store.paths.phases.exists()  # next never writes


def test_walk_every_phase_then_all_done(store: FlowStore):
    store.config.put("", INIT)
    seq = wp.sequence(INIT, tdd=True, review=True)
    for i, phase in enumerate(seq):
        assert wp.next_phase(store, T, tdd=True, review=True)["phase"] == phase
        out = wp.mark_done(store, T, phase, tdd=True, review=True)
        assert out["completed_phase"] == phase and out["completed_phases"] == seq[:i + 1]
        if i + 1 < len(seq):
            assert out["all_done"] is False and out["next_phase"]["phase"] == seq[i + 1]
            assert set(out["next_phase"]) == {"phase", "title", "done_condition"}
        else:
            assert out == {"all_done": True, "completed_phase": "12", "completed_phases": seq}
    assert wp.next_phase(store, T, tdd=True, review=True) == {"phase": None, "all_done": True, "sequence": seq}
    assert json.loads(store.paths.phases.read_text()) == {T: seq}
    with pytest.raises(InvalidTransitionError, match="^All phases are already completed. Nothing to mark done.$"):
        wp.mark_done(store, T, "12", tdd=True, review=True)


def test_a_flag_added_later_sends_the_worker_back(store: FlowStore):
    for phase in wp.sequence({}):
        wp.mark_done(store, T, phase)
    assert wp.next_phase(store, T)["all_done"] is True
    assert wp.next_phase(store, T, tdd=True)["phase"] == "4"


def test_order_gate_messages(store: FlowStore):
    with pytest.raises(InvalidInputError) as err:
        wp.mark_done(store, T, "3")
    assert str(err.value) == ("Phase '3' is not in the current sequence: 1, 2, 5, 6, 7, 9, 10, 12. "
                              "Check your mode flags (--tdd, --review).")
    with pytest.raises(InvalidTransitionError) as err:
        wp.mark_done(store, T, "5")
    assert str(err.value) == "Expected phase 1, got phase 5. Cannot skip phases."
    assert not store.paths.phases.exists()


def test_invalid_task_id(store: FlowStore):
    for call in (lambda: wp.next_phase(store, "fn-1"), lambda: wp.mark_done(store, "bad", "1")):
        with pytest.raises(InvalidInputError, match=r"^Invalid task ID: .*\. Expected format: fn-N\.M or fn-N-slug\.M$"):
            call()


def test_legacy_ids_kept_in_the_file_and_mapped(store: FlowStore):
    store.paths.phases.write_text(json.dumps({T: ["0", "2a", "1.5"]}))
    out = wp.mark_done(store, T, "2", tdd=True)
    assert out["completed_phases"] == ["1", "4", "3", "2"]
    assert json.loads(store.paths.phases.read_text()) == {T: ["0", "2a", "1.5", "2"]}
    assert wp.next_phase(store, T, tdd=True)["completed_phases"] == ["1", "2", "4"]


def test_dry_run_previews_without_writing(store: FlowStore):
    preview = wp.mark_done(store, T, "1", dry_run=True)
    assert preview == {"changes": {"mutations": [
        {"op": "put", "store": "phases", "key": "", "value": {T: ["1"]}}]}, "dry_run": True}
    assert not store.paths.phases.exists()


@pytest.mark.parametrize("content", ["{bad", '["1"]', json.dumps({T: "1"})])
def test_corrupt_progress_is_an_error_and_kept(store: FlowStore, content: str):
    store.paths.phases.write_text(content)
    with pytest.raises(CorruptFileError) as err:
        wp.mark_done(store, T, "1")
    assert str(store.paths.phases) in str(err.value)
    assert store.paths.phases.read_text() == content


def test_corrupt_config_is_an_error(store: FlowStore):
    store.paths.config.write_text("garbage")
    with pytest.raises(CorruptFileError):
        wp.next_phase(store, T)


def test_other_tasks_kept(store: FlowStore):
    wp.mark_done(store, "fn-2.1", "1")
    wp.mark_done(store, T, "1")
    assert json.loads(store.paths.phases.read_text()) == {"fn-2.1": ["1"], T: ["1"]}


def test_worker_prompt_numeric_order():
    data = wp.worker_prompt("fn-3-auth.2", tdd=True, review="rp")
    lines = data["prompt"].split("\n")
    assert lines[:6] == ["TASK_ID: fn-3-auth.2", "EPIC_ID: fn-3-auth", "TDD_MODE: true", "REVIEW_MODE: rp",
                         "TEAM_MODE: true", ""]
    listed = [line.split(":")[0].split()[1] for line in lines if line.startswith("Phase ") and ":" in line[6:9]]
    assert listed == ["1", "2", "3", "4", "5", "6", "7", "8", "10", "11", "12"]  # D35: not 1,10,11,12,2,…
    assert lines[-1] == "Execute phases in order. Use flowctl worker-phase next/done to track progress."
    assert data["mode"] == "bootstrap" and data["estimated_tokens"] == len(data["prompt"].encode()) // 4
    plain = wp.worker_prompt("fn-3-auth")
    assert "EPIC_ID: fn-3-auth\nTDD_MODE: false\nREVIEW_MODE: none" in plain["prompt"]
    assert "Phase 3: Investigation\nPhase 5: Implement" in plain["prompt"]
