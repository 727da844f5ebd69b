"""Hostile input: a clean error (the envelope with exit 1, or a usage error with exit 2), never a traceback, and
never a file written outside .flow/.

Covers ids built to escape `.flow/` (path traversal, absolute paths, NUL bytes, newlines, control characters),
ids too long for a file name or a number, Unicode digits; huge titles and specs; titles full of control
characters and quotes (stored escaped exactly like serde_json); `--file` options pointing at a directory, a
missing file or /dev/null; malformed and deeply nested evidence JSON; negative, enormous and non-finite numbers;
empty strings for required flags.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flowctl_runner import Flowctl, Run, init_git_repo
from hostile_input import assert_clean, flow_tree, tree

E = "fn-1-work"
T1, T2, T3 = f"{E}.1", f"{E}.2", f"{E}.3"


def run_many(flowctl: Flowctl, argvs: list[list[str]]) -> list[Run]:
    """Run several flowctl calls a few at a time (they are all refused, so their order does not matter)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda argv: flowctl(*argv, "--json"), argvs))


def workspace(flowctl: Flowctl) -> Flowctl:
    """E with T1 in progress, T2 done, T3 to do."""
    flowctl.ok("init")
    assert flowctl.ok("epic", "create", "--title", "Work", "--json")["id"] == E
    for title in ("One", "Two", "Three"):
        flowctl.ok("task", "create", "--epic", E, "--title", title)
    flowctl.ok("start", T2)
    flowctl.ok("done", T2, "--summary", "ok")
    flowctl.ok("start", T1)
    return flowctl


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Flowctl:
    """One workspace for the tests whose every command must be refused (so it never changes)."""
    return workspace(Flowctl(init_git_repo(tmp_path_factory.mktemp("hostile") / "repo")))


@pytest.fixture
def ws(flowctl: Flowctl) -> Flowctl:
    return workspace(flowctl)


# ── ids ─────────────────────────────────────────────────────────────────────────────────────────────────────────────


def hostile_ids(root: Path) -> dict[str, str]:
    return {
        "parent": "../x",
        "epic then parents": "fn-1/../../etc",
        "task then parents": "fn-1.1/../../x",
        "real task then parents": f"{T1}/../../../escape",
        "absolute inside the sandbox": str(root / "abs" / "fn-1"),
        "absolute system file": "/etc/passwd",
        "trailing newline": f"{T1}\n",
        "newline inside": "fn-1\n.1",
        "control character": "fn-1.1\x01",
        "dot": ".",
        "dot dot": "..",
        "digits beyond int() limits": "fn-" + "1" * 5000,
        "task number beyond u32": f"{E}.4294967296",
        "slug longer than a file name": "fn-1-" + "a" * 5000,
        "arabic-indic digits": "fn-\u0661.\u0661",
        "fullwidth digits": "fn-\uff11",
        "empty": "",
        "spaces": " fn-1 ",
    }


def id_commands(i: str) -> list[list[str]]:
    """Every command that turns an id into a path under .flow/ (as subject, dependency, or owner)."""
    # Comma-separated lists are trimmed item by item, empty items dropped (the reference contract), so
    # `--deps " fn-1.1\n"` and `--deps ""` are fine.
    lists = [] if i != i.strip() or not i else [["task", "create", "--epic", E, "--title", "t", "--deps", i],
                                       ["task", "set-deps", T3, "--deps", i]]
    return lists + [
        ["show", i], ["cat", i], ["start", i], ["done", i], ["block", i, "--reason", "r"], ["fail", i],
        ["restart", i], ["task", "create", "--epic", i, "--title", "t"], ["task", "reset", i], ["task", "skip", i],
        ["task", "split", i, "--titles", "a|b"], ["task", "spec", i, "--file", "/dev/null"],
        ["task", "set-backend", i, "--impl", "x"],
        ["task", "show-backend", i], ["dep", "add", i, T2], ["dep", "add", T3, i], ["dep", "rm", T3, i],
        ["epic", "close", i], ["epic", "title", i, "--title", "x"], ["epic", "plan", i, "--file", "/dev/null"],
        ["epic", "branch", i, "b"], ["epic", "add-dep", E, i], ["epic", "archive", i, "--force"],
        ["ready", "--epic", i], ["lock", "--task", i, "--files", "a.py"], ["heartbeat", "--task", i],
        ["unlock", "--task", i], ["validate", "--epic", i], ["state-path", "--task", i],
        ["gap", "add", "--epic", i, "--capability", "x"], ["gap", "add", "--epic", E, "--capability", "x", "--task", i],
        ["gap", "list", "--epic", i], ["gap", "check", "--epic", i], ["gap", "resolve", "--epic", i, "--id", "1"],
        ["gap", "resolve", i], ["approval", "create", "--task", i, "--kind", "generic", "--payload", "1"],
        ["approval", "show", i], ["approval", "approve", i], ["approval", "reject", i],
        ["log", "decision", "--key", "k", "--value", "v", "--reason", "r", "--epic", i],
        ["log", "decision", "--key", "k", "--value", "v", "--reason", "r", "--task", i],
        ["checkpoint", "save", "--epic", i], ["checkpoint", "restore", "--epic", i],
        ["checkpoint", "delete", "--epic", i],
    ]


