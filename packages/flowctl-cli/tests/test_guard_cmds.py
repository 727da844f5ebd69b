"""guard, stack and invariants end to end: real commands in a real repository, JSON/plain/compact, failures."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flowctl_runner import flowctl_executable

FULL = {"FLOWCTL_COMPACT": "0"}


def set_stack(flowctl, stack: dict) -> None:
    (flowctl.cwd / "stack.json").write_text(json.dumps(stack))
    flowctl.ok("stack", "set", "--file", "stack.json", "--json")


def _state(pid: int) -> tuple[int, str] | None:
    """(process group, state letter) of a process, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[2]), fields[0]


def live_members(pgid: int, grace: float = 2.0) -> list[int]:
    """Processes (not zombies) of process group `pgid` still there after `grace` s (a SIGKILL takes a moment)."""
    deadline = time.monotonic() + grace
    while True:
        members = [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit()
                   and (st := _state(int(e.name))) is not None and st[0] == pgid and st[1] != "Z"]
        if not members or time.monotonic() >= deadline:
            return members
        time.sleep(0.02)


def alive(pid: int, grace: float = 2.0) -> bool:
    """Whether `pid` still runs (not a zombie) after `grace` seconds."""
    deadline = time.monotonic() + grace
    while True:
        st = _state(pid)
        if st is None or st[1] == "Z":
            return False
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.02)


def test_no_stack_and_no_commands(initialized_flowctl):
    assert initialized_flowctl.ok("guard") == "No stack detected. Nothing to run.\n"
    assert initialized_flowctl.ok("guard", "--json") == {"results": []}
    assert initialized_flowctl.ok("guard", "--json", env=FULL) == {
        "message": "no stack detected, nothing to run", "results": [], "success": True}
    set_stack(initialized_flowctl, {"backend": {"language": "python", "test": "", "lint": True}})
    assert initialized_flowctl.ok("guard") == "No guard commands configured — nothing to run.\n"
    set_stack(initialized_flowctl, {"backend": {"test": "true"}})
    assert initialized_flowctl.ok("guard", "--layer", "frontend", "--json", env=FULL)["message"] == \
        "no guard commands configured, nothing to run"


def test_pass_and_fail_json_plain_compact(initialized_flowctl):
    set_stack(initialized_flowctl, {
        "backend": {"test": "echo 'test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; "
                            "finished in 0.50s'",
                    "lint": "echo 'error[E0001]: bad thing'; echo 'warning: meh'; exit 1"},
        "frontend": {"typecheck": "true"}})
    run = initialized_flowctl("guard", "--json")
    assert run.code == 1
    assert run.json == {"guards": [
        {"name": "backend/test", "status": "pass", "summary": "3 passed, 1 ignored (1 suite, 0.50s)"},
        {"errors": ["error[E0001]: bad thing"], "name": "backend/lint", "status": "fail",
         "summary": "1 errors, 1 warnings"},
        {"name": "frontend/typecheck", "status": "pass", "summary": "no issues"}]}
    run = initialized_flowctl("guard")
    assert run.code == 1 and run.out == (
        "✓ [backend] test: 3 passed, 1 ignored (1 suite, 0.50s)\n"
        "✗ [backend] lint: 1 errors, 1 warnings\n"
        "    error[E0001]: bad thing\n"
        "✓ [frontend] typecheck: no issues\n\n"
        "2/3 guards passed — FAILED\n")
    only = initialized_flowctl("guard", "--layer", "frontend")
    assert (only.code, only.out) == (0, "✓ guard passed\n")  # the compact filter collapses an all-pass run
    full = initialized_flowctl("guard", "--layer", "frontend", env=FULL)
    assert full.out == "✓ [frontend] typecheck: no issues\n\n1/1 guards passed\n"


def test_commands_run_at_the_repository_root(initialized_flowctl):
    sub = initialized_flowctl.cwd / "sub"
    sub.mkdir()
    set_stack(initialized_flowctl, {"backend": {"lint": "pwd; echo 'error: where'; exit 1"}})
    (sub / ".flow").symlink_to(initialized_flowctl.flow.resolve())
    run = initialized_flowctl("guard", "--json", cwd=sub)
    assert run.code == 1
    # the last lines of output are not shown: the lint filter understood the failure
    assert run.json["guards"][0]["errors"] == ["error: where"]
    set_stack(initialized_flowctl, {"backend": {"test": "pwd; exit 2"}})
    run = initialized_flowctl("guard", "--json", cwd=sub)
    entry = run.json["guards"][0]
    assert entry["summary"] == "exit 2" and entry["errors"] == [str(initialized_flowctl.cwd.resolve())]


