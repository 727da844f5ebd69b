"""LockStore (decision D-4): mode matrix, multi-holder check, TTL/dead-pid purge, heartbeat, release by files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from flowctl_core import timefmt
from flowctl_core.errors import ConflictError, CorruptFileError, InvalidInputError
from flowctl_db.locks import DEFAULT_TTL_SECONDS, LockConflictError, compatible

REFERENCE_FILE = """[
  {
    "file_path": "src/auth/callback.rs",
    "task_id": "fn-3-add-oauth-login.2",
    "mode": "write",
    "locked_at": "2026-11-26T14:49:48.379139046+00:00"
  }
]"""

MATRIX = {  # (held, requested) -> may coexist
    ("write", "write"): False, ("write", "read"): False, ("write", "directory_add"): False,
    ("read", "write"): False, ("read", "read"): True, ("read", "directory_add"): True,
    ("directory_add", "write"): False, ("directory_add", "read"): True, ("directory_add", "directory_add"): True,
}



class locking:  # noqa: N801 - reads like the old `flow.locks.<method>` calls it replaces
    """Apply LockStore's planned tables the way the service does: plan and `put` under the store lock."""

    def __init__(self, flow) -> None:
        self.flow = flow

    def __getattr__(self, name: str):
        plan = getattr(self.flow.locks, f"plan_{name}")

        def call(*args, **kwargs):
            with self.flow.lock():
                entries, result = plan(*args, **kwargs)
                if entries is not None:
                    self.flow.locks.put("", entries)
            return result

        return call

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_new_entry_fields_and_order(flow):
    before = timefmt.now()
    entry = locking(flow).acquire("src/a.rs", "fn-1.1", "read", pid=4242)
    assert list(entry) == ["file_path", "task_id", "mode", "locked_at", "holder_pid", "expires_at"]
    assert entry["locked_at"].endswith("+00:00") and entry["expires_at"].endswith("+00:00")
    expires = timefmt.parse(entry["expires_at"])
    assert before + timedelta(seconds=DEFAULT_TTL_SECONDS - 5) < expires < timefmt.now() + timedelta(
        seconds=DEFAULT_TTL_SECONDS + 5)
    on_disk = json.loads(flow.paths.locks.read_text())
    assert on_disk == [entry]
    assert flow.paths.locks.read_text() == json.dumps([entry], indent=2)
    assert "holder_pid" not in locking(flow).acquire("src/b.rs", "fn-1.1")


def test_reference_file_is_read_and_kept_byte_for_byte(flow):
    flow.paths.locks.write_text(REFERENCE_FILE)
    (entry,) = flow.locks.list()
    assert entry == {"file_path": "src/auth/callback.rs", "task_id": "fn-3-add-oauth-login.2", "mode": "write",
                     "locked_at": "2026-11-26T14:49:48.379139046+00:00"}
    # no expires_at: never expires by time, so another writer is refused
    with pytest.raises(LockConflictError):
        locking(flow).acquire("src/auth/callback.rs", "fn-3-add-oauth-login.3")
    locking(flow).acquire("src/other.rs", "fn-3-add-oauth-login.3")
    assert flow.paths.locks.read_text().startswith(REFERENCE_FILE[:-2])


@pytest.mark.parametrize(("held", "requested"), sorted(MATRIX))
def test_mode_matrix(flow, held, requested):
    locking(flow).acquire("f", "fn-1.1", held)
    assert compatible(requested, held) is MATRIX[(held, requested)]
    if MATRIX[(held, requested)]:
        locking(flow).acquire("f", "fn-1.2", requested)
        assert [(h["task_id"], h["mode"]) for h in flow.locks.check("f")] == [
            ("fn-1.1", held), ("fn-1.2", requested)]
    else:
        with pytest.raises(ConflictError) as err:
            locking(flow).acquire("f", "fn-1.2", requested)
        assert str(err.value) == f"file 'f' already locked by task 'fn-1.1' ({held})"
        assert err.value.owners == [f"fn-1.1({held})"]
        assert [h["task_id"] for h in err.value.holders] == ["fn-1.1"]
        assert len(flow.locks.list()) == 1


