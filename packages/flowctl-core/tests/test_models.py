"""The pydantic models: byte-exact round trips of storage.md §3, parity with records.py, errors, JSON Schemas."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
import storage_examples as E  # this folder is on sys.path through pytest's `pythonpath` setting
from pydantic import ValidationError

from flowctl_core import json_store as JS
from flowctl_core import models as M
from flowctl_core import records as R
from flowctl_core.errors import CorruptFileError
from flowctl_core.timefmt import now_z, parse

# ---------------------------------------------------------------------------------------------------------
# Models and tables stay in step


@pytest.mark.parametrize("name", sorted(R.ALL_RECORDS))
def test_model_fields_match_table_names_in_order(name):
    model = M.STRUCT_MODELS[name]
    assert model.table is R.ALL_RECORDS[name]
    assert tuple(model.model_fields) == R.ALL_RECORDS[name].names


def test_every_table_has_a_model():
    assert set(M.STRUCT_MODELS) == set(R.ALL_RECORDS)


@pytest.mark.parametrize(("literal", "choices"), [
    (M.TaskStatus, R.TASK_STATUSES), (M.Domain, R.DOMAINS), (M.ReviewStatus, R.REVIEW_STATUSES),
    (M.LockMode, R.LOCK_MODES), (M.GapPriority, R.GAP_PRIORITIES), (M.ApprovalKind, R.APPROVAL_KINDS),
    (M.ApprovalStatus, R.APPROVAL_STATUSES),
])
def test_enum_literals_match_table_choices(literal, choices):
    assert typing.get_args(literal) == choices


@pytest.mark.parametrize("name", sorted(R.ALL_RECORDS))
def test_field_defaults_match_table(name):
    model = M.STRUCT_MODELS[name]
    for field in R.ALL_RECORDS[name].fields:
        info = model.model_fields[field.name]
        if field.default is R.REQUIRED:
            assert info.is_required(), field.name
        elif field.default is R.NOW:
            assert info.default_factory is now_z, field.name
        elif isinstance(field.default, list):
            assert info.default_factory is list, field.name
        else:
            assert not info.is_required() and info.default == field.default, field.name


# ---------------------------------------------------------------------------------------------------------
# Round trips of the real files


@pytest.mark.parametrize(("name", "table", "raw"), E.STRUCT_FILES, ids=[f[0] for f in E.STRUCT_FILES])
def test_struct_files_round_trip_through_models(name, table, raw):
    model = M.STRUCT_MODELS[table]
    obj = model.model_validate_json(raw)
    assert JS.dumps_pretty(obj.to_disk()) == raw
    assert JS.dumps_pretty(model.from_disk(json.loads(raw)).to_disk()) == raw


@pytest.mark.parametrize(("name", "table", "raw"), E.STRUCT_FILES, ids=[f[0] for f in E.STRUCT_FILES])
def test_to_disk_equals_runtime_normalize(name, table, raw):
    obj = M.STRUCT_MODELS[table].model_validate_json(raw)
    assert obj.to_disk() == R.normalize(R.ALL_RECORDS[table], obj.model_dump())
    assert obj.to_disk() == R.normalize(R.ALL_RECORDS[table], json.loads(raw))


def test_evidence_as_printed_through_model():
    assert JS.dumps_pretty(M.Evidence.model_validate_json(E.EVIDENCE_FULL_AS_PRINTED).to_disk()) == E.EVIDENCE_FULL


def test_nested_models_are_typed():
    state = M.TaskState.model_validate_json(E.STATE_DONE)
    assert isinstance(state.evidence, M.Evidence)
    assert state.evidence.commits == ["9f1c2ab"]
    ev = M.Evidence.model_validate_json(E.EVIDENCE_FULL)
    assert isinstance(ev.workspace_changes, M.WorkspaceChanges) and ev.workspace_changes.insertions == 120


@pytest.mark.parametrize(("model", "raw", "sort"), [
    (M.Gaps, E.GAPS, False), (M.Locks, E.LOCKS, False), (M.Approvals, E.APPROVALS, True),
    (M.PipelineProgress, E.PIPELINE, True), (M.WorkerPhaseProgress, E.PHASES, True),
    (M.MemoryStats, E.MEMORY_STATS, True), (M.Meta, E.META, True), (M.Config, E.CONFIG_DEFAULT, True),
    (M.Checkpoint, E.CHECKPOINT, True), (M.ReviewReceipt, E.RECEIPT_DONE, True),
    (M.ReviewReceipt, E.RECEIPT_DONE_MINIMAL, True), (M.EpicAuditPayload, E.EPIC_AUDIT, True),
], ids=["gaps", "locks", "approvals", "pipeline", "phases", "stats", "meta", "config", "checkpoint", "receipt",
        "receipt_min", "audit"])
def test_documents_round_trip_through_models(model, raw, sort):
    obj = model.model_validate_json(raw)
    assert JS.dumps_pretty(obj.to_disk(), sort_keys=sort) == raw
    assert JS.dumps_pretty(model.from_disk(json.loads(raw)).to_disk(), sort_keys=sort) == raw


def test_codex_receipt_round_trip():
    obj = M.CodexReceipt.model_validate_json(E.RECEIPT_CODEX)
    assert JS.dumps_pretty(obj.to_disk(), sort_keys=True) + "\n" == E.RECEIPT_CODEX
    no_session = json.loads(E.RECEIPT_CODEX) | {"session_id": None}
    assert M.CodexReceipt.model_validate(no_session).to_disk()["session_id"] is None


def test_memory_index_line_round_trip():
    obj = M.MemoryIndexEntry.model_validate_json(E.MEMORY_INDEX_LINE)
    assert JS.dumps_line(obj.to_disk()) == E.MEMORY_INDEX_LINE
    assert obj.tags == ["auth", "csrf", "oauth", "login"]  # auto tags then extra tags, order kept


def test_memory_index_tags_always_written():
    line = json.loads(E.MEMORY_INDEX_LINE)
    line.update(tags=[], module=None)
    disk = M.MemoryIndexEntry.model_validate(line).to_disk()
    assert disk["tags"] == [] and "module" not in disk


def test_defaults_produce_the_init_documents():
    assert JS.dumps_pretty(M.Config().to_disk(), sort_keys=True) == E.CONFIG_DEFAULT
    assert JS.dumps_pretty(M.Meta().to_disk(), sort_keys=True) == E.META


def test_config_keeps_unknown_and_set_keys():
    raw = {"max_retries": 2, "memory": {"enabled": False, "auto": False, "x": 1}, "notifications": {"a": True},
           "review": {"backend": "codex"}, "planSync": {"crossEpic": True}}
    cfg = M.Config.model_validate(raw)
    assert cfg.max_retries == 2 and cfg.plan_sync.cross_epic is True and cfg.review.backend == "codex"
    disk = cfg.to_disk()
    assert disk["notifications"] == {"a": True}
    assert disk["memory"] == {"auto": False, "enabled": False, "x": 1}
    assert disk["planSync"] == {"crossEpic": True, "enabled": True}
    assert "max_retries" not in M.Config().to_disk()


def test_checkpoint_with_null_state_and_null_epic():
    doc = json.loads(E.CHECKPOINT)
    doc["tasks"][0]["state"] = None
    obj = M.Checkpoint.model_validate(doc)
    assert obj.to_disk()["tasks"][0]["state"] is None
    empty = M.Checkpoint.model_validate({"epic": None, "tasks": [], "timestamp": "2026-11-26T14:49:48+00:00"})
    text = JS.dumps_pretty(empty.to_disk(), sort_keys=True)
    assert json.loads(text) == {"epic": None, "tasks": [], "timestamp": "2026-11-26T14:49:48+00:00"}


def test_approval_model_writes_nulls():
    apv = M.Approval(created_at=1795704356, id="apv-1-2", kind="mutation", status="pending", task_id="fn-1.1")
    assert apv.to_disk() == {"created_at": 1795704356, "id": "apv-1-2", "kind": "mutation", "payload": None,
                             "reason": None, "resolved_at": None, "resolver": None, "status": "pending",
                             "task_id": "fn-1.1"}
    string_payload = M.Approval.model_validate(apv.to_disk() | {"payload": "just a string"})
    assert string_payload.to_disk()["payload"] == "just a string"


def test_pipeline_and_phases_lenient_values():
    assert M.PipelineProgress.model_validate({"fn-1": "work", "fn-2": 3}).to_disk() == {"fn-1": "work"}
    assert M.WorkerPhaseProgress.model_validate({"fn-1.1": ["1"], "fn-1.2": "x"}).to_disk() == {
        "fn-1.1": ["1"], "fn-1.2": []}
    with pytest.raises(ValidationError):
        M.PipelineProgress.model_validate({"fn-1": "shipping"})


# ---------------------------------------------------------------------------------------------------------
# Events


EVENT_CLASSES = [M.MutationEvent] * 3 + [M.AuditEvent, M.LifecycleEvent] * 2 + [M.LifecycleEvent, M.AuditEvent,
                                                                                  M.LifecycleEvent, M.DecisionEvent]


def test_event_lines_dispatch_and_round_trip():
    lines = E.EVENTS.splitlines(keepends=True)
    assert len(lines) == len(EVENT_CLASSES) == 11
    for line, cls in zip(lines, EVENT_CLASSES, strict=True):
        event = M.EVENT_LINE.validate_json(line)
        assert type(event) is cls, line
        assert JS.dumps_line(event.to_disk()) == line
        assert JS.dumps_line(M.parse_event(json.loads(line)).to_disk()) == line


def test_mutation_event_with_null_task_id():
    line = json.loads(E.EVENTS.splitlines()[0]) | {"type": "epic.create", "task_id": None}
    event = M.parse_event(line)
    assert isinstance(event, M.MutationEvent) and event.to_disk()["task_id"] is None


def test_unknown_event_types_fall_back_and_keep_everything():
    line = {"type": "epic.archived", "stream_id": "epic:fn-1", "seq": 7, "payload": {"b": 1, "a": None}}
    event = M.parse_event(line)
    assert isinstance(event, M.UnknownEvent)
    assert event.to_disk() == line
    assert isinstance(M.parse_event({"no_type": True}), M.UnknownEvent)
    assert isinstance(M.parse_event({"type": 5}), M.UnknownEvent)


def test_known_event_type_with_wrong_shape_is_an_error():
    with pytest.raises(CorruptFileError, match="events.jsonl"):
        M.parse_event({"type": "task_started", "stream_id": "task:x"}, ".flow/.state/events.jsonl")


def test_restarted_is_a_lifecycle_event():
    line = json.loads(E.EVENTS.splitlines()[4]) | {"source_cmd": "flowctl restart", "type": "restarted"}
    assert isinstance(M.parse_event(line), M.LifecycleEvent)


def test_event_extra_keys_kept():
    line = json.loads(E.EVENTS.splitlines()[4]) | {"seq": 12}
    assert M.parse_event(line).to_disk()["seq"] == 12


# ---------------------------------------------------------------------------------------------------------
# Changes


def test_dry_run_preview_round_trip():
    doc = json.loads(E.DRY_RUN_PREVIEW)
    changes = M.Changes.model_validate(doc["changes"])
    assert [type(m) for m in changes.mutations] == [M.CreateTask, M.SetTaskSpec, M.SetTaskState]
    assert isinstance(changes.mutations[0].task, M.Task)
    assert isinstance(changes.mutations[2].state, M.TaskState)
    out = {"changes": changes.to_disk(), "dry_run": True}
    assert JS.dumps_line(out) == E.DRY_RUN_PREVIEW


def test_every_op_parses_and_reports_entity_and_event_type():
    epic = json.loads(E.EPIC_CREATED)
    task = json.loads(E.TASK_FULL)
    state = json.loads(E.STATE_BLANK)
    cases = [
        ({"op": "create_epic", "epic": epic}, M.CreateEpic, "fn-3-add-oauth-login", "epic.create"),
        ({"op": "update_epic", "epic": epic}, M.UpdateEpic, "fn-3-add-oauth-login", "epic.update"),
        ({"op": "remove_epic", "id": "fn-1"}, M.RemoveEpic, "fn-1", "epic.remove"),
        ({"op": "create_task", "task": task}, M.CreateTask, "fn-3-add-oauth-login.2", "task.create"),
        ({"op": "update_task", "task": task}, M.UpdateTask, "fn-3-add-oauth-login.2", "task.update"),
        ({"op": "remove_task", "id": "fn-1.1"}, M.RemoveTask, "fn-1.1", "task.remove"),
        ({"op": "set_task_state", "task_id": "fn-1.1", "state": state}, M.SetTaskState, "fn-1.1", "task_state.set"),
        ({"op": "remove_task_state", "task_id": "fn-1.1"}, M.RemoveTaskState, "fn-1.1", "task_state.remove"),
        ({"op": "set_epic_spec", "epic_id": "fn-1", "content": "# x\n"}, M.SetEpicSpec, "fn-1", "epic_spec.set"),
        ({"op": "remove_epic_spec", "epic_id": "fn-1"}, M.RemoveEpicSpec, "fn-1", "epic_spec.remove"),
        ({"op": "set_task_spec", "task_id": "fn-1.1", "content": ""}, M.SetTaskSpec, "fn-1.1", "task_spec.set"),
        ({"op": "remove_task_spec", "task_id": "fn-1.1"}, M.RemoveTaskSpec, "fn-1.1", "task_spec.remove"),
    ]
    changes = M.Changes.model_validate({"mutations": [c[0] for c in cases]})
    for mutation, (raw, cls, entity, event_type) in zip(changes.mutations, cases, strict=True):
        assert type(mutation) is cls
        assert M.entity_id(mutation) == entity
        assert mutation.event_type == event_type
        assert mutation.to_disk() == {k: (R.normalize(R.ALL_RECORDS[k if k != "state" else "task state"], v)
                                          if isinstance(v, dict) else v) for k, v in raw.items()}
    assert len({cls for _, cls, _, _ in cases}) == 12


def test_bad_op_is_rejected():
    with pytest.raises(ValidationError):
        M.Changes.model_validate({"mutations": [{"op": "drop_everything"}]})
    with pytest.raises(ValidationError):
        M.Changes.model_validate({"mutations": [{"op": "remove_task"}]})


def test_mutation_constructed_in_code():
    m = M.CreateEpic(epic=M.Epic(id="fn-1-x", title="X"))
    assert m.to_disk()["op"] == "create_epic" and m.to_disk()["epic"]["id"] == "fn-1-x"


# ---------------------------------------------------------------------------------------------------------
# Leniency, unknown keys, legacy forms


def test_unknown_keys_preserved_in_order_after_known_keys():
    data = {"custom_x": 1, **json.loads(E.EPIC_CREATED), "another": [None], "nullish": None}
    epic = M.Epic.model_validate(data)
    disk = epic.to_disk()
    assert list(disk)[-3:] == ["custom_x", "another", "nullish"]
    assert disk["nullish"] is None and disk["another"] == [None]
    assert list(disk)[:-3] == list(json.loads(E.EPIC_CREATED))


def test_unknown_keys_in_nested_records_survive():
    state = json.loads(E.STATE_DONE)
    state["evidence"]["review_receipt"] = {"verdict": "SHIP"}
    state["evidence"]["workspace_changes"] = {"baseline_rev": "a", "final_rev": "b", "files_changed": 1,
                                              "insertions": 2, "deletions": 3, "note": "x"}
    disk = M.TaskState.model_validate(state).to_disk()
    assert list(disk["evidence"]) == ["commits", "tests", "workspace_changes", "review_receipt"]
    assert disk["evidence"]["workspace_changes"]["note"] == "x"


def test_schema_version_read_but_not_written():
    task = M.Task.model_validate_json('{"schema_version": 2, ' + E.TASK_FULL[1:])
    assert task.schema_version == 2
    assert JS.dumps_pretty(task.to_disk()) == E.TASK_FULL


def test_null_optionals_dropped_and_null_depends_on_is_empty():
    data = json.loads(E.TASK_MINIMAL) | {"impl": None, "priority": None, "depends_on": None, "files": None}
    task = M.Task.model_validate(data)
    assert task.depends_on == [] and task.files == []
    assert JS.dumps_pretty(task.to_disk()) == E.TASK_MINIMAL
    assert JS.dumps_pretty(M.Task.model_validate_json(json.dumps(data)).to_disk()) == E.TASK_MINIMAL


def test_legacy_task_definition_with_status_done():
    data = {"id": "fn-1.2", "epic": "fn-1", "title": "Old", "status": "done",
            "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-02T00:00:00Z"}
    task = M.Task.model_validate(data)
    assert task.status == "done" and task.domain == "general" and task.priority is None
    assert task.to_disk() == R.normalize(R.TASK, data)


def test_legacy_epic_missing_timestamps_get_now():
    before = parse(now_z())
    epic = M.Epic.model_validate({"id": "fn-1", "title": "Legacy"})
    after = parse(now_z())
    assert before <= parse(epic.created_at) <= parse(epic.updated_at) <= after


def test_timestamps_kept_as_written():
    state = M.TaskState.model_validate({"status": "todo", "updated_at": "2026-11-26T14:49:48.373100708+00:00"})
    assert state.updated_at == "2026-11-26T14:49:48.373100708+00:00"
    assert state.to_disk()["updated_at"] == "2026-11-26T14:49:48.373100708+00:00"


# ---------------------------------------------------------------------------------------------------------
# Invalid input


@pytest.mark.parametrize(("model", "data", "needle"), [
    (M.Epic, {"id": "fn-1", "title": 5}, "title"),
    (M.Epic, {"title": "t"}, "id"),
    (M.Task, {"id": "fn-1.1", "epic": "fn-1", "title": "t", "priority": -1}, "priority"),
    (M.Task, {"id": "fn-1.1", "epic": "fn-1", "title": "t", "priority": "1"}, "priority"),
    (M.Task, {"id": "fn-1.1", "epic": "fn-1", "title": "t", "domain": "web"}, "domain"),
    (M.TaskState, {"status": "finished"}, "status"),
    (M.TaskState, {"status": "todo", "claimed_at": "yesterday"}, "claimed_at"),
    (M.TaskState, {"status": "todo", "retry_count": True}, "retry_count"),
    (M.GapEntry, {"id": 1, "capability": "c", "priority": "urgent", "source": "s"}, "priority"),
    (M.LockEntry, {"file_path": "a", "task_id": "t", "mode": "exclusive", "locked_at": "x"}, "mode"),
    (M.Approval, {"created_at": -1, "id": "a", "kind": "generic", "status": "pending", "task_id": "t"},
     "created_at"),
    (M.Epic, [], "JSON object"),
])
def test_from_disk_errors_name_the_file(model, data, needle):
    path = Path("/repo/.flow/some file.json")
    with pytest.raises(CorruptFileError) as info:
        model.from_disk(data, path)
    assert str(info.value).startswith(f"Corrupt file {path}: ")
    assert needle in str(info.value)


@pytest.mark.parametrize(("model", "data"), [
    (M.Checkpoint, {"epic": None, "tasks": [], "timestamp": "now"}),
    (M.MemoryIndexEntry, json.loads(E.MEMORY_INDEX_LINE) | {"created": "2026-02-30"}),
    (M.MemoryIndexEntry, json.loads(E.MEMORY_INDEX_LINE) | {"hash": "XYZ"}),
    (M.MemoryIndexEntry, json.loads(E.MEMORY_INDEX_LINE) | {"type": "pitfalls"}),
    (M.MemoryStats, {"1": {"last_ref": "2026-11-26", "refs": 1}}),
    (M.Gaps, {"id": 1}),
    (M.Config, {"memory": {"enabled": "yes"}}),
])
def test_other_models_reject_bad_values(model, data):
    with pytest.raises(CorruptFileError, match="x.json"):
        model.from_disk(data, "x.json")


def test_models_are_strict_about_json_types():
    with pytest.raises(ValidationError):
        M.Evidence.model_validate({"files_changed": 1.5})
    with pytest.raises(ValidationError):
        M.Epic.model_validate({"id": "fn-1", "title": "t", "archived": 1})
    with pytest.raises(ValidationError):
        M.Evidence.model_validate({"workspace_changes": {"baseline_rev": "a"}})


# ---------------------------------------------------------------------------------------------------------
# JSON Schemas


def test_json_schemas_cover_every_record():
    schemas = M.json_schemas()
    expected = {"epic", "task", "task_state", "evidence", "workspace_changes", "gap", "gaps", "lock", "locks",
                "approval", "approvals", "meta", "config", "pipeline", "phases", "event", "checkpoint",
                "scout_cache_entry", "memory_index_entry", "memory_stats", "memory_stats_entry", "review_receipt",
                "epic_audit_payload", "codex_receipt", "cross_model_review", "changes", "mutation"}
    assert set(schemas) == expected
    for schema in schemas.values():
        assert schema["$schema"].startswith("https://json-schema.org/")
        json.dumps(schema)  # serialisable
    epic = schemas["epic"]
    assert list(epic["properties"]) == list(R.EPIC.names)
    assert epic["required"] == ["id", "title"]
    assert epic["additionalProperties"] is True
    assert epic["properties"]["created_at"]["format"] == "date-time"
    assert schemas["task"]["properties"]["priority"]["anyOf"][0]["maximum"] == R.U32_MAX
    assert "planSync" in schemas["config"]["properties"]
    assert len(schemas["event"]["oneOf"]) == 5
    assert schemas["mutation"]["discriminator"]["propertyName"] == "op"


def test_schemas_entry_point_writes_files(tmp_path):
    from flowctl_core import schemas as S

    out = tmp_path / "schemas"
    assert S.main([str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{n}.schema.json" for n in M.json_schemas())
    assert json.loads((out / "task_state.schema.json").read_text())["title"] == "TaskState"
    assert S.main([]) == 2


def test_write_schemas_writes_only_the_named_records_in_the_committed_form(tmp_path):
    from flowctl_core import schemas as S

    written = S.write_schemas(tmp_path / "out", ["task", "epic"])
    assert [p.name for p in written] == ["epic.schema.json", "task.schema.json"]
    text = written[0].read_text(encoding="utf-8")
    assert text == S.render(M.json_schemas()["epic"]) and text.endswith("}\n")
    assert json.loads(text)["title"] == "Epic"


def test_scout_cache_entry_key():
    entry = M.ScoutCacheEntry(scout_type="cap/x", commit="abc:def", result="plain text")
    assert entry.key == "cap/x:abc:def"
    assert entry.to_disk() == {"scout_type": "cap/x", "commit": "abc:def", "result": "plain text"}