REFUSAL = re.compile(r"Invalid|not found|No tasks found|cannot name a file")


@pytest.mark.parametrize("name", list(hostile_ids(Path("/"))))
def test_hostile_ids_are_refused_and_write_nothing(shared: Flowctl, name: str) -> None:
    root = shared.cwd.parent
    ident = hostile_ids(root)[name]
    outside, inside = tree(root), flow_tree(shared)
    etc_passwd = Path("/etc/passwd").stat().st_mtime_ns
    for run in run_many(shared, id_commands(ident)):
        message = assert_clean(run)
        assert run.code == 2 or REFUSAL.search(message), (run.args, message)
    assert tree(root) == outside  # nothing created or touched outside .flow/ (no `abs/`, no `escape`)…
    assert flow_tree(shared) == inside  # …and nothing written inside it either
    assert not (root / "abs").exists() and Path("/etc/passwd").stat().st_mtime_ns == etc_passwd


def test_nul_bytes_in_ids_arrive_only_through_files_and_are_refused(shared: Flowctl, tmp_path: Path) -> None:
    # execve cannot carry a NUL in an argument, so JSON files are the way in.
    outside = tree(shared.cwd.parent)
    epics_file = tmp_path / "epics.json"
    epics_file.write_text(json.dumps({"epics": ["fn-1\x00/../../x"]}))
    run = shared("next", "--epics-file", str(epics_file), "--json")
    assert assert_clean(run) == 'Invalid epic ID in epics file: "fn-1\\u0000/../../x"'
    epics_file.write_text(json.dumps({"epics": ["../../x"]}))
    assert assert_clean(shared("next", "--epics-file", str(epics_file))) == 'Invalid epic ID in epics file: "../../x"'
    assert tree(shared.cwd.parent) == outside


# ── titles and specs ──────────────────────────────────────────────────────────────────────────────────────────────

# What serde_json writes for this title: \b \t \n \f \r short escapes, every other control character below 0x20 as
# \u00XX with lowercase hex, `"` and `\` escaped, DEL (0x7f) and U+2028 raw.
NASTY_TITLE = 'a\x01b\x1fc\x7fd"e\\f\tg\nh\ri\x08j\x0ck\u2028l\x1bm\u00e9'
NASTY_JSON = '"a\\u0001b\\u001fc\x7fd\\"e\\\\f\\tg\\nh\\ri\\bj\\fk\u2028l\\u001bm\u00e9"'


def test_control_characters_and_quotes_are_stored_escaped_like_serde(ws: Flowctl) -> None:
    epic = ws.ok("epic", "create", "--title", NASTY_TITLE, "--json")
    task = ws.ok("task", "create", "--epic", E, "--title", NASTY_TITLE, "--json")
    assert epic["title"] == NASTY_TITLE and task["title"] == NASTY_TITLE
    epic_bytes = (ws.flow / "epics" / f"{epic['id']}.json").read_bytes().decode("utf-8")
    task_bytes = (ws.flow / "tasks" / f"{task['id']}.json").read_bytes().decode("utf-8")
    assert f'  "title": {NASTY_JSON},\n' in epic_bytes
    assert f'  "title": {NASTY_JSON},\n' in task_bytes
    assert ws.ok("show", task["id"], "--json")["title"] == NASTY_TITLE
    assert ws.ok("show", epic["id"], "--json")["title"] == NASTY_TITLE
    assert re.fullmatch(r"fn-2-[a-z0-9-]+", epic["id"])  # the slug keeps only safe characters