def test_missing_program(initialized_flowctl):
    set_stack(initialized_flowctl, {"backend": {"typecheck": "no-such-program-flowctl --check"}})
    run = initialized_flowctl("guard", "--json")
    assert run.code == 1 and "Traceback" not in run.err
    entry = run.json["guards"][0]
    assert entry["status"] == "fail" and entry["summary"] == "command not found (exit 127)"
    assert any("not found" in line for line in entry["errors"])
    plain = initialized_flowctl("guard")
    assert plain.out.startswith("✗ [backend] typecheck: command not found (exit 127)\n")
    assert plain.out.endswith("\n0/1 guards passed — FAILED\n")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_hanging_command_is_killed_with_its_children(initialized_flowctl):
    set_stack(initialized_flowctl, {"backend": {
        "test": "echo $$ > leader.pid; sleep 300 & echo $! > child.pid; echo started; wait"}})
    started = time.monotonic()
    run = initialized_flowctl("guard", "--timeout", "1", "--json")
    assert time.monotonic() - started < 30
    assert run.code == 1 and "Traceback" not in run.err
    assert run.json == {"guards": [{"errors": ["started"], "name": "backend/test", "status": "fail",
                                    "summary": "timed out after 1s (killed)"}]}
    leader = int((initialized_flowctl.cwd / "leader.pid").read_text())
    child = int((initialized_flowctl.cwd / "child.pid").read_text())
    assert live_members(leader) == []  # the whole process group is gone
    assert not alive(child)


def test_timeout_from_the_environment(initialized_flowctl):
    set_stack(initialized_flowctl, {"backend": {"lint": "sleep 300"}})
    run = initialized_flowctl("guard", env={"FLOWCTL_COMMAND_TIMEOUT": "0.5"})
    assert run.code == 1 and run.out.startswith("✗ [backend] lint: timed out after 0.5s (killed)\n")


def test_huge_output_is_capped(initialized_flowctl):
    # 100 MiB on stdout and a failure line at the very end of it: the output kept is capped (memory stays
    # small), the command is never blocked on a full pipe, and the result is reported.
    set_stack(initialized_flowctl, {"backend": {
        "test": "head -c 104857600 /dev/zero | tr '\\0' 'x'; echo; echo 'test result: ok. 1 passed; 0 failed; "
                "0 ignored; 0 measured; 0 filtered out'",
        "lint": "head -c 104857600 /dev/zero | tr '\\0' 'y'; exit 1"}})
    probe = (
        "import json, resource, subprocess, sys\n"
        "p = subprocess.run([sys.argv[1], 'guard', '--json'], capture_output=True, text=True, cwd=sys.argv[2])\n"
        "print(json.dumps({'code': p.returncode, 'out': p.stdout, 'err': p.stderr,\n"
        "                  'rss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n")
    proc = subprocess.run([sys.executable, "-c", probe, flowctl_executable(), str(initialized_flowctl.cwd)],
                          capture_output=True, text=True, env=initialized_flowctl.env, timeout=300)
    result = json.loads(proc.stdout)
    assert result["code"] == 1 and "Traceback" not in result["err"]
    guards = json.loads(result["out"])["guards"]
    test, lint = guards
    assert test["status"] == "pass"  # the summary line came after the cap: not seen, not needed for the verdict
    assert lint["status"] == "fail" and lint["summary"] == "exit 1"
    assert len(lint["errors"]) == 1 and len(lint["errors"][0]) == 160  # the last line, cut
    assert result["rss_kib"] < 80 * 1024, result["rss_kib"]  # far below the 100 MiB printed


def test_corrupt_config_is_an_error(initialized_flowctl):
    path = initialized_flowctl.flow / "config.json"
    path.write_text("garbage")
    for args in (["guard"], ["stack", "show"], ["stack", "set", "--file", "stack.json"], ["stack", "detect"]):
        (initialized_flowctl.cwd / "stack.json").write_text('{"backend": {}}')
        (initialized_flowctl.cwd / "Dockerfile").write_text("FROM scratch\n")
        run = initialized_flowctl.fail(*args)
        assert run.error.startswith(f"Corrupt file {path}"), args
    assert path.read_text() == "garbage"  # the reference replaced it with {"stack": …}


