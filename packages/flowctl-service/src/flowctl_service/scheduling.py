"""Scheduling queries: ready, next, queue (cli-core.md §7.1–7.3, storage.md §6.2).

Read-only; no store lock needed (every file is replaced atomically, so a reader never sees a torn record).

Decisions where the reference is broken:

* D15/D-6 — ``up_for_retry`` tasks are offered like ``todo`` ones when their dependencies are satisfied: listed
  under ``ready`` (or ``blocked`` with the unmet deps) by ``ready``, picked by ``next`` (``ready_task``), counted
  as ``todo``/``ready`` by ``queue``.
* D31/D-8 — the same dependency rule as ``start`` (see lifecycle.py): a dependency is satisfied iff it names an
  existing task, in any epic, whose status is done or skipped. The reference treated every out-of-epic
  dependency as unsatisfied here while ``start`` accepted it.
* D49 — the completion-review gate of ``next`` fires when every task of the epic is done *or skipped* (at least
  one task), matching ``epic close``; the reference required strictly ``done``, so an epic with a skipped task
  was passed over for ever.
* D-12 — archived epics are left out of ``next`` (unless named in ``--epics-file``) and ``queue``.
* Speed — ``next`` and ``queue`` list the epics and the tasks folder once and group in memory (linear; the
  reference re-listed the folder per epic). ``ready --epic E`` lists only E's tasks.
"""

from __future__ import annotations

from flowctl_core import ids, payloads
from flowctl_core import state_machine as sm
from flowctl_core.errors import InvalidInputError, NotFoundError, os_error_text
from flowctl_db import FlowStore

from . import lookup

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

# Statuses a worker may pick up (D15).
STARTABLE = frozenset((sm.TODO, sm.UP_FOR_RETRY))


def _epic_number(epic_id: str) -> int:
    p = ids.parse_id(epic_id)
    return p.epic if p is not None else 0


def unmet_dependencies(task: dict[str, Any], status_of: Any) -> list[str]:
    """The task's dependencies that are not satisfied; `status_of(dep)` returns a status or None when missing."""
    return [d for d in task.get("depends_on") or [] if not sm.is_satisfied(status_of(d))]


def _epic_status_lookup(store: FlowStore, tasks: Iterable[dict[str, Any]]) -> Any:
    """status_of(dep) over one epic's tasks, resolving out-of-epic deps with one read each (cached)."""
    local = {t["id"]: t["status"] for t in tasks}
    cache: dict[str, str | None] = {}

    def status_of(dep: str) -> str | None:
        if dep in local:
            return local[dep]
        if dep not in cache:
            other = store.get_task(dep) if ids.is_task_id(dep) else None
            cache[dep] = None if other is None else other["status"]
        return cache[dep]

    return status_of


def _assignee(store: FlowStore, task_id: str) -> str | None:
    state = store.get_state(task_id)
    return None if state is None else state.get("assignee")


# ── ready ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def ready(store: FlowStore, epic_id: str, actor: str) -> dict[str, Any]:
    """Classify one epic's tasks: ``{"actor", "epic", "ready": […], "in_progress": […], "blocked": […]}``.

    in_progress → ``in_progress`` (with the state's assignee, ``""`` if none); blocked → ``blocked`` with
    ``blocked_by: ["status=blocked"]``; todo/up_for_retry → ``ready`` when every dependency is satisfied, else
    ``blocked`` with the unmet ids; done, skipped, failed and upstream_failed are not listed.
    """
    lookup.epic_id(epic_id)
    lookup.epic(store, epic_id)
    tasks = store.list_tasks(epic_id)
    status_of = _epic_status_lookup(store, tasks)
    ready_list: list[dict[str, Any]] = []
    running: list[dict[str, Any]] = []
    blocked: list[tuple[dict[str, Any], list[str]]] = []
    for task in tasks:
        status = task["status"]
        if status == sm.IN_PROGRESS:
            running.append(task)
        elif status == sm.BLOCKED:
            blocked.append((task, ["status=blocked"]))
        elif status in STARTABLE:
            unmet = unmet_dependencies(task, status_of)
            if unmet:
                blocked.append((task, unmet))
            else:
                ready_list.append(task)
    ready_list.sort(key=ids.sort_key_task)
    running.sort(key=ids.sort_key_task)
    blocked.sort(key=lambda pair: ids.sort_key_task(pair[0]))
    return {
        "actor": actor,
        "blocked": [{"blocked_by": deps, "id": t["id"], "title": t["title"]} for t, deps in blocked],
        "epic": epic_id,
        "in_progress": [{"assignee": _assignee(store, t["id"]) or "", "id": t["id"], "title": t["title"]}
                        for t in running],
        "ready": [{"depends_on": list(t.get("depends_on") or []), "id": t["id"], "title": t["title"]}
                  for t in ready_list],
    }


