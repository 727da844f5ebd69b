"""The `epic` group (cli-core.md §8): create, plan, review/completion, branch, title (rename), close, reopen,
archive, clean, audit, add-dep/rm-dep, set-backend, auto-exec.

Fixes relative to the reference (storage.md §11):
* D39 — epic commands rewrite only `epics/<id>.json`; the spec is written only by commands that change it (create,
  plan, rename), so a missing spec (e.g. after archive) is never recreated empty.
* D11 — rename (module `epic_rename`) moves everything that carries the epic id and deletes only what it has moved.
* D30 — epic numbers count legacy `fn-N.json` files; allocation happens under the store lock with the writes.
* D46 — `add-dep` refuses a dependency that closes a cycle between epics.
* D40 — the audit payload uses the real snake_case task statuses.
* D43 / D-12 — archive (module `epic_archive`) keeps `epics/<id>.json` in place and moves the spec and reviews.

Every command computes its writes as one `Changes` batch and commits it through the applier under the store lock;
with `--dry-run` the batch is returned as the preview. Only `create` logs `mutation:` events (storage.md §7.4).
"""

from __future__ import annotations

from typing import Any

from flowctl_core import changes, ids, records, spec_md
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
from .applier import commit
from .backends import apply_backend_flags, require_backend_flag
from .deps import cycle_text
from .git_names import check_branch_name
from .user_content import read_input

BACKEND_KEYS = ("default_impl", "default_review", "default_sync")
AUDIT_REUSE_HOURS = 24.0
AUDIT_NOTES = "Pending auditor agent — run agents/epic-auditor.md against this payload."


def _load(store: FlowStore, epic_id: str) -> dict[str, Any]:
    lookup.epic_id(epic_id)
    return lookup.epic(store, epic_id)


def epic_update(epic: dict[str, Any]) -> changes.Mutation:
    """Rewrite the epic JSON with a fresh updated_at — never the spec (D39)."""
    epic["updated_at"] = now_z()
    return changes.update_epic(records.normalize(records.EPIC, epic))


def _commit(store: FlowStore, mutations: list[changes.Mutation], dry_run: bool) -> dict[str, Any] | None:
    """Apply an epic command's batch (no `mutation:` events: the reference logs none for them)."""
    return commit(store, changes.Changes(mutations), dry_run=dry_run, log_mutations=False)


# ── create ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def create(store: FlowStore, actor: str | None, title: str, *, branch: str | None = None,
           dry_run: bool = False) -> dict[str, Any]:
    """`epic create`: allocate `fn-<max+1>-<slug>` and write the epic and its template spec in one locked batch."""
    if not store.meta.exists():
        raise InvalidInputError("meta.json not found. Run 'flowctl init' first.")
    if branch is not None:
        check_branch_name(branch, store.flow_dir.parent)
    with store.lock():
        number = max(store.epic_numbers(), default=0) + 1
        epic_id = ids.new_epic_id(number, title)
        if store.epic_spec_or_none(epic_id) is not None or store.has_epic(epic_id):
            raise ConflictError(f"Refusing to overwrite existing epic {epic_id}. "
                                "This shouldn't happen - check for orphaned files.")
        stamp = now_z()
        epic = records.normalize(records.EPIC, {
            "id": epic_id, "title": title, "status": "open", "branch_name": branch if branch is not None else epic_id,
            "plan_review": "unknown", "completion_review": "unknown", "archived": False,
            "file_path": f"specs/{epic_id}.md", "created_at": stamp, "updated_at": stamp,
        })
        batch = changes.Changes([changes.create_epic(epic),
                                 changes.set_epic_spec(epic_id, spec_md.epic_spec_template(epic_id, title))])
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"id": epic_id, "message": f"Epic {epic_id} created", "spec_path": f".flow/specs/{epic_id}.md",
            "title": title}


# ── simple field updates ───────────────────────────────────────────────────────────────────────────────────────────


def plan(store: FlowStore, epic_id: str, file: str, *, dry_run: bool = False) -> dict[str, Any]:
    """`epic plan`: replace the epic spec verbatim (duplicate `## ` headings rejected)."""
    lookup.epic_id(epic_id)
    with store.lock():
        epic = lookup.epic(store, epic_id)
        content = read_input(file, missing="Input file not found: {path}", failure="Failed to read {path}")
        spec_md.check_duplicate_headings(content)
        mutations = []
        if store.epic_spec_or_none(epic_id) != content:
            mutations.append(changes.set_epic_spec(epic_id, content))
        mutations.append(epic_update(epic))
        preview = _commit(store, mutations, dry_run)
    if preview is not None:
        return preview
    return {"id": epic_id, "message": f"Epic {epic_id} spec updated", "spec_path": str(store.epic_spec_path(epic_id))}


