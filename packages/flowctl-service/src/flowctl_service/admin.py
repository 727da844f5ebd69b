"""Admin operations: init, detect, status (plain, interrupted, progress), validate, doctor, state-path, export."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from flowctl_core import changes, records, spec_md
from flowctl_core import config as cfg
from flowctl_core.errors import FlowError, InvalidInputError, os_error_text
from flowctl_db import FlowStore, inspection, location

from . import lookup as ids_lookup
from .applier import commit

INIT_DIRS = ("epics", "specs", "tasks", "memory", "reviews")


def init(cwd: Path, *, dry_run: bool = False) -> dict[str, Any]:
    """Create or complete `.flow/` (idempotent, never overwrites data); return {actions, message, path}.

    Beyond the reference: the symlink action is reported only when the link was created or repaired, so a
    re-run reports `.flow/ already up to date` (cli-core §10 #11). The link and the directories are made here
    directly (they hold no data); `meta.json` and `config.json` are written through the applier. With `dry_run`
    nothing is created: the preview lists the files init would write.
    """
    flow = location.flow_dir_for(cwd)
    actions: list[str] = []
    if dry_run:
        store = FlowStore(flow)
        return commit(store, _init_files(store, actions), dry_run=True)
    existed = flow.is_symlink() and flow.exists()
    link_target_before = str(flow.readlink()) if flow.is_symlink() else None
    try:
        _path, link_action = location.ensure_flow_symlink(cwd)
    except FlowError as err:
        raise InvalidInputError(f"Failed to setup .flow/: {err}") from err
    if link_action and not (existed and link_target_before == str(flow.readlink())):
        actions.append(link_action)
    store = FlowStore(flow)
    with store.lock():
        for name in INIT_DIRS:
            d = flow / name
            if not d.is_dir():
                d.mkdir(parents=True, exist_ok=True)
                actions.append(f"created {name}/")
        batch = _init_files(store, actions)
        state_dir_missing = not store.paths.state.is_dir()
        store.ensure_dirs()
        if state_dir_missing:
            actions.append("created .state/")
        commit(store, batch)
    message = f".flow/ updated: {', '.join(actions)}" if actions else ".flow/ already up to date"
    return {"actions": actions, "message": message, "path": str(flow)}


def _init_files(store: FlowStore, actions: list[str]) -> changes.Changes:
    """The meta.json / config.json writes of init (config: defaults added, a corrupt file refused, D29)."""
    batch = changes.Changes()
    if not store.meta.exists():
        batch.push(changes.put("meta", "", {"next_epic": 1, "schema_version": 1}))
        actions.append("created meta.json")
    if not store.config.exists():
        batch.push(changes.put("config", "", cfg.default_config()))
        actions.append("created config.json")
    else:
        merged, changed = cfg.deep_merge_defaults(store.config.read(), cfg.DEFAULT_CONFIG)
        if changed:
            batch.push(changes.put("config", "", merged))
            actions.append("upgraded config.json (added missing keys)")
    return batch


# ── detect ────────────────────────────────────────────────────────────────────────────────────────────────────────────

# meta.json schema versions this implementation reads; `detect` and (D37 fix) `validate` both accept them.
SUPPORTED_SCHEMA_VERSIONS = (1, 2)
_SUPPORTED_TEXT = "[" + ", ".join(str(v) for v in SUPPORTED_SCHEMA_VERSIONS) + "]"


def _read_meta(path: Path) -> tuple[str, Any]:
    """Classify meta.json like `_classify_json`, with the schema version as the value when it parses."""
    kind, meta = inspection.classify_json(path)
    if kind != "ok":
        return kind, meta
    version = meta.get("schema_version") if isinstance(meta, dict) else None
    # A missing or non-integer version counts as 0, as in `detect` of the reference.
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        version = 0
    return "ok", version


def detect(store: FlowStore) -> dict[str, Any]:
    """Existence and shape of `.flow/` (never fails): {exists, issues, path, valid}."""
    flow = store.flow_dir
    exists = flow.exists()
    issues: list[str] = []
    if exists:
        kind, value = _read_meta(store.paths.meta)
        if kind == "missing":
            issues.append("meta.json missing")
        elif kind == "unreadable":
            issues.append(f"meta.json unreadable: {value}")
        elif kind == "invalid":
            issues.append(f"meta.json parse error: {value}")
        elif value not in SUPPORTED_SCHEMA_VERSIONS:
            issues.append(f"schema_version unsupported (supported {_SUPPORTED_TEXT}, got {value})")
        issues += [f"{name}/ missing" for name in INIT_DIRS if not (flow / name).exists()]
    return {"exists": exists, "issues": issues, "path": str(flow), "valid": exists and not issues}


def detect_text(data: dict[str, Any]) -> str:
    """Plain form of `detect`."""
    if not data["exists"]:
        return ".flow/ not found"
    if data["valid"]:
        return ".flow/ exists and is valid"
    return "\n".join([".flow/ exists but has issues:", *(f"  - {i}" for i in data["issues"])])


# ── status ────────────────────────────────────────────────────────────────────────────────────────────────────────────




def status(store: FlowStore) -> dict[str, Any]:
    """Epic counts by status and task counts (todo/in_progress/done/blocked) from one listing of each folder."""
    epics = {"done": 0, "open": 0}
    tasks = {"blocked": 0, "done": 0, "in_progress": 0, "todo": 0}
    exists = store.exists()
    if exists:
        for epic in store.list_epics():
            if epic.get("status") in epics:
                epics[epic["status"]] += 1
        for statuses in store.task_statuses().values():
            for st in statuses.values():
                if st in tasks:
                    tasks[st] += 1
    return {"epics": epics, "flow_exists": exists, "runs": [], "tasks": tasks}


def status_text(data: dict[str, Any]) -> str:
    """Plain form of `status` (the `status` compact filter applies to it)."""
    if not data["flow_exists"]:
        return ".flow/ not initialized"
    e, t = data["epics"], data["tasks"]
    return (f"Epics: {e['open']} open, {e['done']} done\n"
            f"Tasks: {t['todo']} todo, {t['in_progress']} in_progress, {t['done']} done, {t['blocked']} blocked\n"
            "\nNo active runs\n")


_INTERRUPTED_COUNTED = ("todo", "in_progress", "done", "blocked", "skipped")


def interrupted(store: FlowStore) -> dict[str, Any]:
    """Open epics with work left (todo or in_progress tasks): {interrupted: [...]}, epics in id order."""
    if not store.exists():
        return {"interrupted": []}
    by_epic = store.task_statuses()
    out = []
    for epic in store.list_epics():
        if epic.get("status") != "open":
            continue
        counts = dict.fromkeys(_INTERRUPTED_COUNTED, 0)
        stale: list[str] = []
        for task_id, st in by_epic.get(epic["id"], {}).items():
            if st == "in_progress":
                stale.append(task_id)
            if st in counts:
                counts[st] += 1
        total = sum(counts.values())
        if total == 0 or not (counts["todo"] or counts["in_progress"]):
            continue
        not_started = counts["done"] == 0 and counts["in_progress"] == 0
        out.append({**counts, "id": epic["id"], "title": epic.get("title", ""), "total": total,
                    "stale_task_ids": sorted(stale),
                    "reason": "planned_not_started" if not_started else "partially_complete",
                    "suggested": f"/flow-code:work {epic['id']}"})
    return {"interrupted": out}


def interrupted_text(data: dict[str, Any], flow_exists: bool = True) -> str:
    """Plain form of `status --interrupted`."""
    if not flow_exists:
        return "No interrupted work (.flow/ not found)"
    items = data["interrupted"]
    if not items:
        return "No interrupted work found."
    lines = [f"Found {len(items)} interrupted epic(s):", ""]
    for ep in items:
        remaining = [f"{ep[k]} {k}" for k in ("todo", "in_progress", "blocked") if ep[k]]
        lines.append(f"  {ep['id']}: {ep['title']}")
        lines.append(f"    Progress: {ep['done']}/{ep['total']} done ({', '.join(remaining)})")
        if ep["in_progress"]:
            if ep["stale_task_ids"]:
                lines.append("    Recovery:")
                lines += [f"      Run: flowctl restart {tid}" for tid in ep["stale_task_ids"]]
                lines.append(f"      Then: /flow-code:work {ep['id']}")
        else:
            lines.append(f"    Resume:   {ep['suggested']}")
        lines.append("")
    return "\n".join(lines) + "\n"


def first_open_epic(store: FlowStore) -> str | None:
    """The first open epic by id string, or None."""
    for epic in store.list_epics():
        if epic.get("status") == "open":
            return epic["id"]
    return None


def progress(store: FlowStore, epic_id: str | None) -> dict[str, Any]:
    """Task progress of one epic (default: the first open one); an unknown epic gives zeros."""
    if epic_id is None:
        epic_id = first_open_epic(store)
        if epic_id is None:
            raise InvalidInputError("No open epic found. Pass --epic <id>.")
    tasks = store.list_tasks(epic_id)
    counts: dict[str, int] = {}
    active: list[str] = []
    for task in tasks:
        st = task.get("status", "todo")
        counts[st] = counts.get(st, 0) + 1
        if st == "in_progress":
            active.append(task["id"])
    total = len(tasks)
    done = counts.get("done", 0) + counts.get("skipped", 0)
    return {"epic": epic_id, "percent": done * 100 // total if total else 0,
            "tasks_blocked": counts.get("blocked", 0), "tasks_done": done,
            "tasks_failed": counts.get("failed", 0) + counts.get("upstream_failed", 0),
            "tasks_in_progress": active, "tasks_todo": counts.get("todo", 0), "tasks_total": total}


PROGRESS_BAR_WIDTH = 30


def progress_text(data: dict[str, Any]) -> str:
    """Plain form of `status --progress` (with a 30-cell bar)."""
    filled = data["percent"] * PROGRESS_BAR_WIDTH // 100
    bar = "█" * filled + "░" * (PROGRESS_BAR_WIDTH - filled)
    active = data["tasks_in_progress"]
    lines = [f"Epic: {data['epic']}",
             f"Tasks: {data['tasks_done']}/{data['tasks_total']} done, {len(active)} in progress, "
             f"{data['tasks_todo']} todo, {data['tasks_blocked']} blocked, {data['tasks_failed']} failed"]
    if active:
        lines.append(f"Active: [{', '.join(active)}]")
    lines.append(f"{bar} {data['percent']}%")
    return "\n".join(lines)


# ── validate ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def _listdir(directory: Path) -> list[str]:
    try:
        return sorted(os.listdir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return []


def _task_file_epic(name: str) -> str | None:
    """The epic of a task definition file name `<epic>.<M>.json`, or None for other names."""
    if not name.endswith(".json") or name.startswith("."):
        return None
    head, _, tail = name[:-5].rpartition(".")
    return head if head and tail.isdigit() and tail.isascii() else None


def _load(record: records.Record, path: Path, errors: list[str]) -> dict[str, Any] | None:
    """Load one record file; a corrupt or unreadable one becomes an error naming it (never skipped silently)."""
    try:
        return inspection.load_record(record, path)
    except FlowError as err:
        errors.append(str(err))
        return None


class _TaskScan:
    """Task file names grouped by epic from ONE listing of `tasks/` and of `.state/tasks/`; records are read one
    epic at a time (`load`), so validating 20,000 tasks never holds them all in memory."""

    def __init__(self, store: FlowStore, only_epic: str | None = None) -> None:
        paths = store.paths
        # Plain string paths: a pathlib.Path per file costs ~6 ms per 1,000 tasks.
        self._tasks_dir, self._state_dir = str(paths.tasks), str(paths.state_tasks)
        self._state_names = set(_listdir(paths.state_tasks))
        self._names: dict[str, list[str]] = {}
        for name in _listdir(paths.tasks):
            epic = _task_file_epic(name)
            if epic is not None and (only_epic is None or epic == only_epic):
                self._names.setdefault(epic, []).append(name)

    def load(self, epic_id: str) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """The epic's task definitions keyed by record id, and errors naming its corrupt files."""
        tasks: dict[str, dict[str, Any]] = {}
        errors: list[str] = []
        join = os.path.join
        for name in self._names.get(epic_id, ()):
            task = _load(records.TASK, join(self._tasks_dir, name), errors)
            state_name = name[:-5] + ".state.json"
            if state_name in self._state_names:
                _load(records.TASK_STATE, join(self._state_dir, state_name), errors)
            if task is not None:
                # Keyed by the record's id, as the reference does (a later duplicate replaces an earlier one).
                tasks[task["id"]] = task
        return tasks, errors


def _cycle_members(tasks: dict[str, dict[str, Any]]) -> list[str]:
    """Ids of the tasks that lie ON a dependency cycle inside the epic (D48), sorted; linear time."""
    from flowctl_core.dag import TaskDag

    members: set[str] = set()
    pairs = []
    for tid, task in tasks.items():
        deps = []
        for dep in task.get("depends_on") or ():
            if dep == tid:
                members.add(tid)  # a self-dependency is a cycle of one
            elif dep in tasks:
                deps.append(dep)
        pairs.append((tid, deps))
    members.update(TaskDag(pairs).detect_cycles() or ())
    return sorted(members)


def validate_epic(store: FlowStore, epic_id: str, scan: _TaskScan | None = None) -> dict[str, Any]:
    """Validate one epic: specs, dependencies, cycles, corrupt files; {epic, errors, task_count, valid, warnings}.

    Deterministic order (the reference uses hash order): file errors, then per task in id order its spec and
    dependency errors, then one cycle error per task on a cycle (sorted).
    """
    scan = scan or _TaskScan(store, epic_id)
    paths = store.paths
    errors: list[str] = []
    warnings: list[str] = []
    epic_path = paths.epic_json(epic_id)  # a name too long for a file is refused here, not by a failing stat()
    if epic_path.exists():
        _load(records.EPIC, epic_path, errors)
    tasks, file_errors = scan.load(epic_id)
    errors += file_errors
    tasks_dir = str(paths.tasks)  # ids in `tasks` came from file names in that folder, so they are safe names
    prefix = epic_id + "."
    for tid in sorted(tasks):
        try:
            body: str | None = inspection.read_spec(os.path.join(tasks_dir, tid + ".md"))
        except FlowError:
            body = None
        if body is None:
            errors.append(f"Task {tid}: could not read spec")
        elif not body:
            warnings.append(f"Task {tid}: no spec body")
        else:
            errors += [f"Task {tid}: missing required heading '{h}'" for h in spec_md.missing_task_headings(body)]
        for dep in tasks[tid].get("depends_on") or ():
            if dep not in tasks:
                errors.append(f"Task {tid}: dependency {dep} not found")
            if not dep.startswith(prefix):
                errors.append(f"Task {tid}: dependency {dep} is outside epic {epic_id}")
    errors += [f"Dependency cycle detected involving {tid}" for tid in _cycle_members(tasks)]
    spec = paths.specs / f"{epic_id}.md"
    if not spec.exists():
        warnings.append(f"Epic spec missing: {spec}")
    return {"epic": epic_id, "errors": errors, "task_count": len(tasks), "valid": not errors, "warnings": warnings}


def validate_root(store: FlowStore) -> list[str]:
    """Root invariants of `.flow/`: meta.json (schema 1 or 2, D37) and the required directories."""
    errors: list[str] = []
    path = store.paths.meta
    kind, value = _read_meta(path)
    if kind == "missing":
        errors.append(f"meta.json missing: {path}")
    elif kind == "unreadable":
        errors.append(f"meta.json unreadable: {value}")
    elif kind == "invalid":
        errors.append(f"meta.json invalid JSON: {value}")
    elif value not in SUPPORTED_SCHEMA_VERSIONS:
        errors.append(f"schema_version unsupported in meta.json (supported {_SUPPORTED_TEXT}, got {value})")
    errors += [f"Required directory missing: {name}/" for name in INIT_DIRS if not (store.flow_dir / name).exists()]
    return errors


def _epic_ids(store: FlowStore) -> list[str]:
    """Ids of every epic file (a corrupt file still counts, under its file name, and is reported by validate_epic)."""
    out = []
    for name in _listdir(store.paths.epics):
        if not name.endswith(".json") or name.startswith("."):
            continue
        epic = None
        try:
            epic = inspection.load_record(records.EPIC, store.paths.epics / name)
        except FlowError:
            pass
        out.append(epic["id"] if epic is not None else name[:-5])
    return sorted(set(out))


def validate_all(store: FlowStore) -> dict[str, Any]:
    """Validate the root and every epic, listing the tasks folder once."""
    root_errors = validate_root(store)
    scan = _TaskScan(store)
    epic_ids = _epic_ids(store)
    results = [validate_epic(store, eid, scan) for eid in epic_ids]
    total_errors = len(root_errors) + sum(len(r["errors"]) for r in results)
    return {"epics": results, "root_errors": root_errors, "total_epics": len(epic_ids),
            "total_errors": total_errors, "total_tasks": sum(r["task_count"] for r in results),
            "total_warnings": sum(len(r["warnings"]) for r in results), "valid": total_errors == 0}


def _bullets(title: str, items: list[str]) -> list[str]:
    return [f"  {title}:", *(f"    - {i}" for i in items)] if items else []


def validate_text(data: dict[str, Any]) -> str:
    """Plain form of `validate --epic` / `validate --all`."""
    if "epics" in data:
        errors = data["root_errors"] + [e for r in data["epics"] for e in r["errors"]]
        warnings = [w for r in data["epics"] for w in r["warnings"]]
        head = ["Validation for all epics:", f"  Epics: {data['total_epics']}", f"  Tasks: {data['total_tasks']}"]
    else:
        errors, warnings = data["errors"], data["warnings"]
        head = [f"Validation for {data['epic']}:", f"  Tasks: {data['task_count']}"]
    lines = [*head, f"  Valid: {'true' if data['valid'] else 'false'}", *_bullets("Errors", errors),
             *_bullets("Warnings", warnings)]
    return "\n".join(lines)


# ── doctor ────────────────────────────────────────────────────────────────────────────────────────────────────────────


def _check(name: str, status: str, message: str) -> dict[str, str]:
    return {"message": message, "name": name, "status": status}


def _validate_check(store: FlowStore) -> dict[str, str]:
    data = validate_all(store)
    n = data["total_errors"]
    if n == 0:
        return _check("validate", "pass", "All epics and tasks validated successfully")
    return _check("validate", "fail", f"Validation found {n} error(s). Run 'flowctl validate --all' for details")


def _state_dir_check(store: FlowStore) -> dict[str, str]:
    state_dir = store.paths.state
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        return _check("state_dir_access", "fail", f"State dir not accessible: {os_error_text(err)}")
    try:
        inspection.probe_writable(state_dir)
    except (OSError, FlowError) as err:
        text = os_error_text(err) if isinstance(err, OSError) else str(err)
        return _check("state_dir_access", "fail", f"State dir not writable: {text}")
    return _check("state_dir_access", "pass", f"State dir accessible: {state_dir}")


def _config_check(store: FlowStore) -> dict[str, str]:
    kind, value = inspection.classify_json(store.paths.config)
    if kind == "missing":
        return _check("config", "warn", "config.json missing (run 'flowctl init')")
    if kind == "unreadable":
        return _check("config", "warn", f"Could not read config: {value}")
    if kind == "invalid":
        return _check("config", "fail", f"config.json invalid JSON: {value}")
    if not isinstance(value, dict):
        return _check("config", "fail", "config.json is not a JSON object")
    unknown = cfg.unknown_top_level_keys(value)
    if unknown:
        return _check("config", "warn", f"Unknown config keys: {', '.join(unknown)}")
    return _check("config", "pass", "config.json valid with known keys")


def _git_check(cwd: Path) -> dict[str, str]:
    try:
        # Same invocation as the reference: `--path-format` only affects later options, so the path is relative.
        proc = subprocess.run(["git", "rev-parse", "--git-common-dir", "--path-format=absolute"], cwd=cwd,
                              capture_output=True, text=True, check=False)
    except OSError:
        return _check("git_common_dir", "warn", "git not found on PATH")
    if proc.returncode != 0:
        return _check("git_common_dir", "warn", "Not in a git repository (git common-dir unavailable)")
    common = proc.stdout.strip()
    if (cwd / common).exists():
        return _check("git_common_dir", "pass", f"git common-dir reachable: {common}")
    return _check("git_common_dir", "warn", f"git common-dir path does not exist: {common}")


REVIEW_TOOLS = {"rp": "rp-cli", "codex": "codex"}


def _workflow_checks(store: FlowStore) -> list[dict[str, str]]:
    import shutil

    checks = []
    kind, value = inspection.classify_json(store.paths.config)
    backend = None
    if kind == "ok" and isinstance(value, dict) and isinstance(value.get("review"), dict):
        b = value["review"].get("backend")
        backend = b if isinstance(b, str) else None
    if backend in ("rp", "codex", "none"):
        checks.append(_check("review_backend", "pass", f"Review backend configured: {backend}"))
    else:
        checks.append(_check("review_backend", "warn", "Review backend not configured. Run /flow-code:setup or "
                                                       "set review.backend in .flow/config.json"))
    tool = REVIEW_TOOLS.get(backend or "")
    if tool:
        if shutil.which(tool):
            checks.append(_check("tool_available", "pass", f"{tool} found on PATH"))
        else:
            checks.append(_check("tool_available", "fail",
                                 f"{tool} not found on PATH (required by review.backend={backend})"))
    try:
        n = len(store.locks.list())
    except FlowError:
        checks.append(_check("stale_locks", "warn", "Could not query file locks"))
    else:
        if n:
            checks.append(_check("stale_locks", "warn",
                                 f"{n} file lock(s) active — verify with 'flowctl lock-check'"))
        else:
            checks.append(_check("stale_locks", "pass", "No active file locks"))
    return checks


def _recovery_check(store: FlowStore) -> dict[str, str] | None:
    """A batch a crash left half-done: pending rollback, or rolled back (reported only when there was one)."""
    if store.paths.journal.exists():
        return _check("recovery", "warn", "A batch interrupted by a crash is pending: the next command rolls it back")
    kind, value = inspection.classify_json(store.paths.last_recovery)
    if kind != "ok" or not isinstance(value, dict):
        return None
    restored = value.get("restored") if isinstance(value.get("restored"), list) else []
    return _check("recovery", "warn", f"Rolled back a batch interrupted by a crash at {value.get('at')}: "
                                      f"{len(restored)} file(s) restored ({', '.join(map(str, restored[:5]))})")


def doctor(store: FlowStore, cwd: Path, workflow: bool = False) -> dict[str, Any]:
    """Health checks: {checks: [{name, status, message}], healthy, summary: {fail, pass, warn}}."""
    checks = [_validate_check(store), _state_dir_check(store), _config_check(store), _git_check(cwd)]
    recovery = _recovery_check(store)
    if recovery is not None:
        checks.append(recovery)
    if workflow:
        checks += _workflow_checks(store)
    summary = {"fail": 0, "pass": 0, "warn": 0}
    for c in checks:
        summary[c["status"]] += 1
    return {"checks": checks, "healthy": summary["fail"] == 0, "summary": summary}


_ICONS = {"pass": "OK", "warn": "WARN", "fail": "FAIL"}


def doctor_text(data: dict[str, Any]) -> str:
    """Plain form of `doctor`."""
    s = data["summary"]
    lines = ["Doctor diagnostics:",
             *(f"  [{_ICONS[c['status']]}] {c['name']}: {c['message']}" for c in data["checks"]),
             "", f"Summary: {s['pass']} pass, {s['warn']} warn, {s['fail']} fail"]
    if not data["healthy"]:
        lines.append("Health check FAILED — resolve fail items above.")
    return "\n".join(lines)


# ── state-path, export/import ─────────────────────────────────────────────────────────────────────────────────────────


def state_path(store: FlowStore, task_id: str | None = None) -> dict[str, Any]:
    """Create `.state/` if missing and return {state_dir[, task_state_path]} (absolute paths)."""
    state_dir = store.paths.state
    if task_id is not None:
        ids_lookup.task_id(task_id)
    state_dir.mkdir(parents=True, exist_ok=True)
    out = {"state_dir": str(state_dir)}
    if task_id is not None:
        out["task_state_path"] = str(store.paths.task_state(task_id))
    return out


def exchange_counts(store: FlowStore) -> tuple[int, int]:
    """(epics, tasks of those epics) — what `export`/`import` report; one listing of each folder."""
    epic_ids = {e["id"] for e in store.list_epics()}
    tasks = sum(1 for name in _listdir(store.paths.tasks) if _task_file_epic(name) in epic_ids)
    return len(epic_ids), tasks
