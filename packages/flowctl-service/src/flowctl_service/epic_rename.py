"""`epic title` (cli-core.md §8): retitle an epic and, when its slug changes, move everything carrying its id.

D11 fixed: the reference left the old epic file behind, deleted task specs and states, and kept old ids in gaps,
pipeline, phases, outputs, reviews, locks, approvals and checkpoints. Here every file that carries the epic id is
moved through the applier: each move is a create-new op followed by a delete-old op in the same batch, and the
old epic file is deleted last. Every destination is checked first: if one exists nothing is changed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flowctl_core import changes, ids, json_text, records
from flowctl_core.errors import ConflictError
from flowctl_core.timefmt import now_z
from flowctl_db import FlowStore

from . import lookup
from .applier import commit
from .epic_archive import review_belongs_to_epic
from .epics import epic_update


class _Renamer:
    """Old → new id mapping of one epic rename: the epic id and every task id `<old>.<M>`."""

    def __init__(self, old: str, new: str, task_numbers: list[int]) -> None:
        self.old = old
        self.new = new
        self.ids = {old: new}
        self.ids.update({f"{old}.{n}": f"{new}.{n}" for n in task_numbers})
        self._task_re = re.compile(re.escape(old) + r"\.([0-9]+)")

    def task(self, task_id: str) -> str | None:
        """The new id of a task of the renamed epic (also for task ids without a definition)."""
        m = self._task_re.fullmatch(task_id)
        return f"{self.new}.{m.group(1)}" if m else None

    def value(self, value: Any) -> Any:
        """A JSON value with every string equal to an old id replaced by the new one (recursively)."""
        if isinstance(value, str):
            return self.ids.get(value) or self.task(value) or value
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            # A branch name is a git branch that keeps its name; a file_path ends in an id-named file.
            return {k: (v if k == "branch_name" else self.path(v) if k == "file_path" and isinstance(v, str)
                        else self.value(v)) for k, v in value.items()}
        return value

    def path(self, path: str) -> str:
        """A `file_path` whose last component names the epic or one of its tasks, renamed."""
        head, sep, name = path.rpartition("/")
        stem, dot, ext = name.rpartition(".")
        if not dot:
            return path
        renamed = self.ids.get(stem) or self.task(stem)
        return f"{head}{sep}{renamed}.{ext}" if renamed else path

    def review_name(self, name: str) -> str:
        """A review file name with the epic id replaced (`…-<old>.…` or `epic-audit-<old>-…`)."""
        audit_prefix = f"epic-audit-{self.old}-"
        if name.startswith(audit_prefix):
            return f"epic-audit-{self.new}-" + name[len(audit_prefix):]
        return name.replace(f"-{self.old}.", f"-{self.new}.", 1)

    def heading(self, body: str, old_ref: str, new_ref: str, old_title: str | None = None,
                new_title: str | None = None) -> str:
        """Rename the id (and, if given, the title) in a spec's first line `# <id> <title>`."""
        first, nl, rest = body.partition("\n")
        if old_title is not None and new_title is not None and first == f"# {old_ref} {old_title}":
            return f"# {new_ref} {new_title}{nl}{rest}"
        if first == f"# {old_ref}" or first.startswith(f"# {old_ref} "):
            return f"# {new_ref}{first[len(old_ref) + 2:]}{nl}{rest}"
        return body


def _json_text(value: Any, original: str, *, sort_keys: bool) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)
    return text + ("\n" if original.endswith("\n") else "")


def rename(store: FlowStore, epic_id: str, title: str, *, dry_run: bool = False) -> dict[str, Any]:
    """`epic title`: retitle the epic; when the slug changes, move everything carrying the epic id (D11 fixed).

    Moved: `epics/<id>.json` (the old file is removed only after the new one is written), `specs/<id>.md`, every
    task's definition, spec and state (status kept), `gaps/<id>.json`, the epic's `.state/pipeline.json` entry,
    its tasks' `.state/phases.json` entries, `outputs/<task>.md`, `reviews/` files belonging to the epic (ids inside
    JSON receipts too), `.state/checkpoint-<id>.json` (and the legacy `.checkpoint-<id>.json`), task ids in
    `locks.json` and `approvals.json`, `.archive/<id>/`, the epic in other epics' `depends_on_epics` and the tasks
    in any other task's `depends_on`. The spec headings `# <id> <title>` follow the new id and title.
    """
    lookup.epic_id(epic_id)
    with store.lock():
        epic = lookup.epic(store, epic_id)
        new_id = ids.new_epic_id(ids.epic_number(epic_id), title)
        if new_id == epic_id:
            ops, result = _retitle(store, epic, title)
        else:
            if store.has_epic(new_id):
                raise ConflictError(f"Epic {new_id} already exists. Choose a different title.")
            ops, result = _move_epic(store, epic, new_id, title)
        preview = commit(store, changes.Changes(ops), dry_run=dry_run, log_mutations=False)
    return preview if preview is not None else result


