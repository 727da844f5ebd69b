"""The requirement gap registry: `gap add | list | resolve | check` (cli-ext.md §4, storage.md §8.3).

Fixes over the reference: `--task`, `evidence` and `resolved_at` are stored (D5, D6); a repeat resolve reports
`changed: false`; a corrupt gap file is reported, never read as empty or overwritten (D26). `check` is the gate
`epic close` applies (both use `flowctl_db.gaps.is_blocking`).
"""

from __future__ import annotations

from typing import Any

from flowctl_core import changes as ch
from flowctl_core import ids
from flowctl_core.errors import InvalidInputError, NotFoundError
from flowctl_db import FlowStore
from flowctl_db import gaps as G

from .applier import commit

U32_MAX = 2**32 - 1


def require_epic(store: FlowStore, epic_id: str) -> str:
    """The shared validation of every gap subcommand: a valid epic id whose `epics/<id>.json` exists."""
    if not ids.is_epic_id(epic_id):
        raise InvalidInputError(f"Invalid epic ID: {epic_id}")
    if not store.paths.epic_json(epic_id).exists():
        raise NotFoundError(f"Epic not found: {epic_id}")
    return epic_id


def parse_gap_id(value: str | int | None) -> int | None:
    """A gap id as given to `--id` (a u32 in decimal); `Invalid gap ID: <v>` otherwise."""
    if value is None or isinstance(value, int):
        return value
    digits = value[1:] if value.startswith("+") else value
    if not (digits.isascii() and digits.isdigit()) or int(digits) > U32_MAX:
        raise InvalidInputError(f"Invalid gap ID: {value}")
    return int(digits)


