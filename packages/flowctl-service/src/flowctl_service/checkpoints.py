"""Snapshots of one epic: `checkpoint save | restore | delete` (cli-ext.md §8, storage.md §3.14, §8.8).

Decision D-9: a restore brings back the whole epic — its record and spec, every saved task's definition, spec and
runtime state — and resets to `todo` the tasks created after the save; the reference restored task states only.
The file keeps the reference's layout (`epic`, `tasks[].task`, `tasks[].state`, `timestamp`) and adds the specs
(`epic_spec`, `tasks[].spec`), which the reference ignores when it reads a checkpoint. A save holds the store lock,
so it sees no half-applied command; a restore is validated whole before one Changes batch writes it.
"""

from __future__ import annotations

from typing import Any

from flowctl_core import changes as ch
from flowctl_core import ids
from flowctl_core import records as R
from flowctl_core.errors import CorruptFileError, InvalidInputError, NotFoundError
from flowctl_db import FlowStore

from .applier import commit


def _epic_id(epic_id: str) -> str:
    if not ids.is_epic_id(epic_id):
        raise InvalidInputError(f"Invalid epic ID: {epic_id}")
    return epic_id


def snapshot(store: FlowStore, epic_id: str) -> dict[str, Any]:
    """The checkpoint document of an epic as it is now (call it with the store lock held)."""
    from flowctl_core.timefmt import now_off

    epic = store.get_epic(epic_id)
    if epic is None:
        raise NotFoundError(f"Epic not found: {epic_id}")
    entries = [{"spec": store.read_task_spec(task["id"]), "state": store.get_state(task["id"]), "task": task}
               for task in store.list_tasks(epic_id)]
    return {"epic": epic, "epic_spec": store.read_epic_spec(epic_id), "tasks": entries, "timestamp": now_off()}


def save(store: FlowStore, epic_id: str, *, dry_run: bool = False) -> dict[str, Any]:
    """Write the epic's checkpoint; `{"checkpoint": <path>, "epic", "message", "size_bytes"}`."""
    from flowctl_db.checkpoints import encode

    _epic_id(epic_id)
    with store.lock():
        previous = store.checkpoints.read(epic_id)
        if previous is not None:  # a checkpoint that does not hold a valid snapshot is reported, never overwritten
            _saved(store.checkpoints.path(epic_id), epic_id, previous)
        document = snapshot(store, epic_id)
        preview = commit(store, ch.Changes([ch.put("checkpoints", epic_id, document)]), None, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"checkpoint": str(store.checkpoints.path(epic_id)), "epic": epic_id,
            "message": f"Checkpoint saved for {epic_id}", "size_bytes": len(encode(document))}


def save_text(result: dict[str, Any]) -> str:
    """Plain form of `checkpoint save`."""
    return f"Checkpoint saved for {result['epic']} ({result['size_bytes']} bytes)"


def _saved(path: object, epic_id: str, document: dict[str, Any]) -> tuple[
        dict[str, Any] | None, str | None, list[tuple[dict[str, Any], dict[str, Any] | None, str | None]]]:
    """(epic, epic spec, [(task, state, spec)]) of a checkpoint, every record validated; CorruptFileError naming
    the checkpoint otherwise (nothing is restored from a checkpoint that is wrong anywhere)."""
    epic = document.get("epic")
    if epic is not None:
        epic = R.normalize(R.EPIC, epic, path)
        if epic["id"] != epic_id:
            raise CorruptFileError(path, f"it holds epic {epic['id']}, not {epic_id}")
    epic_spec = document.get("epic_spec")
    if epic_spec is not None and not isinstance(epic_spec, str):
        raise CorruptFileError(path, "`epic_spec` must be a string")
    raw_tasks = document.get("tasks", [])
    if not isinstance(raw_tasks, list):
        raise CorruptFileError(path, "`tasks` must be an array")
    tasks = []
    seen = set()
    for number, entry in enumerate(raw_tasks, 1):
        if not isinstance(entry, dict):
            raise CorruptFileError(path, f"task entry {number} is not an object")
        task = R.normalize(R.TASK, entry.get("task"), path)
        task_id = task["id"]
        if not ids.is_task_id(task_id) or ids.epic_id_from_task(task_id) != epic_id or task_id in seen:
            raise CorruptFileError(path, f"task entry {number} names {task_id!r}, not a task of {epic_id}")
        seen.add(task_id)
        state = entry.get("state")
        if state is not None:
            state = R.normalize(R.TASK_STATE, state, path)
        spec = entry.get("spec")
        if spec is not None and not isinstance(spec, str):
            raise CorruptFileError(path, f"task entry {number}: `spec` must be a string")
        tasks.append((task, state, spec))
    return epic, epic_spec, tasks


