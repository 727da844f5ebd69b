"""Task lifecycle: start, done, block, fail, restart (cli-core.md §7.4–7.8, storage.md §5.4, §6.5–6.7).

Every operation is one read-check-write under the store lock (``with store.lock():``), so concurrent agents never
both win a claim or lose an update; its event lines are appended inside the lock right after the state write.
Errors carry the reference's category prefixes (storage.md Appendix B): ``task not found: <id>``,
``invalid transition: …``, ``dependency unsatisfied: task <id> blocked by …``, ``cross-actor violation: …``,
``io error: …``, ``validation error: …``.

Decisions where the reference is broken (storage.md §11/§12):

* D14 — an actor may ``start`` its own in_progress task again: an idempotent resume that keeps ``claimed_at``
  (nothing is written and no event logged unless ``--note`` changes the claim note). Another actor gets
  ``cross-actor violation: Cannot start task <id>: claimed by '<assignee>'`` (the reference answered with an
  ``invalid transition 'in_progress' → 'in_progress'`` error, which hides who holds the claim).
* D15/D-6 — ``up_for_retry`` is startable without ``--force``. ``fail`` released the claim (claimed_at cleared),
  so whoever picks the retry up becomes the assignee.
* D16 — an exhausted ``fail`` keeps retry_count, assignee, claimed_at, baseline_rev and evidence.
* D12/D-5 — ``done`` stores the summary (``--summary-file`` content, else ``--summary``) in the state's ``summary``
  field and in the spec's ``## Done summary``; it stores the whole evidence object (commits/tests/prs normalised
  as the reference does, every other key kept) and fills the spec's ``## Evidence``. Evidence keys whose value
  does not fit the on-disk model (e.g. an incomplete ``workspace_changes`` or a negative ``files_changed``) are
  left out of the state — storing them would make the state file unreadable for the Rust reader — and reported
  in ``warning``. A valid ``workspace_changes`` also fills ``final_rev`` (and ``baseline_rev`` when unset).
* D13 — ``start --note`` is stored as ``claim_note``.
* ``fail --reason`` is stored in the state as the extra key ``failure_reason`` (the effective reason, default
  ``Task failed``). It is not ``blocked_reason`` because that field means "why it is blocked" to every reader;
  unknown keys are preserved by the records layer (D-1) and ignored by the Rust reader, so the file format stays
  compatible. ``start`` keeps it (a retrying worker can read why the last attempt failed); ``done`` and
  ``restart`` drop it.
* D32 — upstream-failure propagation walks the known subgraph of the epic (unknown dependencies and cycles
  elsewhere no longer disable it). in_progress dependents are NOT overwritten (their worker is still running);
  they are reported as ``in_progress_dependents``.
* D33 — ``restart`` logs its own event type ``restarted`` (``source_cmd: "flowctl restart"``), and only when it
  reset something.
* D34 — ``restart`` clears the worker-phase progress of every task it resets.
* D-4 — a task's file locks are released by ``done``, by a final ``fail`` (not by ``up_for_retry``) and by
  ``restart`` (for every task it resets).
* D31/D-8 — one rule for dependencies everywhere (start, ready, next, queue): a dependency is satisfied iff it
  names an existing task — in any epic — whose status is done or skipped. A missing dependency is never
  satisfied. Cascades (restart) and failure propagation stay within the task's epic, since cross-epic
  dependencies cannot be created through the CLI.
* ``--dry-run`` (global) on start/done/block/fail runs every check and returns the Changes preview of what would
  be written instead of writing (the reference silently ignored it and mutated).
"""

from __future__ import annotations

from flowctl_core import changes, ids, payloads, state_machine
from flowctl_core.errors import (
    ConflictError,
    DependencyError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    StoreIOError,
    os_error_text,
)
from flowctl_core.records import U32_MAX, blank_state
from flowctl_core.timefmt import epoch_us, fmt_z_us, now_us, now_z
from flowctl_db import FlowStore

