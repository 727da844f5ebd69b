"""What the hostile-input tests share: snapshots of the trees they must leave alone, and the clean-error check."""

from __future__ import annotations

import json
from pathlib import Path

from flowctl_runner import Flowctl, Run


def tree(root: Path) -> dict[str, object]:
    """Every path under `root` (files with size and mtime) except the contents of the flow state directory."""
    out: dict[str, object] = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if "/.git/flow-state/flow/" in f"/{rel}":
            continue
        stat = path.lstat()
        out[rel] = "dir" if path.is_dir() else (stat.st_size, stat.st_mtime_ns)
    return out


def flow_tree(flowctl: Flowctl) -> dict[str, bytes]:
    root = flowctl.flow.resolve()
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and p.name != ".lock"}


def assert_clean(run: Run, *, allow_ok: bool = False) -> str:
    """The run ended cleanly: exit 0 (when allowed), 1 with the error envelope, or 2 with a usage error.

    Returns the error message ("" on success, the usage line for exit 2).
    """
    assert "Traceback" not in run.err and "Traceback" not in run.out, run.err
    if run.code == 0 and allow_ok:
        return ""
    if run.code == 2:
        assert run.out == "" and "rror" in run.err, run.err  # click's `Error:` or clap's `error:`
        return run.err.strip().splitlines()[-1]
    assert run.code == 1, f"{run.args}: exit {run.code}: {run.out}{run.err}"
    assert run.out == "", run.out
    envelope = json.loads(run.err)
    assert envelope.keys() == {"error", "success"} and envelope["success"] is False
    return envelope["error"]
