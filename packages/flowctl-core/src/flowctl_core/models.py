"""Pydantic v2 models of every record stored under .flow/ (storage.md §3): the typed API and the JSON Schemas.

The CLI's hot path never imports this module: it works on plain dicts validated by `records.py`, because importing
pydantic costs ~90 ms per call. The struct-ordered models below declare their fields in exactly the order of the
matching `records.py` table (a test keeps the two in step) and serialise through that table, so a model and the
runtime form write the same bytes.

Conventions shared by every model:
* unknown keys are kept and written back after the known ones (decision D-1);
* JSON types are strict (no `"1"` for an integer, no `1` for a boolean), as in the reference;
* a `null` for a known field reads as "absent" (so defaults apply) unless the field is written as `null` on disk;
* timestamps stay the exact strings that were read (validated as RFC 3339, never converted), so rewriting a record
  never changes a stamp's precision or offset.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, ClassVar, Literal, Union, cast, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from . import records as R
from .errors import CorruptFileError
from .timefmt import is_timestamp, now_z

# ---------------------------------------------------------------------------------------------------------
# Scalar types


def _check_timestamp(value: str) -> str:
    if not is_timestamp(value):
        raise ValueError("expected an RFC 3339 timestamp")
    return value


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_date(value: str) -> str:
    if not _DATE_RE.fullmatch(value):
        raise ValueError("expected a date YYYY-MM-DD")
    date.fromisoformat(value)  # rejects 2026-02-30 with a ValueError
    return value


Timestamp = Annotated[str, AfterValidator(_check_timestamp), Field(json_schema_extra={"format": "date-time"})]
DateStr = Annotated[str, AfterValidator(_check_date), Field(json_schema_extra={"format": "date"})]
U32 = Annotated[int, Field(ge=0, le=R.U32_MAX)]
U64 = Annotated[int, Field(ge=0, le=R.U64_MAX)]

TaskStatus = Literal["todo", "in_progress", "done", "blocked", "skipped", "failed", "up_for_retry",
                     "upstream_failed"]
Domain = Literal["frontend", "backend", "architecture", "testing", "docs", "ops", "general"]
EpicStatus = Literal["open", "done"]
ReviewStatus = Literal["unknown", "passed", "failed"]
LockMode = Literal["write", "read", "directory_add"]
GapPriority = Literal["required", "important", "nice-to-have"]
ApprovalKind = Literal["file_access", "mutation", "generic"]
ApprovalStatus = Literal["pending", "approved", "rejected"]
PipelinePhase = Literal["plan", "plan_review", "work", "impl_review", "close", "done"]  # done: close completed
MemoryType = Literal["pitfall", "convention", "decision"]
MemoryTrack = Literal["bug", "knowledge"]
MemorySeverity = Literal["critical", "high", "medium", "low"]
MemoryProblemType = Literal[
    "build_error", "test_failure", "runtime_error", "performance_issue", "database_issue", "security_issue",
    "logic_error", "best_practice", "documentation_gap", "workflow_issue", "developer_experience", "convention",
    "decision",
]


def _describe(err: ValidationError, what: str) -> str:
    """Turn the first pydantic error into the short text used in CorruptFileError messages."""
    first = err.errors()[0]
    loc = ".".join(str(part) for part in first["loc"] if not isinstance(part, str) or not part.startswith("function"))
    where = f"field `{loc}` of {what}" if loc else what
    more = err.error_count() - 1
    return f"{where}: {first['msg']}" + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")


def _dump(value: Any) -> Any:
    """Serialise a nested value: models through their own `to_disk`, containers element by element."""
    if isinstance(value, (Record, RootRecord)):
        return value.to_disk()
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------------------------------------
# Bases


class Record(BaseModel):
    """Base of every object record: strict JSON types, unknown keys kept in order after the known ones (D-1)."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)

    # Known fields written as `null` when None (all others are left out when None).
    _keep_null: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        # A `null` for a known field reads like a missing key (defaults apply, `"depends_on": null` reads as
        # empty), the lenient reading records.normalize applies; unknown keys keep their nulls.
        if isinstance(data, dict) and None in data.values():
            fields = cls.model_fields
            aliases = {f.alias for f in fields.values() if f.alias}
            data = {k: v for k, v in data.items()
                    if v is not None or k in cls._keep_null or (k not in fields and k not in aliases)}
        return data

    def to_disk(self) -> dict[str, Any]:
        """The JSON object as written to disk: known fields in declaration order, None left out, then unknown keys."""
        out: dict[str, Any] = {}
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            if value is None and name not in self._keep_null:
                continue
            out[info.alias or name] = _dump(value)
        for key, value in (self.__pydantic_extra__ or {}).items():
            out.setdefault(key, value)
        return out

    @classmethod
    def from_disk(cls, data: Any, path: object = "<memory>") -> Any:
        """Validate parsed JSON; raise CorruptFileError naming `path` when it does not fit the record."""
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            raise CorruptFileError(path, _describe(err, cls.__name__)) from err


