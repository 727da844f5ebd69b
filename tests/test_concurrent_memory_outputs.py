"""Twenty real flowctl processes at once on memory, outputs and scout-cache: every record kept, ids distinct, every
line whole (the reference kept 1–2 of 20 concurrent `memory add`s).

Each worker is a separate Python process running the real CLI (`flowctl_cli.main.run`) in the repository. It imports
everything its command needs, reports ready, and spins until a start file appears, so all twenty critical sections
(read the index, allocate an id, write) really overlap instead of being spread out by ~60 ms of start-up each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from flowctl_runner import Flowctl

WORKERS = 20
E = "fn-1-race"

_LAUNCHER = r"""
import importlib, os, sys, time
go, ready, service = sys.argv[1], sys.argv[2], sys.argv[3]
argv = sys.argv[4:]
from flowctl_cli import main
from flowctl_cli.app import load_command
load_command(argv[0])
importlib.import_module("flowctl_service." + service)
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.0005)
sys.exit(main.run(argv))
"""


def race(flowctl: Flowctl, service: str, argvs: list[list[str]], inputs: list[bytes] | None = None,
         ) -> list[tuple[int, str, str]]:
    """Run every argv in its own process, released together; return (exit code, stdout, stderr) of each."""
    barrier = flowctl.cwd.parent / f"barrier-{time.monotonic_ns()}"
    barrier.mkdir()
    go = barrier / "go"
    env = {**flowctl.env, "FLOWCTL_LOCK_TIMEOUT": "120"}
    procs = []
    for i, argv in enumerate(argvs):
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(go), str(barrier / f"ready-{i}"), service,
                                 *argv], cwd=flowctl.cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        procs.append(proc)
    deadline = time.monotonic() + 120
    while not all((barrier / f"ready-{i}").exists() for i in range(len(argvs))):
        assert time.monotonic() < deadline, "workers did not start"
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)
    go.touch()
    # One thread per worker feeds its stdin and collects its output, so no worker waits for another's turn.
    from concurrent.futures import ThreadPoolExecutor

    def finish(i: int) -> tuple[int, str, str]:
        out, err = procs[i].communicate(input=inputs[i] if inputs else b"", timeout=300)
        return procs[i].returncode, out.decode(), err.decode()

    with ThreadPoolExecutor(max_workers=len(procs)) as pool:
        return list(pool.map(finish, range(len(procs))))


def all_ok(results: list[tuple[int, str, str]]) -> list[dict]:
    for code, out, err in results:
        assert code == 0, f"exit {code}: {err}{out}"
        assert "Traceback" not in err
    return [json.loads(out) for _code, out, _err in results]


@pytest.fixture
def mem(initialized_flowctl: Flowctl) -> Flowctl:
    initialized_flowctl.ok("memory", "init")
    return initialized_flowctl


def index(flowctl: Flowctl) -> list[dict]:
    """Every index line, each parsed on its own (a torn or glued line fails here)."""
    text = (flowctl.flow / "memory" / "index.jsonl").read_text()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_twenty_concurrent_memory_adds_are_all_kept(mem: Flowctl) -> None:
    contents = [f"Concurrent lesson {i}: keep every entry {'x' * (i * 50)}".strip() for i in range(WORKERS)]
    argvs = [["memory", "add", "pitfall", c, "--json"] if i % 2 else ["memory", "add", "--type", "decision", c,
                                                                       "--json"]
             for i, c in enumerate(contents)]
    outs = all_ok(race(mem, "memory", argvs))

    ids = [o["id"] for o in outs]
    assert sorted(ids) == list(range(1, WORKERS + 1))  # distinct, none lost, none skipped
    lines = index(mem)
    assert len(lines) == WORKERS and sorted(e["id"] for e in lines) == sorted(ids)
    by_id = {e["id"]: e for e in lines}
    for content, out in zip(contents, outs, strict=True):
        entry = by_id[out["id"]]
        assert entry["file"] == out["file"]
        assert (mem.flow / "memory" / "entries" / out["file"]).read_text() == content
    assert sorted(os.listdir(mem.flow / "memory" / "entries")) == sorted(e["file"] for e in lines)


def test_twenty_concurrent_adds_of_one_content_store_it_once(mem: Flowctl) -> None:
    outs = all_ok(race(mem, "memory", [["memory", "add", "pitfall", "The same lesson", "--json"]] * WORKERS))
    assert [o["id"] for o in outs] == [1] * WORKERS
    assert sum(1 for o in outs if o.get("duplicate")) == WORKERS - 1
    assert len(index(mem)) == 1 and os.listdir(mem.flow / "memory" / "entries") == ["001-pitfall.md"]


def test_concurrent_adds_and_verifies_lose_no_line(mem: Flowctl) -> None:
    mem.ok("memory", "add", "pitfall", "Entry to verify")
    lines = index(mem)
    lines[0]["last_verified"] = "2020-01-01"
    (mem.flow / "memory" / "index.jsonl").write_text(json.dumps(lines[0], sort_keys=True, separators=(",", ":"))
                                                      + "\n")
    argvs = [["memory", "add", "convention", f"Convention number {i}", "--json"] if i % 2 else
             ["memory", "verify", "1", "--json"] for i in range(WORKERS)]
    all_ok(race(mem, "memory", argvs))
    lines = index(mem)  # a verify rewrites the whole index: it must not drop a line appended meanwhile
    assert sorted(e["id"] for e in lines) == list(range(1, WORKERS // 2 + 2))
    assert lines[0]["last_verified"] != "2020-01-01"


def test_twenty_concurrent_injects_count_every_reference(mem: Flowctl) -> None:
    for i in range(3):
        mem.ok("memory", "add", "pitfall", f"Referenced lesson {i}")
    all_ok(race(mem, "memory", [["memory", "inject", "--json"]] * WORKERS))
    stats = json.loads((mem.flow / "memory" / "stats.json").read_text())
    assert {k: v["refs"] for k, v in stats.items()} == {"1": WORKERS, "2": WORKERS, "3": WORKERS}


def test_twenty_concurrent_outputs_writes_of_different_tasks(initialized_flowctl: Flowctl) -> None:
    f = initialized_flowctl
    payloads = [f"## Summary\r\nTask {i} ✓\n{'y' * 20_000 * (i % 3)}".encode() for i in range(WORKERS)]
    argvs = [["outputs", "write", f"{E}.{i + 1}", "--file", "-", "--json"] for i in range(WORKERS)]
    outs = all_ok(race(f, "outputs", argvs, payloads))
    assert sorted(o["task_id"] for o in outs) == sorted(f"{E}.{i + 1}" for i in range(WORKERS))
    for i, data in enumerate(payloads):
        assert (f.flow / "outputs" / f"{E}.{i + 1}.md").read_bytes() == data
    listed = f.ok("outputs", "list", "--epic", E, "--json")
    assert listed["count"] == WORKERS


def test_twenty_concurrent_outputs_writes_of_one_task_leave_one_whole_version(initialized_flowctl: Flowctl) -> None:
    f = initialized_flowctl
    payloads = [(f"version {i:02d}\n" * 80_000).encode() for i in range(WORKERS)]  # 880 kB each
    all_ok(race(f, "outputs", [["outputs", "write", f"{E}.1", "--file", "-", "--json"]] * WORKERS, payloads))
    assert (f.flow / "outputs" / f"{E}.1.md").read_bytes() in payloads  # never a mixture of two writers
    assert [n for n in os.listdir(f.flow / "outputs") if n.endswith(".tmp")] == []


def test_twenty_concurrent_scout_cache_sets_of_different_keys(initialized_flowctl: Flowctl) -> None:
    f = initialized_flowctl
    # pairs of keys that shared one file in the reference (`t/i:c` and `t_i:c`)
    keys = [(f"scout/{i // 2}" if i % 2 else f"scout_{i // 2}", "abc:def") for i in range(WORKERS)]
    argvs = [["scout-cache", "set", "--type", t, "--commit", c, "--result", json.dumps({"worker": i}), "--json"]
             for i, (t, c) in enumerate(keys)]
    outs = all_ok(race(f, "scout_cache", argvs))
    assert sorted(o["key"] for o in outs) == sorted(f"{t}:{c}" for t, c in keys)
    assert len(os.listdir(f.flow / ".state" / "scout-cache")) == WORKERS
    for i, (t, c) in enumerate(keys):
        assert f.ok("scout-cache", "get", "--type", t, "--commit", c, "--json")["result"] == {"worker": i}
