"""`flowctl approval …` end to end: records (compact and not), plain text, waiting, errors, dry-run, the file."""

from __future__ import annotations

import json
import subprocess
import time

from flowctl_runner import Flowctl

E = "fn-1-auth-work"
T1 = f"{E}.1"


def workspace(flowctl: Flowctl) -> Flowctl:
    flowctl.ok("epic", "create", "--title", "Auth work")
    flowctl.ok("task", "create", "--epic", E, "--title", "Login")
    return flowctl


def test_create_list_show_approve_reject(initialized_flowctl: Flowctl) -> None:
    f = workspace(initialized_flowctl)
    payload = '{"files":["src/a.rs"],"reason":"need it","message":"m","created_at":5}'
    created = f.ok("approval", "create", "--task", T1, "--kind", "file_access", "--payload", payload, "--json")
    # compact: no created_at, and the compact keys are stripped inside the payload too (stored in full)
    assert created == {"id": created["id"], "kind": "file_access", "payload": {"files": ["src/a.rs"],
                       "reason": "need it"}, "reason": None, "resolved_at": None, "resolver": None,
                       "status": "pending", "task_id": T1}
    assert created["id"].startswith("apv-")
    [stored] = json.loads((f.flow / ".state" / "approvals.json").read_text())
    assert stored["payload"] == json.loads(payload) and isinstance(stored["created_at"], int)
    full = json.loads(f.tty("approval", "show", created["id"], "--json"))
    assert full["success"] is True and full["created_at"] == stored["created_at"]

    second = f.ok("approval", "create", "--task", T1, "--kind", "mutation", "--payload", '"just a string"')
    second_id = second.split("\t")[0]
    assert second == f"{second_id}\ttask={T1}\tstatus=pending\n"
    assert f.ok("approval", "list", "--pending", "--json")["data"][0]["status"] == "pending"
    assert set(f.ok("approval", "list").splitlines()) == {f"{created['id']}\tfile_access\ttask={T1}\tstatus=pending",
                                                          f"{second_id}\tmutation\ttask={T1}\tstatus=pending"}

    approved = f.ok("approval", "approve", created["id"], "--json")
    assert (approved["status"], approved["resolver"]) == ("approved", "dev@example.com")
    assert isinstance(approved["resolved_at"], int)
    rejected = f.ok("approval", "reject", second_id, "--reason", "too risky", "--json", env={"FLOW_ACTOR": " bob "})
    assert (rejected["status"], rejected["reason"], rejected["resolver"]) == ("rejected", "too risky", "bob")
    assert f.ok("approval", "list", "--pending", "--json") == {"data": []}
    assert f.ok("approval", "show", second_id) == f"{second_id}\ttask={T1}\tstatus=rejected\n"
    for op in ("approve", "reject"):
        assert f.fail("approval", op, created["id"]).error == (
            f"{op}: invalid transition: approval {created['id']} is already approved")


