"""The `task` group: create, spec, reset, skip, split, set-backend, show-backend, set-deps (cli-core.md §9).

Every mutation that the reference routes through Changes (create, reset, skip, split, set-deps) is built as a
`flowctl_core.changes.Changes` batch and applied by `ChangesApplier` — or returned as the `--dry-run` preview —
while the store lock is held, so id allocation and the writes form one critical section.

Fixes relative to the reference (storage.md §11):
* D9 / D-11 — `skip` writes `skipped` into the state file, so dependents are satisfied.
* D10 — `split` marks the original `skipped` (state file); sub-task 1 inherits the original's dependencies; with
  `--chain` each later sub-task depends on the previous one; WITHOUT `--chain` every sub-task inherits the
  original's dependencies (they run in parallel after the same upstream work). Tasks that depended on the original
  then depend on the last sub-task — and, without `--chain`, on every sub-task, since the sub-tasks together
  replace the original and none of them finishes the others.
* D30 — negative priorities are rejected; dependencies must exist and must not close a cycle.
* D34 — `reset` clears the worker-phase progress of every task it resets.
"""

from __future__ import annotations

from flowctl_core import changes, ids, records, spec_md
from flowctl_core.errors import ConflictError, InvalidInputError, InvalidTransitionError, NotFoundError
from flowctl_core.timefmt import now_z
from flowctl_db import FlowStore

from . import lookup
from .applier import commit
from .backends import apply_backend_flags, require_backend_flag
from .deps import check_new_deps, dependency_graph, task_update
from .user_content import read_input

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any

PRIORITY_MAX = 2**31 - 1  # the reference parses --priority as a signed 32-bit integer

# ── shared helpers ─────────────────────────────────────────────────────────────


def split_list(text: str | None) -> list[str]:
    """Comma-separated values, trimmed, empties dropped (`--deps`, `--files`)."""
    if not text:
        return []
    return [part.strip() for part in text.split(",") if part.strip()]


def validate_priority(priority: int | None) -> int | None:
    """Reject priorities the reference would wrap or refuse (D30): 0 … 2147483647 only."""
    if priority is None:
        return None
    if priority < 0:
        raise InvalidInputError(f"Invalid priority {priority}: priority must be a non-negative integer")
    if priority > PRIORITY_MAX:
        raise InvalidInputError(f"Invalid priority {priority}: priority must be at most {PRIORITY_MAX}")
    return priority


def _check_same_epic_deps(deps: list[str], epic_id: str) -> None:
    for dep in deps:
        if not ids.is_task_id(dep):
            raise InvalidInputError(f"Invalid dependency ID: {dep}. Expected format: fn-N.M or fn-N-slug.M")
        if ids.epic_id_from_task(dep) != epic_id:
            raise InvalidInputError(f"Dependency {dep} must be within the same epic ({epic_id})")


def _next_task_number(store: FlowStore, epic_id: str) -> int:
    return max(store.task_numbers(epic_id), default=0) + 1


def _new_task(task_id: str, epic_id: str, title: str, *, priority: int | None, domain: str,
              depends_on: list[str], files: list[str], now: str) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": task_id, "epic": epic_id, "title": title, "status": "todo", "priority": priority, "domain": domain,
        "depends_on": depends_on, "files": files, "file_path": f".flow/tasks/{task_id}.md",
        "created_at": now, "updated_at": now,
    }
    return records.normalize(records.TASK, rec)


