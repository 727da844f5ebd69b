"""Graph and history commands: dag, estimate, replay, diff, events (cli-core.md §4, storage.md §6.4, §7.5).

`dag_layers` and `render_dag_text` are shared with `status --dag`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl_core.errors import DependencyError, InvalidTransitionError, NotFoundError
from flowctl_db import FlowStore

from . import lookup

_DAG_ICONS = {"done": "done", "in_progress": " >> ", "blocked": "blck", "todo": "todo"}


# ── dag ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def dag_layers(store: FlowStore, epic_id: str) -> dict[str, Any]:
    """The epic's tasks grouped in waves: `{"epic", "layers": [{"layer", "nodes": [{"id", "status", "deps"}]}]}`.

    Layer of a task = 0 without dependencies, else 1 + the highest layer of its dependencies. Errors: no tasks,
    a dependency outside the epic or a self-dependency (`Failed to build DAG: …`), and a cycle — reported as one
    real path `a -> b -> a` (each id depends on the next) instead of the reference's member list (D48).
    """
    from flowctl_core.dag import TaskDag

    tasks = store.list_tasks(epic_id)
    if not tasks:
        raise NotFoundError(f"No tasks found for epic {epic_id}")
    try:
        dag = TaskDag(tasks)
    except DependencyError as err:
        raise DependencyError(f"Failed to build DAG: {err}") from err
    cycle = dag.find_cycle()
    if cycle is not None:
        raise DependencyError(f"Cycle detected in DAG: {' -> '.join(cycle)}")
    layer_of = dag.layer_of()
    by_layer: list[list[dict[str, Any]]] = [[] for _ in range(max(layer_of.values()) + 1)]
    for task in tasks:  # task-id order within each layer
        by_layer[layer_of[task["id"]]].append(
            {"id": task["id"], "status": task["status"], "deps": dag.dependencies(task["id"])})
    return {"epic": epic_id, "layers": [{"layer": n, "nodes": nodes} for n, nodes in enumerate(by_layer)]}


def render_dag_text(payload: dict[str, Any]) -> str:
    """The boxed ASCII drawing of a `dag_layers` payload (one box per task, `.M [icon]`, arrows between layers)."""
    lines = [f"DAG for {payload['epic']}", ""]
    layers = payload["layers"]
    last = len(layers) - 1
    for entry in layers:
        layer = entry["layer"]
        indent = "  " * layer
        connector = "\u2514\u2500\u2500 " if layer > 0 else ""
        pad = "    " if layer > 0 else ""
        for node in sorted(entry["nodes"], key=lambda n: n["id"]):
            label = f".{node['id'].rsplit('.', 1)[-1]} [{_DAG_ICONS.get(node['status'], ' ?? ')}]"
            bar = "\u2500" * len(label)
            lines.append(f"{indent}{connector}\u250c\u2500{bar}\u2500\u2510")
            lines.append(f"{indent}{pad}\u2502 {label} \u2502")
            lines.append(f"{indent}{pad}\u2514\u2500{bar}\u2500\u2518")
        if layer < last and layers[layer + 1]["nodes"]:
            below = "  " * (layer + 1)
            lines.append(f"{below}\u2502")
            lines.append(f"{below}\u2193")
    return "\n".join(lines) + "\n"


# ── estimate ─────────────────────────────────────────────────────────────────────────────────────────────────────


def estimate(store: FlowStore, epic_id: str) -> dict[str, Any]:
    """Remaining time from the mean `duration_seconds` of the epic's done tasks.

    `done_tasks` counts every done task (the reference counted only those with a duration, cli-core §10.17);
    the average is taken over the done tasks that have one.
    """
    tasks = store.list_tasks(epic_id)
    if not tasks:
        raise NotFoundError(f"No tasks found for epic {epic_id}")
    durations: list[int] = []
    done = incomplete = 0
    for task in tasks:
        if task["status"] == "done":
            done += 1
            state = store.get_state(task["id"])
            if state is not None and state.get("duration_seconds") is not None:
                durations.append(state["duration_seconds"])
        elif task["status"] != "skipped":
            incomplete += 1
    avg = sum(durations) // len(durations) if durations else 0
    return {"epic": epic_id, "total_tasks": len(tasks), "done_tasks": done, "incomplete_tasks": incomplete,
            "avg_duration_secs": avg, "estimated_remaining_secs": avg * incomplete}


def estimate_text(payload: dict[str, Any]) -> str:
    """Plain form of `estimate`."""
    remaining = payload["estimated_remaining_secs"]
    return (f"Estimated remaining: {remaining // 60}m {remaining % 60}s ({payload['incomplete_tasks']} tasks, "
            f"avg {payload['avg_duration_secs']}s/task)\n"
            f"  Done: {payload['done_tasks']}/{payload['total_tasks']}, Remaining: {payload['incomplete_tasks']}\n")


# ── replay ───────────────────────────────────────────────────────────────────────────────────────────────────────


def replay(store: FlowStore, epic_id: str, *, dry_run: bool = False, force: bool = False) -> dict[str, Any]:
    """Reset every non-todo task of the epic to a blank todo state and forget its worker phases (D34).

    Refuses while tasks are in progress unless `force`. Specs are untouched; the whole check-and-reset runs under
    the store lock.
    """
    from flowctl_core import changes
    from flowctl_core.records import blank_state

    from .applier import commit

    lookup.epic_id(epic_id)
    with store.lock():
        tasks = store.list_tasks(epic_id)
        if not tasks:
            raise NotFoundError(f"No tasks found for epic {epic_id}")
        if not force:
            busy = [t["id"] for t in tasks if t["status"] == "in_progress"]
            if busy:
                raise InvalidTransitionError(f"Tasks in progress: {', '.join(busy)}. Use --force to override.")
        to_reset = [t for t in tasks if t["status"] != "todo"]
        store.phases.read_all()  # read before any write: a corrupt phases.json stops the replay whole (dry run too)
        if dry_run:
            return {"dry_run": True, "epic": epic_id, "would_reset": [t["id"] for t in to_reset],
                    "count": len(to_reset), "statuses": {t["id"]: t["status"] for t in to_reset}}
        batch = changes.Changes([changes.set_task_state(t["id"], blank_state()) for t in to_reset])
        phases, _removed = store.phases.plan_reset(t["id"] for t in tasks)
        if phases is not None:
            batch.push(changes.put("phases", "", phases))
        commit(store, batch, log_mutations=False)  # replay keeps its own dry-run answer (cli-core §1.6)
    ids = [t["id"] for t in to_reset]
    return {"epic": epic_id, "reset": ids, "count": len(ids),
            "message": f"Run /flow-code:work {epic_id} to re-execute"}


def replay_text(payload: dict[str, Any]) -> str:
    """Plain form of `replay` (dry-run or real)."""
    if payload.get("dry_run"):
        lines = [f"Dry run \u2014 would reset {payload['count']} task(s) to todo:"]
        lines += [f"  {tid} ({payload['statuses'][tid]}) -> todo" for tid in payload["would_reset"]]
        return "\n".join(lines) + "\n"
    return (f"Reset {payload['count']} task(s) to todo for epic {payload['epic']}\n\n"
            f"To re-execute, run:  /flow-code:work {payload['epic']}\n")


def replay_json(payload: dict[str, Any]) -> dict[str, Any]:
    """The JSON keys of `replay` (the dry-run payload carries per-task statuses only for the plain text)."""
    return {k: v for k, v in payload.items() if k != "statuses"}


# ── diff ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def _git(cwd: Path, *args: str) -> tuple[bool, str]:
    from .commands_runner import run

    result = run(["git", *args], cwd=cwd, timeout=60)
    return result.passed, result.text().strip()


def diff(store: FlowStore, cwd: Path, epic_id: str) -> tuple[dict[str, Any], str | None]:
    """Commits and diff stat of the epic's branch against its merge base with `main`; returns (payload, warning).

    Runs git exactly as the reference does: `merge-base main <branch>`, then `log --oneline <base>..<branch>` and
    `diff --stat <base>..<branch>`, or without a merge base `log --oneline -20 <branch>` / `diff --stat <branch>`.
    """
    lookup.epic_id(epic_id)
    epic = store.get_epic(epic_id)
    branch = (epic or {}).get("branch_name") or ""
    if not branch:
        raise NotFoundError(f"No branch found for epic {epic_id}. Set with: flowctl epic branch {epic_id} <name>")
    # The stored branch is a name, never an option: `--end-of-options` before the revisions, `--` after them.
    ok, base = _git(cwd, "merge-base", "--end-of-options", "main", branch)
    warning = None
    if not ok or not base:
        base = ""
        warning = "Warning: could not find merge-base with main, showing full branch history"
    if base:
        span = f"{base}..{branch}"
        log = _git(cwd, "log", "--oneline", "--end-of-options", span, "--")
        stat = _git(cwd, "diff", "--stat", "--end-of-options", span, "--")
    else:
        log = _git(cwd, "log", "--oneline", "-20", "--end-of-options", branch, "--")
        stat = _git(cwd, "diff", "--stat", "--end-of-options", branch, "--")
    payload = {"epic": epic_id, "branch": branch, "base_ref": base or None,
               "log": log[1] if log[0] else "", "diff_stat": stat[1] if stat[0] else ""}
    return payload, warning


def diff_text(payload: dict[str, Any]) -> str:
    """Plain form of `diff`."""
    lines = [f"Epic: {payload['epic']}  Branch: {payload['branch']}"]
    if payload["base_ref"]:
        lines.append(f"Base: {payload['base_ref'][:12]}")
    lines.append("")
    if payload["log"]:
        lines.append("Commits:")
        lines += [f"  {line}" for line in payload["log"].splitlines()]
    else:
        lines.append("No commits found.")
    lines.append("")
    if payload["diff_stat"]:
        lines.append("Diff summary:")
        lines += [f"  {line}" for line in payload["diff_stat"].splitlines()]
    else:
        lines.append("No diff.")
    return "\n".join(lines) + "\n"


# ── events ───────────────────────────────────────────────────────────────────────────────────────────────────────


def events(store: FlowStore, epic_id: str) -> dict[str, Any]:
    """Events of one epic in file order, matched exactly by stream or `epic_id` (D4 fix)."""
    found = store.events.for_epic(epic_id)
    return {"epic": epic_id, "count": len(found), "events": found}


def events_text(payload: dict[str, Any]) -> str:
    """Plain form of `events`."""
    found = payload["events"]
    if not found:
        return f"No events found for epic {payload['epic']}\n"
    lines = [f"Events for epic {payload['epic']} ({len(found)} total):", ""]
    for e in found:
        lines.append(f"  [{_str_or(e.get('stream_id'))}] {_str_or(e.get('type'))} \u2014 {_str_or(e.get('timestamp'))}")
    return "\n".join(lines) + "\n"


def _str_or(value: Any, default: str = "?") -> str:
    return value if isinstance(value, str) else default
