"""worker-phase, phase and worker-prompt end to end: JSON (compact and not), plain text, files, errors, dry runs."""

from __future__ import annotations

import json

T = "fn-1-x.1"
E = "fn-1-x"
FULL = {"FLOWCTL_COMPACT": "0"}
INSTR1 = "Validate OWNED_FILES list and confirm task configuration matches the epic spec."


def phases_file(flowctl) -> dict:
    return json.loads((flowctl.flow / ".state" / "phases.json").read_text())


def test_next_json_compact_and_full(initialized_flowctl):
    data = initialized_flowctl.ok("worker-phase", "next", "--task", T, "--json")
    assert data == {"all_done": False, "completed_phases": [], "content": INSTR1,
                    "done_condition": "OWNED_FILES verified and configuration validated", "instructions": INSTR1,
                    "phase": "1", "sequence": ["1", "2", "5", "6", "7", "9", "10", "11", "12"],
                    "title": "Verify Configuration"}
    full = initialized_flowctl.ok("worker-phase", "next", "--task", T, "--json", env=FULL)
    assert full == {**data, "success": True}
    assert not (initialized_flowctl.flow / ".state" / "phases.json").exists()


def test_done_plain_and_next_plain(initialized_flowctl):
    assert initialized_flowctl.ok("worker-phase", "done", "--task", T, "--phase", "1") == \
        "Phase 1 marked done.\nNext: 2 - Re-anchor\n"
    initialized_flowctl.ok("worker-phase", "done", "--task", T, "--phase", "2")
    assert initialized_flowctl.ok("worker-phase", "next", "--task", T) == (
        "Next phase: 5 - Implement\nDone when: Feature implemented and code compiles\n"
        "Instructions: Implement the feature to satisfy the spec and ensure the code compiles cleanly.\n"
        "Completed: 1, 2\n")
    assert phases_file(initialized_flowctl) == {T: ["1", "2"]}
    text = (initialized_flowctl.flow / ".state" / "phases.json").read_text()
    assert text == '{\n  "fn-1-x.1": [\n    "1",\n    "2"\n  ]\n}'


def test_errors(initialized_flowctl):
    run = initialized_flowctl.fail("worker-phase", "done", "--task", T, "--phase", "5")
    assert run.error == "Expected phase 1, got phase 5. Cannot skip phases." and run.out == ""
    assert initialized_flowctl.fail("worker-phase", "done", "--task", T, "--phase", "3").error == (
        "Phase '3' is not in the current sequence: 1, 2, 5, 6, 7, 9, 10, 11, 12. "
        "Check your mode flags (--tdd, --review).")
    assert initialized_flowctl.fail("worker-phase", "next", "--task", "fn-1").error == \
        "Invalid task ID: fn-1. Expected format: fn-N.M or fn-N-slug.M"
    initialized_flowctl.fail("worker-phase", "next", "--task", T, "--review", "bogus", code=2)
    initialized_flowctl.fail("worker-phase", "next", "--task", T, "--size", "XL", code=2)
    initialized_flowctl.fail("worker-phase", "next", code=2)


def test_bare_review_flag_of_the_worker_agent(initialized_flowctl):
    # agents/worker.md: `worker-phase next --task $TASK_ID [--tdd] [--review] --json`
    for args in (["--review", "--json"], ["--review", "--tdd", "--json"], ["--tdd", "--review"]):
        run = initialized_flowctl("worker-phase", "next", "--task", T, *args)
        assert run.code == 0, run.err
    data = initialized_flowctl.ok("worker-phase", "next", "--task", T, "--tdd", "--review", "--json")
    assert data["sequence"] == ["1", "2", "4", "5", "6", "7", "8", "9", "10", "11", "12"]


def test_all_done_and_corrupt_file(initialized_flowctl):
    for phase in ("1", "2", "5", "6", "7", "9", "10", "11", "12"):
        out = initialized_flowctl.ok("worker-phase", "done", "--task", T, "--phase", phase, "--json")
    assert out == {"all_done": True, "completed_phase": "12",
                   "completed_phases": ["1", "2", "5", "6", "7", "9", "10", "11", "12"]}
    assert initialized_flowctl.ok("worker-phase", "next", "--task", T, "--json") == {
        "all_done": True, "phase": None, "sequence": ["1", "2", "5", "6", "7", "9", "10", "11", "12"]}
    assert initialized_flowctl.ok("worker-phase", "next", "--task", T) == "All phases completed.\n"
    assert initialized_flowctl.fail("worker-phase", "done", "--task", T, "--phase", "12").error == \
        "All phases are already completed. Nothing to mark done."
    path = initialized_flowctl.flow / ".state" / "phases.json"
    path.write_text("{oops")
    run = initialized_flowctl.fail("worker-phase", "done", "--task", "fn-1-x.2", "--phase", "1")
    assert run.error.startswith(f"Corrupt file {path}")  # the reference printed a warning and exit 0 (D35)
    assert path.read_text() == "{oops"


