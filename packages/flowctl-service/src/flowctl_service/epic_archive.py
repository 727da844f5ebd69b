"""`epic archive` and `epic clean` (cli-core.md §8): mark closed epics archived and move their spec and review
receipts into `.archive/<id>/`.

D43 / D-12: `epics/<id>.json`, the tasks, states and gaps stay in place (ids stay unique; archived epics are hidden
from next/queue). A move is two ops in one batch: the new file first (`put("archive", …)`), then the old one deleted.
"""

from __future__ import annotations

from typing import Any

from flowctl_core import changes
from flowctl_core.errors import InvalidTransitionError
from flowctl_db import FlowStore

from .applier import commit
from .epics import _load, epic_update


def review_belongs_to_epic(name: str, epic_id: str) -> bool:
    """A `reviews/` file belongs to an epic when its name contains `-<id>.` or starts with `epic-audit-<id>-`."""
    return f"-{epic_id}." in name or name.startswith(f"epic-audit-{epic_id}-")


def archive_moves(store: FlowStore, epic_id: str) -> tuple[list[changes.Mutation], list[str]]:
    """(ops moving the spec and the epic's review receipts into `.archive/<id>/`, the moved names)."""
    ops: list[changes.Mutation] = []
    moved: list[str] = []
    spec = store.epic_spec_or_none(epic_id)
    if spec is not None:
        ops += [changes.put("archive", f"{epic_id}/{epic_id}.md", spec), changes.remove_epic_spec(epic_id)]
        moved.append(f"specs/{epic_id}.md")
    for name in store.reviews.names():
        if review_belongs_to_epic(name, epic_id):
            body = store.reviews.read_text(name)
            if body is not None:
                ops += [changes.put("archive", f"{epic_id}/{name}", body), changes.delete("reviews", name)]
                moved.append(f"reviews/{name}")
    return ops, moved


def _commit(store: FlowStore, ops: list[changes.Mutation], dry_run: bool) -> dict[str, Any] | None:
    return commit(store, changes.Changes(ops), dry_run=dry_run, log_mutations=False)


def archive(store: FlowStore, epic_id: str, *, force: bool = False, dry_run: bool = False) -> dict[str, Any]:
    """`epic archive`: mark archived (the JSON stays in `epics/`) and move spec + reviews to `.archive/<id>/`."""
    with store.lock():
        epic = _load(store, epic_id)
        if epic["status"] != "done" and not force:
            raise InvalidTransitionError(f"Cannot archive epic {epic_id}: status is '{epic['status']}', not 'done'. "
                                         "Close it first or use --force.")
        epic["archived"] = True
        moves, moved = archive_moves(store, epic_id)
        preview = _commit(store, [epic_update(epic), *moves], dry_run)
    if preview is not None:
        return preview
    return {"archive_dir": str(store.archive.directory(epic_id)), "count": len(moved), "epic": epic_id,
            "moved": moved}


def archive_text(result: dict[str, Any]) -> str:
    """Plain output of `epic archive`."""
    lines = [f"Archived epic {result['epic']} ({result['count']} files) → .flow/.archive/{result['epic']}/"]
    lines += [f"  {m}" for m in result["moved"]]
    return "\n".join(lines)


def clean(store: FlowStore, *, dry_run: bool = False) -> dict[str, Any]:
    """`epic clean`: archive every closed, not yet archived epic (one batch)."""
    archived = []
    ops: list[changes.Mutation] = []
    with store.lock():
        for epic in store.list_epics():
            if epic["status"] == "done" and not epic.get("archived"):
                epic["archived"] = True
                ops.append(epic_update(epic))
                ops += archive_moves(store, epic["id"])[0]
                archived.append(epic["id"])
        preview = _commit(store, ops, dry_run)
    if preview is not None:
        return preview
    return {"archived": archived, "count": len(archived)}


def clean_text(result: dict[str, Any]) -> str:
    """Plain output of `epic clean`."""
    if not result["archived"]:
        return "No closed epics to archive."
    return f"Archived {result['count']} closed epic(s): {', '.join(result['archived'])}"
