"""The output contract: JSON envelope and compact stripping, compact switches, the §1.9 text filters,
broken pipes, usage errors, help and version."""

from __future__ import annotations

import json
import subprocess

import pytest
from flowctl_runner import flowctl_executable

from flowctl_cli.filters import FILTERS, apply_filter, split_lines, truncate
from flowctl_cli.output import COMPACT_STRIP, dumps, envelope, rust_float, strip_compact

# ── JSON envelope and compact stripping ─────────────────────────────────────────────────────────────────────────────


def test_strip_compact_at_every_level():
    payload = {"id": "fn-1", "message": "m", "success": True,
               "nested": {"created_at": "t", "keep": 1, "deeper": [{"spec_path": "p", "x": [{"file_path": "f"}]}]},
               "list": [{"branch_name": "b", "default_impl": "i", "plan_review_status": "s", "y": 2}, "str", 3]}
    assert strip_compact(payload) == {"id": "fn-1", "nested": {"keep": 1, "deeper": [{"x": [{}]}]},
                                      "list": [{"y": 2}, "str", 3]}
    assert "message" not in payload  # stripped in place: a large payload is never copied


def test_strip_list_is_the_reference_list():
    assert COMPACT_STRIP == {
        "success", "message", "created_at", "updated_at", "spec_path", "file_path", "schema_version",
        "branch_name", "plan_review_status", "plan_reviewed_at", "completion_review_status",
        "completion_reviewed_at", "default_impl", "default_review", "default_sync"}


def test_envelope_and_dumps():
    assert envelope({"a": 1}) == {"a": 1, "success": True}
    assert envelope([1, 2]) == {"data": [1, 2], "success": True}
    assert dumps({"b": {"d": 1, "c": "é"}, "a": [3]}) == '{"a":[3],"b":{"c":"é","d":1}}'


# ── compact switches, end to end ────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("value", "text"), [
    (2.3271022222222224e-06, "2.3271022222222224e-6"), (3.616485330793593e-05, "0.00003616485330793593"),
    (1e-05, "0.00001"), (0.0001, "0.0001"), (0.9, "0.9"), (12.5, "12.5"), (100.0, "100.0"), (0.0, "0.0"),
    (-0.0, "-0.0"), (-2.5e-07, "-2.5e-7"), (1e15, "1000000000000000.0"), (1e16, "1e16"),
    (1.2345678901234568e17, "1.2345678901234568e17"), (5e-324, "5e-324"), (float("nan"), "null"),
])
def test_floats_are_printed_as_serde_json_does(value, text):
    assert rust_float(value) == text


def test_dumps_rewrites_only_float_exponents_not_strings():
    assert dumps({"age_hours": 3.616485330793593e-05, "id": "re-run e-05 1e-05"}) == \
        '{"age_hours":0.00003616485330793593,"id":"re-run e-05 1e-05"}'
    assert dumps({"b": [1e16, {"c": 2.5e-9}], "a": "é"}) == '{"a":"é","b":[1e16,{"c":2.5e-9}]}'


def test_piped_json_is_compact_by_default(initialized_flowctl):
    run = initialized_flowctl("doctor", "--json")
    assert run.out.count("\n") == 1 and '"message"' not in run.out and '"success"' not in run.out
    assert all(set(c) == {"name", "status"} for c in run.json["checks"])  # nested objects stripped too


@pytest.mark.parametrize("how", [("--no-compact",), ("--json", "--no-compact")])
def test_no_compact_flag(initialized_flowctl, how):
    data = initialized_flowctl.ok("doctor", "--json", *how)
    assert data["success"] is True and all("message" in c for c in data["checks"])


@pytest.mark.parametrize("value,stripped", [("0", False), ("false", False), ("1", True), ("", True)])
def test_flowctl_compact_env(initialized_flowctl, value, stripped):
    data = initialized_flowctl.ok("doctor", "--json", env={"FLOWCTL_COMPACT": value})
    assert ("success" not in data) is stripped