def test_largest_possible_title_and_megabyte_specs(ws: Flowctl) -> None:
    # One argv string is at most 128 KiB (MAX_ARG_STRLEN), so that is the largest title a caller can pass; a
    # megabyte arrives through files and stdin.
    outside = tree(ws.cwd.parent)
    title = "T" * (128 * 1024 - 1)
    epic = ws.ok("epic", "create", "--title", title, "--json")["id"]
    assert epic == "fn-2-" + "t" * 40  # slug capped at 40 characters
    task = ws.ok("task", "create", "--epic", epic, "--title", title, "--json")["id"]
    assert ws.ok("show", task, "--json")["title"] == title
    assert json.loads((ws.flow / "epics" / f"{epic}.json").read_bytes())["title"] == title
    spec = "# Big\n\n" + ("line of a large spec \u00e9\n" * 50_000)
    (ws.cwd / "big.md").write_text(spec)
    ws.ok("epic", "plan", epic, "--file", "big.md", "--json")
    assert (ws.flow / "specs" / f"{epic}.md").read_text() == spec
    ws.ok("epic", "plan", E, "--file", "-", "--json", input=spec)
    assert ws.ok("cat", E, "--no-compact") == spec  # (compact mode elides the middle of long output)
    ws.ok("task", "spec", task, "--file", "big.md", "--json")
    assert (ws.flow / "tasks" / f"{task}.md").read_text() == spec
    assert tree(ws.cwd.parent).keys() == outside.keys() | {"repo/big.md"}


# ── --file options ──────────────────────────────────────────────────────────────────────────────────────────────────

FILE_COMMANDS = [
    ["epic", "plan", E, "--file"], ["task", "spec", T3, "--file"], ["task", "spec", T3, "--desc"],
    ["task", "create", "--epic", E, "--title", "x", "--acceptance-file"], ["done", T1, "--evidence-json"],
    ["done", T1, "--summary-file"], ["block", T3, "--reason-file"], ["next", "--epics-file"],
]


@pytest.mark.parametrize(("target", "expected"), [
    ("dir", r"Is a directory \(os error 21\)"),
    ("missing.md", r"No such file or directory \(os error 2\)|Input file not found: missing.md"),
])
def test_file_options_pointing_at_nothing_readable(shared: Flowctl, target: str, expected: str) -> None:
    (shared.cwd / "dir").mkdir(exist_ok=True)
    outside, inside = tree(shared.cwd.parent), flow_tree(shared)
    for run in run_many(shared, [[*argv, target] for argv in FILE_COMMANDS]):
        message = assert_clean(run)
        assert re.search(expected, message), (run.args, message)
    assert tree(shared.cwd.parent) == outside and flow_tree(shared) == inside


def test_file_options_reading_dev_null(ws: Flowctl) -> None:
    outside = tree(ws.cwd.parent)
    expected = {  # an empty file is an empty spec/section/summary, but not valid JSON and not a reason
        "done --evidence-json": "validation error: Evidence JSON invalid: EOF while parsing a value at line 1 column 0",
        "block --reason-file": "validation error: Reason file is empty",
        "next --epics-file": "Epics file invalid JSON: EOF while parsing a value at line 1 column 0",
    }
    for argv in FILE_COMMANDS:
        run = ws(*argv, "/dev/null", "--json")
        message = assert_clean(run, allow_ok=True)
        assert message == expected.get(f"{argv[0]} {argv[-1]}", ""), (argv, message)
    assert ws.ok("cat", E) == ""
    assert ws.ok("show", T1, "--json")["status"] == "done"  # the empty summary file completed it
    assert tree(ws.cwd.parent) == outside


# ── evidence JSON ───────────────────────────────────────────────────────────────────────────────────────────────────


