"""Field tables for the struct-ordered records of .flow/ and the one function that normalises them.

These tables are the runtime form of the records: plain dicts in on-disk key order, validated without
pydantic so that every flowctl call stays fast. `models.py` holds the same records as pydantic models
(typed API, JSON Schemas); a test keeps the two in step.

A normalised record mirrors what the reference serialises: fields holding their default are present, optional
fields that are None/empty are absent, and unknown keys are kept after the known ones (decision D-1).
"""

from __future__ import annotations

from .errors import CorruptFileError
from .state_machine import ALL_STATUSES
from .timefmt import is_timestamp, now_z

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# Sentinels for defaults.
REQUIRED = "<required>"
NOW = "<now>"

# When a field is left out on write.
ALWAYS = "always"  # never written (read-only, e.g. schema_version)
IF_NONE = "none"  # absent when None
IF_EMPTY = "empty"  # absent when None or []/{}
NEVER = "never"  # always written (None written as null)

U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1


class Field:
    """One field of a record: name, kind, default, omission rule and (for enums) the allowed values."""

    __slots__ = ("name", "kind", "default", "omit", "choices", "nested", "check")

    def __init__(self, name: str, kind: str, default: Any = None, omit: str = IF_NONE,
                 choices: tuple[str, ...] = (), nested: Record | None = None) -> None:
        self.name = name
        self.kind = kind
        self.default = default
        self.omit = omit
        self.choices = choices
        self.nested = nested
        self.check = _checker(kind, choices)


class Record:
    """An ordered table of fields describing one record type."""

    def __init__(self, name: str, fields: list[Field]) -> None:
        self.name = name
        self.fields = fields
        self.names = tuple(f.name for f in fields)
        self.name_set = frozenset(self.names)


# Per-kind validators: each returns None for a valid value, else what was expected. Chosen once per field so that
# normalising 20,000 records does no string dispatch.
def _check_str(value: Any) -> str | None:
    return None if type(value) is str else "expected a string"


def _check_ts(value: Any) -> str | None:
    return None if is_timestamp(value) else "expected an RFC 3339 timestamp"


def _check_bool(value: Any) -> str | None:
    return None if type(value) is bool else "expected true or false"


def _check_int(value: Any) -> str | None:
    return None if type(value) is int else "expected an integer"


def _check_u32(value: Any) -> str | None:
    if type(value) is not int:
        return "expected an integer"
    return None if 0 <= value <= U32_MAX else "expected an integer between 0 and 4294967295"


def _check_u64(value: Any) -> str | None:
    if type(value) is not int:
        return "expected an integer"
    return None if 0 <= value <= U64_MAX else "expected a non-negative integer"


def _check_strlist(value: Any) -> str | None:
    if type(value) is not list or not all(type(v) is str for v in value):
        return "expected an array of strings"
    return None


def _check_object(value: Any) -> str | None:
    return None if type(value) is dict else "expected an object"


def _check_any(value: Any) -> str | None:
    return None


