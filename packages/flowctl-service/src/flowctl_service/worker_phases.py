"""`worker-phase next|done` and `worker-prompt`: the worker agent's per-task phase gate (cli-ext §18, cli-core §3.12).

Progress lives in `.state/phases.json` (task id -> completed phase ids in completion order, owned by
`store.phases`). `next` only reads; `done` checks the order and writes the new mapping through the applier.
Departures (docs/decisions.md, worker loop): `content` carries the phase's instructions (the worker reads it);
a bare `--review` (as agents/worker.md writes it) means review on; a corrupt `phases.json` is an error naming it,
never a success that saved nothing; `worker-prompt` lists its phases in numeric order (D35).
"""

from __future__ import annotations

from typing import Any

from flowctl_core import config as cfg
from flowctl_core.errors import CorruptFileError, InvalidInputError, InvalidTransitionError
from flowctl_db import FlowStore
from flowctl_db.phases import migrate_phase_id

from . import lookup

# id -> (title, done condition, instructions). Phase 3 is in the canonical order and in the worker prompt, but no
# worker-phase sequence offers it (as in the reference).
PHASES: dict[str, tuple[str, str, str]] = {
    "1": ("Verify Configuration", "OWNED_FILES verified and configuration validated",
          "Validate OWNED_FILES list and confirm task configuration matches the epic spec."),
    "2": ("Re-anchor", "Run flowctl show <task> and verify spec was read",
          "Read the task spec via flowctl show and re-anchor on acceptance criteria before coding."),
    "3": ("Investigation", "Required investigation target files read and patterns noted",
          "Read the investigation targets named in the task spec and note the patterns to follow."),
    "4": ("TDD Red-Green", "Failing tests written and confirmed to fail",
          "Write failing tests that encode the acceptance criteria, then confirm they fail."),
    "5": ("Implement", "Feature implemented and code compiles",
          "Implement the feature to satisfy the spec and ensure the code compiles cleanly."),
    "6": ("Verify & Fix", "flowctl guard passes and diff reviewed",
          "Run flowctl guard (lint, type-check, tests) and review the diff for correctness."),
    "7": ("Commit", "Changes committed with conventional commit message",
          "Commit all changes with a conventional commit message referencing the task ID."),
    "8": ("Review", "SHIP verdict received from reviewer",
          "Submit the diff for review and iterate until a SHIP verdict is received."),
    "9": ("Outputs Dump", "Narrative summary written to .flow/outputs/<task-id>.md",
          "Write a narrative summary of what was built and why to .flow/outputs/<task-id>.md."),
    "10": ("Complete", "flowctl done called and task status is done",
           "Call flowctl done with summary and evidence to mark the task complete."),
    "11": ("Memory Auto-Save", "Non-obvious lessons saved to memory (if any)",
           "Save any non-obvious lessons or patterns discovered during implementation to memory."),
    "12": ("Return", "Summary returned to main conversation",
           "Return a concise summary of completed work to the main conversation."),
}
CANONICAL_ORDER = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")

# Base sets by --size (phase 11 is never in a base: memory.enabled decides it).
_SIZE_BASE = {
    "S": ("1", "2", "5", "6", "7", "10", "12"),
    "M": ("1", "2", "5", "6", "7", "10", "12"),
    "L": ("1", "2", "4", "5", "6", "7", "8", "9", "10", "12"),
}
SIZES = tuple(_SIZE_BASE)
REVIEW_BACKENDS = ("rp", "codex")

# The worker prompt's own sets (the reference's core tables, with phase 3 and without 9).
_PROMPT_DEFAULT = ("1", "2", "3", "5", "6", "7", "10", "11", "12")


def sequence(config: Any, *, tdd: bool = False, review: bool = False, size: str = "M") -> list[str]:
    """The phase ids a task walks through, in canonical order (cli-ext §18 "Sequence construction")."""
    phases = set(_SIZE_BASE.get(size, _SIZE_BASE["M"]))
    if tdd:
        phases.add("4")
    if review:
        phases.add("8")
    if cfg.outputs_enabled(config):
        phases.add("9")
    if cfg.memory_enabled(config):
        phases.add("11")
    return [p for p in CANONICAL_ORDER if p in phases]


def completed_of(data: dict[str, Any], task_id: str) -> list[str]:
    """A task's completed phase ids as stored, legacy ids mapped (`0`→`1`, `2a`→`4`, …); non-arrays read as []."""
    value = data.get(task_id)
    if not isinstance(value, list):
        return []
    return [migrate_phase_id(v) for v in value if isinstance(v, str)]


def with_phase_done(data: dict[str, Any], task_id: str, phase: str, path: object) -> dict[str, Any]:
    """The phases mapping with `phase` appended to the task's list (no duplicates, legacy ids counted); pure."""
    value = data.get(task_id, [])
    if not isinstance(value, list):
        # Never append to (or silently replace) a value we do not understand.
        raise CorruptFileError(path, f"entry `{task_id}` is not an array")
    if phase in value or phase in {migrate_phase_id(v) for v in value if isinstance(v, str)}:
        return data
    return {**data, task_id: [*value, phase]}