# ── create ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def create(store: FlowStore, actor: str | None, epic_id: str, title: str, *, deps: str | None = None,
           acceptance_file: str | None = None, priority: int | None = None, domain: str | None = None,
           files: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """`task create`: allocate `<epic>.<max+1>` and write definition, spec and blank state in one locked batch."""
    validate_priority(priority)
    lookup.epic_id(epic_id)
    dep_list = split_list(deps)
    file_list = split_list(files)
    with store.lock():
        lookup.epic(store, epic_id)
        # Allocation reads only this epic's task numbers (one directory listing), inside the lock.
        task_id = ids.new_task_id(epic_id, _next_task_number(store, epic_id))
        if store.has_task(task_id):
            raise ConflictError(f"Refusing to overwrite existing task {task_id}. Check for orphaned entries.")
        _check_same_epic_deps(dep_list, epic_id)
        if dep_list:
            check_new_deps(dependency_graph(store, epic_id), task_id, dep_list)
        acceptance = read_input(acceptance_file) if acceptance_file is not None else None
        task = _new_task(task_id, epic_id, title, priority=priority, domain=domain or "general",
                         depends_on=dep_list, files=file_list, now=now_z())
        batch = changes.Changes([
            changes.create_task(task),
            changes.set_task_spec(task_id, spec_md.task_spec_template(task_id, title, acceptance)),
            changes.set_task_state(task_id, records.blank_state()),
        ])
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"depends_on": dep_list, "epic": epic_id, "id": task_id, "message": f"Task {task_id} created",
            "spec_path": f".flow/tasks/{task_id}.md", "title": title}


# ── spec ───────────────────────────────────────────────────────────────────────────────────────────────────────────


def spec(store: FlowStore, task_id: str, *, file: str | None = None, desc: str | None = None,
         accept: str | None = None, investigation: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """`task spec`: replace the whole spec (`--file`) or patch Description / Acceptance / Investigation targets."""
    lookup.task_id(task_id, "medium")
    if file is None and desc is None and accept is None and investigation is None:
        raise InvalidInputError("Requires --file, --description, --acceptance, or --investigation")
    with store.lock():
        lookup.task(store, task_id)
        before = store.task_spec_or_none(task_id)
        sections: list[str] = []
        if file is not None:
            body = read_input(file)
        else:
            body = before or ""
            for source, heading in ((desc, "## Description"), (accept, "## Acceptance"),
                                    (investigation, "## Investigation targets")):
                if source is not None:
                    body = spec_md.patch_section(body, heading, read_input(source))
                    sections.append(heading)
        batch = changes.Changes([] if before == body else [changes.set_task_spec(task_id, body)])
        preview = commit(store, batch, dry_run=dry_run, log_mutations=False)
    if preview is not None:
        return preview
    if file is not None:
        return {"id": task_id, "message": f"Task {task_id} spec replaced"}
    message = f"Task {task_id} updated: {', '.join(sections)}"
    return {"id": task_id, "message": message, "sections": sections}


# ── reset ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def reset(store: FlowStore, actor: str | None, task_id: str, *, cascade: bool = False,
          dry_run: bool = False) -> dict[str, Any]:
    """`task reset`: back to a blank todo state with the spec's evidence cleared (and, with cascade, dependents)."""
    lookup.task_id(task_id, "medium")
    with store.lock():
        task = lookup.task(store, task_id)
        epic_id = ids.epic_id_from_task(task_id)
        epic = store.get_epic(epic_id)
        if epic is not None and epic.get("status") == "done":
            raise InvalidTransitionError(f"Cannot reset task in closed epic {epic_id}")
        if task["status"] == "in_progress":
            raise InvalidTransitionError(f"Cannot reset in_progress task {task_id}. Complete or block it first.")
        if task["status"] == "todo":
            return {"message": f"{task_id} already todo", "reset": []}
        targets = [task]
        if cascade:
            epic_tasks = store.list_tasks(epic_id)
            by_id = {t["id"]: t for t in epic_tasks}
            from flowctl_core.dag import transitive_dependents

            for dep_id in transitive_dependents(epic_tasks, task_id):
                dep = by_id[dep_id]
                if dep["status"] not in ("todo", "in_progress"):
                    targets.append(dep)
        batch = changes.Changes()
        for t in targets:
            # Both parts `done` wrote: a later `done` without --summary must not show the old summary.
            body = spec_md.clear_done_summary(spec_md.clear_evidence(store.read_task_spec(t["id"])))
            batch.push(task_update(t, status="todo"))
            batch.push(changes.set_task_spec(t["id"], body))
            batch.push(changes.set_task_state(t["id"], records.blank_state()))
        reset_ids = [t["id"] for t in targets]
        # D34: a reset task starts its worker phases again (read first: a corrupt phases.json stops the reset).
        phases, _removed = store.phases.plan_reset(reset_ids)
        if phases is not None:  # a store op: it logs no mutation event
            batch.push(changes.put("phases", "", phases))
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"reset": reset_ids}