def test_conflict_names_every_holder_with_its_own_mode(flow):
    locking(flow).acquire("a.rs", "fn-1.1", "read")
    locking(flow).acquire("a.rs", "fn-1.2", "directory_add")
    locking(flow).acquire("b.rs", "fn-1.3", "read")
    with pytest.raises(LockConflictError) as err:
        locking(flow).acquire("a.rs", "fn-1.9", "write")
    assert str(err.value) == "file 'a.rs' already locked by task 'fn-1.1' (read), task 'fn-1.2' (directory_add)"
    assert err.value.owners == ["fn-1.1(read)", "fn-1.2(directory_add)"]
    assert err.value.file == "a.rs"


def test_relock_by_same_task_replaces_and_moves_to_end(flow):
    locking(flow).acquire("a.rs", "fn-1.1", "write")
    locking(flow).acquire("b.rs", "fn-1.1", "write")
    locking(flow).acquire("a.rs", "fn-1.1", "read")
    assert [(e["file_path"], e["mode"]) for e in flow.locks.list()] == [("b.rs", "write"), ("a.rs", "read")]
    locking(flow).acquire("a.rs", "fn-1.1", "read")
    assert len(flow.locks.list()) == 2


def test_upgrade_to_write_conflicts_with_other_readers(flow):
    locking(flow).acquire("a.rs", "fn-1.1", "read")
    locking(flow).acquire("a.rs", "fn-1.2", "read")
    with pytest.raises(LockConflictError, match=r"task 'fn-1.2' \(read\)$"):
        locking(flow).acquire("a.rs", "fn-1.1", "write")
    assert [h["mode"] for h in flow.locks.check("a.rs")] == ["read", "read"]


def test_check_returns_all_live_holders(flow):
    assert flow.locks.check("a.rs") == []
    locking(flow).acquire("a.rs", "fn-1.1", "read")
    locking(flow).acquire("a.rs", "fn-1.2", "read")
    locking(flow).acquire("a.rs", "fn-1.3", "read", ttl_seconds=-60)  # already expired
    holders = flow.locks.check("a.rs")
    assert [h["task_id"] for h in holders] == ["fn-1.1", "fn-1.2"]
    assert set(holders[0]) == {"task_id", "mode", "locked_at", "expires_at"}
    flow.paths.locks.write_text(REFERENCE_FILE)
    assert flow.locks.check("src/auth/callback.rs") == [
        {"task_id": "fn-3-add-oauth-login.2", "mode": "write", "locked_at": "2026-11-26T14:49:48.379139046+00:00"}]


def test_expired_entries_are_purged_on_acquire(flow):
    locking(flow).acquire("b.rs", "fn-1.1", "write")
    locking(flow).acquire("a.rs", "fn-1.1", "write", ttl_seconds=-1)  # stale from the start
    assert [e["file_path"] for e in flow.locks.list(include_stale=True)] == ["b.rs", "a.rs"]
    assert [e["file_path"] for e in flow.locks.list()] == ["b.rs"]
    locking(flow).acquire("a.rs", "fn-1.2", "write")
    assert [(e["file_path"], e["task_id"]) for e in flow.locks.list(include_stale=True)] == [
        ("b.rs", "fn-1.1"), ("a.rs", "fn-1.2")]


def test_dead_holder_pid_is_purged_live_one_is_not(flow):
    locking(flow).acquire("a.rs", "fn-1.1", "write", pid=_dead_pid())
    locking(flow).acquire("b.rs", "fn-1.1", "write", pid=os.getpid())
    locking(flow).acquire("a.rs", "fn-1.2", "write")
    with pytest.raises(LockConflictError):
        locking(flow).acquire("b.rs", "fn-1.2", "write")
    assert [(e["file_path"], e["task_id"]) for e in flow.locks.list(include_stale=True)] == [
        ("b.rs", "fn-1.1"), ("a.rs", "fn-1.2")]


