"""`phase next|done`: the epic pipeline of cli-ext §19, completed only once close itself is done (Appendix B 10)."""

from __future__ import annotations

import json

import pytest

from flowctl_core.errors import CorruptFileError, InvalidInputError, InvalidTransitionError
from flowctl_db import FlowStore
from flowctl_service import pipeline as pl

E = "fn-1-auth"


def test_next_initialises_plan(store: FlowStore):
    assert pl.next_phase(store, E) == {
        "phase": "plan", "prompt": "Draft a structured build plan from the request", "all_done": False}
    assert store.paths.pipeline.read_bytes() == b'{\n  "fn-1-auth": "plan"\n}'
    before = store.paths.pipeline.stat().st_mtime_ns
    pl.next_phase(store, E)
    assert store.paths.pipeline.stat().st_mtime_ns == before  # an existing entry is only read


def test_whole_pipeline_to_close_and_past_it(store: FlowStore):
    seen = []
    while not (status := pl.next_phase(store, E))["all_done"]:
        seen.append(status["phase"])
        out = pl.mark_done(store, E, status["phase"])
        assert out["previous_phase"] == status["phase"]
    assert seen == ["plan", "plan_review", "work", "impl_review", "close"]  # close runs before all_done
    assert out == {"previous_phase": "close", "phase": "close", "prompt": "Finalize and close the epic",
                   "all_done": True}
    assert status == {"phase": "close", "prompt": "Finalize and close the epic", "all_done": True}
    assert json.loads(store.paths.pipeline.read_text()) == {E: "done"}
    for phase in ("close", "impl_review"):
        with pytest.raises(InvalidTransitionError) as err:
            pl.mark_done(store, E, phase)
        assert str(err.value) == "Pipeline is already complete: the close phase is done. No further advancement."


def test_entering_close_is_not_all_done(store: FlowStore):
    store.pipeline.put("", {E: "impl_review"})
    out = pl.mark_done(store, E, "impl_review")
    assert out == {"previous_phase": "impl_review", "phase": "close", "prompt": "Finalize and close the epic",
                   "all_done": False}


def test_errors(store: FlowStore):
    with pytest.raises(InvalidInputError) as err:
        pl.mark_done(store, E, "bogus")
    assert str(err.value) == "Unknown phase 'bogus'. Valid phases: plan, plan_review, work, impl_review, close"
    assert not store.paths.pipeline.exists()
    store.pipeline.put("", {E: "work"})
    with pytest.raises(InvalidTransitionError) as err:
        pl.mark_done(store, E, "plan")
    assert str(err.value) == ("Phase mismatch: current phase is 'work', but 'plan' was requested. "
                              "Phases must be completed in order.")
    with pytest.raises(InvalidInputError, match="^Invalid epic ID: not an epic"):
        pl.next_phase(store, "not an epic")
    with pytest.raises(InvalidInputError, match="^Invalid epic ID: fn-1-auth.1"):
        pl.mark_done(store, "fn-1-auth.1", "plan")


def test_unknown_and_non_string_values(store: FlowStore):
    store.paths.pipeline.write_text('{"fn-1": "weird", "fn-2": 5}')
    assert pl.next_phase(store, "fn-1")["phase"] == "plan"
    assert json.loads(store.paths.pipeline.read_text())["fn-1"] == "weird"  # not rewritten
    assert pl.next_phase(store, "fn-2")["phase"] == "plan"  # a non-string is no entry: initialised
    assert pl.mark_done(store, "fn-1", "plan")["phase"] == "plan_review"
    assert json.loads(store.paths.pipeline.read_text()) == {"fn-1": "plan_review", "fn-2": "plan"}


def test_dry_run(store: FlowStore):
    assert pl.next_phase(store, E, dry_run=True) == {"changes": {"mutations": [
        {"op": "put", "store": "pipeline", "key": "", "value": {E: "plan"}}]}, "dry_run": True}
    assert pl.mark_done(store, E, "plan", dry_run=True)["changes"]["mutations"][0]["value"] == {E: "plan_review"}
    assert not store.paths.pipeline.exists()


@pytest.mark.parametrize("content", ["garbage", '["plan"]'])
def test_corrupt_file(store: FlowStore, content: str):
    store.paths.pipeline.write_text(content)
    for call in (lambda: pl.next_phase(store, E), lambda: pl.mark_done(store, E, "plan")):
        with pytest.raises(CorruptFileError):
            call()
    assert store.paths.pipeline.read_text() == content