def set_review(store: FlowStore, epic_id: str, word: str, kind: str = "plan", *,
               dry_run: bool = False) -> dict[str, Any]:
    """`epic review` (kind `plan`) / `epic completion` (kind `completion`): ship|needs_work|unknown."""
    from flowctl_core.state_machine import REVIEW_WORDS, review_from_word

    if word not in REVIEW_WORDS:
        raise InvalidInputError(f"Invalid review status '{word}'. Use: {', '.join(REVIEW_WORDS)}")
    with store.lock():
        epic = _load(store, epic_id)
        epic[f"{kind}_review"] = review_from_word(word)
        preview = _commit(store, [epic_update(epic)], dry_run)
    if preview is not None:
        return preview
    return {"id": epic_id, "message": f"Epic {epic_id} {kind} review status set to {word}",
            f"{kind}_review_status": word, f"{kind}_reviewed_at": now_off()}


def set_branch(store: FlowStore, epic_id: str, branch: str, *, dry_run: bool = False) -> dict[str, Any]:
    """`epic branch`: set `branch_name`."""
    check_branch_name(branch, store.flow_dir.parent)
    with store.lock():
        epic = _load(store, epic_id)
        epic["branch_name"] = branch
        preview = _commit(store, [epic_update(epic)], dry_run)
    if preview is not None:
        return preview
    return {"branch_name": branch, "id": epic_id, "message": f"Epic {epic_id} branch_name set to {branch}"}