def _retitle(store: FlowStore, epic: dict[str, Any], title: str) -> tuple[list[changes.Mutation], dict[str, Any]]:
    epic_id = epic["id"]
    ops: list[changes.Mutation] = []
    body = store.epic_spec_or_none(epic_id)
    if body is not None:
        new_body = _Renamer(epic_id, epic_id, []).heading(body, epic_id, epic_id, epic["title"], title)
        if new_body != body:
            ops.append(changes.set_epic_spec(epic_id, new_body))
    epic["title"] = title
    ops.append(epic_update(epic))
    return ops, {"files_renamed": 0, "message": f"Epic renamed: {epic_id} -> {epic_id}", "new_id": epic_id,
                 "old_id": epic_id, "tasks_updated": 0, "title": title}


def _move_epic(store: FlowStore, epic: dict[str, Any], new_id: str,
               title: str) -> tuple[list[changes.Mutation], dict[str, Any]]:
    paths = store.paths
    old_id = epic["id"]
    numbers = sorted(store.task_numbers(old_id))
    rn = _Renamer(old_id, new_id, numbers)
    destinations: list[Path] = []  # every file a move creates, checked before anything is written

    # -- plan: read everything first, so a corrupt file stops the rename before anything changed --
    spec_body = store.epic_spec_or_none(old_id)
    if spec_body is not None:
        destinations.append(paths.epic_spec(new_id))
    tasks = []
    for n in numbers:
        old_t, new_t = f"{old_id}.{n}", f"{new_id}.{n}"
        definition = store.get_task_definition(old_t)
        if definition is None:
            continue
        state = store.get_state(old_t)
        body = store.task_spec_or_none(old_t)
        tasks.append((old_t, new_t, definition, state, body))
        destinations.append(paths.task_json(new_t))
        if body is not None:
            destinations.append(paths.task_spec(new_t))
        if state is not None:
            destinations.append(paths.task_state(new_t))
    gaps = store.gaps.read(old_id) if paths.gaps_json(old_id).exists() else None  # validated: never rewritten
    if gaps is not None:
        destinations.append(paths.gaps_json(new_id))
    outputs = []
    for task_id in store.outputs.task_ids():
        renamed = rn.task(task_id)
        content = store.outputs.read(task_id) if renamed else None
        if renamed and content is not None:
            outputs.append((task_id, renamed, content))
            destinations.append(store.outputs.path(renamed))
    reviews = []
    for name in store.reviews.names():
        if review_belongs_to_epic(name, old_id):
            text = store.reviews.read_text(name)
            if text is not None:
                reviews.append((name, rn.review_name(name), _renamed_receipt(rn, name, text)))
                destinations.append(store.reviews.path(rn.review_name(name)))
    checkpoints = []
    for old_key, new_key in ((old_id, new_id), (f"legacy:{old_id}", f"legacy:{new_id}")):
        text = store.checkpoints.read_text(old_key)
        if text is not None:
            checkpoints.append((old_key, new_key, _renamed_checkpoint(rn, text, title)))
            destinations.append(store.checkpoints.path(new_key))
    archived = []
    for name in store.archive.names(old_id):
        text = store.archive.read_text(f"{old_id}/{name}")
        if text is not None:
            new_name = f"{new_id}.md" if name == f"{old_id}.md" else rn.review_name(name)
            archived.append((name, new_name, _renamed_receipt(rn, name, text)))
            destinations.append(store.archive.path(f"{new_id}/{new_name}"))
    # Read through their stores, which validate them: a corrupt file stops the rename and is never rewritten.
    pipeline = store.pipeline.read_all()
    phases = store.phases.read_all()
    locks = store.locks.list(include_stale=True)  # rewritten as stored, stale entries included
    approvals = store.approvals.read_raw()  # malformed elements are kept verbatim (D27)
    all_tasks = store.list_tasks()
    all_epics = store.list_epics()
    for dst in destinations:
        if dst.exists() or dst.is_symlink():
            raise ConflictError(f"Cannot rename epic {old_id} to {new_id}: "
                                f"{dst.relative_to(paths.root)} already exists")

    # -- ops: every new file first, each old one deleted right after its copy is written --
    new_epic = records.normalize(records.EPIC, dict(epic, id=new_id, title=title, file_path=f"specs/{new_id}.md",
                                                    updated_at=now_z()))
    ops: list[changes.Mutation] = [changes.create_epic(new_epic)]
    files_renamed = 0
    if spec_body is not None:
        ops += [changes.set_epic_spec(new_id, rn.heading(spec_body, old_id, new_id, epic["title"], title)),
                changes.remove_epic_spec(old_id)]
        files_renamed += 1
    for old_t, new_t, definition, state, body in tasks:
        if state is not None:
            ops.append(changes.set_task_state(new_t, rn.value(state)))
        if body is not None:
            ops.append(changes.set_task_spec(new_t, rn.heading(body, old_t, new_t)))
        new_def = dict(definition, id=new_t, epic=new_id, depends_on=rn.value(definition.get("depends_on", [])))
        if isinstance(definition.get("file_path"), str):
            new_def["file_path"] = rn.path(definition["file_path"])
        ops += [changes.create_task(new_def), changes.remove_task(old_t)]
    for task in all_tasks:  # tasks elsewhere that depend on a renamed task (hand-edited cross-epic deps)
        deps = task.get("depends_on", [])
        if task["epic"] != old_id and any(d in rn.ids or rn.task(d) for d in deps):
            definition = store.get_task_definition(task["id"])
            if definition is not None:
                definition["depends_on"] = rn.value(definition.get("depends_on", []))
                ops.append(changes.update_task(definition))
    if gaps is not None:
        ops += [changes.put("gaps", new_id, rn.value(gaps)), changes.delete("gaps", old_id)]
        files_renamed += 1
    for old_t, new_t, content in outputs:
        ops += [changes.put("outputs", new_t, content), changes.delete("outputs", old_t)]
        files_renamed += 1
    for name, new_name, text in reviews:
        ops += [changes.put("reviews", new_name, text), changes.delete("reviews", name)]
        files_renamed += 1
    for name, new_name, text in archived:
        ops += [changes.put("archive", f"{new_id}/{new_name}", text), changes.delete("archive", f"{old_id}/{name}")]
        files_renamed += 1
    for old_key, new_key, text in checkpoints:
        ops += [changes.put("checkpoints", new_key, text), changes.delete("checkpoints", old_key)]
        files_renamed += 1
    if old_id in pipeline:
        pipeline[new_id] = pipeline.pop(old_id)
        ops.append(changes.put("pipeline", "", pipeline))
    if any(rn.task(k) for k in phases):
        ops.append(changes.put("phases", "", {rn.task(k) or k: v for k, v in phases.items()}))
    if any(rn.task(str(e.get("task_id"))) for e in locks):
        ops.append(changes.put("locks", "", [_renamed_task_ref(rn, e) for e in locks]))
    if any(isinstance(a, dict) and rn.task(str(a.get("task_id"))) for a in approvals):
        ops.append(changes.put("approvals", "", [_renamed_task_ref(rn, a) for a in approvals]))
    updated_deps_in = []
    for other in all_epics:
        if other["id"] in (old_id, new_id) or old_id not in other.get("depends_on_epics", []):
            continue
        other["depends_on_epics"] = [new_id if d == old_id else d for d in other["depends_on_epics"]]
        ops.append(epic_update(other))
        updated_deps_in.append(other["id"])
    ops.append(changes.remove_epic(old_id))  # last: the new epic file and everything it owns are in place

    result: dict[str, Any] = {"files_renamed": files_renamed, "message": f"Epic renamed: {old_id} -> {new_id}",
                              "new_id": new_id, "old_id": old_id, "tasks_updated": len(tasks), "title": title}
    if updated_deps_in:
        result["updated_deps_in"] = updated_deps_in
    return ops, result


