"""`flowctl outputs …` end to end: write from a file or stdin byte for byte, list newest first, show verbatim."""

from __future__ import annotations

import json
import os
import subprocess

E = "fn-1-auth-work"
FULL = {"FLOWCTL_COMPACT": "0"}
NOTE = "## Summary\nDid it ✓\n"


def out_path(flowctl, task: str) -> str:
    return str(flowctl.cwd / ".flow" / "outputs" / f"{task}.md")


def test_write_from_file_json_plain_and_bytes(initialized_flowctl, tmp_path):
    f = initialized_flowctl
    note = tmp_path / "note.md"
    note.write_bytes(b"## Summary\r\nCRLF kept\r\n\xe2\x9c\x93 no final newline")
    assert f.ok("outputs", "write", f"{E}.1", "--file", str(note), "--json", env=FULL) == {
        "bytes": 43, "path": out_path(f, f"{E}.1"), "success": True, "task_id": f"{E}.1"}
    assert (f.flow / "outputs" / f"{E}.1.md").read_bytes() == note.read_bytes()
    note.write_text(NOTE)
    assert f.ok("outputs", "write", f"{E}.1", "--file", str(note)) == f"Wrote {out_path(f, f'{E}.1')} (22 bytes)\n"
    assert (f.flow / "outputs" / f"{E}.1.md").read_text() == NOTE


def test_write_from_stdin_keeps_every_byte(initialized_flowctl):
    f = initialized_flowctl
    data = "## Summary\r\n\tTabs, CRLF and no final newline ✓".encode()
    proc = subprocess.run([f.exe, "outputs", "write", f"{E}.2", "--file", "-", "--json"], cwd=f.cwd, input=data,
                          capture_output=True, env=f.env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"bytes": len(data), "path": out_path(f, f"{E}.2"), "task_id": f"{E}.2"}
    assert (f.flow / "outputs" / f"{E}.2.md").read_bytes() == data


def test_list_newest_first_limit_and_plain(initialized_flowctl):
    f = initialized_flowctl
    for n, when in ((1, 1_700_000_100), (2, 1_700_000_300), (3, 1_700_000_200)):
        f.ok("outputs", "write", f"{E}.{n}", "--file", "-", input=f"task {n}")
        os.utime(f.flow / "outputs" / f"{E}.{n}.md", (when, when))
    f.ok("outputs", "write", "fn-2-other.1", "--file", "-", input="other epic")
    data = f.ok("outputs", "list", "--epic", E, "--json", env=FULL)
    assert data == {"count": 3, "success": True, "entries": [
        {"mtime": 1_700_000_300, "path": out_path(f, f"{E}.2"), "task_id": f"{E}.2"},
        {"mtime": 1_700_000_200, "path": out_path(f, f"{E}.3"), "task_id": f"{E}.3"},
        {"mtime": 1_700_000_100, "path": out_path(f, f"{E}.1"), "task_id": f"{E}.1"}]}
    assert f.ok("outputs", "list", "--epic", E, "--limit", "1", "--json")["entries"][0]["task_id"] == f"{E}.2"
    assert f.ok("outputs", "list", "--epic", E, "--limit", "0", "--json") == {"count": 0, "entries": []}
    assert f.ok("outputs", "list", "--epic", E, "--limit", "2") == (
        f"{E}.2\t{out_path(f, f'{E}.2')}\n{E}.3\t{out_path(f, f'{E}.3')}\n")
    assert f.ok("outputs", "list", "--epic", "fn-9") == "(no outputs for epic fn-9)\n"
    f.fail("outputs", "list", "--epic", E, "--limit", "-1", code=2)
    f.fail("outputs", "list", code=2)


def test_show_json_and_verbatim_text(initialized_flowctl):
    f = initialized_flowctl
    f.ok("outputs", "write", f"{E}.1", "--file", "-", input=NOTE)
    f.ok("outputs", "write", f"{E}.2", "--file", "-", input="no newline at the end")
    assert f.ok("outputs", "show", f"{E}.1", "--json", env=FULL) == {"content": NOTE, "success": True,
                                                                       "task_id": f"{E}.1"}
    assert f("outputs", "show", f"{E}.2").out == "no newline at the end"
    assert f("outputs", "show", f"{E}.1").out == NOTE
    assert f.tty("outputs", "show", f"{E}.2") == "no newline at the end"


def test_errors(flowctl, tmp_path):
    assert flowctl.fail("outputs", "list", "--epic", E).error == ".flow/ does not exist. Run 'flowctl init' first."
    # the reference checks the id and reads the content before it looks for .flow
    assert flowctl.fail("outputs", "write", "bad", "--file", "-").error == (
        "Invalid task ID: bad. Expected format: fn-N.M or fn-N-slug.M")
    assert flowctl.fail("outputs", "write", f"{E}.1", "--file", "/nonexist").error == (
        "failed to read /nonexist: No such file or directory (os error 2)")
    flowctl.ok("init")
    assert flowctl.fail("outputs", "show", f"{E}.7", "--json").error == (
        "read failed: io error: No such file or directory (os error 2)")
    assert flowctl.fail("outputs", "show", "bad").error == "Invalid task ID: bad. Expected format: fn-N.M or fn-N-slug.M"
    assert flowctl.fail("outputs", "list", "--epic", f"{E}.1").error.startswith(f"Invalid epic ID: {E}.1.")
    bad = tmp_path / "latin1.md"
    bad.write_bytes(b"caf\xe9\n")
    assert flowctl.fail("outputs", "write", f"{E}.1", "--file", str(bad)).error == (
        f"failed to read {bad}: stream did not contain valid UTF-8")
    assert not (flowctl.flow / "outputs" / f"{E}.1.md").exists()


def test_dry_run_previews_and_writes_nothing(initialized_flowctl):
    f = initialized_flowctl
    preview = f.ok("outputs", "write", f"{E}.1", "--file", "-", "--dry-run", input=NOTE)
    assert preview == {"changes": {"mutations": [{"key": f"{E}.1", "op": "put", "store": "outputs",
                                                  "value": NOTE}]}, "dry_run": True}
    assert not (f.flow / "outputs").exists()