def add_gap(store: FlowStore, actor: str | None, epic_id: str, capability: str, priority: str = "required",
            source: str = "manual", task: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Register a gap unless one with the same capability (trimmed, case-insensitive) exists.

    Returns `{"created", "gap", "id", "message"}`, or the Changes preview with `dry_run`.
    """
    found = add_gaps(store, actor, epic_id,
                     [{"capability": capability, "priority": priority, "source": source, "task": task}],
                     dry_run=dry_run)
    if isinstance(found, dict):
        return found
    result = found[0]
    gap = result["gap"]
    message = f"Gap {gap['id']} added to {epic_id}" if result["created"] else f"Gap already exists: {gap['id']}"
    return {**result, "message": message}


def add_gaps(store: FlowStore, actor: str | None, epic_id: str, entries: list[dict[str, Any]],
             dry_run: bool = False) -> list[dict[str, Any]] | dict[str, Any]:
    """Register several gaps in one write (all or none), each as `add_gap` would (`parse-findings --register`).

    `entries` are `{"capability", "priority"?, "source"?, "task"?}`. Returns one `{"created", "gap", "id"}` per
    entry, in order (a capability repeated in the batch is created once), or the Changes preview with `dry_run`.
    """
    require_epic(store, epic_id)
    for entry in entries:
        task = entry.get("task")
        if task is not None and not ids.is_task_id(task):
            raise InvalidInputError(f"Invalid task ID: {task}")
    with store.lock():
        current = store.gaps.read(epic_id)
        results = []
        for entry in entries:
            current, gap, created = G.with_added(current, entry["capability"], entry.get("priority", "required"),
                                                 entry.get("source", "manual"), entry.get("task"))
            results.append({"created": created, "gap": gap, "id": gap["id"]})
        changed = any(r["created"] for r in results)
        preview = commit(store, ch.Changes([ch.put("gaps", epic_id, current)] if changed else []), actor,
                         dry_run=dry_run)
    if preview is not None:
        return preview
    return [{**r, "gap": G.gap_item(r["gap"])} for r in results]


def add_text(result: dict[str, Any]) -> str:
    """Plain form of `gap add`."""
    gap = result["gap"]
    if result["created"]:
        return f"Gap {gap['id']} added: [{gap['priority']}] {gap['capability']}"
    return f"Gap already exists: {gap['id']} \u2014 {gap['capability']}"


def _list_item(gap: dict[str, Any]) -> dict[str, Any]:
    item = G.gap_item(gap)
    for key in ("task", "evidence", "resolved_at"):  # D5/D6 fields, shown when stored
        if gap.get(key) is not None:
            item[key] = gap[key]
    return item


def list_gaps(store: FlowStore, epic_id: str, status: str | None = None) -> dict[str, Any]:
    """`{"count", "epic", "gaps"}`, optionally only `open` or `resolved` gaps, in file order."""
    require_epic(store, epic_id)
    if status not in (None, "open", "resolved"):
        raise InvalidInputError(f"Invalid status '{status}'. Use: open, resolved")
    items = [_list_item(g) for g in store.gaps.read(epic_id) if status is None or G.gap_status(g) == status]
    return {"count": len(items), "epic": epic_id, "gaps": items}


def list_text(result: dict[str, Any], status: str | None = None) -> str:
    """Plain form of `gap list`: one `  ✓|✗ <id> [<priority>] <capability>` line per gap."""
    if not result["gaps"]:
        return f"No gaps for {result['epic']}" + (f" (status={status})" if status else "")
    marks = {"resolved": "\u2713", "open": "\u2717"}
    return "".join(f"  {marks[g['status']]} {g['id']} [{g['priority']}] {g['capability']}\n" for g in result["gaps"])


def _epic_holding(store: FlowStore, gap_id: int | None, capability: str | None) -> str:
    """The one epic whose registry holds the gap, for `gap resolve` without `--epic`."""
    holders = []
    for epic_id in store.gaps.epics_with_gaps():
        if not ids.is_epic_id(epic_id):
            continue
        try:
            G.find(store.gaps.read(epic_id), gap_id, capability)
        except NotFoundError:
            continue
        holders.append(epic_id)
    what = f"Gap {gap_id}" if gap_id is not None else f"Gap for capability '{capability}'"
    if not holders:
        raise NotFoundError(f"{what} not found")
    if len(holders) > 1:
        raise InvalidInputError(f"{what} exists in several epics ({', '.join(holders)}); pass --epic")
    return holders[0]


def resolve_gap(store: FlowStore, actor: str | None, epic_id: str | None, gap_id: str | int | None = None,
                capability: str | None = None, evidence: str | None = None,
                dry_run: bool = False) -> dict[str, Any]:
    """Mark a gap resolved (by id, which wins, or by capability), storing `evidence` and `resolved_at`.

    Without `epic_id` the epic is the only one whose registry holds that gap. Returns `{"changed", "id",
    "message"}` (by id) or `{"capability", "changed", "message"}` (by capability, as typed).
    """
    from flowctl_core.timefmt import now_off

    number = parse_gap_id(gap_id)
    if number is None and capability is None:
        raise InvalidInputError("Either --capability or --id is required")
    if epic_id is not None:
        require_epic(store, epic_id)
    with store.lock():
        if epic_id is None:
            epic_id = require_epic(store, _epic_holding(store, number, capability))
        gaps, gap, changed = G.with_resolved(store.gaps.read(epic_id), now_off(), number,
                                             None if number is not None else capability, evidence)
        batch = ch.Changes([ch.put("gaps", epic_id, gaps)] if changed else [])
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    verb = "resolved" if changed else "already resolved"
    if number is not None:
        return {"changed": changed, "id": number, "message": f"Gap {number} {verb}"}
    return {"capability": capability, "changed": changed, "message": f"Gap for '{capability}' {verb}"}


def check(store: FlowStore, epic_id: str) -> dict[str, Any]:
    """The gate: `{epic, gate: pass|fail, open_blocking, open_non_blocking, resolved, total}`."""
    require_epic(store, epic_id)
    return store.gaps.check(epic_id)


def check_text(result: dict[str, Any]) -> str:
    """Plain form of `gap check` (not filtered: long capabilities are printed whole)."""
    epic = result["epic"]
    if result["gate"] == "pass":
        return (f"Gap check PASS for {epic} ({len(result['resolved'])} resolved, "
                f"{len(result['open_non_blocking'])} non-blocking)")
    lines = [f"Gap check FAIL for {epic} \u2014 {len(result['open_blocking'])} blocking gap(s):"]
    lines += [f"  \u2717 [{g['priority']}] {g['capability']}" for g in result["open_blocking"]]
    return "\n".join(lines)