def nested(depth: int) -> str:
    """An evidence object whose `extra` value makes the whole document `depth` levels deep."""
    return '{"extra": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize(("flag", "prefix"), [("--evidence-json", "Evidence JSON invalid"),
                                              ("--evidence", "Evidence invalid JSON")])
def test_malformed_and_deeply_nested_evidence(ws: Flowctl, flag: str, prefix: str) -> None:
    state = ws.flow / ".state" / "tasks" / f"{T1}.state.json"
    before = state.read_bytes()
    cases = {
        "{": f"validation error: {prefix}: EOF while parsing an object at line 1 column 1",  # serde_json's words
        '{"commits": [1, 2': f"validation error: {prefix}: EOF while parsing a list at line 1 column 17",
        nested(129): f"validation error: {prefix}: recursion limit exceeded",  # serde_json's limit is 128
        nested(60_000): f"validation error: {prefix}: recursion limit exceeded",  # beyond Python's own limit
    }
    for evidence, message in cases.items():
        assert assert_clean(ws("done", T1, flag, evidence, "--json")) == message
        assert state.read_bytes() == before
    ws.ok("done", T1, flag, nested(128), "--json")  # exactly at the limit: accepted and stored
    assert json.loads(state.read_bytes())["evidence"]["extra"] == json.loads(nested(128))["extra"]


def test_nul_and_control_characters_in_evidence_are_stored_escaped(ws: Flowctl) -> None:
    ws.ok("done", T1, "--evidence-json", '{"commits": ["a\\u0000b"], "tests": ["t\\u0001"]}', "--json")
    text = (ws.flow / ".state" / "tasks" / f"{T1}.state.json").read_text()
    assert '"a\\u0000b"' in text and '"t\\u0001"' in text
    assert ws.ok("show", T1, "--json")["evidence"]["commits"] == ["a\x00b"]


# ── numbers ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_negative_enormous_and_non_finite_numbers(ws: Flowctl) -> None:
    outside, inside = tree(ws.cwd.parent), flow_tree(ws)
    refused = {
        ("task", "create", "--epic", E, "--title", "p", "--priority=-1"):
            "Invalid priority -1: priority must be a non-negative integer",
        ("task", "create", "--epic", E, "--title", "p", "--priority", "-1"):  # clap: `-1` is another flag
            "For more information, try '--help'.",
        ("task", "create", "--epic", E, "--title", "p", "--priority", "4294967296"):
            "Invalid priority 4294967296: priority must be at most 2147483647",
        ("lock", "--task", T1, "--files", "a.py", "--ttl", "-5"): "--ttl must be a positive number of seconds, got -5",
        ("lock", "--task", T1, "--files", "a.py", "--ttl", "0"): "--ttl must be a positive number of seconds, got 0",
        ("lock", "--task", T1, "--files", "a.py", "--ttl", "nan"):
            "--ttl must be a positive number of seconds, got nan",
        ("lock", "--task", T1, "--files", "a.py", "--ttl", "inf"):
            "--ttl must be at most 3153600000 seconds (100 years), got inf",
        ("lock", "--task", T1, "--files", "a.py", "--ttl", "1e308"):
            "--ttl must be at most 3153600000 seconds (100 years), got 1e+308",
        ("heartbeat", "--task", T1, "--ttl", "1e30"):
            "--ttl must be at most 3153600000 seconds (100 years), got 1e+30",
        ("heartbeat", "--task", T1, "--ttl", "-inf"): "--ttl must be a positive number of seconds, got -inf",
    }
    for argv, message in refused.items():
        assert assert_clean(ws(*argv, "--json")) == message, argv
    for argv in (["task", "create", "--epic", E, "--title", "p", "--priority", "1e3"],
                 ["task", "create", "--epic", E, "--title", "p", "--priority", "9" * 5000],
                 ["lock", "--task", T1, "--files", "a.py", "--ttl", "soon"],
                 ["config", "set", "x.neg", "-99999999999999999999"]):
        assert assert_clean(ws(*argv, "--json")).startswith("Error:"), argv  # usage errors, exit 2
    assert flow_tree(ws) == inside
    # Values a config can hold: beyond i64 stays a string (no int() of 5000 digits), i64 bounds are integers.
    assert ws.ok("config", "set", "x.big", "9" * 5000, "--json")["value"] == "9" * 5000
    assert ws.ok("config", "set", "x.max", "9223372036854775807", "--json")["value"] == 9223372036854775807
    assert ws.ok("config", "set", "x.over", "9223372036854775808", "--json")["value"] == "9223372036854775808"
    assert json.loads((ws.flow / "config.json").read_bytes())["x"] == {
        "big": "9" * 5000, "max": 9223372036854775807, "over": "9223372036854775808"}
    assert tree(ws.cwd.parent) == outside