# ── next ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def read_epics_file(path: str) -> list[str]:
    """Epic ids from a ``{"epics": [ids]}`` file, with the reference's error texts."""
    try:
        with open(path, encoding="utf-8") as f:
            content = f.read()
    except UnicodeDecodeError:
        raise InvalidInputError("Cannot read epics file: stream did not contain valid UTF-8") from None
    except OSError as err:
        raise InvalidInputError(f"Cannot read epics file: {os_error_text(err)}") from err
    data = payloads.loads(content, "Epics file invalid JSON")
    epics = data.get("epics") if isinstance(data, dict) else None
    if not isinstance(epics, list):
        raise InvalidInputError("Epics file must be JSON with key 'epics' as a list")
    out = []
    for value in epics:
        if not (isinstance(value, str) and ids.is_epic_id(value)):
            import json

            shown = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
            raise InvalidInputError(f"Invalid epic ID in epics file: {shown}")
        out.append(value)
    return out


def epic_blockers(epic: dict[str, Any], epics: dict[str, dict[str, Any]]) -> list[str]:
    """The epic's `depends_on_epics` (itself ignored) that are missing or not done, in listed order."""
    out = []
    for dep in epic.get("depends_on_epics") or []:
        if dep == epic["id"]:
            continue
        other = epics.get(dep)
        if other is None or other.get("status") != sm.EPIC_DONE:
            out.append(dep)
    return out


def _answer(status: str, epic: str | None, task: str | None, reason: str) -> dict[str, Any]:
    return {"epic": epic, "reason": reason, "status": status, "task": task}


def next_unit(store: FlowStore, actor: str, *, epics_file: str | None = None, require_plan_review: bool = False,
              require_completion_review: bool = False) -> dict[str, Any]:
    """The next plan/work/completion-review unit: ``{"status", "epic", "task", "reason"}`` (+ ``blocked_epics``)."""
    listed = read_epics_file(epics_file) if epics_file is not None else None
    all_epics = store.list_epics()
    epics = {e["id"]: e for e in all_epics}
    if listed is None:
        order = [e["id"] for e in sorted(all_epics, key=lambda e: _epic_number(e["id"])) if not e.get("archived")]
    else:
        order = listed
    # One listing of tasks/; an epic's tasks are read only when the walk reaches it (the reference re-lists the
    # folder per epic and reads everything: quadratic). Out-of-epic dependencies are read one by one, cached.
    ids_by_epic = store.task_ids_by_epic()
    blocked_epics: dict[str, list[str]] = {}

    for epic_id in order:
        epic = epics.get(epic_id)
        if epic is None:
            if listed is not None:
                raise NotFoundError(f"Epic {epic_id} not found")
            continue
        if epic.get("status") == sm.EPIC_DONE:
            continue
        blockers = epic_blockers(epic, epics)
        if blockers:
            blocked_epics[epic_id] = blockers
            continue
        if require_plan_review and epic.get("plan_review") != sm.REVIEW_PASSED:
            return _answer("plan", epic_id, None, "needs_plan_review")
        tasks = store.load_tasks(ids_by_epic.get(epic_id, []))
        mine = [t for t in tasks if t["status"] == sm.IN_PROGRESS and _assignee(store, t["id"]) == actor]
        if mine:
            return _answer("work", epic_id, min(mine, key=ids.sort_key_task)["id"], "resume_in_progress")
        status_of = _epic_status_lookup(store, tasks)
        candidates = [t for t in tasks
                      if t["status"] in STARTABLE and not unmet_dependencies(t, status_of)]
        if candidates:
            return _answer("work", epic_id, min(candidates, key=ids.sort_key_task)["id"], "ready_task")
        if (require_completion_review and tasks and all(sm.is_satisfied(t["status"]) for t in tasks)
                and epic.get("completion_review") != sm.REVIEW_PASSED):
            return _answer("completion_review", epic_id, None, "needs_completion_review")

    if blocked_epics:
        return {**_answer("none", None, None, "blocked_by_epic_deps"), "blocked_epics": blocked_epics}
    return _answer("none", None, None, "none")


# ── queue ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def _progress(done: int, total: int) -> int:
    # Rust's f64::round rounds halves away from zero; Python's round() would round them to even.
    return (200 * done + total) // (2 * total) if total else 0