def _checker(kind: str, choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    if kind == "enum":
        allowed = frozenset(choices)
        expected = f"expected one of {', '.join(choices)}"
        return lambda value: None if type(value) is str and value in allowed else expected
    return {
        "str": _check_str, "ts": _check_ts, "bool": _check_bool, "int": _check_int, "u32": _check_u32,
        "u64": _check_u64, "strlist": _check_strlist, "object": _check_object, "record": _check_object,
        "any": _check_any,
    }[kind]


def normalize(record: Record, data: Any, path: object = "<memory>") -> dict[str, Any]:
    """Validate `data` against `record` and return it in on-disk order; raise CorruptFileError naming `path`."""
    if type(data) is not dict:
        raise CorruptFileError(path, f"expected a JSON object for {record.name}")
    out: dict[str, Any] = {}
    known = 0  # how many of data's keys are fields of the record (the rest are kept as extras)
    get = data.get
    for field in record.fields:
        name = field.name
        value = get(name)
        if value is None:
            omit = field.omit
            if name in data:
                known += 1
                if omit is NEVER:
                    out[name] = None
                    continue
            default = field.default
            if default is REQUIRED:
                raise CorruptFileError(path, f"missing field `{name}` in {record.name}")
            if default is None or omit is ALWAYS or (omit is IF_EMPTY and not default):
                if omit is NEVER:
                    out[name] = None
                continue
            out[name] = now_z() if default is NOW else (list(default) if type(default) is list else default)
            continue
        known += 1
        problem = field.check(value)
        if problem is not None:
            raise CorruptFileError(path, f"field `{name}` of {record.name}: {problem}")
        if field.nested is not None:
            value = normalize(field.nested, value, path)
        omit = field.omit
        if omit is ALWAYS or (omit is IF_EMPTY and not value):
            continue
        out[name] = list(value) if type(value) is list else value
    if known < len(data):
        names = record.name_set
        for key, value in data.items():
            if key not in names:
                out[key] = value
    return out


TASK_STATUSES = ALL_STATUSES  # one home: flowctl_core.state_machine
DOMAINS = ("frontend", "backend", "architecture", "testing", "docs", "ops", "general")
REVIEW_STATUSES = ("unknown", "passed", "failed")
LOCK_MODES = ("write", "read", "directory_add")
GAP_PRIORITIES = ("required", "important", "nice-to-have")
APPROVAL_KINDS = ("file_access", "mutation", "generic")
APPROVAL_STATUSES = ("pending", "approved", "rejected")

EPIC = Record("epic", [
    Field("schema_version", "u32", 1, ALWAYS),
    Field("id", "str", REQUIRED),
    Field("title", "str", REQUIRED),
    Field("status", "enum", "open", choices=("open", "done")),
    Field("branch_name", "str"),
    Field("plan_review", "enum", "unknown", choices=REVIEW_STATUSES),
    Field("completion_review", "enum", "unknown", choices=REVIEW_STATUSES),
    Field("depends_on_epics", "strlist", [], IF_EMPTY),
    Field("default_impl", "str"),
    Field("default_review", "str"),
    Field("default_sync", "str"),
    Field("auto_execute_pending", "bool"),
    Field("auto_execute_set_at", "str"),
    Field("archived", "bool", False),
    Field("file_path", "str"),
    Field("created_at", "ts", NOW),
    Field("updated_at", "ts", NOW),
])

TASK = Record("task", [
    Field("schema_version", "u32", 1, ALWAYS),
    Field("id", "str", REQUIRED),
    Field("epic", "str", REQUIRED),
    Field("title", "str", REQUIRED),
    Field("status", "enum", "todo", choices=TASK_STATUSES),
    Field("priority", "u32"),
    Field("domain", "enum", "general", choices=DOMAINS),
    Field("depends_on", "strlist", [], IF_EMPTY),
    Field("files", "strlist", [], IF_EMPTY),
    Field("impl", "str"),
    Field("review", "str"),
    Field("sync", "str"),
    Field("file_path", "str"),
    Field("created_at", "ts", NOW),
    Field("updated_at", "ts", NOW),
])

WORKSPACE_CHANGES = Record("workspace_changes", [
    Field("baseline_rev", "str", REQUIRED),
    Field("final_rev", "str", REQUIRED),
    Field("files_changed", "u32", REQUIRED),
    Field("insertions", "u32", REQUIRED),
    Field("deletions", "u32", REQUIRED),
])

EVIDENCE = Record("evidence", [
    Field("commits", "strlist", [], IF_EMPTY),
    Field("tests", "strlist", [], IF_EMPTY),
    Field("prs", "strlist", [], IF_EMPTY),
    Field("files_changed", "u32"),
    Field("insertions", "u32"),
    Field("deletions", "u32"),
    Field("review_iterations", "u32"),
    Field("workspace_changes", "record", nested=WORKSPACE_CHANGES),
])

# `summary` and `claim_note` go beyond the reference (decisions D-5, D13): written only when set.
TASK_STATE = Record("task state", [
    Field("status", "enum", REQUIRED, choices=TASK_STATUSES),
    Field("assignee", "str"),
    Field("claimed_at", "ts"),
    Field("completed_at", "ts"),
    Field("evidence", "record", nested=EVIDENCE),
    Field("blocked_reason", "str"),
    Field("duration_seconds", "u64"),
    Field("baseline_rev", "str"),
    Field("final_rev", "str"),
    Field("retry_count", "u32", 0),
    Field("updated_at", "ts", NOW),
    Field("summary", "str"),
    Field("claim_note", "str"),
])

# `task`, `evidence` and `resolved_at` are the D5/D6 fixes: written only when set.
GAP = Record("gap", [
    Field("id", "u32", REQUIRED),
    Field("capability", "str", REQUIRED),
    Field("priority", "enum", REQUIRED, choices=GAP_PRIORITIES),
    Field("source", "str", REQUIRED),
    Field("resolved", "bool", False),
    Field("task", "str"),
    Field("evidence", "str"),
    Field("resolved_at", "str"),
])

# `holder_pid`, `expires_at` and `heartbeat_at` implement D-4 (TTL and heartbeat); readers tolerate their absence.
LOCK = Record("lock", [
    Field("file_path", "str", REQUIRED),
    Field("task_id", "str", REQUIRED),
    Field("mode", "enum", REQUIRED, choices=LOCK_MODES),
    Field("locked_at", "str", REQUIRED),
    Field("holder_pid", "u32"),
    Field("expires_at", "str"),
])

APPROVAL = Record("approval", [
    Field("created_at", "u64", REQUIRED),
    Field("id", "str", REQUIRED),
    Field("kind", "enum", REQUIRED, choices=APPROVAL_KINDS),
    Field("payload", "any", None, NEVER),
    Field("reason", "str", None, NEVER),
    Field("resolved_at", "u64", None, NEVER),
    Field("resolver", "str", None, NEVER),
    Field("status", "enum", REQUIRED, choices=APPROVAL_STATUSES),
    Field("task_id", "str", REQUIRED),
])

ALL_RECORDS = {r.name: r for r in (EPIC, TASK, TASK_STATE, EVIDENCE, WORKSPACE_CHANGES, GAP, LOCK, APPROVAL)}


def blank_state(status: str = "todo") -> dict[str, Any]:
    """A fresh runtime state: `{status, retry_count: 0, updated_at: now}`."""
    return {"status": status, "retry_count": 0, "updated_at": now_z()}
