"""The `epic` group (cli-core.md §8): create, plan, review/completion, branch, title (rename), close, reopen,
archive, clean, audit, add-dep/rm-dep, set-backend, auto-exec.

Fixes relative to the reference (storage.md §11):
* D39 — epic commands rewrite only `epics/<id>.json`; the spec is written only by commands that change it (create,
  plan, rename), so a missing spec (e.g. after archive) is never recreated empty.
* D11 — rename moves everything that carries the epic id (see :func:`rename`) and deletes only what it has moved.
* D30 — epic numbers count legacy `fn-N.json` files; allocation happens under the store lock with the writes.
* D46 — `add-dep` refuses a dependency that closes a cycle between epics.
* D40 — the audit payload uses the real snake_case task statuses.
* D43 / D-12 — archive keeps `epics/<id>.json` in place (ids stay unique) and moves the spec and review files.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from flowctl_core import changes as ch
from flowctl_core import ids, spec_md
from flowctl_core import json_store as js
from flowctl_core import records as R
from flowctl_core.errors import (
    ConflictError,
    DependencyError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
)
from flowctl_core.timefmt import now, now_off, now_z
from flowctl_db import FlowStore

from . import lookup
from .backends import apply_backend_flags, require_backend_flag
from .deps import apply_or_preview, cycle_text
from .git_names import check_branch_name

REVIEW_WORDS = ("ship", "needs_work", "unknown")
BACKEND_KEYS = ("default_impl", "default_review", "default_sync")
AUDIT_REUSE_HOURS = 24.0
AUDIT_NOTES = "Pending auditor agent — run agents/epic-auditor.md against this payload."


def _load(store: FlowStore, epic_id: str) -> dict[str, Any]:
    lookup.epic_id(epic_id)
    return lookup.epic(store, epic_id)


def _save(store: FlowStore, epic: dict[str, Any]) -> dict[str, Any]:
    """Rewrite the epic JSON with a fresh updated_at — never the spec (D39)."""
    epic["updated_at"] = now_z()
    return store.save_epic(epic)


def read_input(path: str) -> str:
    """Content of a file, or stdin for `-`, with the epic commands' error texts."""
    from flowctl_core.errors import os_error_text

    if path == "-":
        try:
            return sys.stdin.read()
        except (OSError, UnicodeDecodeError) as err:
            text = "stream did not contain valid UTF-8" if isinstance(err, UnicodeDecodeError) else os_error_text(err)
            raise InvalidInputError(f"Failed to read stdin: {text}") from err
    if not os.path.exists(path):
        raise InvalidInputError(f"Input file not found: {path}")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as err:
        text = "stream did not contain valid UTF-8" if isinstance(err, UnicodeDecodeError) else os_error_text(err)
        raise InvalidInputError(f"Failed to read {path}: {text}") from err


# ── create ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def create(store: FlowStore, actor: str | None, title: str, *, branch: str | None = None,
           dry_run: bool = False) -> dict[str, Any]:
    """`epic create`: allocate `fn-<max+1>-<slug>` and write the epic and its template spec in one locked batch."""
    if not store.paths.meta.exists():
        raise InvalidInputError("meta.json not found. Run 'flowctl init' first.")
    if branch is not None:
        check_branch_name(branch, store.flow_dir.parent)
    with store.lock():
        number = max(js.epic_numbers(store.paths), default=0) + 1
        epic_id = ids.new_epic_id(number, title)
        if store.paths.epic_spec(epic_id).exists() or store.paths.epic_json(epic_id).exists():
            raise ConflictError(f"Refusing to overwrite existing epic {epic_id}. "
                                "This shouldn't happen - check for orphaned files.")
        stamp = now_z()
        epic = R.normalize(R.EPIC, {
            "id": epic_id, "title": title, "status": "open", "branch_name": branch if branch is not None else epic_id,
            "plan_review": "unknown", "completion_review": "unknown", "archived": False,
            "file_path": f"specs/{epic_id}.md", "created_at": stamp, "updated_at": stamp,
        })
        changes = ch.Changes([ch.create_epic(epic), ch.set_epic_spec(epic_id, spec_md.epic_spec_template(epic_id, title))])
        preview = apply_or_preview(store, actor, changes, dry_run)
    if preview is not None:
        return preview
    return {"id": epic_id, "message": f"Epic {epic_id} created", "spec_path": f".flow/specs/{epic_id}.md",
            "title": title}