# -- stack ------------------------------------------------------------------------------------------------------
def test_stack_set_show_and_errors(initialized_flowctl):
    assert initialized_flowctl.ok("stack", "show") == \
        "No stack configured. Use 'flowctl stack set --file <path>' to set.\n"
    (initialized_flowctl.cwd / "s.json").write_text('{"x": 1}')
    assert initialized_flowctl("stack", "set", "--file", "s.json").out == '{\n  "x": 1\n}\n'
    assert initialized_flowctl.ok("stack", "set", "--file", "-", "--json", input='{"b": {"test": "t"}}',
                                  env=FULL) == {"message": "stack config updated", "stack": {"b": {"test": "t"}},
                                                "success": True}
    config = json.loads((initialized_flowctl.flow / "config.json").read_text())
    assert config["stack"] == {"b": {"test": "t"}} and config["memory"] == {"enabled": True}  # others kept
    assert initialized_flowctl.ok("stack", "show", "--json") == {"stack": {"b": {"test": "t"}}}
    (initialized_flowctl.cwd / "arr.json").write_text("[1]")
    assert initialized_flowctl.fail("stack", "set", "--file", "arr.json").error == "Stack config must be a JSON object"
    assert initialized_flowctl.fail("stack", "set", "--file", "nope.json").error == \
        "Failed to read nope.json: No such file or directory (os error 2)"
    (initialized_flowctl.cwd / "bad.json").write_text("{x")
    assert initialized_flowctl.fail("stack", "set", "--file", "bad.json").error.startswith("Invalid JSON: ")
    before = (initialized_flowctl.flow / "config.json").read_bytes()
    preview = initialized_flowctl.ok("--dry-run", "stack", "set", "--file", "s.json")
    assert preview["dry_run"] is True and preview["changes"]["mutations"][0]["value"]["stack"] == {"x": 1}
    assert (initialized_flowctl.flow / "config.json").read_bytes() == before


def test_stack_detect(initialized_flowctl):
    root = initialized_flowctl.cwd
    assert initialized_flowctl.ok("stack", "detect") == "No stack detected.\n"
    assert initialized_flowctl.ok("stack", "detect", "--json") == {"stack": {}}
    (root / "Cargo.toml").write_text('[dependencies]\naxum = "1"\nactix-web = "4"\n')
    (root / "Dockerfile").write_text("FROM scratch\n")
    (root / "compose.yaml").write_text("services: {}\n")
    (root / "terraform").mkdir()
    expected = {"backend": {"framework": "actix", "language": "rust", "lint": "cargo clippy --all-targets -- -D warnings",
                            "test": "cargo test --all", "typecheck": "cargo check"},
                "infra": {"compose": True, "iac": "terraform", "runtime": "docker"}}
    before = (initialized_flowctl.flow / "config.json").read_bytes()
    assert initialized_flowctl.ok("stack", "detect", "--dry-run", "--json", env=FULL) == {
        "dry_run": True, "message": "stack auto-detected (dry-run)", "stack": expected, "success": True}
    assert (initialized_flowctl.flow / "config.json").read_bytes() == before
    text = initialized_flowctl.ok("stack", "detect")
    assert text.startswith("Stack detected and saved:\n{\n  \"backend\": {\n    \"framework\": \"actix\",")
    assert initialized_flowctl.ok("stack", "show", "--json") == {"stack": expected}


def test_stack_detect_python_over_a_subdirectory_crate(initialized_flowctl):
    root = initialized_flowctl.cwd
    for crate in ("zeta", "core"):  # found in name order, whatever the directory listing says
        (root / crate).mkdir()
        (root / crate / "Cargo.toml").write_text("[package]\n")
    assert initialized_flowctl.ok("stack", "detect", "--dry-run", "--json")["stack"]["backend"]["test"] == \
        "cd core && cargo test --all"
    (root / "requirements.txt").write_text("Django\ndjangorestframework\ncelery\npytest\nmypy\n")
    backend = initialized_flowctl.ok("stack", "detect", "--dry-run", "--json")["stack"]["backend"]
    # no stale cargo lint/typecheck next to the Python language (Appendix B 23)
    assert backend == {"conventions": "DRF, Celery", "framework": "django", "language": "python",
                       "test": "pytest", "typecheck": "mypy"}


def test_stack_detect_frontend(initialized_flowctl):
    root = initialized_flowctl.cwd
    (root / "package.json").write_text('{"dependencies": {"vue": "3"}}')
    (root / "web").mkdir()
    (root / "web" / "package.json").write_text(json.dumps({
        "dependencies": {"react": "18", "next": "14", "tailwindcss": "3"}, "devDependencies": {"typescript": "5"},
        "scripts": {"test": "jest", "lint": "eslint", "type-check": "tsc"}}))
    (root / "web" / "pnpm-lock.yaml").write_text("")
    (root / "web" / "tsconfig.json").write_text("{}")
    assert initialized_flowctl.ok("stack", "detect", "--dry-run", "--json")["stack"] == {"frontend": {
        "conventions": "Tailwind", "framework": "react", "language": "typescript", "lint": "cd web && pnpm run lint",
        "meta_framework": "nextjs", "test": "cd web && pnpm test", "typecheck": "cd web && pnpm run type-check"}}