class StructRecord(Record):
    """A record written in struct order through its `records.py` table (epics, tasks, states, gaps, locks …)."""

    table: ClassVar[R.Record]

    def to_disk(self) -> dict[str, Any]:
        """Exactly what `records.normalize(table, …)` gives: struct order, omission rules, unknown keys last."""
        # No exclude_none here: normalize applies the per-field omission rules itself, and unknown keys holding
        # null must survive (D-1).
        return R.normalize(self.table, self.model_dump(by_alias=True))

    @classmethod
    def from_disk(cls, data: Any, path: object = "<memory>") -> Any:
        """Normalise with the runtime table (same leniency, same errors), then build the model."""
        return super().from_disk(R.normalize(cls.table, data, path), path)


class RootRecord(RootModel[Any]):
    """Base of the records whose top level is an array or a map (gaps, locks, approvals, pipeline, phases …)."""

    model_config = ConfigDict(strict=True)

    def to_disk(self) -> Any:
        """The JSON value as written to disk."""
        return _dump(self.root)

    @classmethod
    def from_disk(cls, data: Any, path: object = "<memory>") -> Any:
        """Validate parsed JSON; raise CorruptFileError naming `path` when it does not fit the record."""
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            raise CorruptFileError(path, _describe(err, cls.__name__)) from err


# ---------------------------------------------------------------------------------------------------------
# Struct-ordered records (field order == on-disk order == records.py table order)


class Epic(StructRecord):
    """`epics/<epic-id>.json` (§3.1)."""

    table: ClassVar[R.Record] = R.EPIC

    schema_version: U32 = 1  # read, never written
    id: str
    title: str
    status: EpicStatus = "open"
    branch_name: str | None = None
    plan_review: ReviewStatus = "unknown"
    completion_review: ReviewStatus = "unknown"
    depends_on_epics: list[str] = Field(default_factory=list)
    default_impl: str | None = None
    default_review: str | None = None
    default_sync: str | None = None
    auto_execute_pending: bool | None = None
    auto_execute_set_at: str | None = None  # a TS-OFF string, kept as free text like the reference
    archived: bool = False
    file_path: str | None = None
    created_at: Timestamp = Field(default_factory=now_z)
    updated_at: Timestamp = Field(default_factory=now_z)


class Task(StructRecord):
    """`tasks/<task-id>.json` (§3.2); as a merged view `status`/`updated_at` come from the state file."""

    table: ClassVar[R.Record] = R.TASK

    schema_version: U32 = 1  # read, never written
    id: str
    epic: str
    title: str
    status: TaskStatus = "todo"
    priority: U32 | None = None
    domain: Domain = "general"
    depends_on: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    impl: str | None = None
    review: str | None = None
    sync: str | None = None
    file_path: str | None = None
    created_at: Timestamp = Field(default_factory=now_z)
    updated_at: Timestamp = Field(default_factory=now_z)


class WorkspaceChanges(StructRecord):
    """`evidence.workspace_changes` (§3.4): every field required."""

    table: ClassVar[R.Record] = R.WORKSPACE_CHANGES

    baseline_rev: str
    final_rev: str
    files_changed: U32
    insertions: U32
    deletions: U32


class Evidence(StructRecord):
    """Evidence of a finished task (§3.4), stored inside the task state."""

    table: ClassVar[R.Record] = R.EVIDENCE

    commits: list[str] = Field(default_factory=list)
    tests: list[str] = Field(default_factory=list)
    prs: list[str] = Field(default_factory=list)
    files_changed: U32 | None = None
    insertions: U32 | None = None
    deletions: U32 | None = None
    review_iterations: U32 | None = None
    workspace_changes: WorkspaceChanges | None = None


