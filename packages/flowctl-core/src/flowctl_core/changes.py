"""The mutation model (storage.md §7.1): an ordered batch of operations, serialisable for --dry-run previews.

A mutation is a plain dict `{"op": <name>, ...payload}` exactly as the reference serialises it, so a preview
is `{"changes": changes.to_json(), "dry_run": true}` printed with sorted keys.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any

    Mutation = dict[str, Any]

# op -> (payload key holding the entity id or record, event type)
_OPS: dict[str, tuple[str, str]] = {
    "create_epic": ("epic", "epic.create"),
    "update_epic": ("epic", "epic.update"),
    "remove_epic": ("id", "epic.remove"),
    "create_task": ("task", "task.create"),
    "update_task": ("task", "task.update"),
    "remove_task": ("id", "task.remove"),
    "set_task_state": ("task_id", "task_state.set"),
    "remove_task_state": ("task_id", "task_state.remove"),
    "set_epic_spec": ("epic_id", "epic_spec.set"),
    "remove_epic_spec": ("epic_id", "epic_spec.remove"),
    "set_task_spec": ("task_id", "task_spec.set"),
    "remove_task_spec": ("task_id", "task_spec.remove"),
}
# Store ops: every other file under .flow/ is written by the FlowStore sub-store that owns it (storage.md §1.2).
# `store` names the sub-store (FlowStore.substore), `key` the record inside it ("" for a one-file store). They log
# no mutation event: the reference logs none for these files (an event line is itself `append("events", ...)`).
STORE_OPS = frozenset({"put", "append", "delete"})
EPIC_OPS = frozenset({"create_epic", "update_epic", "remove_epic", "set_epic_spec", "remove_epic_spec"})


def create_epic(epic: dict[str, Any]) -> Mutation:
    """Create `epics/<id>.json`."""
    return {"op": "create_epic", "epic": epic}


def update_epic(epic: dict[str, Any]) -> Mutation:
    """Rewrite `epics/<id>.json`."""
    return {"op": "update_epic", "epic": epic}


def remove_epic(epic_id: str) -> Mutation:
    """Delete an epic's JSON and spec."""
    return {"op": "remove_epic", "id": epic_id}


def create_task(task: dict[str, Any]) -> Mutation:
    """Create `tasks/<id>.json`."""
    return {"op": "create_task", "task": task}


def update_task(task: dict[str, Any]) -> Mutation:
    """Rewrite `tasks/<id>.json`."""
    return {"op": "update_task", "task": task}


def remove_task(task_id: str) -> Mutation:
    """Delete a task's definition, spec and state."""
    return {"op": "remove_task", "id": task_id}


def set_task_state(task_id: str, state: dict[str, Any]) -> Mutation:
    """Write `.state/tasks/<id>.state.json`."""
    return {"op": "set_task_state", "task_id": task_id, "state": state}


def remove_task_state(task_id: str) -> Mutation:
    """Delete a task's state file."""
    return {"op": "remove_task_state", "task_id": task_id}


def set_epic_spec(epic_id: str, content: str) -> Mutation:
    """Write `specs/<id>.md` verbatim."""
    return {"op": "set_epic_spec", "epic_id": epic_id, "content": content}


def remove_epic_spec(epic_id: str) -> Mutation:
    """Delete `specs/<id>.md`."""
    return {"op": "remove_epic_spec", "epic_id": epic_id}


def set_task_spec(task_id: str, content: str) -> Mutation:
    """Write `tasks/<id>.md` verbatim."""
    return {"op": "set_task_spec", "task_id": task_id, "content": content}


def remove_task_spec(task_id: str) -> Mutation:
    """Delete `tasks/<id>.md`."""
    return {"op": "remove_task_spec", "task_id": task_id}


def put(store: str, key: str, value: Any) -> Mutation:
    """Replace record `key` of sub-store `store` with `value` (the whole file for a one-file store)."""
    return {"op": "put", "store": store, "key": key, "value": value}


