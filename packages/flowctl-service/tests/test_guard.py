"""guard's output summaries, command selection and results; invariants parsing; stack detection rules."""

from __future__ import annotations

from pathlib import Path

from flowctl_db import FlowStore
from flowctl_service import commands_runner as runner
from flowctl_service import guard, invariants, stack

CARGO_OK = "test result: ok. {} passed; 0 failed; {} ignored; 0 measured; {} filtered out; finished in {}s"


def test_test_summary_aggregates_cargo_suites():
    out = "\n".join(["   Compiling x v0.1", "running 3 tests", "test a ... ok", CARGO_OK.format(3, 1, 0, "0.25"),
                     CARGO_OK.format(2, 0, 4, "0.30")])
    assert guard.summarise_test(out) == ("5 passed, 1 ignored, 4 filtered out (2 suites, 0.55s)", [])
    no_time = "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out"
    assert guard.summarise_test(no_time) == ("1 passed (1 suite)", [])


def test_test_summary_with_failures():
    out = ("running 2 tests\ntest a ... ok\ntest b ... FAILED\n\nfailures:\n\n---- b stdout ----\n"
           "    assertion failed\n\nfailures:\n    b\n\n"
           "test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n")
    summary, errors = guard.summarise_test(out)
    assert summary == "test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out"
    assert errors == ["---- b stdout ----\n    assertion failed", "    b"]
    assert guard.summarise_test("") == ("0 failure(s)", [])


def test_lint_summary():
    out = ("    Checking x\nwarning: unused\nwarning: `x` generated 1 warning\nerror[E1]: " + "z" * 200 +
           "\nerror: aborting due to 1 previous error\n")
    summary, errors = guard.summarise_lint(out)
    assert summary == "1 errors, 1 warnings" and errors == ["error[E1]: " + "z" * 146 + "..."]
    assert guard.summarise_lint("all good\n") == ("no issues", [])


def test_configured_commands_order_and_filtering():
    stack_conf = {"web": {"lint": "eslint", "test": "jest"}, "api": {"typecheck": "mypy", "test": "", "lint": True},
                  "odd": "not an object"}
    assert guard.configured_commands(stack_conf) == [("api", "typecheck", "mypy"), ("web", "test", "jest"),
                                                     ("web", "lint", "eslint")]
    assert guard.configured_commands(stack_conf, "web") == [("web", "test", "jest"), ("web", "lint", "eslint")]
    assert guard.configured_commands([1]) == []


def test_entries_for_each_kind_of_failure(tmp_path: Path):
    def entry(cmd: str, kind: str = "lint", **kw) -> dict:
        return guard.guard_entry("b", kind, runner.run_shell(cmd, cwd=tmp_path, **kw))

    assert entry("true") == {"name": "b/lint", "status": "pass", "summary": "no issues"}
    assert entry("echo boom; exit 2") == {"name": "b/lint", "status": "fail", "summary": "exit 2", "errors": ["boom"]}
    assert entry("kill -TERM $$")["summary"] == "killed by signal 15 (SIGTERM)"
    assert entry("sleep 30", timeout=0.2)["summary"] == "timed out after 0.2s (killed)"
    missing = entry("no-such-tool-xyz", kind="test")
    assert missing["summary"] == "command not found (exit 127)" and "not found" in missing["errors"][0]
    understood = entry("echo 'error: real problem'; exit 1")
    assert understood["summary"] == "1 errors, 0 warnings" and understood["errors"] == ["error: real problem"]


def test_run_guard_and_text(store: FlowStore, tmp_path: Path):
    assert guard.run_guard(store, tmp_path) == {"results": [], "message": "no stack detected, nothing to run"}
    store.config.put("", {"stack": {"b": {"test": "true", "lint": "exit 1"}}})
    data = guard.run_guard(store, tmp_path)
    assert guard.failed(data)
    assert guard.guard_text(data) == ("✓ [b] test: 0 failure(s)\n✗ [b] lint: exit 1\n\n1/2 guards passed — FAILED")
    assert not guard.failed(guard.run_guard(store, tmp_path, "b/x"))


def test_invariant_verify_commands():
    text = ("## A\r\n- **Verify:** `one` then `two`\r\n- **Verify:** `ignored`\n**Verify:** `orphan`\n"
            "## B\n- **Verify:** no backticks\n- **Verify:** `too late`\n<!--\n## C\n- **Verify:** `hidden`\n-->\n"
            "### D\n- **Verify:** `sub-heading is not a section`\n")
    assert invariants.verify_commands(text) == [("A", "one")]


def test_stack_detection_go_and_infra(tmp_path: Path):
    (tmp_path / "go.mod").write_text("module x\nrequire github.com/gin-gonic/gin v1\n")
    (tmp_path / "docker-compose.yml").write_text("")
    (tmp_path / "pulumi").mkdir()
    assert stack.detect_stack(tmp_path) == {
        "backend": {"framework": "gin", "language": "go", "lint": "golangci-lint run", "test": "go test ./..."},
        "infra": {"compose": True, "iac": "pulumi"}}
    assert stack.detect_stack(tmp_path / "missing") == {}
