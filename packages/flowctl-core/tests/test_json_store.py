"""json_store: atomic writes, whole-line appends and the store lock under real concurrent processes, record files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import flowctl_core
from flowctl_core import json_store as JS
from flowctl_core import records as R
from flowctl_core.errors import CorruptFileError, InvalidInputError, LockTimeoutError, StoreIOError

SRC = str(Path(flowctl_core.__file__).resolve().parent.parent)


def run_workers(tmp_path: Path, body: str, count: int, *args: str, timeout: float = 120) -> list[str]:
    """Start `count` real Python processes running `body` (argv: worker index, *args) at once; return stdouts."""
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(body))
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = [subprocess.Popen([sys.executable, str(script), str(i), *args], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(count)]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err
        outs.append(out)
    return outs


# ---------------------------------------------------------------------------------------------------------
# Atomic writes


def test_atomic_write_leaves_no_temp_files_and_mode_0644(tmp_path):
    old = os.umask(0o022)
    try:
        target = tmp_path / "d" / "f.json"
        JS.atomic_write(target, "one")
        JS.atomic_write(target, b"two")
        JS.write_json(target, {"a": [1]})
    finally:
        os.umask(old)
    assert os.listdir(target.parent) == ["f.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_bytes() == b'{\n  "a": [\n    1\n  ]\n}'


def test_write_json_newline_option(tmp_path):
    JS.write_json(tmp_path / "r.json", {"b": 1, "a": 2}, sort_keys=True, newline=True)
    assert (tmp_path / "r.json").read_text() == '{\n  "a": 2,\n  "b": 1\n}\n'


def test_dumps_escapes_like_serde():
    title = 'Café "q" a/b\\c\ttab\x01ctl\x7f é'
    assert JS.dumps_pretty({"title": title}) == '{\n  "title": "Café \\"q\\" a/b\\\\c\\ttab\\u0001ctl\x7f é"\n}'
    assert JS.dumps_line({"b": [1, 2], "a": None}) == '{"a":null,"b":[1,2]}\n'
    assert JS.dumps_pretty([]) == "[]" and JS.dumps_pretty({}) == "{}"


def test_a_reader_never_sees_a_partial_file_while_writers_replace_it(tmp_path):
    """Writers replace the file with documents of different lengths while a reader parses it non-stop.

    A plain `open(path, "w")` + write lets the reader catch an empty or truncated file; the atomic replace never.
    """
    target = tmp_path / "big.json"
    JS.atomic_write(target, json.dumps({"w": -1, "pad": ""}))
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent("""
        import sys
        from pathlib import Path
        from flowctl_core.json_store import atomic_write
        i = int(sys.argv[1])
        for n in range(40):
            atomic_write(Path(sys.argv[2]), '{"w": %d, "pad": "%s"}' % (i, "x" * (1000 + 7919 * ((i * 40 + n) % 23))))
    """))
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = [subprocess.Popen([sys.executable, str(script), str(i), str(target)], env=env, stderr=subprocess.PIPE,
                              text=True) for i in range(4)]
    reads, bad = 0, []
    while any(p.poll() is None for p in procs) or reads == 0:
        data = target.read_bytes()
        reads += 1
        try:
            doc = json.loads(data)
        except ValueError:
            bad.append(len(data))
            continue
        assert set(doc) == {"w", "pad"} and set(doc["pad"]) <= {"x"}
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    assert not bad, f"{len(bad)} of {reads} reads saw a partial file (sizes {bad[:5]})"
    assert reads > 50  # the reader really ran alongside the writers
    assert sorted(os.listdir(tmp_path)) == ["big.json", "worker.py"]  # no temp file left behind


# ---------------------------------------------------------------------------------------------------------
# Corrupt files are reported, never overwritten


@pytest.fixture
def paths(tmp_path):
    return JS.FlowPaths(tmp_path / ".flow")


def _task(task_id: str, **extra) -> dict:
    epic = task_id.rsplit(".", 1)[0]
    return {"id": task_id, "epic": epic, "title": f"T {task_id}", "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-02T00:00:00Z", **extra}


def test_write_record_refuses_to_replace_a_corrupt_file(paths):
    path = paths.task_state("fn-1.1")
    path.parent.mkdir(parents=True)
    for garbage in ("{not json", '{"status": "bogus"}', "null", "[]"):
        path.write_text(garbage)
        with pytest.raises(CorruptFileError, match=str(path)):
            JS.write_state(paths, "fn-1.1", R.blank_state())
        assert path.read_text() == garbage
        with pytest.raises(CorruptFileError):
            JS.read_state(paths, "fn-1.1")


def test_write_epic_and_task_definition_refuse_corrupt_targets(paths):
    epic_path = paths.epic_json("fn-1-x")
    epic_path.parent.mkdir(parents=True)
    epic_path.write_text('{"id": "fn-1-x"}')  # no title
    with pytest.raises(CorruptFileError, match="fn-1-x.json"):
        JS.write_epic(paths, {"id": "fn-1-x", "title": "X"})
    assert epic_path.read_text() == '{"id": "fn-1-x"}'
    task_path = paths.task_json("fn-1-x.1")
    task_path.parent.mkdir(parents=True)
    task_path.write_text("")
    with pytest.raises(CorruptFileError, match="fn-1-x.1.json"):
        JS.write_task_definition(paths, _task("fn-1-x.1"))
    assert task_path.read_text() == ""


@pytest.mark.parametrize(("content", "reason"), [
    (b'{"a": ' + b"9" * 5000 + b"}", "number out of range (more than 4300 digits)"),
    (b'{"a": "\xff"}', "not valid UTF-8"),
    (b"[" * 100_000, "recursion limit exceeded"),
    (b'{"a": 1,}', "trailing comma at line 1 column 9"),
])
def test_a_record_that_does_not_parse_is_reported_by_name(tmp_path, content, reason):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(CorruptFileError) as caught:
        JS.load_json(path)
    assert str(path) in str(caught.value) and reason in str(caught.value)
    assert path.read_bytes() == content


def test_list_functions_raise_on_a_corrupt_file(paths):
    JS.write_epic(paths, {"id": "fn-1-a", "title": "A"})
    (paths.epics / "fn-2-b.json").write_text('{"id": "fn-2-b", "title": 7}')
    with pytest.raises(CorruptFileError, match="fn-2-b.json"):
        JS.list_epics(paths)
    JS.write_task_definition(paths, _task("fn-1-a.1"))
    (paths.tasks / "fn-1-a.2.json").write_text("[1, 2")
    with pytest.raises(CorruptFileError, match=r"fn-1-a\.2\.json"):
        JS.list_tasks(paths, "fn-1-a")
    (paths.tasks / "fn-1-a.2.json").unlink()
    paths.state_tasks.mkdir(parents=True, exist_ok=True)
    paths.task_state("fn-1-a.1").write_text('{"status": 3}')
    with pytest.raises(CorruptFileError, match=r"fn-1-a\.1\.state\.json"):
        JS.list_tasks(paths)


def test_read_config_rejects_non_object(paths):
    assert JS.read_config(paths) == {}
    paths.root.mkdir()
    paths.config.write_text("[]")
    with pytest.raises(CorruptFileError, match="config.json"):
        JS.read_config(paths)


def test_read_json_lines_skips_bad_lines(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_bytes(b'{"a":1}\n\nnot json\n{"b":2}\n\xff\xfe\n{"c":')
    assert JS.read_json_lines(path) == [{"a": 1}, {"b": 2}]
    assert JS.read_json_lines(tmp_path / "missing.jsonl") == []


# ---------------------------------------------------------------------------------------------------------
# Whole-line appends from many processes


def test_append_line_from_8_processes(tmp_path):
    target = tmp_path / ".state" / "events.jsonl"
    run_workers(tmp_path, """
        import sys
        from pathlib import Path
        from flowctl_core.json_store import append_line, dumps_line
        i = int(sys.argv[1])
        for n in range(200):
            # Lines of very different lengths make torn or interleaved writes visible.
            append_line(Path(sys.argv[2]), dumps_line({"w": i, "n": n, "pad": "y" * ((n * 37 + i * 101) % 3000)}))
    """, 8, str(target))
    data = target.read_bytes()
    assert data.endswith(b"\n")
    lines = data.split(b"\n")[:-1]
    assert len(lines) == 1600
    seen = set()
    for line in lines:
        obj = json.loads(line)
        assert obj["pad"] == "y" * ((obj["n"] * 37 + obj["w"] * 101) % 3000)
        seen.add((obj["w"], obj["n"]))
    assert seen == {(w, n) for w in range(8) for n in range(200)}
    assert JS.read_json_lines(target)[0].keys() == {"w", "n", "pad"}


def test_append_line_adds_missing_newline(tmp_path):
    path = tmp_path / "x.jsonl"
    JS.append_line(path, '{"a":1}')
    JS.append_line(path, '{"b":2}\n')
    assert path.read_text() == '{"a":1}\n{"b":2}\n'


# ---------------------------------------------------------------------------------------------------------
# The store lock


def test_store_lock_excludes_8_processes(tmp_path):
    flow = tmp_path / ".flow"
    flow.mkdir()
    counter = flow / "counter.json"
    JS.write_json(counter, {"n": 0})
    run_workers(tmp_path, """
        import json, sys, time
        from pathlib import Path
        from flowctl_core.json_store import store_lock, load_json, write_json
        flow = Path(sys.argv[2])
        for _ in range(50):
            with store_lock(flow, timeout=60):
                n = load_json(flow / "counter.json")["n"]
                time.sleep(0.0005)  # widen the window a lost update would need
                write_json(flow / "counter.json", {"n": n + 1})
    """, 8, str(flow))
    assert json.loads(counter.read_text()) == {"n": 400}
    assert (flow / ".lock").exists()


def test_store_lock_times_out_naming_the_lock_file(tmp_path):
    flow = tmp_path / ".flow"
    flow.mkdir()
    script = tmp_path / "holder.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        from pathlib import Path
        from flowctl_core.json_store import store_lock
        with store_lock(Path(sys.argv[1])):
            print("locked", flush=True)
            time.sleep(30)
    """))
    env = {**os.environ, "PYTHONPATH": SRC}
    holder = subprocess.Popen([sys.executable, str(script), str(flow)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        start = time.monotonic()
        with pytest.raises(LockTimeoutError) as info:
            with JS.store_lock(flow, timeout=0.2):
                pytest.fail("lock acquired while another process holds it")
        elapsed = time.monotonic() - start
        assert 0.2 <= elapsed < 2
        assert str(flow / ".lock") in str(info.value)
        assert info.value.path == str(flow / ".lock")
    finally:
        holder.terminate()
        holder.wait(timeout=10)
    with JS.store_lock(flow, timeout=5):  # released once the holder is gone
        pass


def test_store_lock_is_reentrant_in_process(tmp_path):
    flow = tmp_path / ".flow"
    flow.mkdir()
    with JS.store_lock(flow, timeout=0.2):
        with JS.store_lock(flow, timeout=0.2):
            pass
        with JS.store_lock(flow, timeout=0.2):
            pass
    assert JS._held == {}


def test_lock_timeout_env(monkeypatch):
    monkeypatch.setenv("FLOWCTL_LOCK_TIMEOUT", "2.5")
    assert JS.lock_timeout() == 2.5
    monkeypatch.setenv("FLOWCTL_LOCK_TIMEOUT", "0")
    assert JS.lock_timeout() == 0.0
    for bad in ("soon", "nan", "inf", "-1", "-inf"):
        monkeypatch.setenv("FLOWCTL_LOCK_TIMEOUT", bad)
        with pytest.raises(InvalidInputError, match="FLOWCTL_LOCK_TIMEOUT"):
            JS.lock_timeout()


def test_store_lock_is_reentrant_through_a_symlinked_spelling(tmp_path):
    flow = tmp_path / "shared"
    flow.mkdir()
    (tmp_path / ".flow").symlink_to(flow)
    with JS.store_lock(flow, timeout=0.2), JS.store_lock(tmp_path / ".flow", timeout=0.2):
        pass  # the second spelling is the same lock: no self-deadlock, no timeout
    assert JS._held == {}


# ---------------------------------------------------------------------------------------------------------
# Tasks: merge rule, sorting, definition writer


def test_list_tasks_merges_state_and_sorts_by_id_string(paths):
    for n in (2, 10, 1):
        JS.write_task_definition(paths, _task(f"fn-1-a.{n}", priority=n))
    JS.write_task_definition(paths, _task("fn-10-b.1"))
    JS.write_task_definition(paths, _task("fn-1.3"))  # legacy id form, a different epic
    JS.write_state(paths, "fn-1-a.2", {"status": "in_progress", "assignee": "dev", "retry_count": 0,
                                       "updated_at": "2026-03-03T00:00:00Z"})
    tasks = JS.list_tasks(paths, "fn-1-a")
    assert [t["id"] for t in tasks] == ["fn-1-a.1", "fn-1-a.10", "fn-1-a.2"]
    merged = tasks[2]
    assert merged["status"] == "in_progress" and merged["updated_at"] == "2026-03-03T00:00:00Z"
    assert "assignee" not in merged  # only status and updated_at are merged
    assert tasks[0]["status"] == "todo" and tasks[0]["updated_at"] == "2026-01-01T00:00:00Z"
    assert [t["id"] for t in JS.list_tasks(paths, "fn-1")] == ["fn-1.3"]
    assert [t["id"] for t in JS.list_tasks(paths)] == ["fn-1-a.1", "fn-1-a.10", "fn-1-a.2", "fn-1.3", "fn-10-b.1"]
    assert JS.read_task(paths, "fn-1-a.2")["status"] == "in_progress"
    assert JS.read_task(paths, "fn-1-a.99") is None


def test_list_epics_sorted_and_legacy_ids(paths):
    for epic_id in ("fn-2-b", "fn-10-c", "fn-1"):
        JS.write_epic(paths, {"id": epic_id, "title": epic_id})
    (paths.epics / ".fn-9.json.tmp").write_text("partial")
    assert [e["id"] for e in JS.list_epics(paths)] == ["fn-1", "fn-10-c", "fn-2-b"]
    assert sorted(JS.epic_numbers(paths)) == [1, 2, 10]


def test_write_task_definition_forces_todo_and_created_at(paths):
    rec = JS.write_task_definition(paths, _task("fn-1-a.1", status="todo", depends_on=[]))
    assert rec["status"] == "todo" and rec["updated_at"] == rec["created_at"] == "2026-01-01T00:00:00Z"
    on_disk = json.loads(paths.task_json("fn-1-a.1").read_text())
    assert on_disk == rec and "depends_on" not in on_disk


def test_write_task_definition_carries_legacy_status_into_a_new_state(paths):
    JS.write_task_definition(paths, _task("fn-1.2", status="done"))
    assert json.loads(paths.task_json("fn-1.2").read_text())["status"] == "todo"
    state = json.loads(paths.task_state("fn-1.2").read_text())
    assert state == {"status": "done", "retry_count": 0, "updated_at": "2026-01-02T00:00:00Z"}
    assert JS.read_task(paths, "fn-1.2")["status"] == "done"


def test_write_task_definition_keeps_an_existing_state(paths):
    JS.write_state(paths, "fn-1.3", {"status": "blocked", "blocked_reason": "keys", "retry_count": 0,
                                     "updated_at": "2026-02-02T00:00:00Z"})
    before = paths.task_state("fn-1.3").read_bytes()
    JS.write_task_definition(paths, _task("fn-1.3", status="done"))
    assert paths.task_state("fn-1.3").read_bytes() == before
    assert JS.read_task(paths, "fn-1.3")["status"] == "blocked"


def test_unknown_keys_survive_a_rewrite(paths):
    JS.write_epic(paths, {"id": "fn-1-a", "title": "A", "custom_x": 1})
    epic = JS.read_epic(paths, "fn-1-a")
    epic["title"] = "B"
    JS.write_epic(paths, epic)
    assert list(json.loads(paths.epic_json("fn-1-a").read_text()))[-1] == "custom_x"


def test_task_numbers(paths):
    for task_id in ("fn-1-a.1", "fn-1-a.7", "fn-1-ab.3"):
        JS.write_task_definition(paths, _task(task_id))
    assert sorted(JS.task_numbers(paths, "fn-1-a")) == [1, 7]


def test_specs_verbatim(paths):
    JS.write_spec(paths.epic_spec("fn-1-a"), "# x\n\n")
    assert JS.read_spec(paths.epic_spec("fn-1-a")) == "# x\n\n"
    assert JS.read_spec(paths.task_spec("fn-1-a.1")) == ""


# ---------------------------------------------------------------------------------------------------------
# FlowPaths


@pytest.mark.parametrize("bad", ["../x", "a/b", ".hidden", "x\n", "", "..", "a\\b", "nul\x00", " x", "x "])
def test_flowpaths_refuse_unsafe_names(tmp_path, bad):
    paths = JS.FlowPaths(tmp_path)
    for method in (paths.epic_json, paths.epic_spec, paths.task_json, paths.task_spec, paths.task_state,
                   paths.gaps_json, paths.checkpoint):
        with pytest.raises(InvalidInputError):
            method(bad)


def test_flowpaths_layout(tmp_path):
    paths = JS.FlowPaths(tmp_path / ".flow")
    root = tmp_path / ".flow"
    assert paths.task_state("fn-1-a.1") == root / ".state" / "tasks" / "fn-1-a.1.state.json"
    assert paths.checkpoint("fn-1-a") == root / ".state" / "checkpoint-fn-1-a.json"
    assert paths.task_spec("fn-1-a.1") == root / "tasks" / "fn-1-a.1.md"
    assert paths.epic_spec("fn-1-a") == root / "specs" / "fn-1-a.md"
    assert paths.gaps_json("fn-1-a") == root / "gaps" / "fn-1-a.json"
    assert paths.events == root / ".state" / "events.jsonl"


def test_store_lock_excludes_other_threads(tmp_path):
    """Re-entrancy is per thread: a second thread waits for the first instead of walking in."""
    import threading
    import time

    from flowctl_core import json_store as js

    order: list[str] = []

    def worker(name: str) -> None:
        with js.store_lock(tmp_path):
            order.append(f"{name}-in")
            time.sleep(0.05)
            order.append(f"{name}-out")

    threads = [threading.Thread(target=worker, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(0, len(order), 2):
        assert order[i].endswith("-in") and order[i + 1] == order[i].replace("-in", "-out"), order


def test_store_lock_needs_an_existing_flow_dir(tmp_path):
    import pytest

    from flowctl_core import json_store as js
    from flowctl_core.errors import StoreIOError

    with pytest.raises(StoreIOError):
        with js.store_lock(tmp_path / "missing"):
            pass
    assert not (tmp_path / "missing").exists()


def test_read_task_status_fast_path_and_corrupt_files(tmp_path):
    paths = JS.FlowPaths(tmp_path / ".flow")
    tid = "fn-1-a.1"
    assert JS.read_task_status(paths, tid) is None
    JS.write_task_definition(paths, {"id": tid, "epic": "fn-1-a", "title": "T", "created_at": "2026-01-01T00:00:00Z",
                                     "updated_at": "2026-01-01T00:00:00Z"})
    assert JS.read_task_status(paths, tid) == "todo"  # no state file: the definition's status
    JS.write_state(paths, tid, {"status": "blocked", "retry_count": 0, "updated_at": "2026-01-01T00:00:00Z"})
    assert JS.read_task_status(paths, tid) == "blocked"
    for bad in (b"{not json", b"null", b'{"status": "exploded"}', b"[]"):
        paths.task_state(tid).write_bytes(bad)
        with pytest.raises(CorruptFileError):
            JS.read_task_status(paths, tid)


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 3 * 1024 * 1024 + 7])
def test_read_bytes_returns_every_byte_of_a_file_of_any_size(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    target = tmp_path / "f.bin"
    target.write_bytes(data)
    assert JS.read_bytes(target) == data
    assert JS.read_bytes(str(target)) == data


def test_read_bytes_of_a_missing_file_is_none_and_of_a_directory_an_io_error(tmp_path: Path) -> None:
    assert JS.read_bytes(tmp_path / "missing.json") is None
    with pytest.raises(StoreIOError, match="IO error: .*Is a directory"):
        JS.read_bytes(tmp_path)