def queue(store: FlowStore, actor: str) -> dict[str, Any]:
    """Every (non-archived) epic with task counts and progress: ``{"actor", "epics": […], "total"}``.

    Order: open and unblocked, then blocked by epic dependencies, then done; ties by epic number.
    """
    all_epics = store.list_epics()
    epics = {e["id"]: e for e in all_epics}
    ids_by_epic = store.task_ids_by_epic()  # one listing; each epic's tasks are read when it is counted
    rows: list[dict[str, Any]] = []
    for epic in all_epics:
        if epic.get("archived"):
            continue
        counts = {"blocked": 0, "done": 0, "in_progress": 0, "ready": 0, "todo": 0}
        tasks = store.load_tasks(ids_by_epic.get(epic["id"], []))
        status_of = _epic_status_lookup(store, tasks)
        for task in tasks:
            status = task["status"]
            if status in STARTABLE:
                counts["todo"] += 1
                if not unmet_dependencies(task, status_of):
                    counts["ready"] += 1
            elif status == sm.IN_PROGRESS:
                counts["in_progress"] += 1
            elif sm.is_satisfied(status):
                counts["done"] += 1
            elif status == sm.BLOCKED:
                counts["blocked"] += 1
        total = counts["todo"] + counts["in_progress"] + counts["done"] + counts["blocked"]
        rows.append({
            "blocked_by": epic_blockers(epic, epics),
            "completion_review_status": epic.get("completion_review", sm.REVIEW_UNKNOWN),
            "depends_on_epics": list(epic.get("depends_on_epics") or []),
            "id": epic["id"],
            "plan_review_status": epic.get("plan_review", sm.REVIEW_UNKNOWN),
            "progress": _progress(counts["done"], total),
            "status": epic.get("status", sm.EPIC_OPEN),
            "tasks": counts,
            "title": epic["title"],
            "total_tasks": total,
        })

    def rank(row: dict[str, Any]) -> tuple[int, int]:
        group = 2 if row["status"] == sm.EPIC_DONE else (1 if row["blocked_by"] else 0)
        return group, _epic_number(row["id"])

    rows.sort(key=rank)
    return {"actor": actor, "epics": rows, "total": len(rows)}


# ── plain text ──────────────────────────────────────────────────────────────────────────────────────────────────


def ready_text(data: dict[str, Any]) -> str:
    """Plain output of `ready` (the TTY form; the `ready` compact filter shortens it when piped)."""
    actor = data["actor"]
    lines = [f"Ready tasks for {data['epic']} (actor: {actor}):"]
    if data["ready"]:
        lines += [f"  {t['id']}: {t['title']}" for t in data["ready"]]
    else:
        lines.append("  (none)")
    if data["in_progress"]:
        lines += ["", "In progress:"]
        for t in data["in_progress"]:
            who = t["assignee"] or "unknown"
            lines.append(f"  {t['id']}: {t['title']} [{who}]{' (you)' if who == actor else ''}")
    if data["blocked"]:
        lines += ["", "Blocked:"]
        lines += [f"  {t['id']}: {t['title']} (by: {', '.join(t['blocked_by'])})" for t in data["blocked"]]
    return "\n".join(lines)


def next_text(data: dict[str, Any]) -> str:
    """Plain output of `next`: `<status> <epic|task> <reason>`, or `none` (+ blocked epics)."""
    status = data["status"]
    if status == "work":
        return f"work {data['task']} {data['reason']}"
    if status in ("plan", "completion_review"):
        return f"{status} {data['epic']} {data['reason']}"
    if "blocked_epics" in data:
        lines = ["none blocked_by_epic_deps"]
        lines += [f"  {e}: {', '.join(deps)}" for e, deps in data["blocked_epics"].items()]
        return "\n".join(lines)
    return "none"


def _icon(row: dict[str, Any]) -> str:
    if row["status"] == "done":
        return "\u2713"
    if row["blocked_by"]:
        return "\u2298"
    return "\u25b6" if row["tasks"]["ready"] > 0 else "\u25cb"


def queue_text(data: dict[str, Any]) -> str:
    """Plain output of `queue` (not filtered): header, then per epic an icon line, a progress bar, a blank line."""
    rows = data["epics"]
    open_count = sum(1 for r in rows if r["status"] != "done")
    out = [f"Queue ({open_count} open, {len(rows) - open_count} done):", ""]
    for r in rows:
        tc = r["tasks"]
        cells = min(r["progress"] * 20 // 100, 20) if r["total_tasks"] else 0
        bar = "\u2588" * cells + "\u2591" * (20 - cells)
        out.append(f"  {_icon(r)} {r['id']}: {r['title']}")
        out.append(f"    [{bar}] {r['progress']}%  done={tc['done']} ready={tc['ready']} todo={tc['todo']} "
                   f"in_progress={tc['in_progress']} blocked={tc['blocked']}")
        if r["blocked_by"]:
            out.append(f"    \u2298 blocked by: {', '.join(r['blocked_by'])}")
        elif r["depends_on_epics"]:
            out.append(f"    \u2192 deps (resolved): {', '.join(r['depends_on_epics'])}")
        out.append("")
    return "\n".join(out) + "\n"
