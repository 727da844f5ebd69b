"""The programs in examples/ run against a real workspace made by the real flowctl, using only the libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _example(name: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(EXAMPLES / name), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def _plan(f) -> tuple[str, str]:
    """Two epics: A with tasks 1 ← 2 and 3 (1 done), B with one task."""
    a = f.ok("epic", "create", "--title", "Alpha", "--json")["id"]
    b = f.ok("epic", "create", "--title", "Beta", "--json")["id"]
    f.ok("task", "create", "--epic", a, "--title", "One", "--json")
    f.ok("task", "create", "--epic", a, "--title", "Two", "--deps", f"{a}.1", "--json")
    f.ok("task", "create", "--epic", a, "--title", "Three", "--deps", f"{a}.2", "--json")
    f.ok("task", "create", "--epic", b, "--title", "Solo", "--json")
    f.ok("start", f"{a}.1", "--json")
    f.ok("done", f"{a}.1", "--summary", "ok", "--json")
    return a, b


def test_dashboard_lists_ready_tasks_across_epics(initialized_flowctl, repo):
    a, b = _plan(initialized_flowctl)
    run = _example("ready_dashboard.py", repo, cwd=repo.parent)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [f"{a}  {a}.2  Two", f"{b}  {b}.1  Solo"]
    assert run.stdout == _example("ready_dashboard.py", cwd=repo).stdout  # the current directory by default


def test_dashboard_without_flow_dir_is_a_clear_error(repo):
    run = _example("ready_dashboard.py", repo, cwd=repo)
    assert run.returncode == 1 and run.stderr.startswith("error: ") and "Traceback" not in run.stderr


def test_ci_gate_passes_then_fails_on_a_required_gap_and_a_broken_graph(initialized_flowctl, repo):
    f = initialized_flowctl
    a, b = _plan(f)
    ok = _example("ci_gate.py", repo, cwd=repo)
    assert (ok.returncode, ok.stdout) == (0, "2 epic(s) checked, 0 problem(s)\n"), ok.stderr

    f.ok("gap", "add", "--epic", a, "--capability", "Nice docs", "--priority", "nice-to-have", "--json")
    assert _example("ci_gate.py", repo, cwd=repo).returncode == 0  # only required gaps block
    gap = str(f.ok("gap", "add", "--epic", a, "--capability", "Auth check", "--json")["id"])
    task_file = repo / ".flow" / "tasks" / f"{b}.1.json"
    task = json.loads(task_file.read_text())
    task["depends_on"] = [f"{b}.9"]  # edited by hand: a dependency on a task that does not exist
    task_file.write_text(json.dumps(task))

    bad = _example("ci_gate.py", repo, cwd=repo)
    assert bad.returncode == 1 and bad.stdout == "2 epic(s) checked, 2 problem(s)\n"
    assert f"{a}: open required gap {gap}: Auth check" in bad.stderr
    assert f"{b}: invalid dependency graph: unknown dependency: task {b}.1 depends on {b}.9" in bad.stderr
    only_b = _example("ci_gate.py", repo, "--epic", b, cwd=repo)
    assert only_b.returncode == 1 and "gap" not in only_b.stderr

    f.ok("gap", "resolve", "--epic", a, "--id", gap, "--evidence", "added", "--json")
    assert _example("ci_gate.py", repo, "--epic", a, cwd=repo).returncode == 0
    assert _example("ci_gate.py", "--epic", cwd=repo).returncode == 2


def test_import_gaps_writes_through_the_typed_api(initialized_flowctl, repo, tmp_path):
    f = initialized_flowctl
    a, _b = _plan(f)
    f.ok("gap", "add", "--epic", a, "--capability", "Auth check", "--json")
    findings = tmp_path / "findings.json"
    findings.write_text(json.dumps([{"capability": " auth CHECK "}, {"capability": "Rate limits"},
                                    {"capability": "Docs", "priority": "nice-to-have"}]))
    run = _example("import_gaps.py", a, findings, repo, cwd=repo.parent)
    assert (run.returncode, run.stdout) == (0, f"{a}: 2 gap(s) added, 1 already registered\n"), run.stderr
    listed = f.ok("gap", "list", "--epic", a, "--json")["gaps"]  # the CLI reads what the typed API wrote
    assert [(g["id"], g["capability"], g["priority"], g["status"]) for g in listed] == [
        (1, "Auth check", "required", "open"), (2, "Rate limits", "required", "open"),
        (3, "Docs", "nice-to-have", "open")]
    again = _example("import_gaps.py", a, findings, cwd=repo)
    assert again.stdout == f"{a}: 0 gap(s) added, 3 already registered\n"

    registry = repo / ".flow" / "gaps" / f"{a}.json"
    before = registry.read_bytes()
    findings.write_text(json.dumps([{"capability": "New one"}, {"capability": "Bad", "priority": "urgent"}]))
    bad = _example("import_gaps.py", a, findings, cwd=repo)
    assert bad.returncode == 1 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr
    assert registry.read_bytes() == before  # all or nothing: "New one" was not written either
    findings.write_text(json.dumps([{"capability": "New one"}]))
    missing = _example("import_gaps.py", "fn-99-nope", findings, cwd=repo)
    assert missing.returncode == 1 and "Epic not found: fn-99-nope" in missing.stderr
    assert _example("import_gaps.py", a, cwd=repo).returncode == 2