def test_an_integer_too_long_to_convert_is_a_clear_error_everywhere_json_is_read(ws: Flowctl) -> None:
    """int() refuses more than 4,300 digits: every JSON reader words it as serde does, never an internal error."""
    huge = "9" * 5000
    state = ws.flow / ".state" / "tasks" / f"{T1}.state.json"
    before = state.read_bytes()
    assert assert_clean(ws("done", T1, "--evidence-json", '{"extra": ' + huge + "}", "--json")) == (
        "validation error: Evidence JSON invalid: number out of range (more than 4300 digits)")
    assert state.read_bytes() == before
    (ws.cwd / "epics.json").write_text('{"epics": [' + huge + "]}")
    assert assert_clean(ws("next", "--epics-file", "epics.json", "--json")) == (
        "Epics file invalid JSON: number out of range (more than 4300 digits)")
    (ws.cwd / "receipt.json").write_text('{"mode": ' + huge + "}")
    assert assert_clean(ws("review-backend", "--compare", "receipt.json", "--json")) == (
        "Invalid receipt JSON: receipt.json: number out of range (more than 4300 digits)")
    (ws.cwd / "review.txt").write_text("<findings>[" + huge + "]</findings>")
    assert ws.ok("parse-findings", "--file", "review.txt", "--json")["warnings"] == [
        "Failed to parse findings JSON: number out of range (more than 4300 digits)"]
    state.write_text('{"status": "todo", "retry": ' + huge + "}")
    assert assert_clean(ws("show", T1, "--json")) == (
        f"Corrupt file {state}: number out of range (more than 4300 digits)")


def test_what_serde_refuses_is_refused_everywhere_json_is_read(ws: Flowctl) -> None:
    """json takes NaN, ±Infinity and lone surrogate escapes; serde does not, so flowctl neither stores nor reads them:
    the reference's message (checked against its binary), never an internal error, nothing written."""
    state = ws.flow / ".state" / "tasks" / f"{T1}.state.json"
    before = flow_tree(ws)
    for evidence, problem in (('{"x": NaN}', "expected value at line 1 column 7"),
                              ('{"x": [1, -Infinity]}', "invalid number at line 1 column 12"),
                              ('{"x": "\\ud800"}', "unexpected end of hex escape at line 1 column 14"),
                              ('{"x": "\\udc00"}', "lone leading surrogate in hex escape at line 1 column 13")):
        assert assert_clean(ws("done", T1, "--evidence-json", evidence, "--json")) == (
            f"validation error: Evidence JSON invalid: {problem}")
    assert assert_clean(ws("approval", "create", "--task", T1, "--kind", "file_access", "--payload", "[Infinity]",
                           "--json")) == "invalid --payload JSON: expected value at line 1 column 2"
    for stack, problem in (('{"x": NaN}', "expected value at line 1 column 7"),
                           ('{"x": "\\ud800"}', "unexpected end of hex escape at line 1 column 14"),
                           ("{bad", "key must be a string at line 1 column 2")):
        (ws.cwd / "stack.json").write_text(stack)
        assert assert_clean(ws("stack", "set", "--file", "stack.json", "--json")) == f"Invalid JSON: {problem}"
    (ws.cwd / "stack.json").unlink()
    assert flow_tree(ws) == before
    (ws.cwd / "epics.json").write_text('{"epics": [NaN]}')
    assert assert_clean(ws("next", "--epics-file", "epics.json", "--json")) == (
        "Epics file invalid JSON: expected value at line 1 column 12")
    (ws.cwd / "receipt.json").write_text('{"mode": "\\ud800"}')
    assert assert_clean(ws("review-backend", "--compare", "receipt.json", "--json")) == (
        "Invalid receipt JSON: receipt.json: unexpected end of hex escape at line 1 column 17")
    (ws.cwd / "review.txt").write_text("<findings>[Infinity]</findings>")
    assert ws.ok("parse-findings", "--file", "review.txt", "--json")["warnings"] == [
        "Failed to parse findings JSON: expected value at line 1 column 2"]
    state.write_text('{"status": "todo", "retry": NaN}')
    assert assert_clean(ws("show", T1, "--json")) == f"Corrupt file {state}: expected value at line 1 column 29"
    assert state.read_bytes() == b'{"status": "todo", "retry": NaN}'  # reported, never overwritten