# ── simple field updates ───────────────────────────────────────────────────────────────────────────────────────────


def plan(store: FlowStore, epic_id: str, file: str) -> dict[str, Any]:
    """`epic plan`: replace the epic spec verbatim (duplicate `## ` headings rejected)."""
    lookup.epic_id(epic_id)
    with store.lock():
        epic = lookup.epic(store, epic_id)
        content = read_input(file)
        spec_md.check_duplicate_headings(content)
        path = store.paths.epic_spec(epic_id)
        if js.read_text(path) != content:
            store.write_epic_spec(epic_id, content)
        _save(store, epic)
    return {"id": epic_id, "message": f"Epic {epic_id} spec updated", "spec_path": str(path)}


def set_review(store: FlowStore, epic_id: str, word: str, kind: str = "plan") -> dict[str, Any]:
    """`epic review` (kind `plan`) / `epic completion` (kind `completion`): ship|needs_work|unknown."""
    from flowctl_core.state_machine import review_from_word

    if word not in REVIEW_WORDS:
        raise InvalidInputError(f"Invalid review status '{word}'. Use: {', '.join(REVIEW_WORDS)}")
    with store.lock():
        epic = _load(store, epic_id)
        epic[f"{kind}_review"] = review_from_word(word)
        _save(store, epic)
    return {"id": epic_id, "message": f"Epic {epic_id} {kind} review status set to {word}",
            f"{kind}_review_status": word, f"{kind}_reviewed_at": now_off()}


def set_branch(store: FlowStore, epic_id: str, branch: str) -> dict[str, Any]:
    """`epic branch`: set `branch_name`."""
    check_branch_name(branch, store.flow_dir.parent)
    with store.lock():
        epic = _load(store, epic_id)
        epic["branch_name"] = branch
        _save(store, epic)
    return {"branch_name": branch, "id": epic_id, "message": f"Epic {epic_id} branch_name set to {branch}"}


def set_backend(store: FlowStore, epic_id: str, *, impl: str | None = None, review: str | None = None,
                sync: str | None = None) -> dict[str, Any]:
    """`epic set-backend`: set (or clear with "") the epic's default impl/review/sync specs."""
    lookup.epic_id(epic_id)
    require_backend_flag((impl, review, sync))
    with store.lock():
        epic = lookup.epic(store, epic_id)
        updated = apply_backend_flags(epic, BACKEND_KEYS, (impl, review, sync))
        _save(store, epic)
    out: dict[str, Any] = {key: epic.get(key) for key in BACKEND_KEYS}
    changes = ", ".join(f"{key}={value}" for key, value in updated)
    out.update(id=epic_id, message=f"Epic {epic_id} backend specs updated: {changes}")
    return out


def auto_exec(store: FlowStore, epic_id: str, *, pending: bool = False, done: bool = False) -> dict[str, Any]:
    """`epic auto-exec`: set (`--pending`, wins over `--done`) or clear the auto-execute marker."""
    lookup.epic_id(epic_id)
    if not pending and not done:
        raise InvalidInputError("Either --pending or --done must be specified")
    with store.lock():
        epic = lookup.epic(store, epic_id)
        if pending:
            epic["auto_execute_pending"] = True
            epic["auto_execute_set_at"] = now_off()
        else:
            epic["auto_execute_pending"] = False
        _save(store, epic)
    action = "pending" if pending else "done"
    return {"auto_execute_pending": epic.get("auto_execute_pending"),
            "auto_execute_set_at": epic.get("auto_execute_set_at"), "id": epic_id,
            "message": f"Epic {epic_id} auto_execute set to {action}"}


# ── epic dependencies ──────────────────────────────────────────────────────────────────────────────────────────────