def test_stack_needs_flow(flowctl):
    assert flowctl.fail("stack", "show").error == ".flow/ does not exist. Run 'flowctl init' first."
    assert flowctl.fail("guard").error == ".flow/ does not exist. Run 'flowctl init' first."
    assert flowctl.fail("invariants", "check").error == ".flow/ does not exist. Run 'flowctl init' first."


# -- invariants -------------------------------------------------------------------------------------------------
INVARIANTS = """
## Readme exists
- **Rule:** README must exist
- **Verify:** `test -f README.md && echo out-readme && echo err-readme >&2`
- **Verify:** `false`
## Never fails
- **Verify:** `exit 3` and `echo second`
- **Verify:** `echo orphan`
## No backticks
- **Verify:** none here
## Pwd check
- **Verify:** `pwd; test "$(pwd)" = "$(git rev-parse --show-toplevel)"`
<!-- ## Hidden
- **Verify:** `echo hidden` -->
## Killed
- **Verify:** `kill -9 $$`
"""


def test_invariants_init_show(initialized_flowctl):
    path = initialized_flowctl.flow / "invariants.md"
    assert initialized_flowctl.ok("invariants", "show") == "No invariants.md. Create with: flowctl invariants init\n"
    assert initialized_flowctl.ok("invariants", "show", "--json") == {"invariants": None}
    assert initialized_flowctl.ok("invariants", "check", "--json") == {"all_passed": True, "results": []}
    preview = initialized_flowctl.ok("--dry-run", "invariants", "init")
    assert preview["dry_run"] is True and not path.exists()
    assert initialized_flowctl.ok("invariants", "init") == f"Created: {initialized_flowctl.flow}/invariants.md\n"
    template = path.read_text()
    assert template.startswith("# Architecture Invariants\n\n") and template.endswith("\n-->\n")
    assert initialized_flowctl.ok("invariants", "init", "--json", env=FULL) == {
        "created": False, "message": "invariants.md already exists. Use --force to overwrite.", "success": True}
    assert initialized_flowctl.ok("invariants", "show") == template + "\n"
    assert initialized_flowctl.ok("invariants", "show", "--json")["invariants"] == template
    assert initialized_flowctl.ok("invariants", "check") == "No verify commands found in invariants.md.\n"
    path.write_text("changed")
    assert initialized_flowctl.ok("invariants", "init", "--force", "--json")["created"] is True
    assert path.read_text() == template


def test_invariants_check(initialized_flowctl):
    (initialized_flowctl.cwd / "README.md").write_text("hi\n")
    initialized_flowctl.ok("invariants", "init")
    path = initialized_flowctl.flow / "invariants.md"
    path.write_text(path.read_text() + INVARIANTS)
    run = initialized_flowctl("invariants", "check", "--json")
    assert run.code == 1
    assert run.json == {"all_passed": False, "results": [
        {"command": "test -f README.md && echo out-readme && echo err-readme >&2", "exit_code": 0,
         "name": "Readme exists", "passed": True},
        {"command": "exit 3", "exit_code": 3, "name": "Never fails", "passed": False},
        {"command": 'pwd; test "$(pwd)" = "$(git rev-parse --show-toplevel)"', "exit_code": 0,
         "name": "Pwd check", "passed": True},
        {"command": "kill -9 $$", "detail": "killed by signal 9 (SIGKILL)", "exit_code": 1, "name": "Killed",
         "passed": False}]}
    run = initialized_flowctl("invariants", "check")
    assert run.code == 1
    assert run.out == (
        "▸ [Readme exists] test -f README.md && echo out-readme && echo err-readme >&2\nout-readme\n  ✓ exit 0\n"
        "▸ [Never fails] exit 3\n  ✗ exit 3\n"
        f"▸ [Pwd check] pwd; test \"$(pwd)\" = \"$(git rev-parse --show-toplevel)\"\n"
        f"{initialized_flowctl.cwd.resolve()}\n  ✓ exit 0\n"
        "▸ [Killed] kill -9 $$\n  ✗ killed by signal 9 (SIGKILL)\n\n2/4 invariants hold — VIOLATED\n")
    assert "err-readme" in run.err


def test_invariants_check_timeout(initialized_flowctl):
    initialized_flowctl.flow.joinpath("invariants.md").write_text("## Slow\n- **Verify:** `sleep 300`\n")
    run = initialized_flowctl("invariants", "check", "--timeout", "0.5", "--json")
    assert run.code == 1 and run.json["results"][0]["detail"] == "timed out after 0.5s (killed)"
