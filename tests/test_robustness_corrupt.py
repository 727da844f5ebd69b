"""Corrupt or hand-edited files under .flow/: a clear error naming the file, and the file is never overwritten.

For every record kind a file is replaced by garbage, truncated JSON, `null`, bytes that are not UTF-8 or JSON of
the wrong shape, and every command that reads it must exit 1 with `{"error": "Corrupt file <path>: …",
"success": false}` on stderr, print nothing on stdout and no traceback, and change nothing under .flow/ — the
corrupt file keeps its bytes, and a failed write leaves no partial change elsewhere. JSONL logs are the exception
the reference contract makes: a bad line is skipped and kept. Kinds without a CLI command of their own
(approvals, pipeline, phases, gaps, memory) are also driven through their FlowStore sub-stores.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flowctl_runner import Flowctl, init_git_repo

from flowctl_core.errors import CorruptFileError
from flowctl_db import FlowStore
from flowctl_service import memory, pipeline, worker_phases

E, E2 = "fn-1-work", "fn-2-other"
T1, T2, T3 = f"{E}.1", f"{E}.2", f"{E}.3"

# Payloads every kind gets; `wrong shape` payloads are built per kind from the real file (see KINDS).
GARBAGE = {
    "truncated": b'{"id": "fn-1-work", "title": "Wo',
    "garbage": b"\x00garbage\n",
    "null": b"null",
    "not utf-8": b'{"title": "\xff\xfe"}',
    "nested too deeply": b"[" * 100_000 + b"]" * 100_000,  # deeper than Python's parser recursion limit
}


def workspace(flowctl: Flowctl) -> Flowctl:
    """E with T1 in progress (holding a lock on a.py), T2 depending on T1, T3 to do; E2 empty."""
    flowctl.ok("init")
    assert flowctl.ok("epic", "create", "--title", "Work", "--json")["id"] == E
    assert flowctl.ok("epic", "create", "--title", "Other", "--json")["id"] == E2
    flowctl.ok("task", "create", "--epic", E, "--title", "One")
    flowctl.ok("task", "create", "--epic", E, "--title", "Two", "--deps", T1)
    flowctl.ok("task", "create", "--epic", E, "--title", "Three")
    flowctl.ok("start", T1)
    flowctl.ok("lock", "--task", T1, "--files", "a.py")
    (flowctl.cwd / "plan.md").write_text("# Plan\n\nDo it.\n")
    return flowctl


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace built once; each test gets a copy (building it takes ~10 flowctl calls)."""
    repo = init_git_repo(tmp_path_factory.mktemp("template") / "repo")
    workspace(Flowctl(repo))
    return repo


@pytest.fixture
def ws(template: Path, tmp_path: Path) -> Flowctl:
    repo = tmp_path / "repo"
    shutil.copytree(template, repo, symlinks=True)
    link = repo / ".flow"  # the copied link still points into the template's git directory: re-point it
    target = Path(os.readlink(link))
    link.unlink()
    link.symlink_to(repo / target.relative_to(template))
    return Flowctl(repo)


def snapshot(flow: Path) -> dict[str, bytes]:
    """Every file under .flow/ (the lock file aside) and its bytes."""
    root = flow.resolve()
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def corrupt(flowctl: Flowctl, rel: str, payload: bytes) -> Path:
    path = flowctl.flow / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return path


def assert_refused(flowctl: Flowctl, path: Path, *args: str) -> None:
    """`flowctl *args` exits 1 with the corrupt-file envelope naming `path` and writes nothing at all."""
    before = snapshot(flowctl.flow)
    run = flowctl(*args, "--json")
    assert "Traceback" not in run.err, run.err
    assert run.code == 1, f"{args}: exit {run.code}: {run.out}{run.err}"
    assert run.out == ""
    envelope = json.loads(run.err)
    assert envelope.keys() == {"error", "success"} and envelope["success"] is False
    assert envelope["error"].startswith(f"Corrupt file {path}: "), (args, envelope["error"])
    assert snapshot(flowctl.flow) == before, f"{args} changed files under .flow/"


def set_field(rel: str, key: str, value: object) -> Callable[[Flowctl], bytes]:
    """A wrong-shape payload: the real record with one field of the wrong type or value."""
    def make(flowctl: Flowctl) -> bytes:
        data = json.loads((flowctl.flow / rel).read_bytes())
        target = data[0] if isinstance(data, list) else data
        target[key] = value
        return json.dumps(data, indent=2).encode()
    return make


