"""Start-up cost: the core modules every flowctl call loads import no costly standard module at top level."""

from __future__ import annotations

import subprocess
import sys

import pytest

# The modules a hot command loads (json and what it pulls in are another matter: payloads imports it lazily).
HOT = ("flowctl_core.errors", "flowctl_core.ids", "flowctl_core.timefmt", "flowctl_core.state_machine",
       "flowctl_core.records", "flowctl_core.changes", "flowctl_core.spec_md", "flowctl_core.payloads")
# re with enum, functools and collections costs ~6 ms, a fifth of a hot call.
SLOW = ("re", "enum", "functools", "collections")


def test_hot_core_modules_import_no_costly_standard_module() -> None:
    code = ("import sys; before = set(sys.modules); import " + ", ".join(HOT)
            + "; print(' '.join(sorted(before))); print(' '.join(sorted(set(sys.modules) - before)))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    at_start, loaded = (line.split() for line in proc.stdout.splitlines())
    if any(m in at_start for m in SLOW):
        pytest.skip("the interpreter's start-up (site, .pth files) already imports them")
    assert set(HOT) <= set(loaded)
    assert [m for m in loaded if m.split(".")[0] in SLOW] == []