# ── empty strings ───────────────────────────────────────────────────────────────────────────────────────────────────


def test_empty_strings_for_required_flags(ws: Flowctl) -> None:
    outside, inside = tree(ws.cwd.parent), flow_tree(ws)
    refused = {
        ("task", "create", "--epic", "", "--title", "t"):
            "Invalid epic ID: . Expected format: fn-N or fn-N-slug (e.g., fn-1, fn-1-add-auth)",
        ("lock", "--task", "", "--files", "a.py"):
            "Invalid task ID: . Expected format: fn-N.M or fn-N-slug.M (e.g., fn-1.2, fn-1-add-auth.2)",
        ("lock", "--task", T1, "--files", ""): "No files specified for locking.",
        ("lock", "--task", T1, "--files", " , "): "No files specified for locking.",
        ("heartbeat", "--task", ""):
            "Invalid task ID: . Expected format: fn-N.M or fn-N-slug.M (e.g., fn-1.2, fn-1-add-auth.2)",
        ("block", T3, "--reason", ""): "validation error: Reason file is empty",
        ("block", T3, "--reason", " \n "): "validation error: Reason file is empty",
        ("task", "split", T3, "--titles", ""): "Need at least 2 sub-task titles separated by '|'",
        ("task", "split", T3, "--titles", " | "): "Need at least 2 sub-task titles separated by '|'",
        ("task", "set-deps", T3, "--deps", ""): "--deps cannot be empty",
    }
    for argv, message in refused.items():
        assert assert_clean(ws(*argv, "--json")) == message, argv
    assert flow_tree(ws) == inside
    # Where the reference accepts an empty value, it is stored as given (an empty title gets a random slug).
    epic = ws.ok("epic", "create", "--title", "", "--json")
    assert epic["title"] == "" and re.fullmatch(r"fn-2-[a-z0-9]{3}", epic["id"])
    assert ws.ok("task", "create", "--epic", E, "--title", "", "--json")["title"] == ""
    assert ws.ok("lock-check", "--file", "", "--json") == {"file": "", "locked": False}
    assert tree(ws.cwd.parent) == outside


# ---------------------------------------------------------------------------------------------------------
# Bytes that are not UTF-8, and errors nobody foresaw


def _raw_run(flowctl: Flowctl, args: list[bytes], env: dict[str, str | bytes] | None = None):
    import os
    import subprocess

    environ = {k.encode(): v.encode() for k, v in flowctl.env.items()}
    environ.update({k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in (env or {}).items()})
    return subprocess.run([flowctl.exe.encode(), *args], cwd=flowctl.cwd, capture_output=True, timeout=60,
                          env=environ if os.name == "posix" else None)


@pytest.mark.parametrize("args", [
    [b"epic", b"create", b"--title", b"\xff\xfe bad"],
    [b"task", b"create", b"--epic", b"fn-1-x\xc3", b"--title", b"t"],
    [b"show", b"\x80"],
    [b"gap", b"add", b"--epic", b"fn-1-work", b"--capability", b"\xff cap"],
    [b"log", b"decision", b"--key", b"k", b"--value", b"\xfe", b"--reason", b"r"],
    [b"approval", b"create", b"--task", b"fn-1-work.1", b"--kind", b"generic", b"--payload", b'"\xff"'],
    [b"checkpoint", b"save", b"--epic", b"fn-1-work\xc3"],
])
def test_non_utf8_arguments_are_a_usage_error_and_write_nothing(initialized_flowctl: Flowctl, args) -> None:
    before = flow_tree(initialized_flowctl)
    proc = _raw_run(initialized_flowctl, args)
    assert proc.returncode == 2 and proc.stdout == b""
    assert b"invalid UTF-8 was detected in one or more arguments" in proc.stderr
    assert b"Traceback" not in proc.stderr
    assert flow_tree(initialized_flowctl) == before


