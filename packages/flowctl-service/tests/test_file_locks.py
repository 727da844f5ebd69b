"""lock / unlock / heartbeat / lock-check: modes, holders, partial release, TTL (decision D-4)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from flowctl_core import timefmt
from flowctl_core.errors import InvalidInputError
from flowctl_service import file_locks

T1, T2, T3 = "fn-1-add-oauth-login.1", "fn-1-add-oauth-login.2", "fn-1-add-oauth-login.3"




def test_split_files():
    assert file_locks.split_files(" a.rs, b.rs ,,a.rs, ") == ["a.rs", "b.rs"]
    assert file_locks.split_files(None) == []


def test_lock_writes_entries_and_reports(store):
    data = file_locks.lock(store, T1, "src/auth/callback.rs, src/auth/mod.rs")
    assert data == {"already_locked": [], "locked": ["src/auth/callback.rs", "src/auth/mod.rs"], "mode": "write",
                    "task": T1}
    entries = json.loads(store.paths.locks.read_text())
    assert [list(e) for e in entries] == [["file_path", "task_id", "mode", "locked_at", "expires_at"]] * 2
    locked_at = timefmt.parse(entries[0]["locked_at"])
    assert timefmt.parse(entries[0]["expires_at"]) - locked_at == timedelta(minutes=45)
    assert entries[0]["locked_at"].endswith("+00:00")
    assert file_locks.lock_text(data) == f"Locked 2 file(s) for task {T1} (mode: write)\n"


@pytest.mark.parametrize("held, requested, shared", [
    ("read", "read", True), ("read", "directory_add", True), ("directory_add", "read", True),
    ("directory_add", "directory_add", True), ("write", "read", False), ("read", "write", False),
    ("write", "write", False), ("directory_add", "write", False), ("write", "directory_add", False),
])
def test_compatibility_matrix(store, held, requested, shared):
    file_locks.lock(store, T1, "a.rs", held)
    data = file_locks.lock(store, T2, "a.rs", requested)
    if shared:
        assert data["locked"] == ["a.rs"] and data["already_locked"] == []
    else:
        assert data["locked"] == []
        assert data["already_locked"][0]["owners"] == [f"{T1}({held})"]  # the holder's own mode (D20)
        assert data["already_locked"][0]["file"] == "a.rs"
        assert T1 in data["already_locked"][0]["detail"]


def test_conflict_lists_every_holder_and_partial_success(store):
    file_locks.lock(store, T1, "a.rs", "read")
    file_locks.lock(store, T2, "a.rs", "directory_add")
    data = file_locks.lock(store, T3, "a.rs,b.rs", "write")
    assert data["locked"] == ["b.rs"]
    assert data["already_locked"][0]["owners"] == [f"{T1}(read)", f"{T2}(directory_add)"]
    assert file_locks.lock_text(data) == (
        f"Locked 1 file(s) for task {T3} (mode: write)\n"
        f'Already locked: a.rs (owners: ["{T1}(read)","{T2}(directory_add)"])\n')


def test_relock_own_file_changes_mode(store):
    file_locks.lock(store, T1, "a.rs", "read")
    assert file_locks.lock(store, T1, "a.rs", "write")["locked"] == ["a.rs"]
    holders = file_locks.lock_check(store, "a.rs")["locks"]
    assert [(h["task_id"], h["mode"]) for h in holders] == [(T1, "write")]


def test_lock_validation(store):
    with pytest.raises(InvalidInputError) as err:
        file_locks.lock(store, "worker-1", "a.rs")
    assert str(err.value) == ("Invalid task ID: worker-1. Expected format: fn-N.M or fn-N-slug.M "
                              "(e.g., fn-1.2, fn-1-add-auth.2)")
    with pytest.raises(InvalidInputError, match=r"^No files specified for locking\.$"):
        file_locks.lock(store, T1, " , ")
    with pytest.raises(InvalidInputError, match="--ttl"):
        file_locks.lock(store, T1, "a.rs", ttl_seconds=0)
    assert not store.paths.locks.exists()


def test_unlock_only_given_files(store):
    file_locks.lock(store, T1, "a.rs,b.rs,c.rs")
    file_locks.lock(store, T2, "d.rs")
    data = file_locks.unlock(store, T1, "a.rs, c.rs")
    assert data == {"message": f"Released 2 lock(s) for task {T1}", "task": T1, "unlocked": 2}
    assert [r["file"] for r in file_locks.lock_check(store)["locks"]] == ["b.rs", "d.rs"]
    assert file_locks.unlock(store, T1)["unlocked"] == 1
    assert file_locks.unlock(store, T1)["unlocked"] == 0
    assert file_locks.unlock(store, all_=True) == {"cleared": 1, "message": "Cleared 1 file lock(s)"}
    assert store.paths.locks.read_text() == "[]"


def test_unlock_errors(store):
    with pytest.raises(InvalidInputError, match=r"^--task is required \(or use --all to clear all locks\)$"):
        file_locks.unlock(store)
    with pytest.raises(InvalidInputError, match=r"^Invalid task ID: x\."):
        file_locks.unlock(store, "x")
    assert file_locks.unlock(store, all_=True)["cleared"] == 0


def test_heartbeat_extends_ttl(store):
    file_locks.lock(store, T1, "a.rs,b.rs", ttl_seconds=60)
    file_locks.lock(store, T2, "c.rs", ttl_seconds=60)
    before = {e["file_path"]: e["expires_at"] for e in store.locks.list()}
    data = file_locks.heartbeat(store, T1)
    assert data["task"] == T1 and data["extended"] == 2 and "2 lock(s)" in data["message"]
    after = {e["file_path"]: e["expires_at"] for e in store.locks.list()}
    assert timefmt.parse(after["a.rs"]) - timefmt.parse(before["a.rs"]) > timedelta(minutes=40)
    assert after["c.rs"] == before["c.rs"]
    assert file_locks.heartbeat(store, T3)["extended"] == 0
    assert file_locks.heartbeat_text(data) == f"Heartbeat acknowledged for task {T1} (extended 2 lock(s))\n"


def test_expired_locks_are_ignored_and_replaced(store):
    store.paths.locks.write_text(json.dumps([
        {"file_path": "a.rs", "task_id": T1, "mode": "write", "locked_at": "2020-01-01T00:00:00+00:00",
         "expires_at": "2020-01-01T00:45:00+00:00"}]))
    assert file_locks.lock_check(store, "a.rs") == {"file": "a.rs", "locked": False}
    assert file_locks.lock(store, T2, "a.rs")["locked"] == ["a.rs"]


def test_lock_check_reads_reference_entries_and_reports_real_modes(store):
    # Entries in the reference's format (no expiry) never expire by time.
    store.paths.locks.write_text(json.dumps([
        {"file_path": "a.rs", "task_id": T1, "mode": "read", "locked_at": "2026-11-26T14:49:48.379139046+00:00"},
        {"file_path": "a.rs", "task_id": T2, "mode": "read", "locked_at": "2026-11-26T14:49:49+00:00"},
    ], indent=2))
    data = file_locks.lock_check(store, "a.rs")
    assert data == {"file": "a.rs", "locked": True, "locks": [
        {"locked_at": "2026-11-26T14:49:48.379139046+00:00", "mode": "read", "task_id": T1},
        {"locked_at": "2026-11-26T14:49:49+00:00", "mode": "read", "task_id": T2}]}
    assert file_locks.lock_check_text(data) == f"a.rs: locked by {T1} [read], {T2} [read]\n"
    everything = file_locks.lock_check(store)
    assert everything == {"count": 2, "locks": [
        {"file": "a.rs", "locked_at": "2026-11-26T14:49:48.379139046+00:00", "mode": "read", "task_id": T1},
        {"file": "a.rs", "locked_at": "2026-11-26T14:49:49+00:00", "mode": "read", "task_id": T2}]}
    assert file_locks.lock_check_text(everything) == (
        "Active file locks (2):\n\n"
        f"  a.rs \u2192 {T1} [read] (since 2026-11-26T14:49:48.379139046+00:00)\n"
        f"  a.rs \u2192 {T2} [read] (since 2026-11-26T14:49:49+00:00)\n")


def test_lock_check_texts(store):
    assert file_locks.lock_check_text(file_locks.lock_check(store, "z")) == "z: not locked\n"
    assert file_locks.lock_check_text(file_locks.lock_check(store)) == "No file locks active.\n"
    file_locks.lock(store, T1, "z")
    assert file_locks.lock_check_text(file_locks.lock_check(store, "z")) == f"z: locked by {T1}\n"