def fixed(payload: bytes) -> Callable[[Flowctl], bytes]:
    return lambda flowctl: payload


# kind -> (file, wrong-shape payloads, commands that read it (every payload), more commands (truncated only)).
KINDS: dict[str, tuple[str, dict[str, Callable[[Flowctl], bytes]], list[list[str]], list[list[str]]]] = {
    "epic": (f"epics/{E}.json",
             {"title is a number": set_field(f"epics/{E}.json", "title", 5),
              "unknown status": set_field(f"epics/{E}.json", "status", "bogus"),
              "array": fixed(b"[]")},
             [["show", E], ["task", "create", "--epic", E, "--title", "New"], ["epic", "close", E]],
             [["epics"], ["list"], ["ready", "--epic", E], ["next"], ["queue"], ["status"], ["epic", "audit", E],
              ["task", "show-backend", T1], ["epic", "title", E, "--title", "Renamed"], ["epic", "reopen", E],
              ["epic", "archive", E, "--force"], ["epic", "branch", E, "feature"], ["epic", "review", E, "ship"],
              ["epic", "plan", E, "--file", "plan.md"], ["epic", "add-dep", E, E2], ["epic", "add-dep", E2, E],
              ["epic", "set-backend", E, "--impl", "codex"], ["restart", T1, "--force"]]),
    "task definition": (f"tasks/{T1}.json",
                        {"depends_on is a string": set_field(f"tasks/{T1}.json", "depends_on", T3),
                         "negative priority": set_field(f"tasks/{T1}.json", "priority", -1),
                         "object without id": fixed(b'{"title": "x"}')},
                        [["show", T1], ["tasks"], ["done", T1, "--summary", "ok"]],
                        [["show", E], ["tasks", "--epic", E], ["list"], ["ready", "--epic", E], ["next"], ["queue"],
                         ["dag", E], ["estimate", "--epic", E], ["files", "--epic", E], ["task", "show-backend", T1],
                         ["epic", "audit", E], ["start", T1], ["fail", T1], ["block", T1, "--reason", "r"],
                         ["restart", T1, "--force"], ["task", "reset", T1], ["task", "skip", T1],
                         ["dep", "add", T3, T1], ["dep", "add", T1, T3], ["task", "set-deps", T3, "--deps", T1],
                         ["task", "split", T1, "--titles", "a|b"], ["task", "spec", T1, "--file", "plan.md"],
                         ["task", "set-backend", T1, "--impl", "x"], ["epic", "close", E],
                         ["epic", "title", E, "--title", "Renamed"], ["replay", E, "--force"]]),
    "task state": (f".state/tasks/{T1}.state.json",
                   {"unknown status": set_field(f".state/tasks/{T1}.state.json", "status", "bogus"),
                    "retry_count is text": set_field(f".state/tasks/{T1}.state.json", "retry_count", "x"),
                    "array": fixed(b"[]")},
                   [["show", T1], ["status"], ["start", T1]],
                   [["show", E], ["epics"], ["tasks"], ["list"], ["ready", "--epic", E], ["next"], ["queue"],
                    ["dag", E], ["estimate", "--epic", E], ["files", "--epic", E], ["done", T1, "--summary", "ok"],
                    ["fail", T1], ["block", T1, "--reason", "r"], ["restart", T1, "--force"], ["task", "reset", T1],
                    ["task", "skip", T1], ["dep", "add", T3, T1], ["task", "split", T1, "--titles", "a|b"],
                    ["epic", "close", E], ["epic", "title", E, "--title", "Renamed"], ["replay", E, "--force"]]),
    "config": ("config.json",
               {"array": fixed(b'["memory"]'), "string": fixed(b'"memory"')},
               [["config", "get", "memory.enabled"], ["config", "set", "memory.enabled", "false"], ["init"],
                ["guard"], ["stack", "show"],
                ["worker-phase", "next", "--task", T1]],
               [["fail", T1], ["worker-phase", "done", "--task", T1, "--phase", "1"]]),
    "locks": (".state/locks.json",
              {"object": fixed(b'{"a.py": "fn-1-work.1"}'),
               "unknown mode": set_field(".state/locks.json", "mode", "exclusive"),
               "bad expiry": set_field(".state/locks.json", "expires_at", "soon")},
              [["lock-check"], ["lock", "--task", T3, "--files", "b.py"], ["done", T1, "--summary", "ok"]],
              [["lock-check", "--file", "a.py"], ["unlock", "--task", T1], ["unlock", "--task", T1, "--files", "a.py"],
               ["unlock", "--all"], ["heartbeat", "--task", T1], ["fail", T1], ["restart", T1, "--force"],
               ["epic", "title", E, "--title", "Renamed"]]),
    "gaps": (f"gaps/{E}.json",
             {"object": fixed(b'{"1": "login"}'),
              "gap id is text": fixed(b'[{"id": "one", "capability": "x", "priority": "required", "source": "m"}]')},
             [["epic", "close", E], ["gap", "list", "--epic", E], ["gap", "check", "--epic", E],
              ["gap", "add", "--epic", E, "--capability", "login"]],  # D26: the reference overwrote the file here
             [["epic", "title", E, "--title", "Renamed"], ["gap", "resolve", "--epic", E, "--id", "1"],
              ["gap", "resolve", "1"]]),
    "phases": (".state/phases.json",
               {"array": fixed(b'["1"]')},
               [["restart", T1, "--force"], ["worker-phase", "next", "--task", T1],
                ["worker-phase", "done", "--task", T1, "--phase", "2"]],
               [["task", "reset", T3], ["replay", E, "--force"], ["epic", "title", E, "--title", "Renamed"]]),
    "pipeline": (".state/pipeline.json",
                 {"array": fixed(b'["plan"]')},
                 [["epic", "title", E, "--title", "Renamed"], ["phase", "next", "--epic", E],
                  ["phase", "done", "--epic", E, "--phase", "plan"]], []),
    "approvals": (".state/approvals.json",
                  {"object": fixed(b'{"apv-1": "pending"}')},
                  [["epic", "title", E, "--title", "Renamed"], ["approval", "list"],
                   ["approval", "create", "--task", T1, "--kind", "generic", "--payload", "{}"]],
                  [["approval", "list", "--pending"], ["approval", "show", "apv-1"],
                   ["approval", "show", "apv-1", "--wait", "--timeout", "0"], ["approval", "approve", "apv-1"],
                   ["approval", "reject", "apv-1", "--reason", "no"]]),
    "checkpoint": (f".state/checkpoint-{E}.json",
                   {"array": fixed(b"[]"),
                    "task of another epic": fixed(json.dumps(
                        {"epic": None, "tasks": [{"state": None, "task": {"id": "fn-2-other.1"}}]}).encode()),
                    "traversal task id": fixed(json.dumps(
                        {"epic": None, "tasks": [{"state": None, "task": {
                            "id": "../../escape", "epic": E, "title": "x", "created_at": "2026-01-01T00:00:00Z",
                            "updated_at": "2026-01-01T00:00:00Z"}}]}).encode()),
                    "state without status": fixed(json.dumps({"epic": None, "tasks": [{"state": {"bogus": 1},
                                                                                        "task": None}]}).encode())},
                   [["checkpoint", "restore", "--epic", E], ["checkpoint", "save", "--epic", E]], []),
}

