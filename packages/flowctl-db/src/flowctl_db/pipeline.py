"""PipelineStore: the epic-level phase pipeline in `.state/pipeline.json` (storage.md §3.10, §8.4)."""

from __future__ import annotations

from typing import Any

from flowctl_core.errors import InvalidInputError, InvalidTransitionError
from flowctl_core.json_store import FlowPaths, load_json_object, remove_file, store_lock, write_json

PHASES = ("plan", "plan_review", "work", "impl_review", "close")

PROMPTS = {
    "plan": "Draft a structured build plan from the request",
    "plan_review": "Review the plan for correctness and completeness",
    "work": "Execute tasks according to the plan",
    "impl_review": "Review the implementation for quality and correctness",
    "close": "Finalize and close the epic",
}

TERMINAL = "close"


def next_phase(phase: str) -> str | None:
    """The successor of `phase`, or None for the terminal phase `close`."""
    i = PHASES.index(phase)
    return PHASES[i + 1] if i + 1 < len(PHASES) else None


def prompt(phase: str) -> str:
    """The prompt text of a phase."""
    return PROMPTS[phase]


class PipelineStore:
    """`.state/pipeline.json`: a sorted-key pretty object `epic-id -> phase`."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths

    def _load(self) -> dict[str, Any]:
        return load_json_object(self.paths.pipeline)

    def read(self, epic_id: str) -> str | None:
        """The stored phase string of an epic (None when absent or not a string); corrupt file raises."""
        value = self._load().get(epic_id)
        return value if isinstance(value, str) else None

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    def put(self, key: str, value: dict[str, Any]) -> None:
        """Replace `.state/pipeline.json` with the object `value`."""
        write_json(self.paths.pipeline, value, sort_keys=True)

    def append(self, value: Any, key: str = "") -> None:
        """This file is a whole-file store: it has no log."""
        raise ValueError("pipeline.json is not appendable")

    def delete(self, key: str) -> None:
        """Remove `.state/pipeline.json`."""
        remove_file(self.paths.pipeline)

    def read_all(self) -> dict[str, Any]:
        """The whole mapping as stored."""
        return self._load()

    def write(self, epic_id: str, phase: str) -> None:
        """Store `phase` for an epic (locked read-modify-write; other epics' entries kept)."""
        if phase not in PHASES:
            raise InvalidInputError(f"Unknown phase '{phase}'. Valid phases: {', '.join(PHASES)}")
        with store_lock(self.paths.root):
            data = self._load()
            data[epic_id] = phase
            write_json(self.paths.pipeline, data, sort_keys=True)

    def current(self, epic_id: str) -> str:
        """The current phase; a missing entry is initialised to `plan` (written), an unknown one reads as `plan`."""
        with store_lock(self.paths.root):
            stored = self.read(epic_id)
            if stored is None:
                self.write(epic_id, "plan")
                return "plan"
            return stored if stored in PHASES else "plan"

    def status(self, epic_id: str) -> dict[str, Any]:
        """`phase next`: `{"phase", "prompt", "all_done"}` (with the init side effect of `current`)."""
        phase = self.current(epic_id)
        return {"phase": phase, "prompt": PROMPTS[phase], "all_done": phase == TERMINAL}

    def advance(self, epic_id: str, phase: str) -> dict[str, Any]:
        """`phase done`: check `phase` is the current one, store its successor, return the new status."""
        if phase not in PHASES:
            raise InvalidInputError(f"Unknown phase '{phase}'. Valid phases: {', '.join(PHASES)}")
        with store_lock(self.paths.root):
            current = self.current(epic_id)
            if phase != current:
                raise InvalidTransitionError(
                    f"Phase mismatch: current phase is '{current}', but '{phase}' was requested. "
                    "Phases must be completed in order.")
            successor = next_phase(current)
            if successor is None:
                raise InvalidTransitionError(
                    "Pipeline is already at the terminal phase (close). No further advancement.")
            self.write(epic_id, successor)
        return {"previous_phase": current, "phase": successor, "prompt": PROMPTS[successor],
                "all_done": successor == TERMINAL}
