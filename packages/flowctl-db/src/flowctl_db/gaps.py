"""GapStore: the per-epic requirement gap registry `gaps/<epic>.json` (storage.md §3.8, §8.3; D5, D6, D26 fixed).

The store only reads and writes the file; the functions below are the pure rules over a list of gaps (identity,
id allocation, resolution, the blocking gate). The service runs them under the store lock and writes the result
as a Changes batch.
"""

from __future__ import annotations

from typing import Any

from flowctl_core import records as R
from flowctl_core.errors import CorruptFileError, InvalidInputError, NotFoundError
from flowctl_core.json_store import FlowPaths, load_json, remove_file, write_json

PRIORITIES = R.GAP_PRIORITIES
BLOCKING_PRIORITIES = ("required", "important")


def capability_key(capability: str) -> str:
    """The identity of a gap: its capability trimmed and lower-cased."""
    return capability.strip().lower()


def gap_status(gap: dict[str, Any]) -> str:
    """`resolved` or `open`, derived from the `resolved` flag."""
    return "resolved" if gap.get("resolved") else "open"


def gap_item(gap: dict[str, Any], with_source: bool = True) -> dict[str, Any]:
    """The CLI view of a gap: `{capability, id, priority, source?, status}`."""
    item = {"capability": gap["capability"], "id": gap["id"], "priority": gap["priority"]}
    if with_source:
        item["source"] = gap["source"]
    item["status"] = gap_status(gap)
    return item


def is_blocking(gap: dict[str, Any]) -> bool:
    """An unresolved gap of priority `required` or `important` blocks the epic (`gap check` and `epic close`)."""
    return not gap.get("resolved") and gap["priority"] in BLOCKING_PRIORITIES


def with_added(gaps: list[dict[str, Any]], capability: str, priority: str = "required", source: str = "manual",
               task: str | None = None) -> tuple[list[dict[str, Any]], dict[str, Any], bool]:
    """`(new list, gap, created)`: the gap appended with id max+1, or the existing gap of the same capability."""
    if priority not in PRIORITIES:
        raise InvalidInputError(f"Invalid priority '{priority}'. Use: {', '.join(PRIORITIES)}")
    capability = capability.strip()
    if not capability:
        raise InvalidInputError("Capability cannot be empty")
    key = capability_key(capability)
    for gap in gaps:
        if capability_key(gap["capability"]) == key:
            return gaps, gap, False
    new: dict[str, Any] = {
        "id": max((g["id"] for g in gaps), default=0) + 1,
        "capability": capability,
        "priority": priority,
        "source": source,
        "resolved": False,
    }
    if task:
        new["task"] = task
    return [*gaps, new], new, True


def find(gaps: list[dict[str, Any]], gap_id: int | None = None, capability: str | None = None) -> dict[str, Any]:
    """One gap by id (preferred) or by capability (trimmed, case-insensitive, first match)."""
    if gap_id is not None:
        for gap in gaps:
            if gap["id"] == gap_id:
                return gap
        raise NotFoundError(f"Gap {gap_id} not found")
    if capability is not None:
        key = capability_key(capability)
        for gap in gaps:
            if capability_key(gap["capability"]) == key:
                return gap
        raise NotFoundError(f"Gap for capability '{capability}' not found")
    raise InvalidInputError("Either --capability or --id is required")


def with_resolved(gaps: list[dict[str, Any]], resolved_at: str, gap_id: int | None = None,
                  capability: str | None = None, evidence: str | None = None,
                  ) -> tuple[list[dict[str, Any]], dict[str, Any], bool]:
    """`(new list, gap, changed)`: the gap marked resolved with `resolved_at` and `evidence`; an already resolved
    gap is returned unchanged (`changed` False, D6)."""
    gap = find(gaps, gap_id, capability)
    if gap.get("resolved"):
        return gaps, gap, False
    done = {**gap, "resolved": True, "resolved_at": resolved_at}
    if evidence is not None:
        done["evidence"] = evidence
    done = R.normalize(R.GAP, done)
    return [done if g is gap else g for g in gaps], done, True


def gate(epic_id: str, gaps: list[dict[str, Any]]) -> dict[str, Any]:
    """The gap gate: `{epic, gate, open_blocking, open_non_blocking, resolved, total}` (lists in file order)."""
    blocking = [gap_item(g, False) for g in gaps if is_blocking(g)]
    non_blocking = [gap_item(g, False) for g in gaps if not g.get("resolved") and not is_blocking(g)]
    resolved = [gap_item(g, False) for g in gaps if g.get("resolved")]
    return {
        "epic": epic_id,
        "gate": "fail" if blocking else "pass",
        "open_blocking": blocking,
        "open_non_blocking": non_blocking,
        "resolved": resolved,
        "total": len(gaps),
    }


class GapStore:
    """`gaps/<epic>.json`: a pretty JSON array of gap entries in struct order."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    def read(self, epic_id: str) -> list[dict[str, Any]]:
        """The epic's gaps in file order ([] when the file is missing; a corrupt file raises, D26 fix)."""
        path = self.paths.gaps_json(epic_id)
        data = load_json(path)
        if data is None:
            return []
        if not isinstance(data, list):
            raise CorruptFileError(path, "expected a JSON array of gaps")
        return [R.normalize(R.GAP, item, path) for item in data]

    def epics_with_gaps(self) -> list[str]:
        """Epic ids that have a gap file, sorted."""
        import os

        try:
            names = os.listdir(self.paths.gaps)
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(n[:-5] for n in names if n.endswith(".json") and not n.startswith("."))

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: list[dict[str, Any]]) -> None:
        """Replace `gaps/<key>.json` with the list of gaps `value`."""
        path = self.paths.gaps_json(key)
        write_json(path, [R.normalize(R.GAP, g, path) for g in value])

    def append(self, value: Any, key: str = "") -> None:
        """A gap registry is a whole-file store: it has no log."""
        raise ValueError("gaps/<epic>.json is not appendable")

    def delete(self, key: str) -> None:
        """Remove `gaps/<key>.json`."""
        remove_file(self.paths.gaps_json(key))

    # -- read helpers ----------------------------------------------------------------------------------------
    def open_blocking(self, epic_id: str) -> list[dict[str, Any]]:
        """Unresolved `required`/`important` gaps in file order (what blocks `epic close`)."""
        return [g for g in self.read(epic_id) if is_blocking(g)]

    def check(self, epic_id: str) -> dict[str, Any]:
        """The gap gate of one epic (see `gate`)."""
        return gate(epic_id, self.read(epic_id))