def _restore_changes(store: FlowStore, epic_id: str, document: dict[str, Any]) -> ch.Changes:
    """The mutations that bring the epic back to the checkpoint (only files that differ are written)."""
    path = store.checkpoints.path(epic_id)
    epic, epic_spec, tasks = _saved(path, epic_id, document)
    batch = ch.Changes()
    if epic is not None:
        current = store.get_epic(epic_id)
        if current != epic:
            batch.push(ch.update_epic(epic) if current is not None else ch.create_epic(epic))
    if epic_spec is not None and (not store.paths.epic_spec(epic_id).exists()
                                  or store.read_epic_spec(epic_id) != epic_spec):
        batch.push(ch.set_epic_spec(epic_id, epic_spec))
    saved_ids = set()
    for task, state, spec in tasks:
        task_id = task["id"]
        saved_ids.add(task_id)
        # The definition as stored on disk: the merged status and time belong to the state file (storage.md §5.3).
        definition = {**task, "status": "todo", "updated_at": task["created_at"]}
        current = store.get_task_definition(task_id)
        if current != definition:
            batch.push(ch.update_task(definition) if current is not None else ch.create_task(definition))
        if spec is not None and (not store.paths.task_spec(task_id).exists()
                                 or store.read_task_spec(task_id) != spec):
            batch.push(ch.set_task_spec(task_id, spec))
        current_state = store.get_state(task_id)
        if state is None and current_state is not None:
            batch.push(ch.remove_task_state(task_id))
        elif state is not None and current_state != state:
            batch.push(ch.set_task_state(task_id, state))
    for task in store.list_tasks(epic_id):  # created after the save: back to a fresh todo (D-9)
        if task["id"] not in saved_ids:
            current_state = store.get_state(task["id"])
            blank = R.blank_state("todo")
            if current_state is None or {**current_state, "updated_at": ""} != {**blank, "updated_at": ""}:
                batch.push(ch.set_task_state(task["id"], blank))
    return batch


def restore(store: FlowStore, actor: str | None, epic_id: str, *, dry_run: bool = False) -> dict[str, Any]:
    """Bring the epic back to its checkpoint in one Changes batch; `{"epic", "message", "restored_from"}`."""
    _epic_id(epic_id)
    with store.lock():
        document = store.checkpoints.read(epic_id)
        if document is None:
            raise NotFoundError(f"No checkpoint found for {epic_id}. Save one first with 'flowctl checkpoint save'.")
        preview = commit(store, _restore_changes(store, epic_id, document), actor, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"epic": epic_id, "message": f"Checkpoint restored for {epic_id}",
            "restored_from": str(store.checkpoints.path(epic_id))}


def delete(store: FlowStore, epic_id: str, *, dry_run: bool = False) -> dict[str, Any]:
    """Remove the epic's checkpoint; `{"deleted": bool, "epic", "message"}` (no checkpoint is not an error)."""
    _epic_id(epic_id)
    with store.lock():
        existed = store.checkpoints.exists(epic_id)
        batch = ch.Changes([ch.delete("checkpoints", epic_id)] if existed else [])
        preview = commit(store, batch, None, dry_run=dry_run)
    if preview is not None:
        return preview
    message = f"Checkpoint deleted for {epic_id}" if existed else f"No checkpoint found for {epic_id}"
    return {"deleted": existed, "epic": epic_id, "message": message}
