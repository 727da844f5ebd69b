"""Read-only queries: show, epics, tasks, list, cat, files (cli-core.md §5).

Every function returns the JSON payload the CLI prints; the `*_text` functions build the plain form. Cost is bounded
by what the query needs: `show`/`cat` of a task read only that task's files, whole-workspace queries list the tasks
folder once (`store.list_tasks()`) and group in memory.
"""

from __future__ import annotations

from flowctl_core import ids
from flowctl_core.errors import InvalidInputError, NotFoundError
from flowctl_db import FlowStore

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

# Runtime fields of a task's state that `show <task>` reports beyond the reference's assignee/claimed_at/claim_note.
_EXTRA_RUNTIME = ("completed_at", "evidence", "blocked_reason", "duration_seconds", "retry_count", "summary")
_TIMESTAMP_FIELDS = frozenset({"claimed_at", "completed_at"})


# ── shared helpers ───────────────────────────────────────────────────────────────────────────────────────────────


def ts_off(value: Any) -> Any:
    """A stored timestamp in the `+00:00` form the reference prints (`to_rfc3339()`); non-strings unchanged."""
    if not isinstance(value, str):
        return value
    if value.endswith("Z"):
        return value[:-1] + "+00:00"
    if value.endswith("+00:00"):
        return value
    from flowctl_core import timefmt

    try:
        dt = timefmt.parse(value)
    except ValueError:
        return value
    return timefmt.fmt_off(dt)


def epic_of(task: dict[str, Any]) -> str:
    """The epic a task belongs to, from its id (`<epic>.<n>` — the same rule as the per-epic file listing)."""
    tid = task["id"]
    return tid.rsplit(".", 1)[0] if "." in tid else task.get("epic", "")


