"""ApprovalStore: pending decisions in `.state/approvals.json` (storage.md §3.12, §8.2; D27, D51 fixed).

The file is a pretty JSON array written with sorted keys. Elements that do not parse as an approval are kept
verbatim, in place, on every rewrite (the reference silently dropped them). The store reads and writes the file;
`with_created` and `with_resolved` are the pure rules the service runs under the store lock.
"""

from __future__ import annotations

import time
from typing import Any

from flowctl_core import records as R
from flowctl_core.errors import CorruptFileError, InvalidInputError, InvalidTransitionError, NotFoundError
from flowctl_core.json_store import FlowPaths, load_json, remove_file, write_json

KINDS = R.APPROVAL_KINDS
STATUSES = R.APPROVAL_STATUSES


def new_approval_id(time_ns: int | None = None) -> str:
    """`apv-<unix millis hex>-<sub-second nanos hex>` from one clock read (no padding)."""
    ns = time.time_ns() if time_ns is None else time_ns
    return f"apv-{ns // 1_000_000:x}-{ns % 1_000_000_000:x}"


def parse_approval(item: Any) -> dict[str, Any] | None:
    """The element as a normalised approval, or None when it does not fit the schema."""
    try:
        return R.normalize(R.APPROVAL, item)
    except CorruptFileError:
        return None


def _locate(raw: list[Any], approval_id: str) -> tuple[int, dict[str, Any]]:
    """Position and parsed form of the first parseable element with this id; NotFoundError otherwise."""
    for index, item in enumerate(raw):
        approval = parse_approval(item)
        if approval is not None and approval["id"] == approval_id:
            return index, approval
    raise NotFoundError(f"approval not found: {approval_id}")


def with_created(raw: list[Any], task_id: str, kind: str, payload: Any, time_ns: int | None = None,
                 created_at: int | None = None) -> tuple[list[Any], dict[str, Any]]:
    """`(new array, approval)`: a new pending approval appended (the caller checks that the task exists).

    The id comes from one clock read; an id already in the file (same nanosecond) takes the next nanosecond.
    """
    if kind not in KINDS:
        raise InvalidInputError(f"invalid --kind: {kind}")
    taken = {item.get("id") for item in raw if isinstance(item, dict)}
    ns = time.time_ns() if time_ns is None else time_ns
    while new_approval_id(ns) in taken:
        ns += 1
    approval = {
        "created_at": int(time.time()) if created_at is None else created_at,
        "id": new_approval_id(ns),
        "kind": kind,
        "payload": payload,
        "reason": None,
        "resolved_at": None,
        "resolver": None,
        "status": "pending",
        "task_id": task_id,
    }
    return [*raw, approval], approval


def with_resolved(raw: list[Any], approval_id: str, approve: bool, actor: str | None, reason: str | None = None,
                  resolved_at: int | None = None) -> tuple[list[Any], dict[str, Any]]:
    """`(new array, approval)`: a pending approval approved or rejected; any other status is refused."""
    index, approval = _locate(raw, approval_id)
    if approval["status"] != "pending":
        raise InvalidTransitionError(f"invalid transition: approval {approval_id} is already {approval['status']}")
    approval = {**approval, "status": "approved" if approve else "rejected",
                "resolved_at": int(time.time()) if resolved_at is None else resolved_at, "resolver": actor}
    if not approve:
        approval["reason"] = reason
    return [*raw[:index], approval, *raw[index + 1:]], approval


class ApprovalStore:
    """`.state/approvals.json`: a sorted-key pretty JSON array of approval records."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    def read_raw(self) -> list[Any]:
        """Every element of the array as stored, parseable or not ([] when missing; non-array raises)."""
        data = load_json(self.paths.approvals)
        if data is None:
            return []
        if not isinstance(data, list):
            raise CorruptFileError(self.paths.approvals, "expected a JSON array of approvals")
        return data

    def _parsed(self) -> list[dict[str, Any]]:
        return [a for a in map(parse_approval, self.read_raw()) if a is not None]

    def _save(self, raw: list[Any]) -> None:
        write_json(self.paths.approvals, raw, sort_keys=True)

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: list[Any]) -> None:
        """Replace `.state/approvals.json` with the array `value` (elements kept verbatim, D27)."""
        self._save(value)

    def append(self, value: Any, key: str = "") -> None:
        """The approvals file is a whole-file store: it has no log."""
        raise ValueError("approvals.json is not appendable")

    def delete(self, key: str) -> None:
        """Remove `.state/approvals.json`."""
        remove_file(self.paths.approvals)

    def list(self, pending_only: bool = False) -> list[dict[str, Any]]:
        """Parseable approvals, newest `created_at` first (stable: equal seconds keep file order)."""
        items = [a for a in self._parsed() if not pending_only or a["status"] == "pending"]
        return sorted(items, key=lambda a: a["created_at"], reverse=True)

    def get(self, approval_id: str) -> dict[str, Any]:
        """One approval by id; NotFoundError `approval not found: <id>`."""
        for approval in self._parsed():
            if approval["id"] == approval_id:
                return approval
        raise NotFoundError(f"approval not found: {approval_id}")
