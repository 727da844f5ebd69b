"""Outputs: the narrative hand-off between tasks, `.flow/outputs/<task-id>.md` (cli-ext.md §7, storage.md §3.17).

Workers write theirs in Phase 9 and read the latest ones of their epic in Phase 2. Content is stored byte for
byte (read in binary; it must be UTF-8, as in the reference, and at most 1 MiB). Writes go through the applier
under the store lock; listing is newest first by modification time, ties by task id (D-3).
"""

from __future__ import annotations

from typing import Any

from flowctl_core import ids
from flowctl_core.errors import InvalidInputError, NotFoundError
from flowctl_db import FlowStore

from . import user_content


def task_id(value: str) -> str:
    """`value` when it is a task id, else the reference's outputs error text."""
    if not ids.is_task_id(value):
        raise InvalidInputError(ids.invalid_task_id_message(value, "medium"))
    return value


def read_input(tid: str, source: str) -> str:
    """Validate the task id, then read the content from file `source` or stdin (`-`), as the reference orders it."""
    task_id(tid)
    try:
        return user_content.read_text(source)
    except user_content.ContentError as err:
        where = "stdin" if source == "-" else source
        raise InvalidInputError(f"failed to read {where}: {err}") from None


def write(store: FlowStore, actor: str | None, tid: str, content: str, dry_run: bool = False) -> dict[str, Any]:
    """`outputs write`: replace the task's output file with `content`; `{bytes, path, task_id}`."""
    from flowctl_core import changes

    from .applier import commit

    task_id(tid)
    try:
        user_content.check_size(content)
    except user_content.ContentError as err:
        raise InvalidInputError(f"write failed: {err}") from None
    with store.lock():
        preview = commit(store, changes.Changes([changes.put("outputs", tid, content)]), actor, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"bytes": len(content.encode("utf-8")), "path": str(store.outputs.path(tid)), "task_id": tid}


def write_text(data: dict[str, Any]) -> str:
    """Plain form of `outputs write`."""
    return f"Wrote {data['path']} ({data['bytes']} bytes)\n"


def list_for_epic(store: FlowStore, epic_id: str, limit: int | None = None) -> dict[str, Any]:
    """`outputs list`: the epic's outputs, newest first, at most `limit`; `{count, entries}`."""
    if not ids.is_epic_id(epic_id):
        raise InvalidInputError(ids.invalid_epic_id_message(epic_id))
    found = [e for e in store.outputs.entries()
             if ids.is_task_id(e["task_id"]) and ids.epic_id_from_task(e["task_id"]) == epic_id]
    found.sort(key=lambda e: e["task_id"])
    found.sort(key=lambda e: e["mtime_ns"], reverse=True)
    if limit is not None:
        found = found[:limit]
    entries = [{"mtime": e["mtime_ns"] // 1_000_000_000, "path": e["path"], "task_id": e["task_id"]} for e in found]
    return {"count": len(entries), "entries": entries, "epic": epic_id}


def list_payload(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON of `outputs list`."""
    return {"count": data["count"], "entries": data["entries"]}


def list_text(data: dict[str, Any]) -> str:
    """Plain form of `outputs list`."""
    if not data["entries"]:
        return f"(no outputs for epic {data['epic']})\n"
    return "".join(f"{e['task_id']}\t{e['path']}\n" for e in data["entries"])


def show(store: FlowStore, tid: str) -> dict[str, Any]:
    """`outputs show`: the task's output text; `{content, task_id}`."""
    task_id(tid)
    content = store.outputs.read(tid)  # CorruptFileError naming the file when it is not UTF-8
    if content is None:
        raise NotFoundError("read failed: io error: No such file or directory (os error 2)")
    return {"content": content, "task_id": tid}