class TaskState(StructRecord):
    """`.state/tasks/<task-id>.state.json` (§3.3); `summary` and `claim_note` are our additions (D-5)."""

    table: ClassVar[R.Record] = R.TASK_STATE

    status: TaskStatus
    assignee: str | None = None
    claimed_at: Timestamp | None = None
    completed_at: Timestamp | None = None
    evidence: Evidence | None = None
    blocked_reason: str | None = None
    duration_seconds: U64 | None = None
    baseline_rev: str | None = None
    final_rev: str | None = None
    retry_count: U32 = 0
    updated_at: Timestamp = Field(default_factory=now_z)
    summary: str | None = None
    claim_note: str | None = None


class GapEntry(StructRecord):
    """One element of `gaps/<epic-id>.json` (§3.8); `task`, `evidence`, `resolved_at` fix D5/D6."""

    table: ClassVar[R.Record] = R.GAP

    id: U32
    capability: str
    priority: GapPriority
    source: str
    resolved: bool = False
    task: str | None = None
    evidence: str | None = None
    resolved_at: str | None = None


class LockEntry(StructRecord):
    """One element of `.state/locks.json` (§3.9); `holder_pid`/`expires_at` implement D-4."""

    table: ClassVar[R.Record] = R.LOCK

    file_path: str
    task_id: str
    mode: LockMode
    locked_at: str  # TS-OFF, kept as free text like the reference
    holder_pid: U32 | None = None
    expires_at: str | None = None


class Approval(StructRecord):
    """One element of `.state/approvals.json` (§3.12): keys sorted on disk, `reason`/`resolved_at`/`resolver` as null."""

    table: ClassVar[R.Record] = R.APPROVAL

    created_at: U64  # EPOCH seconds
    id: str
    kind: ApprovalKind
    payload: Any = None  # opaque JSON
    reason: str | None = None
    resolved_at: U64 | None = None
    resolver: str | None = None
    status: ApprovalStatus
    task_id: str


STRUCT_MODELS: dict[str, type[StructRecord]] = {
    "epic": Epic, "task": Task, "task state": TaskState, "evidence": Evidence,
    "workspace_changes": WorkspaceChanges, "gap": GapEntry, "lock": LockEntry, "approval": Approval,
}
"""Every struct-ordered model, keyed like `records.ALL_RECORDS`."""


class Gaps(RootRecord):
    """`gaps/<epic-id>.json`: an array of gap entries."""

    root: list[GapEntry] = Field(default_factory=list)


class Locks(RootRecord):
    """`.state/locks.json`: an array of lock entries in acquisition order."""

    root: list[LockEntry] = Field(default_factory=list)


class Approvals(RootRecord):
    """`.state/approvals.json`: an array of approvals (each written with sorted keys)."""

    root: list[Approval] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------
# Sorted-key documents


class Meta(Record):
    """`meta.json` (§3.6): written once by `init`, never read back by the reference."""

    next_epic: int = 1
    schema_version: int = 1


class MemoryConfig(Record):
    """`config.memory`."""

    auto: bool | None = None
    enabled: bool = True


class OutputsConfig(Record):
    """`config.outputs`."""

    enabled: bool = True


class PlanSyncConfig(Record):
    """`config.planSync` (read by skills only)."""

    cross_epic: bool = Field(False, alias="crossEpic")
    enabled: bool = True


class ReviewConfig(Record):
    """`config.review`: `backend` is written as null when unset."""

    _keep_null: ClassVar[frozenset[str]] = frozenset({"backend"})

    backend: str | None = None


class ScoutsConfig(Record):
    """`config.scouts` (read by skills only)."""

    github: bool = False


class Config(Record):
    """`config.json` (§3.7); the defaults are the document `init` writes, other keys are kept as they are."""

    max_retries: int | None = None
    memory: MemoryConfig = Field(default_factory=MemoryConfig)
    outputs: OutputsConfig = Field(default_factory=OutputsConfig)
    plan_sync: PlanSyncConfig = Field(default_factory=PlanSyncConfig, alias="planSync")
    review: ReviewConfig = Field(default_factory=ReviewConfig)
    scouts: ScoutsConfig = Field(default_factory=ScoutsConfig)
    stack: dict[str, Any] = Field(default_factory=dict)


class PipelineProgress(RootRecord):
    """`.state/pipeline.json` (§3.10): epic id → current pipeline phase."""

    root: dict[str, PipelinePhase] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _skip_non_strings(cls, data: Any) -> Any:
        # The reference reads a non-string value as "no entry".
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if isinstance(v, str)}
        return data