def group_by_epic(tasks: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Tasks grouped by epic id, each group in the input order (id order when the input comes from the store)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for task in tasks:
        groups.setdefault(epic_of(task), []).append(task)
    return groups


def _deps_suffix(task: dict[str, Any]) -> str:
    deps = task.get("depends_on") or []
    return f" (deps: {', '.join(deps)})" if deps else ""


def _done_count(tasks: Iterable[dict[str, Any]]) -> int:
    # Like the reference, `done` counts only status done (skipped excluded, D49 kept).
    return sum(1 for t in tasks if t["status"] == "done")


# ── show ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def task_summary(task: dict[str, Any]) -> dict[str, Any]:
    """A task inside `show <epic>`: `{depends_on, id, priority, status, title}`."""
    return {"id": task["id"], "title": task["title"], "status": task["status"],
            "priority": task.get("priority"), "depends_on": list(task.get("depends_on") or [])}


def show_epic(store: FlowStore, epic_id: str) -> dict[str, Any]:
    """The epic view of `show`: the epic's fields plus its tasks (`Epic not found: <id>` when missing)."""
    epic = store.get_epic(epic_id)
    if epic is None:
        raise NotFoundError(f"Epic not found: {epic_id}")
    tasks = store.list_tasks(epic_id)
    return {
        "id": epic["id"],
        "title": epic["title"],
        "status": epic["status"],
        "branch_name": epic.get("branch_name"),
        "plan_review_status": epic["plan_review"],
        "plan_reviewed_at": None,
        "completion_review_status": epic["completion_review"],
        "completion_reviewed_at": None,
        "depends_on_epics": list(epic.get("depends_on_epics") or []),
        "default_impl": epic.get("default_impl"),
        "default_review": epic.get("default_review"),
        "default_sync": epic.get("default_sync"),
        "spec_path": f".flow/specs/{epic['id']}.md",
        "created_at": ts_off(epic["created_at"]),
        "updated_at": ts_off(epic["updated_at"]),
        "tasks": [task_summary(t) for t in tasks],
    }


def _runtime_source(definition: dict[str, Any], state: dict[str, Any] | None) -> dict[str, Any]:
    """Where a task's runtime fields live: its state file, or (legacy data without one) its definition."""
    return state if state is not None else definition


def show_task(store: FlowStore, task_id: str) -> dict[str, Any]:
    """The task view of `show`: definition, merged status and the runtime fields of its state.

    Reads exactly two files (definition and state). Beyond the reference it reports the state's `claim_note`,
    `summary`, `evidence`, `blocked_reason`, `completed_at`, `duration_seconds` and `retry_count` when present.
    """
    task = store.get_task_definition(task_id)
    if task is None:
        raise NotFoundError(f"Task not found: {task_id}")
    state = store.get_state(task_id)
    runtime = _runtime_source(task, state)
    out: dict[str, Any] = {
        "id": task["id"],
        "epic": task["epic"],
        "title": task["title"],
        "status": state["status"] if state is not None else task["status"],
        "priority": task.get("priority"),
        "domain": task["domain"],
        "depends_on": list(task.get("depends_on") or []),
        "files": list(task.get("files") or []),
        "impl": task.get("impl"),
        "review": task.get("review"),
        "sync": task.get("sync"),
        "assignee": _typed(runtime.get("assignee"), str),
        "claimed_at": ts_off(_typed(runtime.get("claimed_at"), str)),
        "claim_note": _typed(runtime.get("claim_note"), str) or "",
        "spec_path": f".flow/tasks/{task['id']}.md",
        "created_at": ts_off(task["created_at"]),
        "updated_at": ts_off(state["updated_at"] if state is not None else task["updated_at"]),
    }
    for name in _EXTRA_RUNTIME:
        value = runtime.get(name)
        if value is None or (runtime is task and name == "retry_count"):
            continue
        out[name] = ts_off(value) if name in _TIMESTAMP_FIELDS else value
    return out


def _typed(value: Any, kind: type) -> Any:
    return value if isinstance(value, kind) else None


def show(store: FlowStore, any_id: str) -> dict[str, Any]:
    """`show ID`: the epic or task view depending on the id's form; the standard invalid-id error otherwise."""
    if ids.is_epic_id(any_id):
        return show_epic(store, any_id)
    if ids.is_task_id(any_id):
        return show_task(store, any_id)
    raise InvalidInputError(ids.invalid_any_id_message(any_id))


def show_text(payload: dict[str, Any]) -> str:
    """Plain form of `show` (epic when the payload has `tasks`, else task)."""
    if "tasks" in payload:
        tasks = payload["tasks"]
        lines = [f"Epic: {payload['id']}", f"Title: {payload['title']}", f"Status: {payload['status']}",
                 f"Spec: .flow/specs/{payload['id']}.md", "", f"Tasks ({len(tasks)}):"]
        lines += [f"  [{t['status']}] {t['id']}: {t['title']}{_deps_suffix(t)}" for t in tasks]
        return "\n".join(lines) + "\n"
    lines = [f"Task: {payload['id']}", f"Epic: {payload['epic']}", f"Title: {payload['title']}",
             f"Status: {payload['status']}"]
    if payload["domain"] != "general":
        lines.append(f"Domain: {payload['domain']}")
    deps = payload["depends_on"]
    lines.append(f"Depends on: {', '.join(deps) if deps else 'none'}")
    lines.append(f"Spec: .flow/tasks/{payload['id']}.md")
    return "\n".join(lines) + "\n"


# ── epics / tasks / list ─────────────────────────────────────────────────────────────────────────────────────────


def _epic_row(epic: dict[str, Any], statuses: dict[str, str]) -> dict[str, Any]:
    # Like the reference, `done` counts only status done (skipped excluded, D49 kept).
    return {"id": epic["id"], "title": epic["title"], "status": epic["status"], "tasks": len(statuses),
            "done": sum(1 for st in statuses.values() if st == "done")}


def epics(store: FlowStore) -> dict[str, Any]:
    """`epics`: every epic file (archived ones too) with its task and done counts, in id order."""
    all_epics = store.list_epics()
    groups = store.task_statuses() if all_epics else {}
    rows = [_epic_row(e, groups.get(e["id"], {})) for e in all_epics]
    return {"epics": rows, "count": len(rows)}


def epics_text(payload: dict[str, Any]) -> str:
    """Plain form of `epics`."""
    rows = payload["epics"]
    if not rows:
        return "No epics found.\n"
    lines = [f"Epics ({len(rows)}):", ""]
    lines += [f"  [{e['status']}] {e['id']}: {e['title']} ({e['done']}/{e['tasks']} tasks done)" for e in rows]
    return "\n".join(lines) + "\n"


def _task_row(task: dict[str, Any]) -> dict[str, Any]:
    return {"id": task["id"], "epic": task["epic"], "title": task["title"], "status": task["status"],
            "priority": task.get("priority"), "domain": task["domain"],
            "depends_on": list(task.get("depends_on") or [])}


def tasks(store: FlowStore, epic: str | None = None, status: str | None = None,
          domain: str | None = None) -> dict[str, Any]:
    """`tasks`: tasks of one epic (unknown epic → empty) or all, filtered by status and domain, in id order."""
    if epic is not None:
        batches = [store.list_tasks(epic)]
    else:  # one epic at a time, keeping only the row: the full records of 20,000 tasks would cost ~25 MiB
        batches = (store.load_tasks(group) for group in store.task_ids_by_epic().values())
    out = [_task_row(t) for batch in batches for t in batch
           if (status is None or t["status"] == status) and (domain is None or t["domain"] == domain)]
    out.sort(key=lambda row: row["id"])
    return {"tasks": out, "count": len(out)}


def tasks_text(payload: dict[str, Any], epic: str | None = None, status: str | None = None) -> str:
    """Plain form of `tasks`."""
    rows = payload["tasks"]
    if not rows:
        scope = f" for epic {epic}" if epic is not None else ""
        wanted = f" with status '{status}'" if status is not None else ""
        return f"No tasks found{scope}{wanted}.\n"
    scope = f" for {epic}" if epic is not None else ""
    lines = [f"Tasks{scope} ({len(rows)}):", ""]
    for t in rows:
        tag = f" [{t['domain']}]" if t["domain"] != "general" else ""
        lines.append(f"  [{t['status']}] {t['id']}: {t['title']}{tag}{_deps_suffix(t)}")
    return "\n".join(lines) + "\n"


def list_all(store: FlowStore) -> dict[str, Any]:
    """`list`: every epic with counts and every task, one listing of each folder."""
    all_epics = store.list_epics()
    all_tasks = store.list_tasks()
    groups = group_by_epic(all_tasks)
    return {
        "epics": [_epic_row(e, {t["id"]: t["status"] for t in groups.get(e["id"], [])}) for e in all_epics],
        "tasks": [{"id": t["id"], "epic": t["epic"], "title": t["title"], "status": t["status"],
                   "priority": t.get("priority"), "depends_on": list(t.get("depends_on") or [])}
                  for t in all_tasks],
        "epic_count": len(all_epics),
        "task_count": len(all_tasks),
    }


def list_text(payload: dict[str, Any]) -> str:
    """Plain form of `list`."""
    epic_rows = payload["epics"]
    if not epic_rows:
        return "No epics or tasks found.\n"
    task_rows = payload["tasks"]
    groups = group_by_epic(task_rows)
    lines = [f"Flow Status: {len(epic_rows)} epics, {len(task_rows)} tasks ({_done_count(task_rows)} done)", ""]
    for e in epic_rows:
        lines.append(f"[{e['status']}] {e['id']}: {e['title']} ({e['done']}/{e['tasks']} done)")
        lines += [f"    [{t['status']}] {t['id']}: {t['title']}{_deps_suffix(t)}" for t in groups.get(e["id"], [])]
        lines.append("")
    return "\n".join(lines) + "\n"


# ── cat / files ──────────────────────────────────────────────────────────────────────────────────────────────────


def cat(store: FlowStore, any_id: str) -> str:
    """`cat ID`: the epic or task spec verbatim (reads only that one file)."""
    if ids.is_epic_id(any_id):
        import os

        content = store.epic_spec_or_none(any_id)
        if content is None:
            # An archived epic's spec lives in `.archive/<id>/` (the reference stops at "not found" here).
            content = store.archive.read_text(f"{any_id}/{any_id}.md")
        if content is None:
            raise NotFoundError(f"Spec not found: {os.path.abspath(store.epic_spec_path(any_id))}")
        return content
    if ids.is_task_id(any_id):
        content = store.read_task_spec(any_id)
        if not content:
            raise NotFoundError(f"Task spec not found: {any_id}")
        return content
    raise InvalidInputError(ids.invalid_any_id_message(any_id))


def _files_from_spec(spec: str) -> list[str]:
    """The first `**Files:**` line of a spec: comma-separated, trimmed, backticks removed."""
    for line in spec.split("\n"):  # lines as Rust's str::lines() sees them (only \n and \r\n end a line)
        line = line.removesuffix("\r")
        if line.startswith("**Files:**"):
            parts = (p.strip().strip("`") for p in line[len("**Files:**"):].split(","))
            return [p for p in parts if p]
    return []


def declared_files(store: FlowStore, task: dict[str, Any]) -> list[str]:
    """The files a task declares: its `files` field, else the `**Files:**` line of its spec."""
    declared = list(task.get("files") or [])
    return declared or _files_from_spec(store.read_task_spec(task["id"]))


def files(store: FlowStore, epic_id: str) -> dict[str, Any]:
    """`files --epic E`: which tasks declare which files, and the files declared by more than one task."""
    if not ids.is_epic_id(epic_id):
        raise InvalidInputError(f"Invalid epic ID: {epic_id}")
    ownership: dict[str, list[str]] = {}
    for task in store.list_tasks(epic_id):
        for path in declared_files(store, task):
            ownership.setdefault(path, []).append(task["id"])
    ownership = dict(sorted(ownership.items()))
    conflicts = {f: owners for f, owners in ownership.items() if len(owners) > 1}
    return {"epic": epic_id, "ownership": ownership, "conflicts": conflicts, "file_count": len(ownership),
            "conflict_count": len(conflicts)}


def files_text(payload: dict[str, Any]) -> str:
    """Plain form of `files`."""
    lines = [f"File ownership for {payload['epic']}:", ""]
    ownership = payload["ownership"]
    if not ownership:
        lines.append("  No files declared.")
    else:
        for path, owners in ownership.items():
            if len(owners) == 1:
                lines.append(f"  {path} \u2192 {owners[0]}")
            else:
                lines.append(f"  {path} \u2192 CONFLICT: {', '.join(owners)}")
        if payload["conflicts"]:
            lines.append("")
            lines.append(f"  \u26a0 {payload['conflict_count']} file conflict(s) \u2014 tasks sharing files cannot "
                         "run in parallel")
    return "\n".join(lines) + "\n"