def test_tty_is_not_compact_unless_asked(initialized_flowctl):
    assert initialized_flowctl.tty("status") == (
        "Epics: 0 open, 0 done\nTasks: 0 todo, 0 in_progress, 0 done, 0 blocked\n\nNo active runs\n")
    assert json.loads(initialized_flowctl.tty("status", "--json"))["success"] is True
    assert initialized_flowctl.tty("status", env={"FLOWCTL_COMPACT": "1"}) == "E:0o/0d\nT:0t/0w/0d/0b\n"
    assert initialized_flowctl.tty("--compact", "status") == "E:0o/0d\nT:0t/0w/0d/0b\n"
    assert "success" not in json.loads(initialized_flowctl.tty("status", "--json", "--compact"))


def test_plain_text_filter_applies_only_when_compact(initialized_flowctl):
    assert initialized_flowctl.ok("status") == "E:0o/0d\nT:0t/0w/0d/0b\n"
    assert initialized_flowctl.ok("status", "--no-compact").endswith("\n\nNo active runs\n")


# ── the §1.9 filters ────────────────────────────────────────────────────────────────────────────────────────────────


def test_every_reference_filter_exists():
    assert set(FILTERS) == {"status", "show", "epics", "tasks", "ready", "files", "dag", "guard", "cat", "gap",
                            "memory", "hook_precompact", "hook_subagent"}


def test_status_filter():
    text = "Epics: 3 open, 12 done\nTasks: 1 todo, 0 in_progress, 40 done, 2 blocked\n\nNo active runs\n"
    assert apply_filter("status", text) == "E:3o/12d\nT:1t/0w/40d/2b"


def test_show_filter():
    text = ("Task: fn-7-login-page.3\nEpic: fn-7-login-page\nStatus: in_progress\nDepends on: fn-7-login-page.1\n"
            "Spec: .flow/tasks/fn-7-login-page.3.md\nSpec: xflow/not-a-dotted-path\n\n"
            "  [blocked] fn-7-login-page.4: Next\n")
    assert apply_filter("show", text) == (
        "Task: .3\nEpic: fn-7-login-page\nStatus: wip\nDepends on: .1\n  [blk] .4: Next")
    long_line = "Title: " + "x" * 100
    assert apply_filter("show", long_line) == long_line[:77] + "..."


def test_epics_filter():
    text = ("Epics (2):\n\n  [open] fn-4-auth-flow: Add the new authentication flow (2/5 tasks done)\n"
            "  [done] fn-5-x: Tiny (1/1 tasks done)\n")
    assert apply_filter("epics", text) == "fn-4[2/5 open]: Add the new authent...\nfn-5[1/1 done]: Tiny"


def test_tasks_filter():
    text = ("Tasks for fn-2-api (2):\n\n  [in_progress] fn-2-api.1: Build [backend]\n"
            "  [skipped] fn-2-api.2: Skip me [docs] (deps: fn-2-api.1)\n")
    assert apply_filter("tasks", text) == "  [wip] .1: Build [backend]\n  [skip] .2: Skip me [docs] (deps: .1)"


def test_ready_filter():
    text = ("Ready tasks for fn-3-ui (actor: a@b.c):\n  fn-3-ui.2: Style [frontend]\n\nIn progress:\n"
            "  fn-3-ui.1: Layout [a@b.c]\n\nBlocked:\n  fn-3-ui.4: Polish (by: fn-3-ui.2)\n")
    assert apply_filter("ready", text) == (
        "Ready fn-3 [a@b.c]:\n.2 Style [frontend]\nWIP:\n.1 Layout [a@b.c]\nBLK:\n.4 Polish (by: .2)")
    assert apply_filter("ready", "Ready tasks for fn-3 (actor: x):\n  (none)\n") == "Ready fn-3 [x]:\n(none)"


