"""The `dep` group (`dep add`, `dep rm`) and the dependency checks shared by `task create` / `task set-deps`.

D30 fixed: a new dependency must name an existing task and must not close a cycle (the error names the cycle);
a task cannot depend on itself. Both commands run their read, checks and write under the store lock, so concurrent
`dep add` calls on one task never lose each other's dependency.
"""

from __future__ import annotations

from flowctl_core import changes, ids, records
from flowctl_core.errors import DependencyError, InvalidInputError, NotFoundError
from flowctl_core.timefmt import now_z
from flowctl_db import FlowStore

from . import lookup
from .applier import commit

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any


def dependency_graph(store: FlowStore, epic_id: str) -> dict[str, list[str]]:
    """`task id -> depends_on` for every task of one epic (one listing of the tasks folder)."""
    return {t["id"]: list(t.get("depends_on", [])) for t in store.list_tasks(epic_id)}


def cycle_text(cycle: Sequence[str]) -> str:
    """`a -> b -> a`: each id depends on the next."""
    return " -> ".join(cycle)


def check_new_deps(graph: Mapping[str, Sequence[str]], task_id: str, new_deps: Iterable[str]) -> None:
    """Raise unless every new dependency of `task_id` is another existing task and no cycle would result."""
    from flowctl_core.dag import would_create_cycle

    new = list(new_deps)
    for dep in new:
        if dep == task_id:
            raise DependencyError(f"Task {task_id} cannot depend on itself")
    for dep in new:
        if dep not in graph:
            raise NotFoundError(f"Dependency {dep} not found")
    cycle = would_create_cycle(graph, task_id, new)
    if cycle:
        raise DependencyError(f"Dependency cycle detected: {cycle_text(cycle)}")


# ── helpers shared by the Changes-based commands (task, dep, epic create) ──────────────────────────────────────────


def task_update(task: dict[str, Any], **fields: Any) -> changes.Mutation:
    """An `update_task` mutation of `task` with `fields` changed and a fresh `updated_at` (record shape, so empty
    lists are omitted as on disk and in the reference's preview)."""
    return changes.update_task(records.normalize(records.TASK, {**task, **fields, "updated_at": now_z()}))


def add(store: FlowStore, actor: str | None, task_id: str, dep_id: str, *, dry_run: bool = False) -> dict[str, Any]:
    """`dep add TASK DEP`: append DEP to TASK's dependencies unless already there."""
    lookup.task_id(task_id, "medium")
    if not ids.is_task_id(dep_id):
        raise InvalidInputError(f"Invalid dependency ID: {dep_id}. Expected format: fn-N.M or fn-N-slug.M")
    task_epic = ids.epic_id_from_task(task_id)
    dep_epic = ids.epic_id_from_task(dep_id)
    if task_epic != dep_epic:
        raise InvalidInputError(f"Dependencies must be within the same epic. Task {task_id} is in {task_epic}, "
                                f"dependency {dep_id} is in {dep_epic}")
    with store.lock():
        task = store.get_task(task_id)
        if task is None:
            raise NotFoundError(f"Task not found: {task_id}")
        deps = list(task.get("depends_on", []))
        batch = changes.Changes()
        if dep_id not in deps:
            check_new_deps(dependency_graph(store, task_epic), task_id, [dep_id])
            deps.append(dep_id)
            batch.push(task_update(task, depends_on=deps))
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"depends_on": deps, "message": f"Dependency {dep_id} added to {task_id}", "task": task_id}


def remove(store: FlowStore, actor: str | None, task_id: str, dep_id: str, *,
           dry_run: bool = False) -> dict[str, Any]:
    """`dep rm TASK DEP`: remove the first occurrence of DEP from TASK's dependencies."""
    lookup.task_id(task_id, "short")
    if not ids.is_task_id(dep_id):
        raise InvalidInputError(f"Invalid dependency ID: {dep_id}")
    with store.lock():
        task = store.get_task(task_id)
        if task is None:
            raise NotFoundError(f"Task not found: {task_id}")
        deps = list(task.get("depends_on", []))
        removed = dep_id in deps
        batch = changes.Changes()
        if removed:
            deps.remove(dep_id)
            batch.push(task_update(task, depends_on=deps))
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    message = (f"Dependency {dep_id} removed from {task_id}" if removed
               else f"{dep_id} was not in {task_id}'s dependencies")
    return {"depends_on": deps, "message": message, "removed": removed, "task": task_id}