class WorkerPhaseProgress(RootRecord):
    """`.state/phases.json` (§3.11): task id → completed worker phase ids, in completion order."""

    root: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _non_arrays_are_empty(cls, data: Any) -> Any:
        # The reference reads a non-array value as [].
        if isinstance(data, dict):
            return {k: v if isinstance(v, list) else [] for k, v in data.items()}
        return data


class CheckpointEntry(Record):
    """One task of a checkpoint: the merged task and its state (null when it had no state file)."""

    _keep_null: ClassVar[frozenset[str]] = frozenset({"state"})

    state: TaskState | None = None
    task: Task


class Checkpoint(Record):
    """`.state/checkpoint-<epic-id>.json` (§3.14); embedded records keep their omission rules, keys sorted."""

    _keep_null: ClassVar[frozenset[str]] = frozenset({"epic"})

    epic: Epic | None = None
    tasks: list[CheckpointEntry] = Field(default_factory=list)
    timestamp: Timestamp


class ScoutCacheEntry(Record):
    """One scout-cache file (§3.15): the cached `result` text of `<scout_type>:<commit>`; the file holds only it."""

    scout_type: str
    commit: str
    result: str

    @property
    def key(self) -> str:
        """The cache key `<scout_type>:<commit>`."""
        return f"{self.scout_type}:{self.commit}"


class MemoryIndexEntry(Record):
    """One line of `memory/index.jsonl` (§3.16)."""

    created: DateStr
    file: str
    hash: Annotated[str, Field(pattern=r"^[0-9a-f]{12}$")]
    id: U32
    last_verified: DateStr
    module: str | None = None
    problem_type: MemoryProblemType | None = None
    severity: MemorySeverity | None = None
    summary: str
    tags: list[str] = Field(default_factory=list)  # always written, [] when empty
    track: MemoryTrack
    type: MemoryType


class MemoryStatsEntry(Record):
    """One value of `memory/stats.json`: how often and when an entry was last injected."""

    last_ref: Timestamp  # TS-SEC
    refs: U64


class MemoryStats(RootRecord):
    """`memory/stats.json`: entry id (as a string) → usage."""

    root: dict[str, MemoryStatsEntry] = Field(default_factory=dict)


class ReviewReceipt(Record):
    """`reviews/<type>-<task>-<mode>.json` written by `done`: the caller's object copied as given."""

    mode: str | None = None
    timestamp: str | None = None
    type: str | None = None
    verdict: str | None = None


class AuditEpic(Record):
    """The `epic` part of an epic-audit payload."""

    id: str
    spec_body: str
    status: str
    title: str


class AuditTask(Record):
    """One task of an epic-audit payload; `status` is the reference's debug name (`inprogress`, D40)."""

    depends_on: list[str] = Field(default_factory=list)
    domain: str
    files: list[str] = Field(default_factory=list)
    id: str
    status: str
    title: str


class AuditSection(Record):
    """The `audit` part of an epic-audit payload, filled in later by the auditor agent."""

    _keep_null: ClassVar[frozenset[str]] = frozenset({"coverage_score"})

    coverage_score: int | float | None = None
    gaps: list[Any] = Field(default_factory=list)
    notes: str = ""
    recommendations: list[Any] = Field(default_factory=list)
    redundancies: list[Any] = Field(default_factory=list)


class EpicAuditPayload(Record):
    """`reviews/epic-audit-<epic>-<stamp>.json` (§3.18)."""

    audit: AuditSection = Field(default_factory=AuditSection)
    epic: AuditEpic
    epic_id: str
    generated_at: Timestamp
    kind: Literal["epic-audit-payload"] = "epic-audit-payload"
    schema_version: int = 1
    task_count: U32
    tasks: list[AuditTask] = Field(default_factory=list)


class CodexReceipt(Record):
    """A `codex … --receipt` file (§3.18); loose, written with a final newline."""

    _keep_null: ClassVar[frozenset[str]] = frozenset({"session_id"})

    base: str | None = None
    focus: str | None = None
    id: str
    iteration: int | None = None
    mode: str = "codex"
    review: str
    session_id: str | None = None
    timestamp: Timestamp
    type: str
    verdict: str