def test_files_filter():
    text = ("File ownership for fn-1-a:\n\n  src/x.py → fn-1-a.1\n  src/y.py → CONFLICT: fn-1-a.2, fn-1-a.3\n\n"
            "  ⚠ 1 file conflict(s) — tasks sharing files cannot run in parallel\n")
    assert apply_filter("files", text) == "src/x.py→.1\nsrc/y.py→!.2, .3\n⚠1 conflicts"


def test_dag_filter():
    text = ("DAG for fn-9-graph-work\n\n┌───────────┐\n│ .1 [done] │\n└───────────┘\n  │\n  ↓\n"
            "  └── ┌───────────┐\n      │ .2 [ >> ] │\n      └───────────┘\n")
    assert apply_filter("dag", text) == "DAG:fn-9\n.1 [done]\n.2 [ >> ]"


def test_guard_filter_short_circuit_and_ansi():
    ok = "\x1b[32m✓\x1b[0m [app] test: 3 passed\n\n1/1 guards passed\n"
    assert apply_filter("guard", ok) == "✓ guard passed"
    failed = "✓ [app] test: ok\n✗ [app] lint: 1 errors\n\n1/2 guards passed — FAILED\n"
    assert apply_filter("guard", failed) == failed.rstrip("\n")
    # `$` is the end of the whole text, as in the reference: a trailing blank line defeats the short-circuit
    assert apply_filter("guard", "1/1 guards passed\n\n") == "1/1 guards passed\n"


def test_cat_filter_head_tail_truncate_and_cap():
    lines = [f"line {i}" for i in range(1, 41)]
    out = apply_filter("cat", "\n".join(lines) + "\n").split("\n")
    assert out[:30] == lines[:30] and out[30] == "... (5 lines omitted)" and out[31:] == lines[35:]
    assert apply_filter("cat", "short\n\n") == "short\n"  # blank lines kept, one final newline dropped
    assert apply_filter("cat", "y" * 130) == "y" * 117 + "..."


def test_memory_filter_head_only():
    entries = "".join(f"  # {i:2d} [pitfall   ] refs= {i}  lesson {i}\n" for i in range(1, 13))
    out = apply_filter("memory", f"Memory: 12 entries, 78 total references\n\n{entries}\n  pitfall: 12\n  Total: 12\n")
    assert out.split("\n") == [f"{i} r{i} lesson {i}" for i in range(1, 11)] + ["... (2 lines omitted)"]


def test_gap_filter():
    text = "  ✗ gap-0a1b2c3d [required] Rate limiting\n  ✓ gap-11223344 [nice-to-have] Dark mode\n"
    assert apply_filter("gap", text) == "-req:Rate limiting\n+nth:Dark mode"


def test_hook_filters():
    pre = ("[flow-code state]\nEpic fn-4-big-thing: done=2 in_progress=1 todo=3\n"
           '  IN_PROGRESS: fn-4-big-thing.3 "Wire API" files=[a.py]\nReady: fn-4-big-thing.4, fn-4-big-thing.5\n'
           "[/flow-code state]\n")
    assert apply_filter("hook_precompact", pre) == 'fn-4[2d 1w 3t]\n  wip:.3 "Wire API" [a.py]\nR:.4, .5'
    sub = ('Active flow-code tasks: {"count":1,"tasks":[{"depends_on":[],"epic":"fn-2-x","id":"fn-2-x.1",'
           '"status":"blocked","title":"T"}]}')
    assert apply_filter("hook_subagent", sub) == "ctx: fn-2.1(blk)"


def test_pipeline_details():
    assert split_lines("a\r\nb\n\nc") == ["a", "b", "", "c"]
    assert split_lines("a\n") == ["a"] and split_lines("") == []
    assert truncate("日本語xyz", 5) == "日本..." and truncate("ab", 2) == "ab" and truncate("abcd", 2) == "..."
    many = "\n".join(f"Epic line {i}" for i in range(15))
    assert apply_filter("status", many).split("\n")[-1] == "... (5 lines truncated)"
    assert apply_filter("no-such-filter", "kept as is\n") == "kept as is"
    assert apply_filter("status", "\n\n") == ""


