"""ChangesApplier: the one write path. Applies a Changes batch under the store lock (storage.md §7.2).

Entity ops (create_task, set_task_state, …) log one event each, as the reference does; store ops (put, append,
delete) are handed to the FlowStore sub-store that owns the file. This is the single place where every mutation of
`.flow/` passes, so the intent journal for all-or-nothing batches belongs here.
"""

from __future__ import annotations

from flowctl_core import changes
from flowctl_core.timefmt import now_off
from flowctl_db import FlowStore

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any


class ChangesApplier:
    """Applies mutations in order; each applied mutation appends one event to `.state/events.jsonl`."""

    def __init__(self, store: FlowStore, actor: str | None = None, session_id: str = "", *,
                 log_mutations: bool = True) -> None:
        self.store = store
        self.actor = actor or "system"
        self.session_id = session_id
        self.log_mutations = log_mutations

    def apply(self, batch: changes.Changes) -> int:
        """Apply every mutation under the store lock; return how many were applied.

        The lock makes the batch atomic with respect to other flowctl processes, and the undo journal makes it
        all-or-nothing: a failure rolls back the mutations already applied, a crash is rolled back by the next call.
        """
        if batch.is_empty():
            return 0
        applied = 0
        # The batch's event lines (logged and explicit) go to the log in one write at the end: the same lines in
        # the same order as one append each, with one open, lock and fsync instead of one per line.
        events: list[dict[str, Any]] = []
        with self.store.lock(), self.store.transaction():
            for mutation in batch.mutations:
                if mutation["op"] == "append" and mutation["store"] == "events":
                    events.append(mutation["value"])
                else:
                    self._apply_one(mutation)
                if self.log_mutations and changes.event_type(mutation) is not None:
                    events.append(self.event_for(mutation))
                applied += 1
            if events:
                self.store.events.append_all(events)
        return applied

    def event_for(self, m: changes.Mutation) -> dict[str, Any]:
        """The event line logged for one mutation (changes.mutation_event, stamped now)."""
        return changes.mutation_event(m, self.actor, self.session_id, now_off())

    def _apply_one(self, m: changes.Mutation) -> None:
        store, op = self.store, m["op"]
        if op in changes.STORE_OPS:
            target = store.substore(m["store"])
            if op == "put":
                target.put(m["key"], m["value"])
            elif op == "append":
                target.append(m["value"], m["key"])
            else:
                target.delete(m["key"])
        elif op in ("create_epic", "update_epic"):
            store.save_epic(m["epic"])
        elif op == "remove_epic":
            store.delete_epic(m["id"])
        elif op in ("create_task", "update_task"):
            store.save_task_definition(m["task"])
        elif op == "remove_task":
            store.delete_task(m["id"])
        elif op == "set_task_state":
            store.save_state(m["task_id"], m["state"])
        elif op == "remove_task_state":
            store.delete_state(m["task_id"])
        elif op == "set_epic_spec":
            store.write_epic_spec(m["epic_id"], m["content"])
        elif op == "remove_epic_spec":
            store.delete_epic_spec(m["epic_id"])
        elif op == "set_task_spec":
            store.write_task_spec(m["task_id"], m["content"])
        elif op == "remove_task_spec":
            store.delete_task_spec(m["task_id"])
        else:  # Changes validates ops on construction; this guards hand-built mutation lists
            raise ValueError(f"unknown mutation op: {op!r}")


def commit(store: FlowStore, batch: changes.Changes, actor: str | None = None, *, dry_run: bool = False,
           log_mutations: bool = True) -> dict[str, Any] | None:
    """Apply `batch` (call it with the store lock held, after the checks); with `dry_run`, return the preview.

    Returns None when the batch was applied, the `{"changes": …, "dry_run": true}` document when previewed.
    `log_mutations=False` applies entity ops without their `mutation:` event lines: only the commands the
    reference routes through its ChangesApplier log them (storage.md §7.4); the others append their own events
    (if any) as explicit `append("events", …)` ops.
    """
    if dry_run:
        return batch.preview()
    ChangesApplier(store, actor, log_mutations=log_mutations).apply(batch)
    return None
