"""Crash-point enumeration: every multi-file operation, killed right before and right after each of its writes.

For each operation the test first traces its write points on a copy of a prepared repository, then, for each write
point, runs it on a fresh copy with the test-only fault hook set to SIGKILL the process there. The next command
(`validate --all`, a read) must find a store where every file parses, validation passes, and the state is the one
before the operation or the one after it, never a mix (timestamps aside).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flowctl_runner import Flowctl, copy_repository

E = "fn-1-crash"
STAMP = re.compile(rb'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)|"duration_seconds": ?\d+')
SKIP = {".lock", "last-recovery.json", "journal.jsonl", "events.jsonl"}  # bookkeeping; the event log only grows


def _epic_with_chain(flowctl: Flowctl, statuses: str = "done") -> None:
    flowctl.ok("epic", "create", "--title", "Crash", "--json")
    for i in range(1, 4):
        deps = ["--deps", f"{E}.{i - 1}"] if i > 1 else []
        flowctl.ok("task", "create", "--epic", E, "--title", f"Step {i}", *deps, "--json")
    if statuses == "done":
        for i in range(1, 4):
            flowctl.ok("start", f"{E}.{i}", "--json")
            flowctl.ok("done", f"{E}.{i}", "--summary", "ok", "--json")
    flowctl.ok("lock", "--task", f"{E}.1", "--files", "src/a.py", "--json")


def _checkpointed(flowctl: Flowctl) -> None:
    _epic_with_chain(flowctl)
    flowctl.ok("checkpoint", "save", "--epic", E, "--json")
    flowctl.ok("restart", f"{E}.1", "--json")
    flowctl.ok("task", "create", "--epic", E, "--title", "Added after the checkpoint", "--json")


def _closed(flowctl: Flowctl) -> None:
    _epic_with_chain(flowctl)
    flowctl.ok("unlock", "--task", f"{E}.1", "--json")
    flowctl.ok("epic", "close", E, "--json")


OPERATIONS: dict[str, tuple[Callable[[Flowctl], None], list[str]]] = {
    "epic title (rename)": (lambda f: _epic_with_chain(f, "todo"), ["epic", "title", E, "--title", "Renamed epic"]),
    "task split": (lambda f: _epic_with_chain(f, "todo"), ["task", "split", f"{E}.2", "--titles", "A|B|C"]),
    "replay": (_epic_with_chain, ["replay", E, "--force"]),
    "task reset --cascade": (_epic_with_chain, ["task", "reset", f"{E}.1", "--cascade"]),
    "restart": (_epic_with_chain, ["restart", f"{E}.1"]),
    "checkpoint restore": (_checkpointed, ["checkpoint", "restore", "--epic", E]),
    "epic archive": (_closed, ["epic", "archive", E]),
    "epic clean": (_closed, ["epic", "clean"]),
}


def _snapshot(flowctl: Flowctl) -> dict[str, bytes]:
    root = flowctl.flow.resolve()
    return {str(p.relative_to(root)): STAMP.sub(b"<t>", p.read_bytes()) for p in sorted(root.rglob("*"))
            if p.is_file() and p.name not in SKIP and not p.name.endswith(".tmp")}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_every_crash_point_leaves_the_before_or_the_after_state(name: str, initialized_flowctl: Flowctl,
                                                                 tmp_path: Path) -> None:
    setup, argv = OPERATIONS[name]
    setup(initialized_flowctl)
    base = initialized_flowctl.cwd
    before = _snapshot(initialized_flowctl)

    traced = copy_repository(base, tmp_path / "traced")
    trace = tmp_path / "trace.txt"
    traced.ok(*argv, "--json", env={"FLOWCTL_TEST_FAULTS": f"trace:{trace}"})
    after = _snapshot(traced)
    points = len(trace.read_text().splitlines())
    assert points >= 2 and after != before, f"{name}: {points} writes"

    crashes = 0
    for when in ("before", "after"):
        for n in range(1, points + 1):
            victim = copy_repository(base, tmp_path / f"{when}-{n}")
            run = victim(*argv, "--json", env={"FLOWCTL_TEST_FAULTS": f"crash:{when}:{n}"})
            assert run.code == -9, f"{name}: not killed {when} write {n}: {run.code} {run.err}"
            crashes += 1
            report = victim("validate", "--all", "--json")  # the next command: a read, which recovers first
            assert report.code == 0 and json.loads(report.out)["valid"], report.out + report.err
            state = _snapshot(victim)
            assert state in (before, after), f"{name}: a crash {when} write {n} of {points} left a mixed state"
            assert not (victim.flow / ".state" / "journal.jsonl").exists()
            shutil.rmtree(victim.cwd)
    assert crashes == 2 * points
    _record(name, points)


def _record(name: str, points: int) -> None:
    """Append the number of crash points covered to FLOWCTL_CRASH_REPORT when set (figures for the docs)."""
    out = os.environ.get("FLOWCTL_CRASH_REPORT")
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(f"{name}\t{points}\t{2 * points}\n")


def test_doctor_reports_the_rollback_a_crash_needed(initialized_flowctl: Flowctl) -> None:
    _epic_with_chain(initialized_flowctl, "todo")
    healthy = initialized_flowctl.ok("doctor", "--json")
    assert "recovery" not in [c["name"] for c in healthy["checks"]]
    run = initialized_flowctl("task", "split", f"{E}.2", "--titles", "A|B", "--json",
                              env={"FLOWCTL_TEST_FAULTS": "crash:after:3"})
    assert run.code == -9
    assert (initialized_flowctl.flow / ".state" / "journal.jsonl").exists()
    report = initialized_flowctl.ok("doctor", "--json", "--no-compact")  # opening the store rolled the split back
    recovery = [c for c in report["checks"] if c["name"] == "recovery"]
    assert len(recovery) == 1 and recovery[0]["status"] == "warn"
    assert "Rolled back a batch interrupted by a crash" in recovery[0]["message"]
    assert "3 file(s) restored" in recovery[0]["message"]
    assert not (initialized_flowctl.flow / ".state" / "journal.jsonl").exists()