# ── skip ───────────────────────────────────────────────────────────────────────────────────────────────────────────


def skip(store: FlowStore, actor: str | None, task_id: str, *, reason: str | None = None,
         dry_run: bool = False) -> dict[str, Any]:
    """`task skip`: persist `skipped` in the state file (D9 fixed); the reason is echoed, as in the reference."""
    lookup.task_id(task_id, "short")
    with store.lock():
        task = lookup.task(store, task_id)
        if task["status"] == "done":
            raise InvalidTransitionError(f"Cannot skip already-done task {task_id}")
        now = now_z()
        batch = changes.Changes([
            task_update(task, status="skipped"),
            changes.set_task_state(task_id, _skipped_state(store, task_id, now)),
        ])
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"id": task_id, "message": f"Task {task_id} skipped", "reason": reason or "", "status": "skipped"}


def _skipped_state(store: FlowStore, task_id: str, now: str) -> dict[str, Any]:
    """The task's state with status `skipped` (other runtime fields kept)."""
    state = store.get_state(task_id) or records.blank_state()
    return records.normalize(records.TASK_STATE, dict(state, status="skipped", updated_at=now))


# ── split ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def split(store: FlowStore, actor: str | None, task_id: str, titles: str, *, chain: bool = False,
          dry_run: bool = False) -> dict[str, Any]:
    """`task split`: replace a task by sub-tasks `<epic>.<max+1>…`; the original becomes `skipped` (D10 fixed)."""
    lookup.task_id(task_id, "short")
    with store.lock():
        task = lookup.task(store, task_id)
        if task["status"] in ("done", "skipped"):
            raise InvalidTransitionError(f"Cannot split task {task_id} with status '{task['status']}'")
        epic_id = ids.epic_id_from_task(task_id)
        title_list = [t.strip() for t in titles.split("|") if t.strip()]
        if len(title_list) < 2:
            raise InvalidInputError("Need at least 2 sub-task titles separated by '|'")
        first = _next_task_number(store, epic_id)
        created = [ids.new_task_id(epic_id, first + i) for i in range(len(title_list))]
        original_deps = list(task.get("depends_on", []))
        now = now_z()
        batch = changes.Changes()
        for i, (sub_id, sub_title) in enumerate(zip(created, title_list, strict=True)):
            sub_deps = [created[i - 1]] if chain and i > 0 else list(original_deps)
            sub = _new_task(sub_id, epic_id, sub_title, priority=task.get("priority"),
                            domain=task.get("domain", "general"), depends_on=sub_deps, files=[], now=now)
            batch.push(changes.create_task(sub))
            batch.push(changes.set_task_spec(sub_id, spec_md.task_spec_template(sub_id, sub_title)))
        batch.push(task_update(task, status="skipped"))
        batch.push(changes.set_task_state(task_id, _skipped_state(store, task_id, now)))
        # Dependents of the original wait for what replaces it: the last sub-task of a chain, or every sub-task.
        replacement = created[-1:] if chain else created
        for other in store.list_tasks(epic_id):
            deps = other.get("depends_on", [])
            if other["id"] == task_id or task_id not in deps:
                continue
            new_deps: list[str] = []
            for d in deps:
                for r in (replacement if d == task_id else [d]):
                    if r not in new_deps:
                        new_deps.append(r)
            batch.push(task_update(other, depends_on=new_deps))
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"chain": chain, "message": f"Task {task_id} split into {len(created)} sub-tasks", "original": task_id,
            "split_into": created}


def split_text(result: dict[str, Any]) -> str:
    """Plain output of `task split` (downstream: the last sub-task of a chain, else every sub-task)."""
    subs = result["split_into"]
    downstream = subs[-1:] if result["chain"] else subs
    lines = [f"Task {result['original']} split into:"]
    lines += [f"  {sub}" for sub in subs]
    lines.append(f"Original task marked as skipped. Downstream deps updated to {', '.join(downstream)}.")
    return "\n".join(lines)