def test_show_wait_returns_the_resolution_and_honours_the_timeout(initialized_flowctl: Flowctl) -> None:
    f = workspace(initialized_flowctl)
    apv = f.ok("approval", "create", "--task", T1, "--kind", "generic", "--payload", "{}", "--json")["id"]
    started = time.monotonic()
    run = f.fail("approval", "show", apv, "--wait", "--timeout", "1")
    assert run.error == f"timeout waiting for approval {apv} (status still pending after 1s)"
    assert 0.9 < time.monotonic() - started < 10
    assert f.fail("approval", "show", apv, "--wait", "--timeout", "0").error.startswith("timeout waiting")
    waiter = subprocess.Popen([f.exe, "approval", "show", apv, "--wait", "--timeout", "60", "--json"], cwd=f.cwd,
                              env=f.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    f.ok("approval", "approve", apv)  # the waiter holds no store lock, so this is not held up
    out, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, err
    assert json.loads(out)["status"] == "approved"


def test_errors(initialized_flowctl: Flowctl, tmp_path) -> None:  # noqa: ANN001
    f = workspace(initialized_flowctl)
    big = tmp_path / "big.json"
    big.write_text('"' + "x" * (1024 * 1024) + '"')
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"a": "\xff"}')
    for args, message in [
        (("--task", T1, "--kind", "bogus", "--payload", "1"), "invalid --kind: bogus"),
        (("--task", T1, "--kind", "generic", "--payload", "{bad"),
         "invalid --payload JSON: key must be a string at line 1 column 2"),
        (("--task", T1, "--kind", "generic", "--payload", "NaN"), "invalid --payload JSON: expected value at line 1 column 1"),
        (("--task", T1, "--kind", "generic", "--payload", "[" * 200 + "]" * 200),
         "invalid --payload JSON: recursion limit exceeded (nested deeper than 128)"),
        (("--task", T1, "--kind", "generic", "--payload", "@/nonexistent.json"),
         "cannot read /nonexistent.json: No such file or directory (os error 2)"),
        (("--task", T1, "--kind", "generic", "--payload", f"@{big}"),
         f"cannot read {big}: larger than 1048576 bytes (the limit for a payload)"),
        (("--task", T1, "--kind", "generic", "--payload", "@/dev/zero"),
         "cannot read /dev/zero: larger than 1048576 bytes (the limit for a payload)"),
        (("--task", T1, "--kind", "generic", "--payload", f"@{tmp_path}"),
         f"cannot read {tmp_path}: Is a directory (os error 21)"),
        (("--task", T1, "--kind", "generic", "--payload", f"@{bad}"),
         f"invalid JSON in {bad}: not valid UTF-8 (invalid start byte at byte 7)"),
        (("--task", f"{E}.9", "--kind", "generic", "--payload", "1"),
         f"create: validation error: task {E}.9 does not exist"),
        (("--task", "../../etc/passwd", "--kind", "generic", "--payload", "1"),
         "create: validation error: Invalid task ID: ../../etc/passwd"),
    ]:
        run = f.fail("approval", "create", *args)
        assert (run.error, run.out) == (message, ""), args
    assert not (f.flow / ".state" / "approvals.json").exists()
    assert f.fail("approval", "show", "nope").error == "get: approval not found: nope"
    assert f.fail("approval", "approve", "nope").error == "approve: approval not found: nope"
    assert f.fail("approval", "reject", "nope").error == "reject: approval not found: nope"
    f.fail("approval", "show", "x", "--timeout", "-1", code=2)
    f.fail("approval", "create", "--task", T1, "--kind", "generic", code=2)


def test_dry_run_and_no_flow(initialized_flowctl: Flowctl, flowctl: Flowctl) -> None:  # noqa: ARG001
    f = workspace(initialized_flowctl)
    preview = f.ok("--dry-run", "approval", "create", "--task", T1, "--kind", "generic", "--payload", '{"a":1}')
    [mutation] = preview["changes"]["mutations"]
    assert (mutation["op"], mutation["store"], mutation["value"][0]["payload"]) == ("put", "approvals", {"a": 1})
    assert not (f.flow / ".state" / "approvals.json").exists()
    apv = f.ok("approval", "create", "--task", T1, "--kind", "generic", "--payload", "1", "--json")["id"]
    before = (f.flow / ".state" / "approvals.json").read_bytes()
    for op in ("approve", "reject"):
        preview = f.ok("approval", op, apv, "--dry-run")
        assert preview["changes"]["mutations"][0]["value"][0]["status"] in ("approved", "rejected")
    assert (f.flow / ".state" / "approvals.json").read_bytes() == before


def test_reads_without_flow_create_nothing(flowctl: Flowctl) -> None:
    assert flowctl.ok("approval", "list") == "(no approvals)\n"
    assert flowctl.ok("approval", "list", "--json") == {"data": []}
    assert flowctl.fail("approval", "show", "apv-1").error == "get: approval not found: apv-1"
    assert flowctl.fail("approval", "approve", "apv-1").error == ".flow/ does not exist. Run 'flowctl init' first."
    assert not flowctl.flow.exists()