CASES = [(kind, name) for kind, (_, wrong, _, _) in KINDS.items() for name in [*GARBAGE, *wrong]]


def prepare(flowctl: Flowctl, kind: str) -> None:
    """Kind-specific set-up so that each command reaches the file (closable epic for gaps, progress for phases)."""
    if kind == "gaps":  # `epic close` reads the gaps only once every task is finished
        flowctl.ok("done", T1, "--summary", "ok")
        for task in (T2, T3):
            flowctl.ok("start", task)
            flowctl.ok("done", task, "--summary", "ok")
    if kind == "approvals":  # a pending approval on one of the epic's tasks, which a rename would re-point
        flowctl.ok("approval", "create", "--task", T3, "--kind", "generic", "--payload", '{"why": "check"}')
    if kind == "phases":  # progress to forget, and a finished task that `task reset` really resets
        flowctl.ok("worker-phase", "done", "--task", T1, "--phase", "1")
        flowctl.ok("start", T3)
        flowctl.ok("done", T3, "--summary", "ok")


@pytest.mark.parametrize(("kind", "payload"), CASES, ids=[f"{k}-{p}" for k, p in CASES])
def test_corrupt_file_is_reported_by_name_and_kept(ws: Flowctl, kind: str, payload: str) -> None:
    rel, wrong, commands, more = KINDS[kind]
    prepare(ws, kind)
    data = GARBAGE[payload] if payload in GARBAGE else wrong[payload](ws)
    path = corrupt(ws, rel, data)
    for args in commands + (more if payload == "truncated" else []):
        assert_refused(ws, path, *args)
    assert path.read_bytes() == data