def _renamed_task_ref(rn: _Renamer, entry: Any) -> Any:
    if isinstance(entry, dict) and isinstance(entry.get("task_id"), str):
        renamed = rn.task(entry["task_id"])
        if renamed:
            return {**entry, "task_id": renamed}
    return entry


def _renamed_receipt(rn: _Renamer, name: str, text: str) -> str:
    """A review receipt with the epic's ids replaced inside; verbatim when not JSON or unchanged."""
    if not name.endswith(".json"):
        return text
    try:
        value = json_text.loads(text)
    except (ValueError, RecursionError):  # not JSON as serde reads it (or a number int() refuses)
        return text
    renamed = rn.value(value)
    return text if renamed == value else _json_text(renamed, text, sort_keys=False)


def _renamed_checkpoint(rn: _Renamer, text: str, title: str) -> str:
    """A checkpoint with the epic (id, title, spec path) and its tasks renamed; verbatim when not parseable."""
    try:
        value = json_text.loads(text)
    except (ValueError, RecursionError):  # not JSON as serde reads it (or a number int() refuses)
        return text
    renamed = rn.value(value)
    if isinstance(renamed, dict) and isinstance(renamed.get("epic"), dict):
        renamed["epic"]["title"] = title
    return _json_text(renamed, text, sort_keys=True)


def rename_text(result: dict[str, Any]) -> str:
    """Plain output of `epic title`."""
    lines = [result["message"], f"  Title: {result['title']}", f"  Files renamed: {result['files_renamed']}",
             f"  Tasks updated: {result['tasks_updated']}"]
    if result.get("updated_deps_in"):
        lines.append(f"  Updated deps in: {', '.join(result['updated_deps_in'])}")
    return "\n".join(lines)
