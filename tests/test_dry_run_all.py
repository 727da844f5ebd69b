"""`--dry-run` previews every writing command without writing a byte (issue 7: one write path).

Every row of `writing_commands.WRITERS` runs the real `flowctl --dry-run … --json` in a real git repository, then
the test checks that `.flow/` is byte-identical (every file and folder hashed) and that the preview names what
would change.
"""

from __future__ import annotations

import json

import pytest
from flowctl_runner import Flowctl
from writing_commands import WRITERS, DryRun, fill, snapshot


@pytest.mark.parametrize("case", WRITERS, ids=[" ".join(w.argv) for w in WRITERS])
def test_dry_run_previews_and_writes_nothing(writers_workspace: Flowctl, case: DryRun) -> None:
    argv = fill(case.argv, writers_workspace)
    flow = (writers_workspace.cwd / ".flow").resolve()
    before = snapshot(flow)
    run = writers_workspace("--dry-run", *argv, "--json")
    assert run.code == 0, f"flowctl --dry-run {' '.join(argv)}: {run.err or run.out}"
    assert snapshot(flow) == before, f"--dry-run {' '.join(argv)} changed .flow/"
    preview = run.out.strip()
    assert json.loads(preview)["dry_run"] is True
    for name in case.names:
        assert name in preview, f"the preview of {' '.join(argv)} does not name {name}: {preview}"


def test_the_table_covers_every_writing_command_group() -> None:
    """A guard for the table itself: each existing writing command has at least one row."""
    groups = ("epic", "task", "dep", "config", "gap", "approval", "log", "checkpoint", "memory", "outputs",
              "scout-cache", "worker-phase", "phase", "invariants", "stack")
    covered = {" ".join(w.argv[:2]) if w.argv[0] in groups else w.argv[0] for w in WRITERS}
    expected = {"init", "config set", "lock", "unlock", "heartbeat", "start", "done", "block", "fail", "restart",
                "replay", "dep add", "dep rm", "parse-findings"}
    expected |= {f"epic {c}" for c in ("create", "plan", "review", "completion", "branch", "title", "close",
                                       "reopen", "archive", "clean", "audit", "add-dep", "rm-dep", "set-backend",
                                       "auto-exec")}
    expected |= {f"task {c}" for c in ("create", "spec", "reset", "skip", "split", "set-backend", "set-deps")}
    expected |= {"gap add", "gap resolve", "approval create", "approval approve", "approval reject", "log decision",
                 "checkpoint save", "checkpoint restore", "checkpoint delete", "memory init", "memory add",
                 "memory verify", "outputs write", "scout-cache set", "scout-cache clear", "worker-phase done",
                 "phase next", "phase done", "invariants init", "stack set", "stack detect"}
    assert expected <= covered, sorted(expected - covered)