def test_a_conflicting_acquire_writes_nothing_and_lock_many_still_purges(flow):
    locking(flow).acquire("x.rs", "fn-1.1", "write", ttl_seconds=-1)
    locking(flow).acquire("a.rs", "fn-1.1", "write")
    before = flow.paths.locks.read_bytes()
    with pytest.raises(LockConflictError):
        locking(flow).acquire("a.rs", "fn-1.2", "write")
    assert flow.paths.locks.read_bytes() == before  # a refused plan is never written
    assert locking(flow).acquire_many(["a.rs"], "fn-1.2")["locked"] == []
    assert [e["file_path"] for e in flow.locks.list(include_stale=True)] == ["a.rs"]


def test_purge(flow):
    assert locking(flow).purge() == 0
    past = timefmt.fmt_off(timefmt.now() - timedelta(seconds=1))
    flow.paths.locks.write_text(json.dumps([
        {"file_path": "a.rs", "task_id": "fn-1.1", "mode": "write", "locked_at": past, "expires_at": past},
        {"file_path": "b.rs", "task_id": "fn-1.1", "mode": "write", "locked_at": past, "holder_pid": _dead_pid()},
        {"file_path": "c.rs", "task_id": "fn-1.1", "mode": "write", "locked_at": past},
    ]))
    assert locking(flow).purge() == 2
    assert [e["file_path"] for e in flow.locks.list(include_stale=True)] == ["c.rs"]


def test_heartbeat_extends_the_tasks_locks(flow):
    locking(flow).acquire("a.rs", "fn-1.1", ttl_seconds=10)
    other = locking(flow).acquire("c.rs", "fn-1.2", ttl_seconds=10)
    locking(flow).acquire("b.rs", "fn-1.1", ttl_seconds=-10)  # expired but not yet purged: revived
    assert locking(flow).heartbeat("fn-1.1") == 2
    soon = timefmt.now() + timedelta(seconds=DEFAULT_TTL_SECONDS - 60)
    entries = {e["file_path"]: e for e in flow.locks.list()}
    assert timefmt.parse(entries["a.rs"]["expires_at"]) > soon
    assert timefmt.parse(entries["b.rs"]["expires_at"]) > soon
    assert entries["c.rs"] == other
    before = flow.paths.locks.read_bytes()
    assert locking(flow).heartbeat("fn-9.9") == 0
    assert flow.paths.locks.read_bytes() == before


def test_heartbeat_adds_expiry_to_reference_entries(flow):
    flow.paths.locks.write_text(REFERENCE_FILE)
    assert locking(flow).heartbeat("fn-3-add-oauth-login.2", ttl_seconds=60) == 1
    (entry,) = flow.locks.list()
    assert list(entry)[-1] == "expires_at"


def test_release_only_named_files(flow):
    for f in ("a.rs", "b.rs", "c.rs"):
        locking(flow).acquire(f, "fn-1.1")
    locking(flow).acquire("d.rs", "fn-1.2")
    assert locking(flow).release("fn-1.1", files=["a.rs", "zzz.rs"]) == 1
    assert [e["file_path"] for e in flow.locks.list()] == ["b.rs", "c.rs", "d.rs"]
    assert locking(flow).release("fn-1.1") == 2
    assert locking(flow).release("fn-1.1") == 0
    assert locking(flow).release("fn-1.2", files=[]) == 0
    assert locking(flow).release("fn-1.2") == 1
    assert flow.paths.locks.read_bytes() == b"[]"


def test_release_and_release_all_without_file_write_nothing(flow):
    assert locking(flow).release("fn-1.1") == 0
    assert locking(flow).release_all() == 0
    assert not flow.paths.locks.exists()
    assert flow.locks.list() == []


def test_release_all_writes_empty_array(flow):
    locking(flow).acquire("a.rs", "fn-1.1")
    locking(flow).acquire("b.rs", "fn-1.2", ttl_seconds=-1)
    assert locking(flow).release_all() == 2
    assert flow.paths.locks.read_bytes() == b"[]"