def _definition(phase: str) -> tuple[str, str, str]:
    return PHASES.get(phase, ("Unknown", "", ""))


def _config(store: FlowStore) -> dict[str, Any]:
    return store.config.read()  # {} when missing; a corrupt file is an error naming it (D-10)


def next_phase(store: FlowStore, task_id: str, *, tdd: bool = False, review: bool = False,
               size: str = "M") -> dict[str, Any]:
    """`worker-phase next`: the first phase of the sequence not completed yet (never writes)."""
    lookup.task_id(task_id, "medium")
    seq = sequence(_config(store), tdd=tdd, review=review, size=size)
    done = set(completed_of(store.phases.read_all(), task_id))
    pending = [p for p in seq if p not in done]
    if not pending:
        return {"phase": None, "all_done": True, "sequence": seq}
    phase = pending[0]
    title, condition, instructions = _definition(phase)
    return {"phase": phase, "title": title, "done_condition": condition, "instructions": instructions,
            "content": instructions, "completed_phases": [p for p in seq if p in done], "sequence": seq,
            "all_done": False}


def mark_done(store: FlowStore, task_id: str, phase: str, *, tdd: bool = False, review: bool = False,
              size: str = "M", dry_run: bool = False) -> dict[str, Any]:
    """`worker-phase done`: record `phase` if it is the next one expected; return the new progress or a preview."""
    from flowctl_core import changes

    from .applier import commit

    lookup.task_id(task_id, "medium")
    seq = sequence(_config(store), tdd=tdd, review=review, size=size)
    if phase not in seq:
        raise InvalidInputError(f"Phase '{phase}' is not in the current sequence: {', '.join(seq)}. "
                                "Check your mode flags (--tdd, --review).")
    with store.lock():
        data = store.phases.read_all()
        done = set(completed_of(data, task_id))
        expected = next((p for p in seq if p not in done), None)
        if expected is None:
            raise InvalidTransitionError("All phases are already completed. Nothing to mark done.")
        if expected != phase:
            raise InvalidTransitionError(f"Expected phase {expected}, got phase {phase}. Cannot skip phases.")
        updated = with_phase_done(data, task_id, phase, store.paths.phases)
        preview = commit(store, changes.Changes([changes.put("phases", "", updated)]), dry_run=dry_run)
    if preview is not None:
        return preview
    completed = completed_of(updated, task_id)
    following = next((p for p in seq if p not in set(completed)), None)
    result: dict[str, Any] = {"completed_phase": phase, "completed_phases": completed,
                              "all_done": following is None}
    if following is not None:
        title, condition, _ = _definition(following)
        result["next_phase"] = {"phase": following, "title": title, "done_condition": condition}
    return result


def next_text(data: dict[str, Any]) -> str:
    """Plain form of `worker-phase next`."""
    if data["all_done"]:
        return "All phases completed."
    lines = [f"Next phase: {data['phase']} - {data['title']}", f"Done when: {data['done_condition']}",
             f"Instructions: {data['instructions']}"]
    if data["completed_phases"]:
        lines.append(f"Completed: {', '.join(data['completed_phases'])}")
    return "\n".join(lines)


def done_text(data: dict[str, Any]) -> str:
    """Plain form of `worker-phase done`."""
    following = data.get("next_phase")
    tail = f"Next: {following['phase']} - {following['title']}" if following else "All phases completed."
    return f"Phase {data['completed_phase']} marked done.\n{tail}"


# -- worker-prompt ---------------------------------------------------------------------------------------------
def worker_prompt(task: str, *, tdd: bool = False, review: str | None = None) -> dict[str, Any]:
    """`worker-prompt`: the bootstrap prompt (no file access); phases in numeric order (D35 fixed)."""
    from flowctl_core import ids

    epic = ids.epic_id_from_task(task) if ids.is_task_id(task) else task
    phases = set(_PROMPT_DEFAULT)
    if tdd:
        phases.add("4")
    if review is not None:
        phases.add("8")
    listing = "\n".join(f"Phase {p}: {PHASES[p][0]}" for p in CANONICAL_ORDER if p in phases)
    text = (f"TASK_ID: {task}\nEPIC_ID: {epic}\nTDD_MODE: {'true' if tdd else 'false'}\n"
            f"REVIEW_MODE: {review or 'none'}\nTEAM_MODE: true\n\nPhase sequence:\n{listing}\n\n"
            "Execute phases in order. Use flowctl worker-phase next/done to track progress.")
    return {"prompt": text, "mode": "bootstrap", "estimated_tokens": len(text.encode("utf-8")) // 4}