class CrossModelReview(Record):
    """`reviews/cross-model-<stamp>.json` (§3.18); loose, written with a final newline."""

    _keep_null: ClassVar[frozenset[str]] = frozenset({"focus", "base"})

    base: str | None = None
    claude_prompt_path: str | None = None
    consensus: dict[str, Any] = Field(default_factory=dict)
    focus: str | None = None
    models: list[dict[str, Any]] = Field(default_factory=list)
    timestamp: Timestamp
    type: Literal["cross_model_review"] = "cross_model_review"


# ---------------------------------------------------------------------------------------------------------
# Event lines (§3.13, §7.4): four producers, keys sorted, plus a fallback for types we do not know


MutationEventType = Literal[
    "epic.create", "epic.update", "epic.remove", "task.create", "task.update", "task.remove",
    "task_state.set", "task_state.remove", "epic_spec.set", "epic_spec.remove", "task_spec.set", "task_spec.remove",
]
AuditEventType = Literal["task_started", "task_completed", "task_failed"]
# `restarted` is ours: the reference logged `started` for `restart` (D-7).
LifecycleEventType = Literal["started", "completed", "blocked", "failed", "restarted"]


class MutationEvent(Record):
    """Written by the Changes applier after each mutation (`mutation:<epic>` stream)."""

    _keep_null: ClassVar[frozenset[str]] = frozenset({"task_id"})

    actor: str
    entity_id: str
    epic_id: str
    session_id: str = ""
    stream_id: str
    task_id: str | None = None
    timestamp: Timestamp
    type: MutationEventType


class AuditEvent(Record):
    """Written by start/done/fail (`task:<id>` stream)."""

    epic_id: str
    stream_id: str
    task_id: str
    timestamp: Timestamp
    type: AuditEventType


class LifecycleEvent(Record):
    """Written by start/done/block/fail/restart (`task:<id>` stream, actor always `lifecycle`)."""

    actor: str = "lifecycle"
    source_cmd: str
    stream_id: str
    timestamp: Timestamp
    type: LifecycleEventType


class DecisionEvent(Record):
    """Written by `log decision` (`decision:<epic or _global>` stream)."""

    _keep_null: ClassVar[frozenset[str]] = frozenset({"task_id"})

    epic_id: str
    key: str
    reason: str
    stream_id: str
    task_id: str | None = None
    timestamp: Timestamp
    type: Literal["decision"] = "decision"
    value: str


class UnknownEvent(Record):
    """Any other line: kept whole so readers never lose an event they do not understand."""

    stream_id: str | None = None
    timestamp: str | None = None
    type: Any = None


_EVENT_KINDS: dict[str, str] = {
    **{t: "mutation" for t in get_args(MutationEventType)},
    **{t: "audit" for t in get_args(AuditEventType)},
    **{t: "lifecycle" for t in get_args(LifecycleEventType)},
    "decision": "decision",
}


