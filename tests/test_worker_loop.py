"""End to end: a worker's whole per-task loop, and `/flow-code:run`'s whole epic pipeline, as agents drive them.

Everything runs the real flowctl in a real temporary git repository, through a pipe (compact mode), exactly as an
agent does: `worker-phase next/done` through every phase of a TDD + review sequence, with `guard` and
`invariants check` against a real stack config (one passing and one failing command) and `done` at the end; then
`phase next/done` from plan to a completed close.
"""

from __future__ import annotations

import json
import subprocess

E = "fn-1-add-oauth-login"
T = f"{E}.1"


def commit_all(repo, message: str) -> str:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", message], cwd=repo, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True,
                          text=True).stdout.strip()


def test_whole_worker_loop_tdd_and_review(initialized_flowctl):
    fc = initialized_flowctl
    repo = fc.cwd
    assert fc.ok("epic", "create", "--title", "Add OAuth login", "--json")["id"] == E
    fc.ok("task", "create", "--epic", E, "--title", "Callback handler", "--files", "src/callback.py")
    fc.ok("start", T, "--json")

    # The project's checks: the stack's test passes, its lint fails until phase 6 fixes the code.
    (repo / "src").mkdir()
    (repo / "tests.sh").write_text("test -f src/callback.py && echo 'ok: callback'\n")
    (repo / "stack.json").write_text(json.dumps({"backend": {
        "test": "sh tests.sh",
        "lint": "if grep -q TODO src/callback.py; then echo 'error: TODO left in src/callback.py'; exit 1; fi"}}))
    fc.ok("stack", "set", "--file", "stack.json", "--json")
    fc.ok("invariants", "init")
    inv = fc.flow / "invariants.md"
    inv.write_text(inv.read_text() + (
        "\n## Sources live in src\n- **Rule:** code lives under src/\n- **Verify:** `test -d src`\n"
        "\n## No TODO markers\n- **Verify:** `! grep -rq TODO src`\n"))

    flags = ["--tdd", "--review"]  # the worker agent's bare --review
    walked = []
    while True:
        step = fc.ok("worker-phase", "next", "--task", T, *flags, "--json")
        if step["all_done"]:
            break
        phase = step["phase"]
        assert step["content"] == step["instructions"] != ""  # agents/worker.md reads `content`
        walked.append(phase)
        if phase == "2":
            assert fc.ok("show", T, "--json")["id"] == T
        elif phase == "4":  # red: the test fails before the code exists
            assert fc("guard", "--json").json["guards"][0]["status"] == "fail"
        elif phase == "5":
            (repo / "src" / "callback.py").write_text("def callback():\n    return 1  # TODO tidy\n")
        elif phase == "6":
            # guard: one pass, one fail -> exit 1 with the failure explained, plain text through the filter
            run = fc("guard")
            assert run.code == 1
            assert run.out == ("✓ [backend] test: 0 failure(s)\n"
                               "✗ [backend] lint: 1 errors, 0 warnings\n"
                               "    error: TODO left in src/callback.py\n\n1/2 guards passed — FAILED\n")
            check = fc("invariants", "check", "--json")
            assert check.code == 1 and [r["passed"] for r in check.json["results"]] == [True, False]
            # fix, then both are green and the compact guard collapses to one line
            (repo / "src" / "callback.py").write_text("def callback():\n    return 1\n")
            assert fc("guard").out == "✓ guard passed\n"
            assert fc.ok("invariants", "check", "--json") == {"all_passed": True, "results": [
                {"command": "test -d src", "exit_code": 0, "name": "Sources live in src", "passed": True},
                {"command": "! grep -rq TODO src", "exit_code": 0, "name": "No TODO markers", "passed": True}]}
        elif phase == "7":
            sha = commit_all(repo, f"feat: callback handler ({T})")
        elif phase == "9":
            (fc.flow / "outputs").mkdir(exist_ok=True)
            (fc.flow / "outputs" / f"{T}.md").write_text("## Summary\nCallback handler.\n")
        elif phase == "10":
            fc.ok("done", T, "--summary", "Callback handler", "--evidence-json",
                  json.dumps({"commits": [sha], "tests": ["sh tests.sh"]}), "--json")
        result = fc.ok("worker-phase", "done", "--task", T, "--phase", phase, *flags, "--json")
        assert result["completed_phase"] == phase

    assert walked == ["1", "2", "4", "5", "6", "7", "8", "9", "10", "11", "12"]
    assert result == {"all_done": True, "completed_phase": "12", "completed_phases": walked}
    assert fc.ok("show", T, "--json")["status"] == "done"
    assert json.loads((fc.flow / ".state" / "phases.json").read_text()) == {T: walked}
    # skipping or repeating is refused
    assert fc.fail("worker-phase", "done", "--task", T, "--phase", "12", *flags).error == \
        "All phases are already completed. Nothing to mark done."


def test_whole_phase_pipeline_to_close(initialized_flowctl):
    fc = initialized_flowctl
    assert fc.ok("epic", "create", "--title", "Add OAuth login", "--json")["id"] == E
    ran = []
    # skills/flow-code-run: loop { next; if all_done: break; execute; done }
    while not (step := fc.ok("phase", "next", "--epic", E, "--json"))["all_done"]:
        phase = step["phase"]
        ran.append(phase)
        if phase == "plan":
            fc.ok("task", "create", "--epic", E, "--title", "Callback handler")
        elif phase == "work":
            fc.ok("start", T)
            fc.ok("done", T, "--summary", "ok")
        elif phase == "close":  # the close work itself runs before the pipeline reports all_done
            assert fc.ok("validate", "--epic", E, "--json")["valid"] is True
            fc.ok("epic", "completion", E, "ship", "--json")
            fc.ok("epic", "close", E, "--json")
        out = fc.ok("phase", "done", "--epic", E, "--phase", phase, "--json")
        assert out["previous_phase"] == phase
    assert ran == ["plan", "plan_review", "work", "impl_review", "close"]
    assert step == {"all_done": True, "phase": "close", "prompt": "Finalize and close the epic"}
    assert fc.ok("show", E, "--json")["status"] == "done"
    assert json.loads((fc.flow / ".state" / "pipeline.json").read_text()) == {E: "done"}
    assert fc.fail("phase", "done", "--epic", E, "--phase", "close").error == \
        "Pipeline is already complete: the close phase is done. No further advancement."
