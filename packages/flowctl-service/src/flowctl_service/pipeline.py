"""`phase next|done`: the epic-level pipeline that `/flow-code:run` loops over (cli-ext §19).

`.state/pipeline.json` maps epic id -> current phase (owned by `store.pipeline`); every write goes through the
applier. Decision (Appendix B 10, docs/decisions.md): `all_done` is true only once the close phase itself has been
marked done — the caller breaks on `all_done`, so reporting it on *entering* close skipped the close work. A
finished pipeline is stored as `done`. Epic ids are validated; `next` still records `plan` on first use.
"""

from __future__ import annotations

from typing import Any

from flowctl_core.errors import InvalidInputError, InvalidTransitionError
from flowctl_db import FlowStore

from . import lookup

PHASES = ("plan", "plan_review", "work", "impl_review", "close")
PROMPTS = {
    "plan": "Draft a structured build plan from the request",
    "plan_review": "Review the plan for correctness and completeness",
    "work": "Execute tasks according to the plan",
    "impl_review": "Review the implementation for quality and correctness",
    "close": "Finalize and close the epic",
}
TERMINAL = "close"
COMPLETE = "done"  # stored once the close phase has been marked done


def current_of(stored: str | None) -> str:
    """The phase a stored value stands for: a known phase or `done`; missing or unknown reads as `plan`."""
    return stored if stored in PHASES or stored == COMPLETE else "plan"


def advance(current: str, requested: str) -> str:
    """The phase after completing `requested` while at `current` (pure; the reference's checks and messages)."""
    if requested not in PHASES:
        raise InvalidInputError(f"Unknown phase '{requested}'. Valid phases: {', '.join(PHASES)}")
    if current == COMPLETE:
        raise InvalidTransitionError(
            "Pipeline is already complete: the close phase is done. No further advancement.")
    if requested != current:
        raise InvalidTransitionError(
            f"Phase mismatch: current phase is '{current}', but '{requested}' was requested. "
            "Phases must be completed in order.")
    return COMPLETE if current == TERMINAL else PHASES[PHASES.index(current) + 1]


def _status(phase: str) -> dict[str, Any]:
    shown = TERMINAL if phase == COMPLETE else phase
    return {"phase": shown, "prompt": PROMPTS[shown], "all_done": phase == COMPLETE}


def next_phase(store: FlowStore, epic_id: str, *, dry_run: bool = False) -> dict[str, Any]:
    """`phase next`: the current phase; an epic without an entry starts at `plan` (recorded, as the reference)."""
    from flowctl_core import changes

    from .applier import commit

    lookup.epic_id(epic_id)
    with store.lock():
        data = store.pipeline.read_all()
        stored = data.get(epic_id)
        if isinstance(stored, str):
            return _status(current_of(stored))
        preview = commit(store, changes.Changes([changes.put("pipeline", "", {**data, epic_id: "plan"})]),
                         dry_run=dry_run)
    return preview if preview is not None else _status("plan")


def mark_done(store: FlowStore, epic_id: str, phase: str, *, dry_run: bool = False) -> dict[str, Any]:
    """`phase done`: complete the current phase and move to the next (close -> complete)."""
    from flowctl_core import changes

    from .applier import commit

    lookup.epic_id(epic_id)
    if phase not in PHASES:  # the name check comes first, as in the reference
        advance("plan", phase)
    with store.lock():
        data = store.pipeline.read_all()
        stored = data.get(epic_id)
        current = current_of(stored if isinstance(stored, str) else None)
        following = advance(current, phase)
        preview = commit(store, changes.Changes([changes.put("pipeline", "", {**data, epic_id: following})]),
                         dry_run=dry_run)
    if preview is not None:
        return preview
    return {"previous_phase": current, **_status(following)}


def next_text(data: dict[str, Any]) -> str:
    """Plain form of `phase next`."""
    lines = [f"Phase: {data['phase']}", f"Prompt: {data['prompt']}"]
    if data["all_done"]:
        lines.append("Status: all phases complete")
    return "\n".join(lines)


def done_text(data: dict[str, Any]) -> str:
    """Plain form of `phase done`."""
    if data["all_done"]:
        return f"Completed: {data['previous_phase']}\nStatus: all phases complete"
    return f"Advanced: {data['previous_phase']} → {data['phase']}\nPrompt: {data['prompt']}"
