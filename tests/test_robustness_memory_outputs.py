"""Hostile input to memory, outputs and scout-cache: a clear error (exit 1 envelope or exit 2 usage), never a
traceback, nothing written outside `.flow/`, nothing half written inside it.

Covers traversal ids as outputs task ids and `--epic`, scout types and commits built to escape the cache directory,
payloads over 1 MiB (files, stdin, `/dev/zero`), invalid regexes for `memory search`, bytes that are not UTF-8 in
arguments, files and stdin, and corrupt memory files.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from flowctl_runner import Flowctl, Run, init_git_repo
from hostile_input import assert_clean, flow_tree, tree

E = "fn-1-work"
MIB = 1024 * 1024


HOSTILE_IDS = {
    "parent": "../x", "epic then parents": "fn-1/../../etc", "task then parents": "fn-1.1/../../x",
    "real task then parents": f"{E}.1/../../../escape", "absolute system file": "/etc/passwd",
    "trailing newline": f"{E}.1\n", "newline inside": "fn-1\n.1", "control character": "fn-1.1\x01", "dot": ".",
    "dot dot": "..", "huge number": "fn-" + "1" * 5000, "task number beyond u32": f"{E}.4294967296",
    "slug longer than a file name": "fn-1-" + "a" * 5000 + ".1", "arabic-indic digits": "fn-\u0661.\u0661",
    "empty": "", "spaces": f" {E}.1 ",
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Flowctl:
    """One workspace with a memory entry and an output, for the commands that must all be refused."""
    f = Flowctl(init_git_repo(tmp_path_factory.mktemp("hostile-mem") / "repo"))
    f.ok("init")
    f.ok("memory", "add", "pitfall", "An existing lesson")
    f.ok("outputs", "write", f"{E}.1", "--file", "-", input="existing note")
    return f


def run_bytes(flowctl: Flowctl, *args: str | bytes, stdin: bytes = b"") -> Run:
    """Run flowctl with raw byte arguments and stdin (what a shell can pass and `Flowctl.__call__` cannot)."""
    proc = subprocess.run([flowctl.exe, *args], cwd=flowctl.cwd, input=stdin, capture_output=True, env=flowctl.env,
                          timeout=120)
    return Run([a if isinstance(a, str) else repr(a) for a in args], proc.returncode,
               proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


@pytest.mark.parametrize("name", list(HOSTILE_IDS))
def test_hostile_outputs_ids_are_refused_and_write_nothing(shared: Flowctl, name: str, tmp_path: Path) -> None:
    root = shared.cwd.parent
    ident = HOSTILE_IDS[name]
    note = tmp_path / "note.md"
    note.write_text("note")
    outside, inside = tree(root), flow_tree(shared)
    runs = [shared(*argv) for argv in (["outputs", "write", ident, "--file", str(note)], ["outputs", "show", ident],
                                       ["outputs", "list", "--epic", ident])]
    for run in runs:
        message = assert_clean(run)
        assert run.code == 2 or message.startswith(("Invalid task ID", "Invalid epic ID", "Invalid ID")), (run.args, message)
    assert tree(root) == outside and flow_tree(shared) == inside


@pytest.mark.parametrize("scout_type, commit", [("../../../../escape", "x"), ("x", "../../../escape"),
                                                ("/tmp/abs", "/etc/passwd"), ("..", ".."), (".", "."),
                                                ("a\\..\\..\\b", "c"), (" spaced ", " "), ("tab\t", "\n")])
def test_scout_cache_keys_stay_inside_the_cache_directory(initialized_flowctl: Flowctl, scout_type: str,
                                                          commit: str) -> None:
    f = initialized_flowctl
    root = f.cwd.parent
    outside = tree(root)
    f.ok("scout-cache", "set", "--type", scout_type, "--commit", commit, "--result", "hostile")
    assert f.ok("scout-cache", "get", "--type", scout_type, "--commit", commit, "--json")["result"] == "hostile"
    cache = f.flow / ".state" / "scout-cache"
    names = [p.name for p in cache.iterdir()]
    assert len(names) == 1 and not names[0].startswith(".")
    assert tree(root) == outside  # the repository outside .flow/ is untouched
    assert f.ok("scout-cache", "clear", "--json")["cleared"] == 1


def test_too_long_scout_cache_key_is_a_clear_error(initialized_flowctl: Flowctl) -> None:
    message = assert_clean(initialized_flowctl("scout-cache", "set", "--type", "t" * 300, "--result", "x"))
    assert message.startswith("Scout cache key is too long to name a file")


def test_payloads_over_one_mib_are_refused_and_one_mib_is_kept(initialized_flowctl: Flowctl, tmp_path: Path) -> None:
    f = initialized_flowctl
    exact, over = tmp_path / "exact.md", tmp_path / "over.md"
    exact.write_bytes(b"\xc3\xa9" * (MIB // 2))  # exactly 1 MiB of UTF-8
    over.write_bytes(b"x" * (MIB + 1))
    assert f.ok("outputs", "write", f"{E}.1", "--file", str(exact), "--json")["bytes"] == MIB
    assert (f.flow / "outputs" / f"{E}.1.md").read_bytes() == exact.read_bytes()
    before = flow_tree(f)
    refusals = {
        (f"failed to read {over}: content is larger than {MIB} bytes (1 MiB)",):
            f("outputs", "write", f"{E}.2", "--file", str(over)),
        ("failed to read stdin: content is larger than 1048576 bytes (1 MiB)",):
            run_bytes(f, "outputs", "write", f"{E}.2", "--file", "-", stdin=b"y" * (3 * MIB)),
        ("failed to read /dev/zero: content is larger than 1048576 bytes (1 MiB)",):
            f("outputs", "write", f"{E}.2", "--file", "/dev/zero"),
        (f"Cannot read result file: content is larger than {MIB} bytes (1 MiB)",):
            f("scout-cache", "set", "--type", "big", "--result", f"@{over}"),
    }
    for (message,), run in refusals.items():
        assert assert_clean(run) == message
    assert flow_tree(f) == before


def test_memory_content_as_large_as_an_argument_can_be(initialized_flowctl: Flowctl) -> None:
    f = initialized_flowctl
    content = "é" * 60_000  # 120 kB: close to the kernel's limit for one argument
    out = f.ok("memory", "add", "pitfall", content, "--json")
    assert (f.flow / "memory" / "entries" / out["file"]).read_text() == content


@pytest.mark.parametrize("pattern", ["(", ")", "[", "[z-a]", "a{2,1}", "*", "+?+", "(?P<1>x)", "(?<=a+)b", "\\",
                                     "(?i", "x{99999999999}"])
def test_invalid_regexes_are_a_clear_error(shared: Flowctl, pattern: str) -> None:
    run = shared("memory", "search", pattern, "--json")
    message = assert_clean(run)
    assert run.code == 1 and message.startswith("Invalid regex pattern: ") and "\n" not in message.split(": ", 1)[0]


@pytest.mark.parametrize("args", [
    ["memory", "add", "pitfall", b"caf\xe9"], ["memory", "add", "--type", b"pit\xfffall", "x"],
    ["memory", "search", b"\xff"], ["memory", "list", "--module", b"\xfe"], ["outputs", "write", b"fn-1.\xff",
                                                                              "--file", "-"],
    ["outputs", "list", "--epic", b"fn-\xff"], ["scout-cache", "set", "--type", b"\xff", "--result", "x"],
    ["scout-cache", "get", "--type", "x", "--commit", b"\xc3"],
])
def test_non_utf8_arguments_are_a_usage_error(shared: Flowctl, args: list) -> None:
    before = flow_tree(shared)
    run = run_bytes(shared, *args)
    assert run.code == 2 and "invalid UTF-8" in run.err and "Traceback" not in run.err
    assert flow_tree(shared) == before


def test_non_utf8_files_and_stdin_are_a_clear_error(shared: Flowctl, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes(b"caf\xe9 cr\xe8me\n")
    before = flow_tree(shared)
    assert assert_clean(shared("outputs", "write", f"{E}.2", "--file", str(latin1))) == (
        f"failed to read {latin1}: stream did not contain valid UTF-8")
    assert assert_clean(run_bytes(shared, "outputs", "write", f"{E}.2", "--file", "-", stdin=b"\xff\xfe")) == (
        "failed to read stdin: stream did not contain valid UTF-8")
    assert assert_clean(shared("scout-cache", "set", "--type", "x", "--result", f"@{latin1}")) == (
        "Cannot read result file: stream did not contain valid UTF-8")
    assert assert_clean(shared("outputs", "write", f"{E}.2", "--file", str(tmp_path))) == (
        f"failed to read {tmp_path}: Is a directory (os error 21)")
    assert flow_tree(shared) == before


def test_corrupt_or_non_utf8_stored_files_are_named_and_left_alone(initialized_flowctl: Flowctl) -> None:
    f = initialized_flowctl
    f.ok("memory", "add", "pitfall", "first")
    f.ok("outputs", "write", f"{E}.1", "--file", "-", input="x")
    index = f.flow / "memory" / "index.jsonl"
    stats = f.flow / "memory" / "stats.json"
    note = f.flow / "outputs" / f"{E}.1.md"
    good_index = index.read_bytes()
    cases = [(index, good_index + b'{"id": 2, "summary": "\xff"}\n', ["memory", "list"]),
             (index, good_index + b"[1, 2]\n", ["memory", "add", "pitfall", "second"]),
             (index, good_index[:-10] + b"\n", ["memory", "gc"]),
             (stats, b'{"1": {"refs": 1}', ["memory", "inject"]),
             (stats, b"[]", ["memory", "list"]),
             (note, b"\xff\xfe", ["outputs", "show", f"{E}.1"])]
    for path, data, args in cases:
        path.write_bytes(data)
        message = assert_clean(f(*args, "--json"))
        assert message.startswith(f"Corrupt file {path}: "), message
        assert path.read_bytes() == data
        if path == index:
            index.write_bytes(good_index)
    assert json.loads(index.read_text())["id"] == 1