def test_validate_names_every_corrupt_file_and_keeps_it(ws: Flowctl) -> None:
    definition = corrupt(ws, f"tasks/{T2}.json", b"{")
    state = corrupt(ws, f".state/tasks/{T3}.state.json", b'{"status": "bogus"}')
    before = snapshot(ws.flow)
    run = ws.fail("validate", "--all", "--json")
    assert "Traceback" not in run.err
    errors = [e for epic in run.json["epics"] for e in epic["errors"]] + run.json["root_errors"]
    assert any(e.startswith(f"Corrupt file {definition}: ") for e in errors), errors
    assert any(e.startswith(f"Corrupt file {state}: ") for e in errors), errors
    assert snapshot(ws.flow) == before


def test_config_set_below_a_scalar_is_refused_and_the_file_kept(ws: Flowctl) -> None:
    # D29: the reference panicked here; a hand edit that put a scalar where an object belongs is reported.
    path = corrupt(ws, "config.json", b'{"memory": "off"}')
    run = ws.fail("config", "set", "memory.enabled", "false", "--json")
    assert json.loads(run.err) == {
        "error": "Cannot set memory.enabled: memory is not an object (it holds a string)", "success": False}
    assert "Traceback" not in run.err and path.read_bytes() == b'{"memory": "off"}'


def event_types(flowctl: Flowctl) -> list[str]:
    return [e["type"] for e in flowctl.ok("events", "--epic", E, "--json")["events"]]


def test_events_garbage_lines_are_skipped_and_kept(ws: Flowctl) -> None:
    path = ws.flow / ".state" / "events.jsonl"
    types = event_types(ws)
    original = path.read_bytes()
    deep = b"[" * 100_000 + b"]" * 100_000
    garbage = b'not json\n\xff\xfe\n[1, 2\n' + deep + b'\n\n{"epic_id": "fn-1-work", "type": '  # last line torn
    path.write_bytes(original + garbage)
    assert event_types(ws) == types  # bad lines are skipped, like every reference reader
    ws.ok("task", "create", "--epic", E, "--title", "Four")
    data = path.read_bytes()
    assert data.startswith(original + garbage)  # kept verbatim…
    assert event_types(ws) == [*types, "task.create", "task_spec.set", "task_state.set"]  # …and nothing glued on


def test_corrupt_spec_markdown_is_reported(ws: Flowctl) -> None:
    path = corrupt(ws, f"tasks/{T1}.md", b"# fn-1-work.1 One\n\xff\xfe\n")
    run = ws.fail("cat", T1, "--json")
    assert json.loads(run.err)["error"].startswith(f"Corrupt file {path}: not valid UTF-8")
    assert "Traceback" not in run.err and path.read_bytes() == b"# fn-1-work.1 One\n\xff\xfe\n"


# ── sub-stores without a CLI command: the same rule through FlowStore ────────────────────────────────────────────────


def refuses(path: Path, call: Callable[[], object]) -> None:
    before = path.read_bytes()
    with pytest.raises(CorruptFileError) as err:
        call()
    assert err.value.path == str(path)
    assert str(err.value).startswith(f"Corrupt file {path}: ")
    assert path.read_bytes() == before


def test_approvals_keep_malformed_elements_verbatim(ws: Flowctl) -> None:
    # D27: the reference dropped elements that did not parse on its next write; they stay, in place.
    ws.ok("approval", "create", "--task", T1, "--kind", "generic", "--payload", '{"n": 1}', "--json")
    path = ws.flow / ".state" / "approvals.json"
    [good] = json.loads(path.read_bytes())
    malformed = [{"id": "apv-broken", "kind": "sideways"}, 42, "text"]
    path.write_text(json.dumps([malformed[0], good, *malformed[1:]], indent=2, sort_keys=True))
    assert [a["id"] for a in ws.ok("approval", "list", "--json")["data"]] == [good["id"]]
    second = ws.ok("approval", "create", "--task", T3, "--kind", "mutation", "--payload", "null", "--json")
    ws.ok("approval", "reject", good["id"], "--reason", "no")
    stored = json.loads(path.read_bytes())
    assert stored[0] == malformed[0] and stored[2:4] == malformed[1:]
    assert stored[1]["id"] == good["id"] and stored[1]["status"] == "rejected"
    assert stored[4]["id"] == second["id"]


@pytest.mark.parametrize("payload", [*GARBAGE.values(), b'{"1": "x"}',
                                     b'[{"id": 1, "capability": "x", "priority": "urgent", "source": "m"}]'],
                         ids=[*GARBAGE, "object", "unknown priority"])
