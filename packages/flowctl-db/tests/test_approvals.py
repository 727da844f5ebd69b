"""ApprovalStore and the approval rules: sorted-key file, ids, list order, resolve transitions, unparseable elements
kept (D27). The rules are pure (`with_created`, `with_resolved`); `create`/`resolve` below run them the way the
service does — under the store lock, written back with `put`."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from flowctl_core.errors import CorruptFileError, InvalidInputError, InvalidTransitionError, NotFoundError
from flowctl_db import approvals as approvals_module
from flowctl_db.approvals import new_approval_id, with_created, with_resolved

TASK = "fn-3-add-oauth-login.2"


def create(flow, task_id, kind, payload):
    with flow.lock():
        raw, approval = with_created(flow.approvals.read_raw(), task_id, kind, payload)
        flow.approvals.put("", raw)
    return approval


def resolve(flow, approval_id, approve, actor, reason=None):
    with flow.lock():
        raw, approval = with_resolved(flow.approvals.read_raw(), approval_id, approve, actor, reason)
        flow.approvals.put("", raw)
    return approval


def test_rules_are_pure():
    raw = [{"odd": 1}]
    new, approval = with_created(raw, TASK, "generic", {"a": 1}, time_ns=5_000_000_000, created_at=5)
    assert raw == [{"odd": 1}] and new == [{"odd": 1}, approval]
    done, resolved = with_resolved(new, approval["id"], False, "me", "no", resolved_at=9)
    assert new[1]["status"] == "pending"
    assert (resolved["status"], resolved["reason"], resolved["resolved_at"]) == ("rejected", "no", 9)
    assert done == [{"odd": 1}, resolved]


@pytest.fixture
def clock(monkeypatch):
    """Freeze the approvals clock: one nanosecond read for the id, one second read for created_at."""
    now = SimpleNamespace(ns=1795704588383521652, s=1795704588.9)
    monkeypatch.setattr(approvals_module, "time", SimpleNamespace(time_ns=lambda: now.ns, time=lambda: now.s))
    return now


def test_create_matches_storage_example(flow, clock):
    approval = create(flow, TASK, "file_access", {"file": "src/auth.rs"})
    assert approval["id"] == "apv-1a21855885f-16dc1374"
    assert flow.paths.approvals.read_text() == """[
  {
    "created_at": 1795704588,
    "id": "apv-1a21855885f-16dc1374",
    "kind": "file_access",
    "payload": {
      "file": "src/auth.rs"
    },
    "reason": null,
    "resolved_at": null,
    "resolver": null,
    "status": "pending",
    "task_id": "fn-3-add-oauth-login.2"
  }
]"""
    assert list(approval) == sorted(approval)
    assert flow.approvals.get(approval["id"]) == approval


def test_same_nanosecond_gets_a_distinct_id(flow, clock):
    a = create(flow, TASK, "generic", 1)
    b = create(flow, TASK, "generic", 2)
    assert (a["id"], b["id"]) == ("apv-1a21855885f-16dc1374", "apv-1a21855885f-16dc1375")


def test_id_format():
    assert new_approval_id(1795704588383521652) == "apv-1a21855885f-16dc1374"
    assert new_approval_id(1_000_000_000) == "apv-3e8-0"
    assert re.fullmatch(r"apv-[0-9a-f]+-[0-9a-f]+", new_approval_id())


def test_payload_keys_sorted_and_string_payload(flow):
    create(flow, TASK, "generic", {"zeta": 1, "file": "a", "alpha": {"b": 2, "a": 1}})
    create(flow, TASK, "mutation", "just a string")
    text = flow.paths.approvals.read_text()
    assert '"payload": {\n      "alpha": {\n        "a": 1,\n        "b": 2\n      },\n      "file": "a",' in text
    assert json.loads(text)[1]["payload"] == "just a string"


def test_list_newest_first_stable_and_pending_filter(flow, clock):
    first = create(flow, TASK, "generic", 1)
    clock.ns += 1
    second = create(flow, TASK, "generic", 2)  # same second: file order kept
    clock.ns += 5_000_000_000
    clock.s += 5
    newest = create(flow, TASK, "generic", 3)
    assert [a["id"] for a in flow.approvals.list()] == [newest["id"], first["id"], second["id"]]
    resolve(flow, first["id"], True, "dev@example.com")
    assert [a["id"] for a in flow.approvals.list(pending_only=True)] == [newest["id"], second["id"]]


def test_approve_and_reject(flow, clock):
    a = create(flow, TASK, "file_access", {})
    b = create(flow, f"{TASK}x", "generic", None)
    clock.s += 3
    approved = resolve(flow, a["id"], True, "dev@example.com")
    assert {k: approved[k] for k in ("reason", "resolved_at", "resolver", "status")} == {
        "reason": None, "resolved_at": 1795704591, "resolver": "dev@example.com", "status": "approved"}
    rejected = resolve(flow, b["id"], False, "dev@example.com", reason="too risky")
    assert (rejected["status"], rejected["reason"]) == ("rejected", "too risky")
    assert rejected["payload"] is None
    on_disk = json.loads(flow.paths.approvals.read_text())
    assert on_disk == [approved, rejected]


def test_resolve_errors(flow):
    a = create(flow, TASK, "generic", {})
    resolve(flow, a["id"], True, "me")
    for call in (lambda: resolve(flow, a["id"], True, "me"), lambda: resolve(flow, a["id"], False, "me")):
        with pytest.raises(InvalidTransitionError) as err:
            call()
        assert str(err.value) == f"invalid transition: approval {a['id']} is already approved"
    with pytest.raises(NotFoundError) as err:
        resolve(flow, "apv-nope", True, "me")
    assert str(err.value) == "approval not found: apv-nope"
    with pytest.raises(NotFoundError) as err:
        flow.approvals.get("apv-nope")
    assert str(err.value) == "approval not found: apv-nope"


def test_invalid_kind(flow):
    with pytest.raises(InvalidInputError) as err:
        create(flow, TASK, "bogus", {})
    assert str(err.value) == "invalid --kind: bogus"
    assert not flow.paths.approvals.exists()


def test_unparseable_elements_are_preserved(flow):
    valid = {"created_at": 5, "id": "apv-1-1", "kind": "generic", "payload": None, "reason": None,
             "resolved_at": None, "resolver": None, "status": "pending", "task_id": TASK}
    flow.paths.approvals.write_text(json.dumps([{"bogus": 1}, valid, "junk", {**valid, "kind": "odd"}]))
    assert flow.approvals.list() == [valid]
    created = create(flow, TASK, "generic", {})
    resolve(flow, "apv-1-1", True, "me")
    raw = flow.approvals.read_raw()
    assert raw[0] == {"bogus": 1} and raw[2] == "junk" and raw[3] == {**valid, "kind": "odd"}
    assert raw[1]["status"] == "approved" and raw[4] == created
    assert len(raw) == 5


def test_missing_file(flow):
    assert flow.approvals.read_raw() == []
    assert flow.approvals.list() == []


@pytest.mark.parametrize("content", ["garbage", '{"a":1}'])
def test_corrupt_file_raises_and_is_left_alone(flow, content):
    flow.paths.approvals.write_text(content)
    for call in (lambda: flow.approvals.list(), lambda: flow.approvals.get("x"),
                 lambda: create(flow, TASK, "generic", {}), lambda: resolve(flow, "x", True, "me")):
        with pytest.raises(CorruptFileError) as err:
            call()
        assert str(flow.paths.approvals) in str(err.value)
    assert flow.paths.approvals.read_text() == content
