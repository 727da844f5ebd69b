"""PipelineStore: phase progression, exact error texts, sorted pretty file, corrupt file raising."""

from __future__ import annotations

import pytest

from flowctl_core.errors import CorruptFileError, InvalidInputError, InvalidTransitionError
from flowctl_db.pipeline import PHASES, PROMPTS, next_phase


def test_phases_and_prompts():
    assert PHASES == ("plan", "plan_review", "work", "impl_review", "close")
    assert PROMPTS["plan"] == "Draft a structured build plan from the request"
    assert PROMPTS["close"] == "Finalize and close the epic"
    assert next_phase("plan") == "plan_review"
    assert next_phase("close") is None


def test_current_initialises_plan_and_writes_it(flow):
    assert flow.pipeline.read("fn-1") is None
    assert not flow.paths.pipeline.exists()
    assert flow.pipeline.status("fn-1") == {
        "phase": "plan", "prompt": "Draft a structured build plan from the request", "all_done": False}
    assert flow.paths.pipeline.read_bytes() == b'{\n  "fn-1": "plan"\n}'


def test_file_matches_storage_example(flow):
    flow.pipeline.current("fn-4-billing")
    flow.pipeline.current("fn-3-add-oauth-login")
    assert flow.pipeline.advance("fn-3-add-oauth-login", "plan") == {
        "previous_phase": "plan", "phase": "plan_review",
        "prompt": "Review the plan for correctness and completeness", "all_done": False}
    flow.pipeline.advance("fn-3-add-oauth-login", "plan_review")
    assert flow.paths.pipeline.read_text() == (
        '{\n  "fn-3-add-oauth-login": "work",\n  "fn-4-billing": "plan"\n}')


def test_full_run_reaches_close(flow):
    for phase in PHASES[:-1]:
        result = flow.pipeline.advance("fn-1", phase)
    assert result == {"previous_phase": "impl_review", "phase": "close",
                      "prompt": "Finalize and close the epic", "all_done": True}
    assert flow.pipeline.status("fn-1")["all_done"] is True
    with pytest.raises(InvalidTransitionError) as err:
        flow.pipeline.advance("fn-1", "close")
    assert str(err.value) == "Pipeline is already at the terminal phase (close). No further advancement."
    # the name check comes first: a different phase at close is a mismatch, not the terminal error
    with pytest.raises(InvalidTransitionError, match="^Phase mismatch: current phase is 'close'"):
        flow.pipeline.advance("fn-1", "impl_review")


def test_unknown_phase_and_mismatch_messages(flow):
    with pytest.raises(InvalidInputError) as err:
        flow.pipeline.advance("fn-1", "bogus")
    assert str(err.value) == "Unknown phase 'bogus'. Valid phases: plan, plan_review, work, impl_review, close"
    assert not flow.paths.pipeline.exists()  # the name is checked before anything is initialised
    flow.pipeline.write("fn-1", "work")
    with pytest.raises(InvalidTransitionError) as err:
        flow.pipeline.advance("fn-1", "plan")
    assert str(err.value) == ("Phase mismatch: current phase is 'work', but 'plan' was requested. "
                              "Phases must be completed in order.")
    assert flow.pipeline.read("fn-1") == "work"


def test_write_rejects_unknown_phase(flow):
    with pytest.raises(InvalidInputError):
        flow.pipeline.write("fn-1", "weird")


def test_unknown_stored_value_reads_as_plan_without_rewrite(flow):
    flow.paths.pipeline.write_text('{"fn-1": "weird", "fn-2": 5}')
    assert flow.pipeline.current("fn-1") == "plan"
    assert flow.paths.pipeline.read_text() == '{"fn-1": "weird", "fn-2": 5}'
    assert flow.pipeline.read("fn-2") is None  # non-string reads as no entry ...
    assert flow.pipeline.current("fn-2") == "plan"  # ... and is initialised
    assert flow.pipeline.read_all() == {"fn-1": "weird", "fn-2": "plan"}
    assert flow.pipeline.advance("fn-1", "plan")["phase"] == "plan_review"


@pytest.mark.parametrize("content", ["garbage", "[1]"])
def test_corrupt_file_raises_and_is_left_alone(flow, content):
    flow.paths.pipeline.write_text(content)
    for call in (lambda: flow.pipeline.read("fn-1"), lambda: flow.pipeline.current("fn-1"),
                 lambda: flow.pipeline.advance("fn-1", "plan"), lambda: flow.pipeline.write("fn-1", "work")):
        with pytest.raises(CorruptFileError) as err:
            call()
        assert str(flow.paths.pipeline) in str(err.value)
    assert flow.paths.pipeline.read_text() == content
