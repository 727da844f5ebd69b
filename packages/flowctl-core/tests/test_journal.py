"""All-or-nothing batches: the undo journal rolls back a failed or killed batch, at every write point."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import flowctl_core
from flowctl_core import json_store
from flowctl_core.errors import StoreIOError

SRC = str(Path(flowctl_core.__file__).resolve().parent.parent)

# One batch: replace a file, create a file, delete a file, append a line.
BATCH = textwrap.dedent("""
    import sys
    from pathlib import Path
    from flowctl_core import json_store
    flow = Path(sys.argv[1])
    with json_store.store_lock(flow), json_store.journaled(flow):
        json_store.atomic_write(flow / "a.json", b"A2")
        json_store.atomic_write(flow / "sub" / "new.json", b"NEW")
        json_store.remove_file(flow / "gone.json")
        json_store.append_line(flow / ".state" / "events.jsonl", '{"n":2}')
""")


def _seed(flow: Path) -> None:
    (flow / ".state").mkdir(parents=True)
    (flow / "a.json").write_bytes(b"A1")
    (flow / "gone.json").write_bytes(b"G\r\n")
    (flow / ".state" / "events.jsonl").write_bytes(b'{"n":1}\n')


def _snapshot(flow: Path) -> dict[str, bytes]:
    skip = {"journal.jsonl", "last-recovery.json", ".lock"}
    return {str(p.relative_to(flow)): p.read_bytes() if p.is_file() else "dir" for p in sorted(flow.rglob("*"))
            if p.name not in skip}


def _run_batch(flow: Path, faults: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC, "FLOWCTL_TEST_FAULTS": faults}
    return subprocess.run([sys.executable, "-c", BATCH, str(flow)], env=env, capture_output=True, text=True,
                          timeout=60)


def _states(tmp_path: Path) -> tuple[dict[str, bytes], dict[str, bytes], int]:
    """The tree before and after a clean run of the batch, and its number of write points."""
    flow = tmp_path / "reference"
    _seed(flow)
    before = _snapshot(flow)
    trace = tmp_path / "trace.txt"
    assert _run_batch(flow, f"trace:{trace}").returncode == 0
    return before, _snapshot(flow), len(trace.read_text().splitlines())


def test_a_killed_batch_is_rolled_back_at_every_crash_point(tmp_path: Path) -> None:
    before, after, points = _states(tmp_path)
    assert points == 4 and before != after
    outcomes = []
    for when in ("before", "after"):
        for n in range(1, points + 1):
            flow = tmp_path / f"crash-{when}-{n}"
            _seed(flow)
            proc = _run_batch(flow, f"crash:{when}:{n}")
            assert proc.returncode == -9, proc.stderr  # really killed at that write point
            assert (flow / ".state" / "journal.jsonl").exists()
            with json_store.store_lock(flow):  # the next caller takes the lock and rolls back
                pass
            state = _snapshot(flow)
            assert state == before, f"crash {when} write {n} left a mix: {state}"
            assert not (flow / ".state" / "journal.jsonl").exists()
            assert not [p for p in flow.rglob("*.tmp")], "a temp file of the killed write was left behind"
            outcomes.append((when, n))
    assert len(outcomes) == 2 * points


def test_a_failing_write_rolls_back_the_batch_at_once(tmp_path: Path) -> None:
    before, _after, _points = _states(tmp_path)
    for stage in ("write", "fsync", "replace", "unlink", "append"):
        flow = tmp_path / f"fail-{stage}"
        _seed(flow)
        proc = _run_batch(flow, f"raise:{stage}:ENOSPC")
        assert proc.returncode == 1 and "No space left on device" in proc.stderr
        assert _snapshot(flow) == before, stage
        assert not (flow / ".state" / "journal.jsonl").exists()
        assert not [p for p in flow.rglob("*.tmp")]


def test_a_committed_batch_leaves_no_journal(tmp_path: Path) -> None:
    flow = tmp_path / "flow"
    _seed(flow)
    with json_store.store_lock(flow), json_store.journaled(flow):
        json_store.atomic_write(flow / "a.json", b"A2")
        json_store.atomic_write(flow / "a.json", b"A3")  # a second write of one path keeps the first undo record
    assert (flow / "a.json").read_bytes() == b"A3"
    assert not (flow / ".state" / "journal.jsonl").exists()


def test_an_exception_inside_the_batch_restores_every_file(tmp_path: Path) -> None:
    flow = tmp_path / "flow"
    _seed(flow)
    before = _snapshot(flow)
    with pytest.raises(RuntimeError), json_store.store_lock(flow), json_store.journaled(flow):
        json_store.atomic_write(flow / "a.json", b"A2")
        json_store.append_line(flow / ".state" / "events.jsonl", "{}")
        raise RuntimeError("validation failed half-way")
    assert _snapshot(flow) == before
    assert (flow / ".state" / "last-recovery.json").exists()


def test_a_log_the_failed_batch_created_is_removed_not_left_empty(tmp_path: Path) -> None:
    flow = tmp_path / "flow"
    _seed(flow)
    before = _snapshot(flow)
    with pytest.raises(RuntimeError), json_store.store_lock(flow), json_store.journaled(flow):
        json_store.append_line(flow / ".state" / "hooks.jsonl", "{}")
        json_store.append_line(flow / ".state" / "hooks.jsonl", "{}")  # a second append keeps the first record
        raise RuntimeError("validation failed half-way")
    assert _snapshot(flow) == before


def test_a_plain_failed_write_keeps_the_old_content_and_no_temp_file(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": SRC, "FLOWCTL_TEST_FAULTS": "raise:fsync:EIO"}
    target = tmp_path / "x.json"
    target.write_bytes(b"old")
    code = ("import sys; from pathlib import Path; from flowctl_core import json_store\n"
            "json_store.atomic_write(Path(sys.argv[1]), b'new')")
    proc = subprocess.run([sys.executable, "-c", code, str(target)], env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and StoreIOError.__name__ in proc.stderr and "x.json" in proc.stderr
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["x.json"]


def test_a_hand_made_journal_never_writes_outside_the_flow_dir(tmp_path: Path) -> None:
    flow = tmp_path / "flow"
    (flow / ".state").mkdir(parents=True)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    (flow / ".state" / "journal.jsonl").write_text('{"kind":"file","path":"../outside.txt","absent":true}\n')
    with json_store.store_lock(flow):
        pass
    assert outside.read_text() == "keep"
