"""lock / unlock / heartbeat / lock-check end to end (decision D-4: modes, holders, --files, TTL)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

T1, T2, T3 = "fn-1-add-oauth-login.1", "fn-1-add-oauth-login.2", "fn-1-add-oauth-login.3"
FULL = {"FLOWCTL_COMPACT": "0"}


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts)


def locks_file(flowctl) -> list[dict]:
    return json.loads((flowctl.flow / ".state" / "locks.json").read_text())


def test_lock_json_and_file(initialized_flowctl):
    assert initialized_flowctl.ok("lock", "--task", T2, "--files", "src/auth/callback.rs, src/auth/mod.rs", "--json") == {
        "already_locked": [], "locked": ["src/auth/callback.rs", "src/auth/mod.rs"], "mode": "write", "task": T2}
    entries = locks_file(initialized_flowctl)
    assert [(e["file_path"], e["task_id"], e["mode"]) for e in entries] == [
        ("src/auth/callback.rs", T2, "write"), ("src/auth/mod.rs", T2, "write")]
    assert list(entries[0]) == ["file_path", "task_id", "mode", "locked_at", "expires_at"]
    text = (initialized_flowctl.flow / ".state" / "locks.json").read_text()
    assert text.startswith('[\n  {\n    "file_path": "src/auth/callback.rs",\n') and not text.endswith("\n")


def test_lock_plain_and_conflicts_with_holder_modes(initialized_flowctl):
    assert initialized_flowctl.ok("lock", "--task", T1, "--files", "a.rs", "--mode", "read") == \
        f"Locked 1 file(s) for task {T1} (mode: read)\n"
    assert initialized_flowctl.ok("lock", "--task", T2, "--files", "a.rs", "--mode", "read") == \
        f"Locked 1 file(s) for task {T2} (mode: read)\n"  # read locks are shared (D1)
    data = initialized_flowctl.ok("lock", "--task", T3, "--files", "a.rs,b.rs", "--json")
    assert data["locked"] == ["b.rs"] and data["mode"] == "write"
    assert data["already_locked"][0]["file"] == "a.rs"
    assert data["already_locked"][0]["owners"] == [f"{T1}(read)", f"{T2}(read)"]  # holders' own modes (D20)
    run = initialized_flowctl("lock", "--task", T3, "--files", "a.rs")
    assert run.code == 0  # conflicts are reported, not errors
    assert run.out == f'Already locked: a.rs (owners: ["{T1}(read)","{T2}(read)"])\n'
    full = initialized_flowctl.ok("lock", "--task", T3, "--files", "c.rs", "--json", env=FULL)
    assert full["success"] is True


def test_directory_add_is_shared_with_read_but_not_write(initialized_flowctl):
    initialized_flowctl.ok("lock", "--task", T1, "--files", "src/", "--mode", "directory_add")
    assert initialized_flowctl.ok("lock", "--task", T2, "--files", "src/", "--mode", "read", "--json")["locked"] == ["src/"]
    assert initialized_flowctl.ok("lock", "--task", T3, "--files", "src/", "--json")["locked"] == []


def test_lock_errors(initialized_flowctl, flowctl):
    assert initialized_flowctl.fail("lock", "--task", "worker-1", "--files", "a").error == (
        "Invalid task ID: worker-1. Expected format: fn-N.M or fn-N-slug.M (e.g., fn-1.2, fn-1-add-auth.2)")
    assert initialized_flowctl.fail("lock", "--task", T1, "--files", " ,").error == "No files specified for locking."
    initialized_flowctl.fail("lock", "--task", T1, "--files", "a", "--mode", "exclusive", code=2)
    initialized_flowctl.fail("lock", "--files", "a", code=2)
    initialized_flowctl.fail("lock", "--task", T1, code=2)


def test_lock_commands_need_flow(flowctl):
    for args in (["lock", "--task", T1, "--files", "a"], ["unlock", "--all"], ["heartbeat", "--task", T1],
                 ["lock-check"]):
        assert flowctl.fail(*args).error == ".flow/ does not exist. Run 'flowctl init' first."


def test_lock_check(initialized_flowctl):
    assert initialized_flowctl.ok("lock-check", "--file", "a.rs", "--json") == {"file": "a.rs", "locked": False}
    assert initialized_flowctl.ok("lock-check", "--file", "a.rs") == "a.rs: not locked\n"
    assert initialized_flowctl.ok("lock-check") == "No file locks active.\n"
    assert initialized_flowctl.ok("lock-check", "--json") == {"count": 0, "locks": []}
    initialized_flowctl.ok("lock", "--task", T1, "--files", "a.rs", "--mode", "read")
    initialized_flowctl.ok("lock", "--task", T2, "--files", "a.rs", "--mode", "read")
    data = initialized_flowctl.ok("lock-check", "--file", "a.rs", "--json")
    assert data["locked"] is True
    assert [(h["task_id"], h["mode"]) for h in data["locks"]] == [(T1, "read"), (T2, "read")]  # D2, D3
    assert initialized_flowctl.ok("lock-check", "--file", "a.rs") == f"a.rs: locked by {T1} [read], {T2} [read]\n"
    listing = initialized_flowctl.ok("lock-check", "--json")
    assert listing["count"] == 2
    assert set(listing["locks"][0]) == {"expires_at", "file", "locked_at", "mode", "task_id"}
    text = initialized_flowctl.ok("lock-check")
    assert text.startswith(f"Active file locks (2):\n\n  a.rs → {T1} [read] (since ")


def test_lock_check_single_writer_reads_like_reference(initialized_flowctl):
    initialized_flowctl.ok("lock", "--task", T1, "--files", "a.rs")
    assert initialized_flowctl.ok("lock-check", "--file", "a.rs") == f"a.rs: locked by {T1}\n"


def test_unlock_files_task_and_all(initialized_flowctl):
    initialized_flowctl.ok("lock", "--task", T1, "--files", "a.rs,b.rs,c.rs")
    initialized_flowctl.ok("lock", "--task", T2, "--files", "d.rs")
    assert initialized_flowctl.ok("unlock", "--task", T1, "--files", "a.rs,c.rs", "--json") == {"task": T1, "unlocked": 2}
    assert [e["file_path"] for e in locks_file(initialized_flowctl)] == ["b.rs", "d.rs"]  # only the named files (D18)
    assert initialized_flowctl.ok("unlock", "--task", T1) == f"Released 1 lock(s) for task {T1}\n"
    full = initialized_flowctl.ok("unlock", "--task", T1, "--json", env=FULL)
    assert full == {"message": f"Released 0 lock(s) for task {T1}", "success": True, "task": T1, "unlocked": 0}
    assert initialized_flowctl.ok("unlock", "--all", "--json", env=FULL) == {"cleared": 1, "message": "Cleared 1 file lock(s)",
                                                             "success": True}
    assert (initialized_flowctl.flow / ".state" / "locks.json").read_text() == "[]"
    assert initialized_flowctl.ok("unlock", "--all") == "Cleared 0 file lock(s)\n"


def test_unlock_errors(initialized_flowctl):
    assert initialized_flowctl.fail("unlock").error == "--task is required (or use --all to clear all locks)"
    assert initialized_flowctl.fail("unlock", "--files", "a.rs").error == "--task is required (or use --all to clear all locks)"
    assert initialized_flowctl.fail("unlock", "--task", "bad").error.startswith("Invalid task ID: bad.")


def test_heartbeat_extends_ttl(initialized_flowctl):
    initialized_flowctl.ok("lock", "--task", T1, "--files", "a.rs,b.rs", "--ttl", "60")
    before = [e["expires_at"] for e in locks_file(initialized_flowctl)]
    assert initialized_flowctl.ok("heartbeat", "--task", T1, "--json") == {"extended": 2, "task": T1}
    after = [e["expires_at"] for e in locks_file(initialized_flowctl)]
    assert all(parse(a) - parse(b) > timedelta(minutes=40) for a, b in zip(after, before, strict=True))
    full = initialized_flowctl.ok("heartbeat", "--task", T1, "--json", env=FULL)
    assert set(full) == {"extended", "message", "success", "task"} and full["extended"] == 2
    assert initialized_flowctl.ok("heartbeat", "--task", T2) == f"Heartbeat acknowledged for task {T2} (extended 0 lock(s))\n"
    assert initialized_flowctl.fail("heartbeat", "--task", "nope").error.startswith("Invalid task ID: nope.")
    initialized_flowctl.fail("heartbeat", code=2)


def test_expired_lock_no_longer_blocks(initialized_flowctl):
    initialized_flowctl.ok("lock", "--task", T1, "--files", "a.rs", "--ttl", "60")
    entries = locks_file(initialized_flowctl)
    entries[0]["expires_at"] = "2020-01-01T00:00:00+00:00"
    (initialized_flowctl.flow / ".state" / "locks.json").write_text(json.dumps(entries, indent=2))
    assert initialized_flowctl.ok("lock-check", "--file", "a.rs", "--json") == {"file": "a.rs", "locked": False}
    assert initialized_flowctl.ok("lock", "--task", T2, "--files", "a.rs", "--json")["locked"] == ["a.rs"]
    assert [e["task_id"] for e in locks_file(initialized_flowctl)] == [T2]