def append(store: str, value: Any, key: str = "") -> Mutation:
    """Append `value` as one whole line to sub-store `store`'s log (`key` picks the log where it has several)."""
    return {"op": "append", "store": store, "key": key, "value": value}


def delete(store: str, key: str) -> Mutation:
    """Delete record `key` of sub-store `store` (a no-op when it does not exist)."""
    return {"op": "delete", "store": store, "key": key}


def is_preview(data: Any) -> bool:
    """True when a service result is a `--dry-run` preview `{"changes": …, "dry_run": true}`."""
    return isinstance(data, dict) and data.get("dry_run") is True and set(data) == {"changes", "dry_run"}


def _known(op: object) -> bool:
    return op in _OPS or op in STORE_OPS


def entity_id(m: Mutation) -> str:
    """The id of the epic or task a mutation touches (`store:key` for a store op)."""
    if m["op"] in STORE_OPS:
        return f"{m['store']}:{m['key']}" if m["key"] else m["store"]
    key = _OPS[m["op"]][0]
    value = m[key]
    found: str = value["id"] if isinstance(value, dict) else value
    return found


def event_type(m: Mutation) -> str | None:
    """The event type logged for a mutation (`task.create`, `task_state.set`, …); None for store ops."""
    entry = _OPS.get(m["op"])
    return entry[1] if entry else None


def epic_of(m: Mutation) -> str:
    """The epic a mutation belongs to — for task ops the task's epic, not the task id (D33 fixed)."""
    op = m["op"]
    if op in EPIC_OPS:
        return entity_id(m)
    if op in ("create_task", "update_task"):
        epic: str = m["task"]["epic"]
        return epic
    task_id = entity_id(m)
    return task_id.rsplit(".", 1)[0] if "." in task_id else task_id


def task_of(m: Mutation) -> str | None:
    """The task id of a task mutation, None for epic mutations."""
    return None if m["op"] in EPIC_OPS else entity_id(m)


def mutation_event(m: Mutation, actor: str, session_id: str, timestamp: str) -> dict[str, Any]:
    """The `mutation:<epic>` event line logged for an entity mutation (D33 fixed: the task's epic, not its id)."""
    epic = epic_of(m)
    return {"actor": actor, "entity_id": entity_id(m), "epic_id": epic, "session_id": session_id,
            "stream_id": f"mutation:{epic}", "task_id": task_of(m), "timestamp": timestamp, "type": event_type(m)}


class Changes:
    """An ordered batch of mutations applied one by one by the service's ChangesApplier."""

    def __init__(self, mutations: list[Mutation] | None = None) -> None:
        self.mutations: list[Mutation] = list(mutations or [])
        for m in self.mutations:
            if not _known(m.get("op")):
                raise ValueError(f"unknown mutation op: {m.get('op')!r}")

    def push(self, m: Mutation) -> Changes:
        """Append one mutation; return self for chaining."""
        if not _known(m.get("op")):
            raise ValueError(f"unknown mutation op: {m.get('op')!r}")
        self.mutations.append(m)
        return self

    def extend(self, other: Changes) -> Changes:
        """Append every mutation of another batch."""
        for m in other.mutations:
            self.push(m)
        return self

    def __len__(self) -> int:
        return len(self.mutations)

    def is_empty(self) -> bool:
        """True when there is nothing to apply."""
        return not self.mutations

    def affected_ids(self) -> list[str]:
        """Entity ids in mutation order."""
        return [entity_id(m) for m in self.mutations]

    def to_json(self) -> dict[str, Any]:
        """The serialisable form `{"mutations": [...]}`."""
        return {"mutations": list(self.mutations)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Changes:
        """Rebuild a batch from its serialised form."""
        return cls(list(data.get("mutations", [])))

    def preview(self) -> dict[str, Any]:
        """The --dry-run document `{"changes": {...}, "dry_run": true}`."""
        return {"changes": self.to_json(), "dry_run": True}