def add_dep(store: FlowStore, epic_id: str, dep_id: str) -> dict[str, Any]:
    """`epic add-dep`: append DEP to the epic's `depends_on_epics` unless present; cycles are refused (D46)."""
    lookup.epic_id(epic_id)
    lookup.epic_id(dep_id)
    if epic_id == dep_id:
        raise DependencyError("Epic cannot depend on itself")
    with store.lock():
        if not store.paths.epic_json(dep_id).exists():
            raise NotFoundError(f"Epic {dep_id} not found")
        lookup.epic(store, dep_id)
        epic = lookup.epic(store, epic_id)
        deps = list(epic.get("depends_on_epics", []))
        if dep_id in deps:
            return {"depends_on_epics": deps, "id": epic_id, "message": f"{dep_id} already in dependencies"}
        from flowctl_core.dag import would_create_cycle

        graph = {e["id"]: e.get("depends_on_epics", []) for e in store.list_epics()}
        cycle = would_create_cycle(graph, epic_id, [dep_id])
        if cycle:
            raise DependencyError(f"Epic dependency cycle detected: {cycle_text(cycle)}")
        deps.append(dep_id)
        epic["depends_on_epics"] = deps
        _save(store, epic)
    return {"depends_on_epics": deps, "id": epic_id, "message": f"Added {dep_id} to {epic_id} dependencies"}


def rm_dep(store: FlowStore, epic_id: str, dep_id: str) -> dict[str, Any]:
    """`epic rm-dep`: remove every occurrence of DEP from the epic's `depends_on_epics`."""
    with store.lock():
        epic = _load(store, epic_id)
        deps = list(epic.get("depends_on_epics", []))
        if dep_id not in deps:
            return {"depends_on_epics": deps, "id": epic_id, "message": f"{dep_id} not in dependencies"}
        deps = [d for d in deps if d != dep_id]
        epic["depends_on_epics"] = deps
        _save(store, epic)
    return {"depends_on_epics": deps, "id": epic_id, "message": f"Removed {dep_id} from {epic_id} dependencies"}


def dep_text(result: dict[str, Any]) -> str:
    """Plain output of add-dep/rm-dep: the message, naming the epic when nothing changed (`X not in E dependencies`)."""
    message = result["message"]
    if message.endswith(" in dependencies"):
        return f"{message[: -len('dependencies')]}{result['id']} dependencies"
    return message


# ── close / reopen ─────────────────────────────────────────────────────────────────────────────────────────────────


def close(store: FlowStore, epic_id: str, *, skip_gap_check: bool = False) -> dict[str, Any]:
    """`epic close`: every task done/skipped and no open blocking gap (unless `--skip-gap-check`) → status done."""
    with store.lock():
        epic = _load(store, epic_id)
        incomplete = [f"{t['id']} ({t['status']})" for t in store.list_tasks(epic_id)
                      if t["status"] not in ("done", "skipped")]
        if incomplete:
            raise InvalidTransitionError(f"Cannot close epic: incomplete tasks - {', '.join(incomplete)}")
        blocking = store.gaps.open_blocking(epic_id)
        if blocking and not skip_gap_check:
            listed = ", ".join(f"[{g['priority']}] {g['capability']}" for g in blocking)
            raise InvalidTransitionError(f"Cannot close epic: {len(blocking)} unresolved blocking gap(s): {listed}. "
                                         "Use --skip-gap-check to bypass.")
        epic["status"] = "done"
        _save(store, epic)
    return {"gaps_skipped": len(blocking), "id": epic_id, "message": f"Epic {epic_id} closed",
            "retro_suggested": True, "status": "done"}


def reopen(store: FlowStore, epic_id: str) -> dict[str, Any]:
    """`epic reopen`: a done epic goes back to open with both review statuses reset to unknown."""
    with store.lock():
        epic = _load(store, epic_id)
        if epic.get("archived"):
            raise InvalidTransitionError(f"Epic {epic_id} is archived. Unarchive it first before reopening.")
        previous = epic["status"]
        if previous == "open":
            raise InvalidTransitionError(f"Epic {epic_id} is already open (no-op protection)")
        epic.update(status="open", plan_review="unknown", completion_review="unknown")
        _save(store, epic)
    return {"id": epic_id, "message": f"Epic {epic_id} reopened", "new_status": "open",
            "previous_status": previous}


# ── archive / clean ────────────────────────────────────────────────────────────────────────────────────────────────


def review_belongs_to_epic(name: str, epic_id: str) -> bool:
    """A `reviews/` file belongs to an epic when its name contains `-<id>.` or starts with `epic-audit-<id>-`."""
    return f"-{epic_id}." in name or name.startswith(f"epic-audit-{epic_id}-")