def set_backend(store: FlowStore, epic_id: str, *, impl: str | None = None, review: str | None = None,
                sync: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """`epic set-backend`: set (or clear with "") the epic's default impl/review/sync specs."""
    lookup.epic_id(epic_id)
    require_backend_flag((impl, review, sync))
    with store.lock():
        epic = lookup.epic(store, epic_id)
        updated = apply_backend_flags(epic, BACKEND_KEYS, (impl, review, sync))
        preview = _commit(store, [epic_update(epic)], dry_run)
    if preview is not None:
        return preview
    out: dict[str, Any] = {key: epic.get(key) for key in BACKEND_KEYS}
    listed = ", ".join(f"{key}={value}" for key, value in updated)
    out.update(id=epic_id, message=f"Epic {epic_id} backend specs updated: {listed}")
    return out


def auto_exec(store: FlowStore, epic_id: str, *, pending: bool = False, done: bool = False,
              dry_run: bool = False) -> dict[str, Any]:
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
        preview = _commit(store, [epic_update(epic)], dry_run)
    if preview is not None:
        return preview
    action = "pending" if pending else "done"
    return {"auto_execute_pending": epic.get("auto_execute_pending"),
            "auto_execute_set_at": epic.get("auto_execute_set_at"), "id": epic_id,
            "message": f"Epic {epic_id} auto_execute set to {action}"}


# ── epic dependencies ──────────────────────────────────────────────────────────────────────────────────────────────


def add_dep(store: FlowStore, epic_id: str, dep_id: str, *, dry_run: bool = False) -> dict[str, Any]:
    """`epic add-dep`: append DEP to the epic's `depends_on_epics` unless present; cycles are refused (D46)."""
    lookup.epic_id(epic_id)
    lookup.epic_id(dep_id)
    if epic_id == dep_id:
        raise DependencyError("Epic cannot depend on itself")
    with store.lock():
        if not store.has_epic(dep_id):
            raise NotFoundError(f"Epic {dep_id} not found")
        lookup.epic(store, dep_id)
        epic = lookup.epic(store, epic_id)
        deps = list(epic.get("depends_on_epics", []))
        if dep_id in deps:
            preview = _commit(store, [], dry_run)
            return preview or {"depends_on_epics": deps, "id": epic_id, "message": f"{dep_id} already in dependencies"}
        from flowctl_core.dag import would_create_cycle

        graph = {e["id"]: e.get("depends_on_epics", []) for e in store.list_epics()}
        cycle = would_create_cycle(graph, epic_id, [dep_id])
        if cycle:
            raise DependencyError(f"Epic dependency cycle detected: {cycle_text(cycle)}")
        deps.append(dep_id)
        epic["depends_on_epics"] = deps
        preview = _commit(store, [epic_update(epic)], dry_run)
    if preview is not None:
        return preview
    return {"depends_on_epics": deps, "id": epic_id, "message": f"Added {dep_id} to {epic_id} dependencies"}


def rm_dep(store: FlowStore, epic_id: str, dep_id: str, *, dry_run: bool = False) -> dict[str, Any]:
    """`epic rm-dep`: remove every occurrence of DEP from the epic's `depends_on_epics`."""
    with store.lock():
        epic = _load(store, epic_id)
        deps = list(epic.get("depends_on_epics", []))
        if dep_id not in deps:
            preview = _commit(store, [], dry_run)
            return preview or {"depends_on_epics": deps, "id": epic_id, "message": f"{dep_id} not in dependencies"}
        deps = [d for d in deps if d != dep_id]
        epic["depends_on_epics"] = deps
        preview = _commit(store, [epic_update(epic)], dry_run)
    if preview is not None:
        return preview
    return {"depends_on_epics": deps, "id": epic_id, "message": f"Removed {dep_id} from {epic_id} dependencies"}


def dep_text(result: dict[str, Any]) -> str:
    """Plain output of add-dep/rm-dep: the message, naming the epic when nothing changed (`X not in E dependencies`)."""
    message = result["message"]
    if message.endswith(" in dependencies"):
        return f"{message[: -len('dependencies')]}{result['id']} dependencies"
    return message


# ── close / reopen ─────────────────────────────────────────────────────────────────────────────────────────────────


def close(store: FlowStore, epic_id: str, *, skip_gap_check: bool = False, dry_run: bool = False) -> dict[str, Any]:
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
        preview = _commit(store, [epic_update(epic)], dry_run)
    if preview is not None:
        return preview
    return {"gaps_skipped": len(blocking), "id": epic_id, "message": f"Epic {epic_id} closed",
            "retro_suggested": True, "status": "done"}


def reopen(store: FlowStore, epic_id: str, *, dry_run: bool = False) -> dict[str, Any]:
    """`epic reopen`: a done epic goes back to open with both review statuses reset to unknown."""
    with store.lock():
        epic = _load(store, epic_id)
        if epic.get("archived"):
            raise InvalidTransitionError(f"Epic {epic_id} is archived. Unarchive it first before reopening.")
        previous = epic["status"]
        if previous == "open":
            raise InvalidTransitionError(f"Epic {epic_id} is already open (no-op protection)")
        epic.update(status="open", plan_review="unknown", completion_review="unknown")
        preview = _commit(store, [epic_update(epic)], dry_run)
    if preview is not None:
        return preview
    return {"id": epic_id, "message": f"Epic {epic_id} reopened", "new_status": "open",
            "previous_status": previous}


# ── audit ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def _recent_audit(store: FlowStore, epic_id: str) -> tuple[str, float] | None:
    """The newest (by mtime) `reviews/epic-audit-<id>-*.json` name and its age in hours, or None."""
    import time

    prefix = f"epic-audit-{epic_id}-"
    best: tuple[str, float] | None = None
    for name in store.reviews.names():
        if not (name.startswith(prefix) and name.endswith(".json")):
            continue
        mtime = store.reviews.modified_at(name)
        if mtime is not None and (best is None or mtime > best[1]):
            best = (name, mtime)
    if best is None:
        return None
    return best[0], max(0.0, time.time() - best[1]) / 3600.0


def audit(store: FlowStore, epic_id: str, *, force: bool = False, dry_run: bool = False) -> dict[str, Any]:
    """`epic audit`: write the audit payload receipt (storage.md §3.18), or reuse one younger than 24 h."""
    lookup.epic_id(epic_id)
    if not force:
        recent = _recent_audit(store, epic_id)
        if recent is not None and recent[1] < AUDIT_REUSE_HOURS:
            name, age = recent
            return {"age_hours": age, "id": epic_id,
                    "message": f"Reusing audit receipt from {age:.1f}h ago. Pass --force to regenerate.",
                    "receipt_path": str(store.reviews.path(name)), "reused": True}
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
    name = f"epic-audit-{epic_id}-{stamp.strftime('%Y%m%dT%H%M%SZ')}.json"
    preview = _commit(store, [changes.put("reviews", name, receipt)], dry_run)
    if preview is not None:
        return preview
    path = store.reviews.path(name)
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