# ── backends ───────────────────────────────────────────────────────────────────────────────────────────────────────

BACKEND_KEYS = ("impl", "review", "sync")


def set_backend(store: FlowStore, task_id: str, *, impl: str | None = None, review: str | None = None,
                sync: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """`task set-backend`: set (or clear with "") the task's impl/review/sync backend specs."""
    lookup.task_id(task_id, "medium")
    require_backend_flag((impl, review, sync))
    with store.lock():
        lookup.task(store, task_id)
        definition = store.get_task_definition(task_id)
        if definition is None:  # lookup.task found it a moment ago, under the same lock
            raise NotFoundError(f"Task not found: {task_id}")
        updated = apply_backend_flags(definition, BACKEND_KEYS, (impl, review, sync))
        preview = commit(store, changes.Changes([changes.update_task(definition)]), dry_run=dry_run,
                         log_mutations=False)
    if preview is not None:
        return preview
    listed = ", ".join(f"{key}={value or 'null'}" for key, value in updated)  # the task form prints null
    message = f"Task {task_id} backend specs updated: {listed}"
    return {"id": task_id, "impl": definition.get("impl"), "message": message, "review": definition.get("review"),
            "sync": definition.get("sync")}


def show_backend(store: FlowStore, task_id: str) -> dict[str, Any]:
    """`task show-backend`: effective impl/review/sync specs and where each comes from (task, epic or nowhere)."""
    lookup.task_id(task_id, "medium")
    definition = store.get_task_definition(task_id)
    if definition is None:
        raise NotFoundError(f"Task {task_id} not found")
    epic = store.get_epic(definition["epic"]) if store.has_epic(definition["epic"]) else None
    out: dict[str, Any] = {"epic": definition["epic"], "id": task_id}
    for key in BACKEND_KEYS:
        own = definition.get(key)
        inherited = (epic or {}).get(f"default_{key}")
        if own:
            out[key] = {"source": "task", "spec": own}
        elif inherited:
            out[key] = {"source": "epic", "spec": inherited}
        else:
            out[key] = {"source": None, "spec": None}
    return out


def show_backend_text(result: dict[str, Any]) -> str:
    """Plain output of `task show-backend`: `impl: codex:gpt-5 (epic)` … or `sync: null`."""
    lines = []
    for key in BACKEND_KEYS:
        item = result[key]
        lines.append(f"{key}: null" if item["spec"] is None else f"{key}: {item['spec']} ({item['source']})")
    return "\n".join(lines)


# ── set-deps ───────────────────────────────────────────────────────────────────────────────────────────────────────


def set_deps(store: FlowStore, actor: str | None, task_id: str, deps: str, *,
             dry_run: bool = False) -> dict[str, Any]:
    """`task set-deps`: add (never remove) same-epic dependencies that exist and close no cycle."""
    lookup.task_id(task_id, "medium")
    dep_ids = split_list(deps)
    if not dep_ids:
        raise InvalidInputError("--deps cannot be empty")
    task_epic = ids.epic_id_from_task(task_id)
    for dep in dep_ids:
        if not ids.is_task_id(dep):
            raise InvalidInputError(f"Invalid dependency ID: {dep}. Expected format: fn-N.M or fn-N-slug.M")
        dep_epic = ids.epic_id_from_task(dep)
        if dep_epic != task_epic:
            raise InvalidInputError(f"Dependencies must be within same epic. Task {task_id} is in {task_epic}, "
                                    f"dependency {dep} is in {dep_epic}")
    with store.lock():
        task = lookup.task(store, task_id)
        current = list(task.get("depends_on", []))
        added = []
        for dep in dep_ids:
            if dep not in current and dep not in added:
                added.append(dep)
        batch = changes.Changes()
        if added:
            check_new_deps(dependency_graph(store, task_epic), task_id, added)
            batch.push(task_update(task, depends_on=current + added))
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"added": added, "depends_on": current + added, "message": f"Dependencies set for {task_id}",
            "task": task_id}