def test_acquire_many_partial_success_in_one_write(flow):
    locking(flow).acquire("b.rs", "fn-1.2", "write")
    result = locking(flow).acquire_many(["a.rs", "b.rs", "c.rs"], "fn-1.1", "read")
    assert result == {"locked": ["a.rs", "c.rs"], "already_locked": [
        {"file": "b.rs", "owners": ["fn-1.2(write)"], "detail": "file 'b.rs' already locked by task 'fn-1.2' (write)"}]}
    assert [(e["file_path"], e["task_id"]) for e in flow.locks.list()] == [
        ("b.rs", "fn-1.2"), ("a.rs", "fn-1.1"), ("c.rs", "fn-1.1")]
    before = flow.paths.locks.read_bytes()
    assert locking(flow).acquire_many(["b.rs"], "fn-1.3") == {"locked": [], "already_locked": [
        {"file": "b.rs", "owners": ["fn-1.2(write)"], "detail": "file 'b.rs' already locked by task 'fn-1.2' (write)"}]}
    assert flow.paths.locks.read_bytes() == before


def test_invalid_arguments(flow):
    with pytest.raises(InvalidInputError, match="Invalid lock mode 'exclusive'"):
        locking(flow).acquire("a.rs", "fn-1.1", "exclusive")
    with pytest.raises(InvalidInputError):
        locking(flow).acquire("", "fn-1.1")
    with pytest.raises(InvalidInputError):
        locking(flow).acquire_many(["a.rs"], "fn-1.1", "bogus")
    assert not flow.paths.locks.exists()


@pytest.mark.parametrize("content", [
    "garbage", '{"a": 1}', '[{"file_path": "a", "task_id": "t"}]',
    '[{"file_path": "a", "task_id": "t", "mode": "exclusive", "locked_at": "x"}]',
    '[{"file_path": "a", "task_id": "t", "mode": "read", "locked_at": "x", "expires_at": "soon"}]',
])
def test_corrupt_file_raises_and_is_left_alone(flow, content):
    flow.paths.locks.write_text(content)
    calls = (lambda: flow.locks.list(), lambda: flow.locks.check("a"), lambda: locking(flow).acquire("a", "t2"),
             lambda: locking(flow).acquire_many(["a"], "t2"), lambda: locking(flow).release("t"),
             lambda: locking(flow).release_all(), lambda: locking(flow).heartbeat("t"), lambda: locking(flow).purge())
    for call in calls:
        with pytest.raises(CorruptFileError) as err:
            call()
        assert str(flow.paths.locks) in str(err.value)
    assert flow.paths.locks.read_text() == content


def test_six_processes_one_write_winner(flow, run_workers):
    body = """
from flowctl_core.errors import ConflictError
try:
    with store.lock():  # plan and write under the store lock, as the service does
        entries, _ = store.locks.plan_acquire("src/shared.rs", f"fn-1.{WORKER + 1}", "write")
        store.locks.put("", entries)
    print("won")
except ConflictError:
    print("lost")
"""
    outs = [o.strip() for o in run_workers(body, 6, flow.flow_dir)]
    assert sorted(outs) == ["lost"] * 5 + ["won"]
    (entry,) = flow.locks.list()
    assert entry["task_id"] == f"fn-1.{outs.index('won') + 1}"


def test_six_processes_distinct_files_lose_nothing(flow, run_workers):
    body = """
for n in range(5):
    with store.lock():
        entries, _ = store.locks.plan_acquire(f"src/{WORKER}-{n}.rs", f"fn-1.{WORKER + 1}", "write")
        store.locks.put("", entries)
"""
    run_workers(body, 6, flow.flow_dir)
    assert len(flow.locks.list()) == 30


def test_nanosecond_expiry_written_by_other_tools_is_understood(flow):
    flow.paths.locks.write_text(json.dumps([
        {"file_path": "a.rs", "task_id": "fn-1.1", "mode": "write", "locked_at": "2026-11-26T14:49:48.379139046+00:00",
         "expires_at": "2999-01-01T00:00:00.123456789Z"},
        {"file_path": "b.rs", "task_id": "fn-1.1", "mode": "write", "locked_at": "2026-11-26T14:49:48.379139046+00:00",
         "expires_at": "2001-01-01T00:00:00.123456789+00:00"}]))
    assert [h["task_id"] for h in flow.locks.check("a.rs")] == ["fn-1.1"]
    assert flow.locks.check("b.rs") == []
    locking(flow).acquire("b.rs", "fn-1.2")