from . import task_events
from .applier import commit

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_FAIL_REASON = "Task failed"
WORKSPACE_KEYS = ("baseline_rev", "final_rev", "files_changed", "insertions", "deletions")
_EVIDENCE_LISTS = ("commits", "tests", "prs")
_EVIDENCE_COUNTS = ("files_changed", "insertions", "deletions", "review_iterations")

# Fields of the state that describe a finished attempt; a new claim clears them.
_ATTEMPT_RESULT = ("completed_at", "evidence", "blocked_reason", "duration_seconds", "final_rev", "summary")


# ── shared checks ─────────────────────────────────────────────────────────────────────────────────────────────────


def validate_task_id(task_id: str) -> str:
    """The id, or ``validation error: Invalid task ID: … (e.g., fn-1.2, fn-1-add-auth.2)``."""
    if not ids.is_task_id(task_id):
        raise InvalidInputError("validation error: " + ids.invalid_task_id_message(task_id, "long"))
    return task_id


def _load(store: FlowStore, task_id: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(merged task, state or None); ``task not found: <id>`` when the definition is missing."""
    task, state = store.get_task_and_state(task_id)
    if task is None:
        raise NotFoundError(f"task not found: {task_id}")
    return task, state


def dependency_blocker(store: FlowStore, dep_id: str) -> str | None:
    """Why a dependency is unmet (``<dep> not found`` / ``<dep> is '<s>', not 'done'``), or None when satisfied.

    Resolved in any epic (D31 rule, see the module docstring).
    """
    dep = store.get_task(dep_id) if ids.is_task_id(dep_id) else None
    if dep is None:
        return f"{dep_id} not found"
    if not state_machine.is_satisfied(dep["status"]):
        return f"{dep_id} is '{dep['status']}', not 'done'"
    return None


def _event_ops(events: list[dict[str, Any]]) -> list[changes.Mutation]:
    return [changes.append("events", event) for event in events]


def _lock_release_ops(store: FlowStore, task_ids: list[str]) -> list[changes.Mutation]:
    """One `put("locks")` dropping every lock of `task_ids` (none when they hold none, D-4)."""
    entries, removed = None, 0
    for task_id in task_ids:
        table, count = store.locks.plan_release(task_id) if entries is None else _release_from(entries, task_id)
        if count:
            entries, removed = table, removed + count
    return [changes.put("locks", "", entries)] if removed else []


def _release_from(entries: list[dict[str, Any]], task_id: str) -> tuple[list[dict[str, Any]], int]:
    keep = [e for e in entries if e["task_id"] != task_id]
    return keep, len(entries) - len(keep)


def _commit(store: FlowStore, mutations: list[changes.Mutation], dry_run: bool) -> dict[str, Any] | None:
    """Apply the lifecycle batch (its own event lines are in it: no `mutation:` events, as in the reference)."""
    return commit(store, changes.Changes(mutations), dry_run=dry_run, log_mutations=False)


# ── start ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def start(store: FlowStore, task_id: str, actor: str, *, force: bool = False, note: str | None = None,
          dry_run: bool = False) -> dict[str, Any]:
    """Claim a task for `actor`; return ``{"id", "message", "status": "in_progress"}`` (or a dry-run preview).

    Checks (all but the first two skipped by `force`): id, existence, dependencies satisfied, status
    startable (todo, up_for_retry, or the actor's own in_progress task), not claimed by someone else.
    """
    validate_task_id(task_id)
    with store.lock():
        task, state = _load(store, task_id)
        status = task["status"]
        assignee = (state or {}).get("assignee")
        if not force:
            for dep in task.get("depends_on") or []:
                why = dependency_blocker(store, dep)
                if why is not None:
                    raise DependencyError(f"dependency unsatisfied: task {task_id} blocked by {why}")
            if status == state_machine.IN_PROGRESS:
                if assignee and assignee != actor:
                    raise ConflictError(f"cross-actor violation: Cannot start task {task_id}: claimed by '{assignee}'")
            elif status == state_machine.TODO:
                if assignee and assignee != actor:
                    raise ConflictError(f"cross-actor violation: Cannot start task {task_id}: claimed by '{assignee}'")
            elif status != state_machine.UP_FOR_RETRY:
                raise InvalidTransitionError(
                    f"invalid transition: Cannot start task {task_id}: invalid transition '{status}' → 'in_progress'")

        resume = status == state_machine.IN_PROGRESS and assignee == actor
        # A retry is a fresh claim (fail released the previous one); --force on a foreign claim is a takeover.
        takeover = bool(assignee) and assignee != actor and (force or status == state_machine.UP_FOR_RETRY)
        new = dict(state or {})
        new["status"] = state_machine.IN_PROGRESS
        new["assignee"] = actor if (not assignee or takeover) else assignee
        if takeover or not new.get("claimed_at"):
            new["claimed_at"] = now_z()
        for key in _ATTEMPT_RESULT:
            new.pop(key, None)
        if note is not None:
            new["claim_note"] = note
        elif not resume:
            new.pop("claim_note", None)
        new.setdefault("retry_count", 0)
        new["updated_at"] = now_z()

        result = {"id": task_id, "message": f"Task {task_id} started", "status": state_machine.IN_PROGRESS}
        unchanged = resume and (note is None or note == (state or {}).get("claim_note"))
        if unchanged and not dry_run:
            return result  # D14: idempotent resume, nothing to write
        mutations = [] if unchanged else [changes.set_task_state(task_id, new)]
        if not unchanged and not resume:
            mutations += _event_ops(task_events.start_events(task_id))
        preview = _commit(store, mutations, dry_run)
    return preview if preview is not None else result


# ── done ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def _read_user_file(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError:
        raise StoreIOError(f"io error: Cannot read {what} file: stream did not contain valid UTF-8") from None
    except OSError as err:
        raise StoreIOError(f"io error: Cannot read {what} file: {os_error_text(err)}") from err


def parse_evidence(evidence_json: str | None, evidence: str | None) -> dict[str, Any]:
    """The evidence object from ``--evidence-json`` (inline JSON or a file path; wins) or ``--evidence`` (inline).

    Default ``{"commits": [], "tests": [], "prs": []}``; errors are the reference's ``io error: …`` /
    ``validation error: …`` texts.
    """
    if evidence_json is not None:
        raw = evidence_json if evidence_json.strip().startswith("{") else _read_user_file(evidence_json, "evidence")
        value = payloads.loads(raw, "validation error: Evidence JSON invalid")
    elif evidence is not None:
        # the reference's two wordings differ
        value = payloads.loads(evidence, "validation error: Evidence invalid JSON")
    else:
        value = {"commits": [], "tests": [], "prs": []}
    if not isinstance(value, dict):
        raise InvalidInputError("validation error: Evidence JSON must be an object with keys: commits/tests/prs")
    # Evidence is stored in the state file the reference reads; serde could not read it back.
    if payloads.nesting_depth(value) > payloads.SERDE_RECURSION_LIMIT:
        flag = "Evidence JSON invalid" if evidence_json is not None else "Evidence invalid JSON"
        raise InvalidInputError(f"validation error: {flag}: recursion limit exceeded")
    return value


def _as_list(value: Any) -> list[str]:
    """Reference normalisation: array → its non-empty string elements; non-empty string → [s]; else []."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    if isinstance(value, str) and value:
        return [value]
    return []


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= U32_MAX


def workspace_warning(evidence: dict[str, Any]) -> str | None:
    """The reference's warning about ``workspace_changes`` (not an object / missing keys), or None."""
    if "workspace_changes" not in evidence:
        return None
    wc = evidence["workspace_changes"]
    if not isinstance(wc, dict):
        return "workspace_changes must be an object"
    missing = [k for k in WORKSPACE_KEYS if k not in wc]
    if missing:
        return f"workspace_changes missing keys: {', '.join(missing)}"
    return None


def normalize_evidence(evidence: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(evidence to store, warnings): commits/tests/prs normalised, other keys kept when they fit the model."""
    out: dict[str, Any] = {}
    warnings: list[str] = []
    ws = workspace_warning(evidence)
    if ws:
        warnings.append(ws)
    for key in _EVIDENCE_LISTS:
        items = _as_list(evidence.get(key))
        if items:
            out[key] = items
    for key, value in evidence.items():
        if key in _EVIDENCE_LISTS:
            continue
        if key in _EVIDENCE_COUNTS:
            if value is None:
                continue
            if not _is_count(value):
                warnings.append(f"evidence {key} must be a non-negative integer (not stored)")
                continue
        elif key == "workspace_changes":
            if ws:
                continue  # already warned; an incomplete object would make the state unreadable
            bad = [k for k in WORKSPACE_KEYS
                   if not (isinstance(value[k], str) if k.endswith("_rev") else _is_count(value[k]))]
            if bad:
                warnings.append(f"workspace_changes has invalid values: {', '.join(bad)} (not stored)")
                continue
        out[key] = value
    return out, warnings


def receipt_name(receipt: dict[str, Any], task_id: str) -> str:
    """`<type or review>-<task>-<mode or unknown>.json`; a field that could leave `reviews/` falls back."""
    def part(key: str, default: str) -> str:
        value = receipt.get(key)
        if not isinstance(value, str) or not value or _leaves_folder(value):
            return default  # never let a receipt field point outside reviews/
        return value

    return f"{part('type', 'review')}-{task_id}-{part('mode', 'unknown')}.json"


def _leaves_folder(name: str) -> bool:
    return (name.startswith(".") or "/" in name or "\\" in name or any(ord(c) < 32 for c in name)
            or name != name.strip() or len(name.encode("utf-8", "surrogatepass")) > 200)


def _duration(claimed_at: str | None, at_us: int) -> int | None:
    """Whole seconds from the claim to `at_us` (Unix microseconds); None without a readable claim time."""
    if not claimed_at:
        return None
    try:
        start_us = epoch_us(claimed_at)
    except ValueError:
        return None
    return max(0, (at_us - start_us) // 1_000_000)


def done(store: FlowStore, task_id: str, actor: str, *, summary: str | None = None,
         summary_file: str | None = None, evidence_json: str | None = None, evidence: str | None = None,
         force: bool = False, dry_run: bool = False) -> dict[str, Any]:
    """Complete a task; return ``{"id", "message", "status": "done", "duration_seconds"?, "warning"?}``."""
    validate_task_id(task_id)
    with store.lock():
        task, state = _load(store, task_id)
        status = task["status"]
        old = state or {}
        if not force:
            if status == state_machine.DONE:
                raise InvalidTransitionError(f"invalid transition: Task {task_id} is already done")
            if status != state_machine.IN_PROGRESS:
                raise InvalidTransitionError(f"invalid transition: Task {task_id} is '{status}', not 'in_progress'")
            assignee = old.get("assignee")
            if assignee and assignee != actor:
                raise ConflictError(f"cross-actor violation: Cannot complete task {task_id}: claimed by '{assignee}'")
        if summary_file is not None:
            summary = _read_user_file(summary_file, "summary")
        given = parse_evidence(evidence_json, evidence)
        stored_evidence, warnings = normalize_evidence(given)

        at = now_us()
        stamp = fmt_z_us(at)
        new = dict(old)
        new["status"] = state_machine.DONE
        new["completed_at"] = stamp
        new["evidence"] = stored_evidence
        new.pop("blocked_reason", None)
        new.pop("failure_reason", None)
        duration = _duration(old.get("claimed_at"), at)
        if duration is None:
            new.pop("duration_seconds", None)
        else:
            new["duration_seconds"] = duration
        wc = stored_evidence.get("workspace_changes")
        if isinstance(wc, dict):
            new["final_rev"] = wc["final_rev"]
            new.setdefault("baseline_rev", wc["baseline_rev"])
        text = (summary or "").strip()
        if text:
            new["summary"] = text
        else:
            new.pop("summary", None)
        new.setdefault("retry_count", 0)
        new["updated_at"] = stamp

        spec = store.read_task_spec(task_id)
        new_spec = spec
        if spec:
            from flowctl_core import spec_md

            if text:
                new_spec = spec_md.set_done_summary(new_spec, text)
            new_spec = spec_md.set_evidence_section(new_spec, stored_evidence)

        mutations = [changes.set_task_state(task_id, new)]
        if new_spec != spec:
            mutations.append(changes.set_task_spec(task_id, new_spec))
        receipt = given.get("review_receipt")
        if isinstance(receipt, dict):
            mutations.append(changes.put("reviews", receipt_name(receipt, task_id), receipt))
        mutations += _lock_release_ops(store, [task_id])  # reads locks.json first: a corrupt one stops `done` whole
        mutations += _event_ops(task_events.done_events(task_id))
        preview = _commit(store, mutations, dry_run)
    if preview is not None:
        return preview

    result: dict[str, Any] = {"id": task_id, "message": f"Task {task_id} completed", "status": state_machine.DONE}
    if duration is not None:
        result["duration_seconds"] = duration
    if warnings:
        result["warning"] = "; ".join(warnings)
    return result


def format_duration(seconds: int | None) -> str:
    """`` (Xm Ys)`` / `` (Ys)`` / ``""`` — the suffix of the plain ``done`` line."""
    if seconds is None:
        return ""
    mins, secs = divmod(seconds, 60)
    return f" ({mins}m {secs}s)" if mins > 0 else f" ({secs}s)"


# ── block ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def block(store: FlowStore, task_id: str, reason: str, *, dry_run: bool = False) -> dict[str, Any]:
    """Block a task with a reason; return ``{"id", "message", "status": "blocked"}``.

    Any status but done may be blocked (reference rule, D17 kept).
    """
    validate_task_id(task_id)
    with store.lock():
        task, state = _load(store, task_id)
        if task["status"] == state_machine.DONE:
            raise InvalidTransitionError(f"invalid transition: Cannot block task {task_id}: status is 'done'")
        text = reason.strip()
        if not text:
            raise InvalidInputError("validation error: Reason file is empty")
        new = dict(state or {})
        new["status"] = state_machine.BLOCKED
        new["blocked_reason"] = text
        for key in ("completed_at", "duration_seconds", "final_rev"):
            new.pop(key, None)
        new.setdefault("retry_count", 0)
        new["updated_at"] = now_z()
        preview = _commit(store, [changes.set_task_state(task_id, new),
                                  *_event_ops(task_events.block_events(task_id))], dry_run)
    if preview is not None:
        return preview
    return {"id": task_id, "message": f"Task {task_id} blocked", "status": state_machine.BLOCKED}


# ── fail ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def upstream_failure_targets(store: FlowStore, task_id: str) -> tuple[list[str], list[str], dict[str, Any]]:
    """(ids to mark upstream_failed, in_progress dependents left alone, epic tasks by id) for a failed task.

    Walks the known dependency subgraph of the task's epic (D32): unknown deps or cycles elsewhere do not stop it.
    """
    from flowctl_core.dag import propagate_upstream_failure, transitive_dependents

    epic_id = ids.epic_id_from_task(task_id)
    tasks = store.list_tasks(epic_id)
    by_id = {t["id"]: t for t in tasks}
    marks = propagate_upstream_failure(tasks, task_id, include_in_progress=False)
    running = [t for t in transitive_dependents(tasks, task_id) if by_id[t]["status"] == state_machine.IN_PROGRESS]
    return marks, running, by_id


def fail(store: FlowStore, task_id: str, *, reason: str | None = None, force: bool = False,
         dry_run: bool = False) -> dict[str, Any]:
    """Fail a task: ``up_for_retry`` while retries remain (config ``max_retries``), else ``failed`` + propagation.

    Returns ``{"id", "message", "reason", "status", "upstream_failed"?, "in_progress_dependents"?,
    "retry_count"?, "max_retries"?}`` (the CLI prints the last two only in plain text, like the reference).
    """
    from flowctl_core import config as cfg

    validate_task_id(task_id)
    reason_text = reason if reason is not None else DEFAULT_FAIL_REASON
    with store.lock():
        task, state = _load(store, task_id)
        status = task["status"]
        if not force and status != state_machine.IN_PROGRESS:
            raise InvalidTransitionError(f"invalid transition: Task {task_id} is '{status}', not 'in_progress'")
        max_retries = cfg.max_retries(store.read_config())
        old = state or {}
        retry_count = old.get("retry_count", 0)
        stamp = now_z()
        mutations: list[changes.Mutation] = []
        marks: list[str] = []
        running: list[str] = []
        if max_retries > 0 and retry_count < max_retries:
            final = state_machine.UP_FOR_RETRY
            new = dict(old)
            for key in ("claimed_at", "claim_note", *_ATTEMPT_RESULT):
                new.pop(key, None)
            new["status"] = final
            new["retry_count"] = retry_count + 1
        else:
            final = state_machine.FAILED
            new = dict(old)  # D16: assignee, claimed_at, retry_count, baseline_rev, evidence kept
            for key in ("completed_at", "blocked_reason", "duration_seconds", "final_rev", "summary"):
                new.pop(key, None)
            new["status"] = final
            new.setdefault("retry_count", 0)
        new["updated_at"] = stamp
        new["failure_reason"] = reason_text
        mutations.append(changes.set_task_state(task_id, new))

        if final == state_machine.FAILED:
            marks, running, _ = upstream_failure_targets(store, task_id)
            for dep_id in marks:
                dep_state = store.get_state(dep_id)
                if dep_state is None:
                    dep_state = blank_state(state_machine.UPSTREAM_FAILED)
                else:
                    dep_state = {**dep_state, "status": state_machine.UPSTREAM_FAILED, "updated_at": now_z()}
                mutations.append(changes.set_task_state(dep_id, dep_state))
            mutations += _lock_release_ops(store, [task_id])  # a corrupt locks.json stops `fail` whole
        mutations += _event_ops(task_events.fail_events(task_id))
        preview = _commit(store, mutations, dry_run)
    if preview is not None:
        return preview

    result: dict[str, Any] = {"id": task_id, "message": f"Task {task_id} {final}", "reason": reason_text,
                              "status": final}
    if marks:
        result["upstream_failed"] = marks
    if running:
        result["in_progress_dependents"] = running
    if final == state_machine.UP_FOR_RETRY:
        result["retry_count"] = retry_count + 1
    if max_retries > 0:
        result["max_retries"] = max_retries
    return result


# ── restart ───────────────────────────────────────────────────────────────────────────────────────────────────────


def restart(store: FlowStore, task_id: str, *, force: bool = False, dry_run: bool = False) -> dict[str, Any]:
    """Reset a task and all its transitive dependents in the epic to a blank ``todo`` state.

    Returns ``{"cascade_from", "reset", "skipped", "in_progress_overridden"}`` — with ``dry_run`` nothing is
    written and ``reset`` is what would be reset.
    """
    from flowctl_core.dag import transitive_dependents

    validate_task_id(task_id)
    epic_id = ids.epic_id_from_task(task_id)
    with store.lock():
        tasks = store.list_tasks(epic_id)
        by_id = {t["id"]: t for t in tasks}
        if task_id not in by_id:
            raise NotFoundError(f"task not found: {task_id}")
        epic = store.get_epic(epic_id)
        if epic is not None and epic.get("status") == state_machine.EPIC_DONE:
            raise InvalidInputError(f"validation error: Cannot restart task in closed epic {epic_id}")
        dependents = transitive_dependents(tasks, task_id)
        chain = [task_id, *dependents]
        in_progress = [t for t in chain if by_id[t]["status"] == state_machine.IN_PROGRESS]
        if in_progress and not force:
            raise InvalidInputError(
                f"validation error: Cannot restart: tasks in progress: {', '.join(in_progress)}. "
                "Use --force to override.")
        reset = [t for t in chain if by_id[t]["status"] != state_machine.TODO]
        skipped = [t for t in chain if by_id[t]["status"] == state_machine.TODO]
        result = {"cascade_from": task_id, "reset": reset, "skipped": skipped,
                  "in_progress_overridden": in_progress if force else []}
        if not reset:  # nothing to reset, yet the reference still logs its one `started` event (cli-core §7.8)
            if not dry_run:
                _commit(store, _event_ops(task_events.restart_events(task_id)), dry_run=False)
            return result
        # Every file is read before anything is written: a corrupt phases.json or locks.json stops the restart.
        mutations = [changes.set_task_state(tid, blank_state(state_machine.TODO)) for tid in reset]
        phases, _removed = store.phases.plan_reset(reset)
        if phases is not None:
            mutations.append(changes.put("phases", "", phases))
        mutations += _lock_release_ops(store, reset)
        mutations += _event_ops(task_events.restart_events(task_id))
        if dry_run:  # restart keeps its own dry-run answer (cli-core §1.6): what would be reset
            return result
        _commit(store, mutations, dry_run=False)
    return result


def fail_text(data: dict[str, Any]) -> str:
    """Plain output of `fail`: status line, retry line, propagation lines."""
    lines = [f"Task {data['id']} {data['status']}"]
    if data["status"] == "up_for_retry" and "retry_count" in data and "max_retries" in data:
        lines.append(f"  retry {data['retry_count']}/{data['max_retries']} \u2014 will be retried on next run")
    failed = data.get("upstream_failed") or []
    if failed:
        lines.append(f"  upstream_failed propagated to {len(failed)} downstream task(s):")
        lines += [f"    {t}" for t in failed]
    running = data.get("in_progress_dependents") or []
    if running:
        lines.append(f"  {len(running)} in-progress downstream task(s) left running (not marked upstream_failed):")
        lines += [f"    {t}" for t in running]
    return "\n".join(lines)


def restart_text(task_id: str, data: dict[str, Any], dry_run: bool) -> str:
    """Plain output of `restart` (normal and dry-run forms)."""
    reset = data["reset"]
    if dry_run:
        forced = set(data["in_progress_overridden"])
        lines = [f"Dry run \u2014 would restart {len(reset)} task(s):"]
        lines += [f"  {t} -> todo{' (force)' if t in forced else ''}" for t in reset]
        if data["skipped"]:
            lines.append(f"Already todo: {', '.join(data['skipped'])}")
        return "\n".join(lines)
    if not reset:
        return f"Nothing to restart \u2014 {task_id} and dependents already todo."
    downstream = len(reset) - (1 if task_id in reset else 0)
    lines = [f"Restarted from {task_id} (cascade: {downstream} downstream):", ""]
    lines += [f"  {t}  -> todo{' (target)' if t == task_id else ''}" for t in reset]
    return "\n".join(lines)


def resolve_block_reason(reason: str | None, reason_file: str | None, positional: str | None = None) -> str:
    """The block reason: ``--reason``, else the positional form agents use, else ``--reason-file`` content."""
    if reason is not None:
        return reason
    if positional is not None:
        return positional
    if reason_file is not None:
        try:
            with open(reason_file, encoding="utf-8") as f:
                return f.read()
        except UnicodeDecodeError:
            raise InvalidInputError("Cannot read reason file: stream did not contain valid UTF-8") from None
        except OSError as err:
            raise InvalidInputError(f"Cannot read reason file: {os_error_text(err)}") from err
    raise InvalidInputError("Either --reason or --reason-file is required")


__all__ = [
    "DEFAULT_FAIL_REASON", "block", "dependency_blocker", "done", "fail", "fail_text", "format_duration",
    "normalize_evidence", "parse_evidence", "resolve_block_reason", "restart", "restart_text", "start",
    "upstream_failure_targets", "validate_task_id", "workspace_warning",
]