# ── broken pipe, usage errors, help, version, global flags ──────────────────────────────────────────────────────────


def test_broken_pipe_exits_0_silently(initialized_flowctl):
    from flowctl_db import FlowStore

    store = FlowStore(initialized_flowctl.flow)
    store.save_epic({"id": "fn-1-a", "title": "A"})
    for i in range(1, 1501):
        (store.paths.tasks / f"fn-1-a.{i}.json").write_text(json.dumps(
            {"id": f"fn-1-a.{i}", "epic": "fn-1-a", "title": "t", "created_at": "2026-01-01T00:00:00Z",
             "updated_at": "2026-01-01T00:00:00Z"}))
    exe = flowctl_executable()
    for args in ("validate --all --json", "validate --all --no-compact"):
        proc = subprocess.run(["bash", "-c", f"set -o pipefail; '{exe}' {args} | head -c1; echo \" rc=${{PIPESTATUS[0]}}\""],
                              cwd=initialized_flowctl.cwd, capture_output=True, text=True, env=initialized_flowctl.env, timeout=120)
        assert proc.stdout.endswith(" rc=0\n"), proc.stdout[-200:]
        assert proc.stderr == ""


def test_no_args_prints_help_on_stderr_exit_2(flowctl):
    run = flowctl.fail(code=2)
    assert run.out == "" and "Usage: flowctl" in run.err and "Development orchestration engine" in run.err


def test_group_without_subcommand_exit_2(flowctl):
    run = flowctl.fail("config", code=2)
    assert run.out == "" and "Usage:" in run.err


def test_usage_errors_exit_2(initialized_flowctl):
    for args in (["nonexistent"], ["status", "--nope"], ["validate", "--epic"], ["--bogus", "status"]):
        run = initialized_flowctl.fail(*args, code=2)
        assert run.out == "" and run.err


def test_help_and_version(flowctl):
    assert flowctl.ok("--version") == "flowctl 0.1.31\n"
    assert flowctl.ok("-V") == "flowctl 0.1.31\n"
    out = flowctl.ok("--help")
    assert out.startswith("Development orchestration engine\n\nUsage: flowctl [OPTIONS] <COMMAND>\n\nCommands:\n")
    for name in ("detect", "status", "doctor", "validate", "state-path", "export", "import", "completions"):
        assert f"  {name} " in out
    assert "--interrupted" in flowctl.ok("status", "--help")
    assert flowctl.ok("help", "status") == flowctl.ok("status", "--help")


def test_help_subcommand_at_every_level(initialized_flowctl):
    # clap's `help` exists in each group too: `flowctl epic help create`, `flowctl task help`
    assert initialized_flowctl.ok("epic", "help", "create") == initialized_flowctl.ok("epic", "create", "--help")
    assert initialized_flowctl.ok("epic", "help") == initialized_flowctl.ok("help", "epic")
    assert initialized_flowctl.ok("--json", "dep", "help", "add") == initialized_flowctl.ok("dep", "add", "--help")
    assert initialized_flowctl.fail("epic", "help", "nosuch", code=2).code == 2
    assert initialized_flowctl.fail("show", "help").error.startswith("Invalid ID: help.")  # a positional named help stays one


@pytest.mark.parametrize("args", [("--json", "detect"), ("detect", "--json"), ("--json", "status", "--interrupted"),
                                  ("status", "--interrupted", "--json")])
def test_json_before_and_after_the_command(initialized_flowctl, args):
    data = initialized_flowctl.ok(*args)
    assert isinstance(data, dict)


def test_json_flag_anywhere_gives_same_output(initialized_flowctl):
    assert initialized_flowctl("--json", "detect").out == initialized_flowctl("detect", "--json").out == initialized_flowctl("detect", "--json", "--json").out