def _list_names(directory: Path) -> list[str]:
    try:
        return sorted(os.listdir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return []


def _move(src: Path, dst: Path, data: bytes | None = None) -> None:
    """Move a file: write the destination atomically first, then delete the source (nothing is lost mid-way)."""
    if data is None:
        data = js.read_bytes(src)
        if data is None:
            return
    js.atomic_write(dst, data)
    js.remove_file(src)


def _archive_files(store: FlowStore, epic_id: str) -> tuple[Path, list[str]]:
    """Move the spec and the epic's review files into `.archive/<id>/`; return (archive dir, moved names)."""
    paths = store.paths
    archive_dir = paths.archive / js.safe_name(epic_id)
    archive_dir.mkdir(parents=True, exist_ok=True)
    moved = []
    spec = paths.epic_spec(epic_id)
    if spec.is_file():
        _move(spec, archive_dir / spec.name)
        moved.append(f"specs/{spec.name}")
    for name in _list_names(paths.reviews):
        src = paths.reviews / name
        if review_belongs_to_epic(name, epic_id) and src.is_file():
            _move(src, archive_dir / name)
            moved.append(f"reviews/{name}")
    return archive_dir, moved


def archive(store: FlowStore, epic_id: str, *, force: bool = False) -> dict[str, Any]:
    """`epic archive`: mark archived (the JSON stays in `epics/`) and move spec + reviews to `.archive/<id>/`."""
    with store.lock():
        epic = _load(store, epic_id)
        if epic["status"] != "done" and not force:
            raise InvalidTransitionError(f"Cannot archive epic {epic_id}: status is '{epic['status']}', not 'done'. "
                                         "Close it first or use --force.")
        epic["archived"] = True
        _save(store, epic)
        archive_dir, moved = _archive_files(store, epic_id)
    return {"archive_dir": str(archive_dir), "count": len(moved), "epic": epic_id, "moved": moved}


def archive_text(result: dict[str, Any]) -> str:
    """Plain output of `epic archive`."""
    lines = [f"Archived epic {result['epic']} ({result['count']} files) → .flow/.archive/{result['epic']}/"]
    lines += [f"  {m}" for m in result["moved"]]
    return "\n".join(lines)


def clean(store: FlowStore) -> dict[str, Any]:
    """`epic clean`: archive every closed, not yet archived epic."""
    archived = []
    with store.lock():
        for epic in store.list_epics():
            if epic["status"] == "done" and not epic.get("archived"):
                epic["archived"] = True
                _save(store, epic)
                _archive_files(store, epic["id"])
                archived.append(epic["id"])
    return {"archived": archived, "count": len(archived)}


def clean_text(result: dict[str, Any]) -> str:
    """Plain output of `epic clean`."""
    if not result["archived"]:
        return "No closed epics to archive."
    return f"Archived {result['count']} closed epic(s): {', '.join(result['archived'])}"


# ── audit ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def _recent_audit(store: FlowStore, epic_id: str) -> tuple[Path, float] | None:
    """The newest (by mtime) `reviews/epic-audit-<id>-*.json` and its age in hours, or None."""
    import time

    prefix = f"epic-audit-{epic_id}-"
    best: tuple[Path, float] | None = None
    for name in _list_names(store.paths.reviews):
        if not (name.startswith(prefix) and name.endswith(".json")):
            continue
        path = store.paths.reviews / name
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        if best is None or mtime > best[1]:
            best = (path, mtime)
    if best is None:
        return None
    return best[0], max(0.0, time.time() - best[1]) / 3600.0


def audit(store: FlowStore, epic_id: str, *, force: bool = False) -> dict[str, Any]:
    """`epic audit`: write the audit payload receipt (storage.md §3.18), or reuse one younger than 24 h."""
    lookup.epic_id(epic_id)
    if not force:
        recent = _recent_audit(store, epic_id)
        if recent is not None and recent[1] < AUDIT_REUSE_HOURS:
            path, age = recent
            return {"age_hours": age, "id": epic_id,
                    "message": f"Reusing audit receipt from {age:.1f}h ago. Pass --force to regenerate.",
                    "receipt_path": str(path), "reused": True}
    epic = lookup.epic(store, epic_id)
    tasks = store.list_tasks(epic_id)
    stamp = now()
    from flowctl_core.timefmt import fmt_off

    receipt = {
        "audit": {"coverage_score": None, "gaps": [], "notes": AUDIT_NOTES, "recommendations": [],
                  "redundancies": []},
        "epic": {"id": epic["id"], "spec_body": store.read_epic_spec(epic_id), "status": epic["status"],
                 "title": epic["title"]},
        "epic_id": epic_id,
        "generated_at": fmt_off(stamp),
        "kind": "epic-audit-payload",
        "schema_version": 1,
        "task_count": len(tasks),
        "tasks": [{"depends_on": t.get("depends_on", []), "domain": t.get("domain", "general"),
                   "files": t.get("files", []), "id": t["id"], "status": t["status"], "title": t["title"]}
                  for t in tasks],
    }
    path = store.paths.reviews / f"epic-audit-{epic_id}-{stamp.strftime('%Y%m%dT%H%M%SZ')}.json"
    js.write_json(path, receipt, sort_keys=True)
    return {"id": epic_id, "message": f"Wrote audit payload to {path}. Run agents/epic-auditor.md to populate findings.",
            "receipt_path": str(path), "reused": False, "task_count": len(tasks)}


def audit_text(result: dict[str, Any]) -> str:
    """Plain output of `epic audit`."""
    if result["reused"]:
        return (f"Reusing audit receipt ({result['age_hours']:.1f}h old): {result['receipt_path']}\n"
                "Pass --force to regenerate.")
    return (f"Wrote audit payload: {result['receipt_path']}\n"
            f"  Epic: {result['id']} ({result['task_count']} tasks)\n"
            "  Next: run agents/epic-auditor.md with receipt path as input")


# ── rename ─────────────────────────────────────────────────────────────────────────────────────────────────────────


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


def _json_bytes(value: Any, original: bytes, *, sort_keys: bool) -> bytes:
    text = js.dumps_pretty(value, sort_keys=sort_keys)
    return (text + ("\n" if original.endswith(b"\n") else "")).encode("utf-8")


def rename(store: FlowStore, epic_id: str, title: str) -> dict[str, Any]:
    """`epic title`: retitle the epic; when the slug changes, move everything carrying the epic id (D11 fixed).

    Moved: `epics/<id>.json` (the old file is removed only after the new one is written), `specs/<id>.md`, every
    task's definition, spec and state (status kept), `gaps/<id>.json`, the epic's `.state/pipeline.json` entry,
    its tasks' `.state/phases.json` entries, `outputs/<task>.md`, `reviews/` files belonging to the epic (ids inside
    JSON receipts too), `.state/checkpoint-<id>.json` (and the legacy `.checkpoint-<id>.json`), task ids in
    `locks.json` and `approvals.json`, `.archive/<id>/`, the epic in other epics' `depends_on_epics` and the tasks
    in any other task's `depends_on`. The spec headings `# <id> <title>` follow the new id and title. Every
    destination is checked first: if one already exists nothing is changed. Nothing is deleted that was not moved.
    """
    lookup.epic_id(epic_id)
    with store.lock():
        epic = lookup.epic(store, epic_id)
        new_id = ids.new_epic_id(ids.epic_number(epic_id), title)
        if new_id == epic_id:
            return _retitle(store, epic, title)
        if store.paths.epic_json(new_id).exists():
            raise ConflictError(f"Epic {new_id} already exists. Choose a different title.")
        return _move_epic(store, epic, new_id, title)


def _retitle(store: FlowStore, epic: dict[str, Any], title: str) -> dict[str, Any]:
    epic_id = epic["id"]
    spec_path = store.paths.epic_spec(epic_id)
    body = js.read_text(spec_path)
    if body is not None:
        new_body = _Renamer(epic_id, epic_id, []).heading(body, epic_id, epic_id, epic["title"], title)
        if new_body != body:
            store.write_epic_spec(epic_id, new_body)
    epic["title"] = title
    _save(store, epic)
    return {"files_renamed": 0, "message": f"Epic renamed: {epic_id} -> {epic_id}", "new_id": epic_id,
            "old_id": epic_id, "tasks_updated": 0, "title": title}


def _move_epic(store: FlowStore, epic: dict[str, Any], new_id: str, title: str) -> dict[str, Any]:
    paths = store.paths
    old_id = epic["id"]
    numbers = sorted(js.task_numbers(paths, old_id))
    rn = _Renamer(old_id, new_id, numbers)
    moves: list[tuple[Path, Path]] = []  # every (source, destination) of a moved file, checked before writing

    # -- plan: read everything first, so a corrupt file stops the rename before anything changed --
    spec_src = paths.epic_spec(old_id)
    spec_body = js.read_text(spec_src)
    if spec_body is not None:
        moves.append((spec_src, paths.epic_spec(new_id)))
    tasks = []
    for n in numbers:
        old_t, new_t = f"{old_id}.{n}", f"{new_id}.{n}"
        definition = store.get_task_definition(old_t)
        if definition is None:
            continue
        state = store.get_state(old_t)
        body = js.read_text(paths.task_spec(old_t))
        tasks.append((old_t, new_t, definition, state, body))
        moves.append((paths.task_json(old_t), paths.task_json(new_t)))
        if body is not None:
            moves.append((paths.task_spec(old_t), paths.task_spec(new_t)))
        if state is not None:
            moves.append((paths.task_state(old_t), paths.task_state(new_t)))
    gaps_src = paths.gaps_json(old_id)
    gaps = js.load_json(gaps_src)
    if gaps is not None:
        store.gaps.read(old_id)  # validates the gaps: one that is not a gap array is reported, never rewritten
        moves.append((gaps_src, paths.gaps_json(new_id)))
    outputs = []
    for name in _list_names(paths.outputs):
        stem = name[:-3] if name.endswith(".md") else None
        renamed = rn.task(stem) if stem else None
        if renamed:
            outputs.append((paths.outputs / name, paths.outputs / f"{renamed}.md"))
    moves += outputs
    reviews = []
    for name in _list_names(paths.reviews):
        if review_belongs_to_epic(name, old_id) and (paths.reviews / name).is_file():
            reviews.append((paths.reviews / name, paths.reviews / rn.review_name(name)))
    moves += reviews
    checkpoints = [(paths.checkpoint(old_id), paths.checkpoint(new_id)),
                   (paths.root / f".checkpoint-{old_id}.json", paths.root / f".checkpoint-{new_id}.json")]
    checkpoints = [(s, d, js.read_bytes(s)) for s, d in checkpoints]
    checkpoints = [(s, d, data) for s, d, data in checkpoints if data is not None]
    moves += [(s, d) for s, d, _ in checkpoints]
    archive_src = paths.archive / old_id
    archive_dst = paths.archive / new_id
    archived = []
    for name in _list_names(archive_src):
        if (archive_src / name).is_file():
            new_name = f"{new_id}.md" if name == f"{old_id}.md" else rn.review_name(name)
            archived.append((archive_src / name, archive_dst / new_name))
    moves += archived
    # Read through their stores, which validate them: a corrupt file stops the rename and is never rewritten.
    pipeline = store.pipeline.read_all()
    phases = store.phases.read_all()
    store.locks.list(include_stale=True)
    locks = js.load_json(paths.locks)  # rewritten as stored, stale entries included
    approvals = store.approvals.read_raw()  # malformed elements are kept verbatim (D27)
    all_tasks = store.list_tasks()
    all_epics = store.list_epics()
    for src, dst in moves:
        if dst != src and (dst.exists() or dst.is_symlink()):
            raise ConflictError(f"Cannot rename epic {old_id} to {new_id}: "
                                f"{dst.relative_to(paths.root)} already exists")

    # -- write: every new file first, each old one deleted right after its copy is written --
    new_epic = dict(epic, id=new_id, title=title, file_path=f"specs/{new_id}.md")
    _save(store, new_epic)
    files_renamed = 0
    if spec_body is not None:
        _move(spec_src, paths.epic_spec(new_id),
              rn.heading(spec_body, old_id, new_id, epic["title"], title).encode("utf-8"))
        files_renamed += 1
    for old_t, new_t, definition, state, body in tasks:
        if state is not None:
            store.save_state(new_t, rn.value(state))
        if body is not None:
            store.write_task_spec(new_t, rn.heading(body, old_t, new_t))
        new_def = dict(definition, id=new_t, epic=new_id, depends_on=rn.value(definition.get("depends_on", [])))
        if isinstance(definition.get("file_path"), str):
            new_def["file_path"] = rn.path(definition["file_path"])
        store.save_task_definition(new_def)
        for path in (paths.task_json(old_t), paths.task_spec(old_t), paths.task_state(old_t)):
            js.remove_file(path)
    for task in all_tasks:  # tasks elsewhere that depend on a renamed task (hand-edited cross-epic deps)
        deps = task.get("depends_on", [])
        if task["epic"] != old_id and any(d in rn.ids or rn.task(d) for d in deps):
            definition = store.get_task_definition(task["id"])
            if definition is not None:
                definition["depends_on"] = rn.value(definition.get("depends_on", []))
                store.save_task_definition(definition)
    if gaps is not None:
        _move(gaps_src, paths.gaps_json(new_id), _json_bytes(rn.value(gaps), b"", sort_keys=False))
        files_renamed += 1
    for src, dst in outputs:
        _move(src, dst)
        files_renamed += 1
    for src, dst in reviews + archived:
        _move(src, dst, _renamed_receipt(rn, src))
        files_renamed += 1
    if archived:
        with contextlib.suppress(OSError):
            archive_src.rmdir()
    for src, dst, data in checkpoints:
        _move(src, dst, _renamed_checkpoint(rn, data, title))
        files_renamed += 1
    if isinstance(pipeline, dict) and old_id in pipeline:
        pipeline[new_id] = pipeline.pop(old_id)
        js.write_json(paths.pipeline, pipeline, sort_keys=True)
    if isinstance(phases, dict) and any(rn.task(k) for k in phases):
        js.write_json(paths.phases, {rn.task(k) or k: v for k, v in phases.items()}, sort_keys=True)
    if isinstance(locks, list) and any(isinstance(e, dict) and rn.task(str(e.get("task_id"))) for e in locks):
        js.write_json(paths.locks, [_renamed_task_ref(rn, e) for e in locks])
    if isinstance(approvals, list) and any(isinstance(a, dict) and rn.task(str(a.get("task_id"))) for a in approvals):
        js.write_json(paths.approvals, [_renamed_task_ref(rn, a) for a in approvals], sort_keys=True)
    updated_deps_in = []
    for other in all_epics:
        if other["id"] in (old_id, new_id) or old_id not in other.get("depends_on_epics", []):
            continue
        other["depends_on_epics"] = [new_id if d == old_id else d for d in other["depends_on_epics"]]
        _save(store, other)
        updated_deps_in.append(other["id"])
    js.remove_file(paths.epic_json(old_id))  # last: the new epic file and everything it owns are in place

    result: dict[str, Any] = {"files_renamed": files_renamed, "message": f"Epic renamed: {old_id} -> {new_id}",
                              "new_id": new_id, "old_id": old_id, "tasks_updated": len(tasks), "title": title}
    if updated_deps_in:
        result["updated_deps_in"] = updated_deps_in
    return result


def _renamed_task_ref(rn: _Renamer, entry: Any) -> Any:
    if isinstance(entry, dict) and isinstance(entry.get("task_id"), str):
        renamed = rn.task(entry["task_id"])
        if renamed:
            return {**entry, "task_id": renamed}
    return entry


def _renamed_receipt(rn: _Renamer, src: Path) -> bytes | None:
    """A review receipt's bytes with the epic's ids replaced inside; verbatim when not JSON or unchanged."""
    data = js.read_bytes(src)
    if data is None or not src.name.endswith(".json"):
        return data
    try:
        value = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return data
    renamed = rn.value(value)
    return data if renamed == value else _json_bytes(renamed, data, sort_keys=False)


def _renamed_checkpoint(rn: _Renamer, data: bytes, title: str) -> bytes:
    """A checkpoint with the epic (id, title, spec path) and its tasks renamed; verbatim when not parseable."""
    try:
        value = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return data
    renamed = rn.value(value)
    if isinstance(renamed, dict) and isinstance(renamed.get("epic"), dict):
        renamed["epic"]["title"] = title
    return _json_bytes(renamed, data, sort_keys=True)


def rename_text(result: dict[str, Any]) -> str:
    """Plain output of `epic title`."""
    lines = [result["message"], f"  Title: {result['title']}", f"  Files renamed: {result['files_renamed']}",
             f"  Tasks updated: {result['tasks_updated']}"]
    if result.get("updated_deps_in"):
        lines.append(f"  Updated deps in: {', '.join(result['updated_deps_in'])}")
    return "\n".join(lines)
