"""Every writing command against I/O errors: disk full, permission denied, read-only file system, EIO on a write
or an fsync, a rename that fails, an append or a delete that fails.

The faults are injected at json_store's write points by the test-only hook (FLOWCTL_TEST_FAULTS). Each fault must
give exit 1 with the error envelope naming the file and the cause, leave every byte of `.flow/` as it was (the
batch is rolled back, no temp file is left), and the same command must work once the fault is gone.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from flowctl_runner import Flowctl, copy_repository
from writing_commands import WRITERS, DryRun, fill, snapshot

FAULTS = ["raise:write:ENOSPC", "raise:fsync:EIO", "raise:replace:EROFS", "raise:write:EACCES",
          "raise:replace:EIO:2", "raise:append:ENOSPC", "raise:unlink:EACCES", "raise:unlink:EROFS"]
BOOKKEEPING = {".lock", "last-recovery.json"}
ACTOR = {"FLOW_ACTOR": "dev@example.com"}


def _state(flowctl: Flowctl) -> dict[str, str]:
    return {k: v for k, v in snapshot(flowctl.flow.resolve()).items() if os.path.basename(k) not in BOOKKEEPING}


@pytest.mark.parametrize("case", WRITERS, ids=[" ".join(w.argv) for w in WRITERS])
def test_an_io_error_is_reported_and_changes_nothing(writers_workspace: Flowctl, case: DryRun, tmp_path: Path) -> None:
    argv = fill(case.argv, writers_workspace)
    triggered = 0
    for n, fault in enumerate(FAULTS):
        copy = copy_repository(writers_workspace.cwd, tmp_path / f"f{n}", ACTOR)
        before = _state(copy)
        run = copy(*argv, "--json", env={"FLOWCTL_TEST_FAULTS": fault})
        assert "Traceback" not in run.err, run.err
        if run.code == 0:
            continue  # this command never reaches that kind of write
        triggered += 1
        assert run.code == 1 and run.out == "", (fault, run.out, run.err)
        message = json.loads(run.err)["error"]
        cause = os.strerror(getattr(errno, fault.split(":")[2]))
        assert cause in message and "IO error: " in message, (fault, message)
        assert str(copy.flow.resolve()) in message or ".flow" in message, (fault, message)
        assert _state(copy) == before, f"{' '.join(argv)} with {fault} changed .flow/"
        assert not [p for p in copy.flow.resolve().rglob("*.tmp")], "a temp file was left behind"
        again = copy(*argv, "--json")  # the fault is gone: the same command works
        assert again.code == 0, (fault, again.err)
        shutil.rmtree(copy.cwd)
    if triggered == 0:  # only right when the command writes nothing in this workspace (e.g. a gc with no garbage)
        copy = copy_repository(writers_workspace.cwd, tmp_path / "no-fault", ACTOR)
        before = _state(copy)
        assert copy(*argv, "--json").code == 0
        assert _state(copy) == before, f"{' '.join(argv)} writes, yet no fault reached its writes"
    else:
        assert triggered >= 2, f"{' '.join(argv)}: only {triggered} of the faults reached a write"
