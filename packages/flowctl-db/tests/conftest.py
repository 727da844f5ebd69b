"""Shared fixtures: a FlowStore in tmp_path and a runner for real concurrent worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowctl_db import FlowStore

# Every worker signals it is ready (imports done), then spins until the start file appears, so the
# interesting part of all workers runs at the same moment.
_PRELUDE = """
import os, sys, time
from pathlib import Path
_go, WORKER, FLOW = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
from flowctl_db import FlowStore
store = FlowStore(FLOW)
Path(f"{_go}.ready.{WORKER}").touch()
while not os.path.exists(_go):
    time.sleep(0.002)
"""


@pytest.fixture
def flow(tmp_path: Path) -> FlowStore:
    """A FlowStore over `<tmp>/.flow` with its standard directories."""
    store = FlowStore(tmp_path / ".flow")
    store.ensure_dirs()
    return store


@pytest.fixture
def run_workers(tmp_path: Path):
    """Run `body` in `n` separate Python processes started together; return their stdouts."""

    def run(body: str, n: int, flow_dir: Path) -> list[str]:
        go = tmp_path / f"go-{time.monotonic_ns()}"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        procs = [subprocess.Popen([sys.executable, "-c", _PRELUDE + body, str(go), str(i), str(flow_dir)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for i in range(n)]
        deadline = time.monotonic() + 60
        while not all(Path(f"{go}.ready.{i}").exists() for i in range(n)):
            assert time.monotonic() < deadline, "workers did not start"
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            time.sleep(0.01)
        go.touch()
        outs = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            outs.append(out)
        return outs

    return run
