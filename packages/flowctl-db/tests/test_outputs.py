"""OutputStore.entries: the listing `outputs list` filters and sorts."""

from __future__ import annotations

import os

import pytest

from flowctl_core.errors import InvalidInputError


def test_entries_name_path_and_mtime(flow):
    flow.outputs.put("fn-1-a.1", "## Summary\r\nDid it ✓\n")
    path = flow.paths.outputs / "fn-1-a.1.md"
    flow.outputs.put("fn-2.1", "raw")
    (flow.paths.outputs / "notes.txt").write_text("x")
    (flow.paths.outputs / ".fn-1-a.3.md.123.tmp").write_text("x")
    (flow.paths.outputs / "not-a-task.md").write_text("x")
    entries = sorted(flow.outputs.entries(), key=lambda e: e["task_id"])
    assert [(e["task_id"], e["path"]) for e in entries] == [
        ("fn-1-a.1", str(path)), ("fn-2.1", str(flow.paths.outputs / "fn-2.1.md")), ("not-a-task", str(
            flow.paths.outputs / "not-a-task.md"))]
    assert entries[0]["mtime_ns"] == os.stat(path).st_mtime_ns


def test_missing_directory_lists_nothing_and_creates_nothing(flow):
    assert flow.outputs.entries() == []
    assert not flow.paths.outputs.exists()


@pytest.mark.parametrize("key", ["../../escape", "a/b", "/tmp/x", "", ".hidden", "x\n", "fn-1-" + "a" * 250 + ".1"])
def test_keys_that_cannot_name_a_file_are_refused(flow, tmp_path, key):
    for call in (lambda: flow.outputs.put(key, "x"), lambda: flow.outputs.read(key),
                 lambda: flow.outputs.delete(key)):
        with pytest.raises(InvalidInputError):
            call()
    assert not flow.paths.outputs.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".flow"]