def test_a_non_utf8_actor_is_a_clear_error_and_writes_nothing(initialized_flowctl: Flowctl) -> None:
    before = flow_tree(initialized_flowctl)
    proc = _raw_run(initialized_flowctl, [b"epic", b"create", b"--title", b"ok", b"--json"],
                    env={"FLOW_ACTOR": b"\xffdev"})
    assert proc.returncode == 1
    assert json.loads(proc.stderr) == {"error": "FLOW_ACTOR is not valid UTF-8", "success": False}
    assert flow_tree(initialized_flowctl) == before


def test_an_unexpected_error_is_one_envelope_line_and_a_traceback_only_with_v(initialized_flowctl: Flowctl) -> None:
    # The test-only fault hook with an errno name that does not exist raises an error no code path expects.
    env = {"FLOWCTL_TEST_FAULTS": "raise:write:NOT_AN_ERRNO"}
    run = initialized_flowctl("epic", "create", "--title", "boom", "--json", env=env)
    assert run.code == 1 and run.out == "" and "Traceback" not in run.err
    assert json.loads(run.err) == {"error": "internal error: AttributeError: module 'errno' has no attribute "
                                            "'NOT_AN_ERRNO'", "success": False}
    verbose = initialized_flowctl("-v", "epic", "create", "--title", "boom", "--json", env=env)
    assert verbose.code == 1 and "Traceback" in verbose.err
    assert initialized_flowctl.ok("epics", "--json")["epics"] == []  # the batch was rolled back both times


# ---------------------------------------------------------------------------------------------------------
# Stored names reach git as names, never as options


def test_a_branch_name_that_looks_like_an_option_is_refused(initialized_flowctl: Flowctl, tmp_path: Path) -> None:
    epic = initialized_flowctl.ok("epic", "create", "--title", "Git names", "--json")["id"]
    target = tmp_path / "pwned"
    for bad in (f"--output={target}", "-D", "two words", "a..b", "ends.lock"):
        run = initialized_flowctl("--json", "epic", "branch", epic, "--", bad)
        assert assert_clean(run) == f"Invalid branch name {bad!r}: not a valid git branch name"
        run = initialized_flowctl("epic", "create", "--title", "Other", f"--branch={bad}", "--json")
        assert assert_clean(run) == f"Invalid branch name {bad!r}: not a valid git branch name"
    assert initialized_flowctl.ok("epic", "branch", epic, "feature/fine-1", "--json")["id"] == epic
    assert not target.exists()


def test_diff_passes_a_stored_hostile_branch_to_git_as_a_name(initialized_flowctl: Flowctl, tmp_path: Path) -> None:
    epic = initialized_flowctl.ok("epic", "create", "--title", "Legacy", "--json")["id"]
    target = tmp_path / "pwned-by-diff"
    path = initialized_flowctl.flow / "epics" / f"{epic}.json"
    record = json.loads(path.read_text())
    record["branch_name"] = f"--output={target}"  # written by an older tool that never checked it
    path.write_text(json.dumps(record, indent=2))
    run = initialized_flowctl("diff", epic, "--json")
    assert "Traceback" not in run.err
    assert not target.exists(), "git took the stored branch name for its --output option"


def test_crlf_content_is_stored_byte_for_byte_from_a_file_and_from_stdin(initialized_flowctl: Flowctl) -> None:
    epic = initialized_flowctl.ok("epic", "create", "--title", "Windows plan", "--json")["id"]
    body = "# Plan\r\n\r\n- step one\r\n- step two\r\n"
    (initialized_flowctl.cwd / "plan.md").write_bytes(body.encode())
    initialized_flowctl.ok("epic", "plan", epic, "--file", "plan.md", "--json")
    spec = initialized_flowctl.flow / "specs" / f"{epic}.md"
    assert spec.read_bytes() == body.encode()
    initialized_flowctl.ok("epic", "plan", epic, "--file", "-", "--json", input=body.replace("one", "uno"))
    assert spec.read_bytes() == body.replace("one", "uno").encode()