def test_store_gaps_corrupt_file(ws: Flowctl, payload: bytes) -> None:
    store = FlowStore(ws.flow)
    path = corrupt(ws, f"gaps/{E}.json", payload)
    refuses(path, lambda: store.gaps.read(E))
    refuses(path, lambda: store.gaps.check(E))
    refuses(path, lambda: store.gaps.open_blocking(E))


@pytest.mark.parametrize("payload", [*GARBAGE.values(), b'["plan"]'], ids=[*GARBAGE, "array"])
def test_store_pipeline_corrupt_file(ws: Flowctl, payload: bytes) -> None:
    store = FlowStore(ws.flow)
    path = corrupt(ws, ".state/pipeline.json", payload)
    refuses(path, lambda: store.pipeline.read(E))
    refuses(path, lambda: store.pipeline.read_all())
    refuses(path, lambda: pipeline.next_phase(store, E))
    refuses(path, lambda: pipeline.mark_done(store, E, "plan"))


@pytest.mark.parametrize("payload", [*GARBAGE.values(), b'["1"]', b'{"fn-1-work.1": "1"}'],
                         ids=[*GARBAGE, "array", "entry not an array"])
def test_store_phases_corrupt_file(ws: Flowctl, payload: bytes) -> None:
    store = FlowStore(ws.flow)
    path = corrupt(ws, ".state/phases.json", payload)
    refuses(path, lambda: worker_phases.mark_done(store, T1, "1"))
    if payload != b'{"fn-1-work.1": "1"}':  # a well-formed object: other tasks' entries can still be reset
        refuses(path, lambda: store.phases.completed(T1))
        refuses(path, lambda: store.phases.plan_reset([T1]))


def _memory_on(ws: Flowctl) -> FlowStore:
    ws.ok("config", "set", "memory.enabled", "true")
    store = FlowStore(ws.flow)
    memory.init(store)
    return store


@pytest.mark.parametrize("bad", [b"{not json", b"[1, 2]", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000],
                         ids=["not json", "not an object", "not UTF-8", "nested too deeply"])
def test_store_memory_index_with_a_bad_line_is_reported_and_kept(ws: Flowctl, bad: bytes) -> None:
    # The reference skipped such lines and dropped them on its next rewrite; we name the file and never rewrite it.
    store = _memory_on(ws)
    memory.add_entry(store, "dev", "pitfall", "Never trust a cached token")
    index = store.memory.index_path
    index.write_bytes(index.read_bytes() + bad + b"\n")
    refuses(index, store.memory.index)
    refuses(index, lambda: memory.add_entry(store, "dev", "convention", "Tabs are two spaces wide"))
    refuses(index, lambda: memory.search(store, "token"))


def test_store_memory_stats_corrupt_file(ws: Flowctl) -> None:
    store = _memory_on(ws)
    memory.add_entry(store, "dev", "decision", "Use flock for the store lock")
    path = corrupt(ws, "memory/stats.json", b'{"1": {"refs": ')
    refuses(path, store.memory.stats)
    refuses(path, lambda: memory.inject(store, "dev"))
    refuses(path, lambda: memory.gc(store, "dev", days=0))


def test_corrupt_coordination_files_never_hide_a_finished_task(ws: Flowctl) -> None:
    # Gaps, approvals and checkpoints are read only by their own commands (and `epic close`): a corrupt one is
    # reported there, and every view of the tasks still shows the finished task as done.
    ws.ok("done", T1, "--summary", "ok")
    corrupted = [corrupt(ws, f"gaps/{E}.json", b"\x00garbage"), corrupt(ws, ".state/approvals.json", b'{"a": 1}'),
                 corrupt(ws, f".state/checkpoint-{E}.json", b"[1, 2")]
    assert ws.ok("show", T1, "--json")["status"] == "done"
    assert {t["id"]: t["status"] for t in ws.ok("tasks", "--epic", E, "--json")["tasks"]}[T1] == "done"
    assert ws.ok("epics", "--json")["epics"][0]["tasks"] == 3
    assert ws.ok("status", "--json")["tasks"]["done"] == 1
    assert [t["id"] for t in ws.ok("ready", "--epic", E, "--json")["ready"]] == [T2, T3]
    for path, args in zip(corrupted, [("gap", "check", "--epic", E), ("approval", "list"),
                                      ("checkpoint", "restore", "--epic", E)], strict=True):
        assert_refused(ws, path, *args)