def test_dry_run_writes_nothing(initialized_flowctl):
    out = initialized_flowctl.ok("--dry-run", "worker-phase", "done", "--task", T, "--phase", "1")
    assert out == {"changes": {"mutations": [{"key": "", "op": "put", "store": "phases", "value": {T: ["1"]}}]},
                   "dry_run": True}
    assert not (initialized_flowctl.flow / ".state" / "phases.json").exists()


def test_auto_creates_flow(flowctl):
    assert flowctl.ok("worker-phase", "next", "--task", T, "--json")["sequence"] == \
        ["1", "2", "5", "6", "7", "9", "10", "12"]  # no config: outputs on, memory off
    assert flowctl.flow.is_symlink()


def test_restart_resets_progress(initialized_flowctl):
    initialized_flowctl.ok("epic", "create", "--title", "X")
    initialized_flowctl.ok("task", "create", "--epic", E, "--title", "A")
    initialized_flowctl.ok("start", T)
    initialized_flowctl.ok("worker-phase", "done", "--task", T, "--phase", "1")
    initialized_flowctl.ok("restart", T, "--force")
    assert initialized_flowctl.ok("worker-phase", "next", "--task", T, "--json")["phase"] == "1"  # D34


# -- phase ------------------------------------------------------------------------------------------------------
def test_phase_next_done_outputs(initialized_flowctl):
    assert initialized_flowctl.ok("phase", "next", "--epic", E, "--json") == {
        "all_done": False, "phase": "plan", "prompt": "Draft a structured build plan from the request"}
    assert json.loads((initialized_flowctl.flow / ".state" / "pipeline.json").read_text()) == {E: "plan"}
    assert initialized_flowctl.ok("phase", "done", "--epic", E, "--phase", "plan", "--json", env=FULL) == {
        "all_done": False, "phase": "plan_review", "previous_phase": "plan",
        "prompt": "Review the plan for correctness and completeness", "success": True}
    assert initialized_flowctl.ok("phase", "done", "--epic", E, "--phase", "plan_review") == \
        "Advanced: plan_review → work\nPrompt: Execute tasks according to the plan\n"
    assert initialized_flowctl.ok("phase", "next", "--epic", E) == \
        "Phase: work\nPrompt: Execute tasks according to the plan\n"
    assert initialized_flowctl.fail("phase", "done", "--epic", E, "--phase", "bogus").error == \
        "Unknown phase 'bogus'. Valid phases: plan, plan_review, work, impl_review, close"
    assert initialized_flowctl.fail("phase", "done", "--epic", E, "--phase", "plan").error == (
        "Phase mismatch: current phase is 'work', but 'plan' was requested. Phases must be completed in order.")
    assert initialized_flowctl.fail("phase", "next", "--epic", "not an epic").error.startswith(
        "Invalid epic ID: not an epic")


def test_phase_close_and_complete_texts(initialized_flowctl):
    initialized_flowctl.flow.joinpath(".state").mkdir(exist_ok=True)
    (initialized_flowctl.flow / ".state" / "pipeline.json").write_text('{"fn-1-x": "impl_review"}')
    assert initialized_flowctl.ok("phase", "done", "--epic", E, "--phase", "impl_review") == \
        "Advanced: impl_review → close\nPrompt: Finalize and close the epic\n"  # not all done yet
    assert initialized_flowctl.ok("phase", "done", "--epic", E, "--phase", "close") == \
        "Completed: close\nStatus: all phases complete\n"
    assert initialized_flowctl.ok("phase", "next", "--epic", E) == \
        "Phase: close\nPrompt: Finalize and close the epic\nStatus: all phases complete\n"


def test_phase_dry_run(initialized_flowctl):
    out = initialized_flowctl.ok("phase", "next", "--epic", E, "--dry-run")
    assert out["dry_run"] is True and out["changes"]["mutations"][0]["value"] == {E: "plan"}
    assert not (initialized_flowctl.flow / ".state" / "pipeline.json").exists()


# -- worker-prompt ----------------------------------------------------------------------------------------------
def test_worker_prompt(flowctl):
    data = flowctl.ok("worker-prompt", "--task", T, "--tdd", "--review", "codex", "--bootstrap", "--json")
    assert data["mode"] == "bootstrap" and 0 < data["estimated_tokens"] < 300
    assert "Phase 8: Review\nPhase 10: Complete\nPhase 11: Memory Auto-Save\nPhase 12: Return" in data["prompt"]
    text = flowctl.ok("worker-prompt", "--task", "fn-2")
    assert text.startswith("TASK_ID: fn-2\nEPIC_ID: fn-2\nTDD_MODE: false\nREVIEW_MODE: none\nTEAM_MODE: true\n")
    assert not flowctl.flow.exists()  # no file access
    flowctl.fail("worker-prompt", "--task", T, "--review", code=2)