def _event_kind(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return _EVENT_KINDS.get(kind, "unknown") if isinstance(kind, str) else "unknown"


EventLine = Annotated[
    Union[
        Annotated[MutationEvent, Tag("mutation")],
        Annotated[AuditEvent, Tag("audit")],
        Annotated[LifecycleEvent, Tag("lifecycle")],
        Annotated[DecisionEvent, Tag("decision")],
        Annotated[UnknownEvent, Tag("unknown")],
    ],
    Discriminator(_event_kind),
]
"""One line of `.state/events.jsonl`, dispatched on `type`; unknown types read as `UnknownEvent`."""

EVENT_LINE: TypeAdapter[Any] = TypeAdapter(EventLine)


def parse_event(data: Any, path: object = "<memory>") -> Record:
    """Validate one parsed event line into its model; CorruptFileError naming `path` when it does not fit."""
    try:
        return cast(Record, EVENT_LINE.validate_python(data))
    except ValidationError as err:
        raise CorruptFileError(path, _describe(err, "event")) from err


# ---------------------------------------------------------------------------------------------------------
# Changes (§7.1): one model per `op`


class CreateEpic(Record):
    """Create an epic record."""

    event_type: ClassVar[str] = "epic.create"
    op: Literal["create_epic"] = "create_epic"
    epic: Epic


class UpdateEpic(Record):
    """Overwrite an epic record."""

    event_type: ClassVar[str] = "epic.update"
    op: Literal["update_epic"] = "update_epic"
    epic: Epic


class RemoveEpic(Record):
    """Delete an epic record and its spec."""

    event_type: ClassVar[str] = "epic.remove"
    op: Literal["remove_epic"] = "remove_epic"
    id: str


class CreateTask(Record):
    """Create a task definition."""

    event_type: ClassVar[str] = "task.create"
    op: Literal["create_task"] = "create_task"
    task: Task


class UpdateTask(Record):
    """Overwrite a task definition."""

    event_type: ClassVar[str] = "task.update"
    op: Literal["update_task"] = "update_task"
    task: Task


class RemoveTask(Record):
    """Delete a task's definition, spec and state."""

    event_type: ClassVar[str] = "task.remove"
    op: Literal["remove_task"] = "remove_task"
    id: str


class SetTaskState(Record):
    """Write a task's runtime state."""

    event_type: ClassVar[str] = "task_state.set"
    op: Literal["set_task_state"] = "set_task_state"
    task_id: str
    state: TaskState


class RemoveTaskState(Record):
    """Delete a task's runtime state."""

    event_type: ClassVar[str] = "task_state.remove"
    op: Literal["remove_task_state"] = "remove_task_state"
    task_id: str


class SetEpicSpec(Record):
    """Write an epic spec verbatim."""

    event_type: ClassVar[str] = "epic_spec.set"
    op: Literal["set_epic_spec"] = "set_epic_spec"
    epic_id: str
    content: str


class RemoveEpicSpec(Record):
    """Delete an epic spec."""

    event_type: ClassVar[str] = "epic_spec.remove"
    op: Literal["remove_epic_spec"] = "remove_epic_spec"
    epic_id: str


class SetTaskSpec(Record):
    """Write a task spec verbatim."""

    event_type: ClassVar[str] = "task_spec.set"
    op: Literal["set_task_spec"] = "set_task_spec"
    task_id: str
    content: str


class RemoveTaskSpec(Record):
    """Delete a task spec."""

    event_type: ClassVar[str] = "task_spec.remove"
    op: Literal["remove_task_spec"] = "remove_task_spec"
    task_id: str


Mutation = Annotated[
    Union[CreateEpic, UpdateEpic, RemoveEpic, CreateTask, UpdateTask, RemoveTask, SetTaskState, RemoveTaskState,
          SetEpicSpec, RemoveEpicSpec, SetTaskSpec, RemoveTaskSpec],
    Field(discriminator="op"),
]
"""One mutation, internally tagged by `op`."""


def entity_id(mutation: Any) -> str:
    """The id of the entity a mutation touches (the `entity_id` of its event)."""
    for attr in ("epic", "task"):
        record = getattr(mutation, attr, None)
        if isinstance(record, (Epic, Task)):
            return record.id
    for attr in ("id", "task_id", "epic_id"):
        value = getattr(mutation, attr, None)
        if isinstance(value, str):
            return value
    raise TypeError(f"not a mutation: {mutation!r}")


class Changes(Record):
    """An ordered set of mutations applied one by one (no rollback)."""

    mutations: list[Mutation] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------
# JSON Schemas

SCHEMA_TARGETS: dict[str, Any] = {
    "epic": Epic,
    "task": Task,
    "task_state": TaskState,
    "evidence": Evidence,
    "workspace_changes": WorkspaceChanges,
    "gap": GapEntry,
    "gaps": Gaps,
    "lock": LockEntry,
    "locks": Locks,
    "approval": Approval,
    "approvals": Approvals,
    "meta": Meta,
    "config": Config,
    "pipeline": PipelineProgress,
    "phases": WorkerPhaseProgress,
    "event": EventLine,
    "checkpoint": Checkpoint,
    "scout_cache_entry": ScoutCacheEntry,
    "memory_index_entry": MemoryIndexEntry,
    "memory_stats": MemoryStats,
    "memory_stats_entry": MemoryStatsEntry,
    "review_receipt": ReviewReceipt,
    "epic_audit_payload": EpicAuditPayload,
    "codex_receipt": CodexReceipt,
    "cross_model_review": CrossModelReview,
    "changes": Changes,
    "mutation": Mutation,
}
"""Schema name → model (or type) for `json_schemas()`."""

_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schemas() -> dict[str, dict[str, Any]]:
    """A JSON Schema (draft 2020-12, validation mode) for every record, keyed by schema name."""
    out: dict[str, dict[str, Any]] = {}
    for name, target in SCHEMA_TARGETS.items():
        if isinstance(target, type) and issubclass(target, BaseModel):
            schema = target.model_json_schema()
        else:
            schema = TypeAdapter(target).json_schema()
        schema.setdefault("title", name)
        out[name] = {"$schema": _SCHEMA_DIALECT, **schema}
    return out
