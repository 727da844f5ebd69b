"""The runtime record tables of records.py: byte-exact round trips of storage.md §3, leniency, corrupt input."""

from __future__ import annotations

import json

import pytest
import storage_examples as E  # this folder is on sys.path through pytest's `pythonpath` setting

from flowctl_core import json_store as JS
from flowctl_core import records as R
from flowctl_core.errors import CorruptFileError
from flowctl_core.timefmt import now_z, parse


def roundtrip(table: R.Record, raw: str) -> str:
    return JS.dumps_pretty(R.normalize(table, json.loads(raw)))


# ---------------------------------------------------------------------------------------------------------
# Round trips of the real files


@pytest.mark.parametrize(("name", "table", "raw"), E.STRUCT_FILES, ids=[f[0] for f in E.STRUCT_FILES])
def test_struct_files_round_trip_byte_identical(name, table, raw):
    assert roundtrip(R.ALL_RECORDS[table], raw) == raw


def test_evidence_as_printed_normalises_to_on_disk_form():
    assert roundtrip(R.EVIDENCE, E.EVIDENCE_FULL_AS_PRINTED) == E.EVIDENCE_FULL


@pytest.mark.parametrize(("raw", "table"), [(E.GAPS, R.GAP), (E.LOCKS, R.LOCK)], ids=["gaps", "locks"])
def test_struct_arrays_round_trip(raw, table):
    assert JS.dumps_pretty([R.normalize(table, item) for item in json.loads(raw)]) == raw


def test_approvals_round_trip_sorted():
    items = [R.normalize(R.APPROVAL, item) for item in json.loads(E.APPROVALS)]
    assert JS.dumps_pretty(items, sort_keys=True) == E.APPROVALS


def test_approval_nulls_are_written_even_when_missing():
    rec = R.normalize(R.APPROVAL, {"created_at": 1, "id": "apv-1-2", "kind": "generic", "status": "pending",
                                   "task_id": "fn-1.1"})
    assert rec == {"created_at": 1, "id": "apv-1-2", "kind": "generic", "payload": None, "reason": None,
                   "resolved_at": None, "resolver": None, "status": "pending", "task_id": "fn-1.1"}


def test_checkpoint_round_trip_with_embedded_records():
    doc = json.loads(E.CHECKPOINT)
    doc["epic"] = R.normalize(R.EPIC, doc["epic"])
    for entry in doc["tasks"]:
        entry["task"] = R.normalize(R.TASK, entry["task"])
        entry["state"] = R.normalize(R.TASK_STATE, entry["state"])
    assert JS.dumps_pretty(doc, sort_keys=True) == E.CHECKPOINT


@pytest.mark.parametrize("raw", [E.META, E.CONFIG_DEFAULT, E.PIPELINE, E.PHASES, E.MEMORY_STATS, E.RECEIPT_DONE,
                                 E.RECEIPT_DONE_MINIMAL, E.EPIC_AUDIT],
                         ids=["meta", "config", "pipeline", "phases", "stats", "receipt", "receipt_min", "audit"])
def test_sorted_documents_round_trip(raw):
    assert JS.dumps_pretty(json.loads(raw), sort_keys=True) == raw


def test_codex_receipt_round_trip_with_final_newline():
    assert JS.dumps_pretty(json.loads(E.RECEIPT_CODEX), sort_keys=True) + "\n" == E.RECEIPT_CODEX


def test_jsonl_lines_round_trip():
    for line in E.EVENTS.splitlines(keepends=True) + [E.MEMORY_INDEX_LINE, E.DRY_RUN_PREVIEW]:
        assert JS.dumps_line(json.loads(line)) == line


def test_sizes_quoted_by_the_spec():
    assert len(E.META.encode()) == 43
    assert len(E.CONFIG_DEFAULT.encode()) == 239


def test_nine_digit_timestamps_are_kept_verbatim():
    rec = R.normalize(R.TASK_STATE, json.loads(E.STATE_DONE))
    assert rec["completed_at"] == "2026-11-26T14:49:48.348195989Z"


# ---------------------------------------------------------------------------------------------------------
# Leniency and legacy forms


def test_unknown_keys_kept_in_order_after_known_keys():
    data = {"zeta": 1, "id": "fn-1", "custom_x": {"a": [1]}, "title": "T", "alpha": None,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
    rec = R.normalize(R.EPIC, data)
    assert list(rec) == ["id", "title", "status", "plan_review", "completion_review", "archived", "created_at",
                         "updated_at", "zeta", "custom_x", "alpha"]
    assert rec["custom_x"] == {"a": [1]} and rec["alpha"] is None


def test_unknown_keys_kept_in_nested_evidence():
    state = {"status": "done", "evidence": {"extra": 1, "commits": ["a"]}, "updated_at": "2026-01-01T00:00:00Z"}
    rec = R.normalize(R.TASK_STATE, state)
    assert list(rec["evidence"]) == ["commits", "extra"]


def test_schema_version_read_but_not_written():
    data = json.loads(E.TASK_FULL)
    data = {"schema_version": 2, **data}
    out = roundtrip(R.TASK, json.dumps(data))
    assert "schema_version" not in out
    assert out == E.TASK_FULL


def test_schema_version_still_validated():
    with pytest.raises(CorruptFileError, match="schema_version"):
        R.normalize(R.EPIC, {"id": "fn-1", "title": "t", "schema_version": "one"})


def test_null_optional_strings_are_dropped():
    data = json.loads(E.TASK_MINIMAL)
    data.update({"impl": None, "review": None, "sync": None, "priority": None})
    assert JS.dumps_pretty(R.normalize(R.TASK, data)) == E.TASK_MINIMAL
    state = json.loads(E.STATE_BLANK)
    state.update({"assignee": None, "claimed_at": None, "evidence": None, "blocked_reason": None})
    assert JS.dumps_pretty(R.normalize(R.TASK_STATE, state)) == E.STATE_BLANK


def test_null_depends_on_reads_as_empty():
    data = json.loads(E.TASK_MINIMAL)
    data["depends_on"] = None
    data["files"] = []
    rec = R.normalize(R.TASK, data)
    assert "depends_on" not in rec and "files" not in rec
    assert JS.dumps_pretty(rec) == E.TASK_MINIMAL


def test_null_for_defaulted_field_takes_the_default():
    rec = R.normalize(R.EPIC, {"id": "fn-1", "title": "t", "status": None, "archived": None,
                               "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"})
    assert rec["status"] == "open" and rec["archived"] is False


def test_legacy_task_definition_with_status_done():
    data = {"id": "fn-1.2", "epic": "fn-1", "title": "Old task", "status": "done",
            "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-02T00:00:00Z"}
    rec = R.normalize(R.TASK, data)
    assert rec == {"id": "fn-1.2", "epic": "fn-1", "title": "Old task", "status": "done", "domain": "general",
                   "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-02T00:00:00Z"}


def test_legacy_epic_id_and_missing_timestamps_filled_with_now():
    before = parse(now_z())
    rec = R.normalize(R.EPIC, {"id": "fn-1", "title": "Legacy"})
    after = parse(now_z())
    assert rec["id"] == "fn-1"
    for key in ("created_at", "updated_at"):
        assert rec[key].endswith("Z")
        assert before <= parse(rec[key]) <= after
    assert list(rec)[-2:] == ["created_at", "updated_at"]


def test_state_missing_updated_at_filled_and_retry_count_defaulted():
    rec = R.normalize(R.TASK_STATE, {"status": "todo"})
    assert list(rec) == ["status", "retry_count", "updated_at"]
    assert rec["retry_count"] == 0


def test_empty_evidence_kept_as_empty_object():
    rec = R.normalize(R.TASK_STATE, {"status": "done", "evidence": {"commits": [], "prs": []},
                                     "updated_at": "2026-01-01T00:00:00Z"})
    assert rec["evidence"] == {}


def test_optional_fields_beyond_the_reference_written_only_when_set():
    rec = R.normalize(R.GAP, {"id": 2, "capability": "c", "priority": "important", "source": "manual",
                              "resolved": True, "task": "fn-1.1", "evidence": "abc", "resolved_at": "x"})
    assert list(rec) == ["id", "capability", "priority", "source", "resolved", "task", "evidence", "resolved_at"]
    lock = R.normalize(R.LOCK, {"file_path": "a", "task_id": "fn-1.1", "mode": "read", "locked_at": "t",
                                "holder_pid": 42, "expires_at": None})
    assert lock == {"file_path": "a", "task_id": "fn-1.1", "mode": "read", "locked_at": "t", "holder_pid": 42}
    state = R.normalize(R.TASK_STATE, {"status": "done", "summary": "did it", "claim_note": "n",
                                       "updated_at": "2026-01-01T00:00:00Z"})
    assert list(state) == ["status", "retry_count", "updated_at", "summary", "claim_note"]


def test_blank_state_shape():
    state = R.blank_state()
    assert list(state) == ["status", "retry_count", "updated_at"]
    assert R.normalize(R.TASK_STATE, state) == state


def test_table_names_unique_and_complete():
    for table in R.ALL_RECORDS.values():
        assert len(set(table.names)) == len(table.names)
    assert set(R.ALL_RECORDS) == {"epic", "task", "task state", "evidence", "workspace_changes", "gap", "lock",
                                  "approval"}


# ---------------------------------------------------------------------------------------------------------
# Corrupt input: CorruptFileError naming the file


CORRUPT_CASES = [
    ("wrong_type_title", R.EPIC, '{"id": "fn-1", "title": 5}', "title"),
    ("wrong_type_archived", R.EPIC, '{"id": "fn-1", "title": "t", "archived": "yes"}', "archived"),
    ("missing_id", R.EPIC, '{"title": "t"}', "id"),
    ("missing_status", R.TASK_STATE, '{"retry_count": 0}', "status"),
    ("missing_epic", R.TASK, '{"id": "fn-1.1", "title": "t"}', "epic"),
    ("bad_enum", R.TASK_STATE, '{"status": "finished"}', "status"),
    ("bad_domain", R.TASK, '{"id": "fn-1.1", "epic": "fn-1", "title": "t", "domain": "Backend"}', "domain"),
    ("negative_priority", R.TASK, '{"id": "fn-1.1", "epic": "fn-1", "title": "t", "priority": -1}', "priority"),
    ("huge_priority", R.TASK, '{"id": "fn-1.1", "epic": "fn-1", "title": "t", "priority": 4294967296}',
     "priority"),
    ("float_priority", R.TASK, '{"id": "fn-1.1", "epic": "fn-1", "title": "t", "priority": 1.0}', "priority"),
    ("bool_retry", R.TASK_STATE, '{"status": "todo", "retry_count": true}', "retry_count"),
    ("string_list", R.TASK, '{"id": "fn-1.1", "epic": "fn-1", "title": "t", "depends_on": "fn-1.2"}',
     "depends_on"),
    ("list_of_ints", R.EPIC, '{"id": "fn-1", "title": "t", "depends_on_epics": [1]}', "depends_on_epics"),
    ("bad_timestamp", R.TASK_STATE, '{"status": "todo", "updated_at": "yesterday"}', "updated_at"),
    ("naive_timestamp", R.EPIC, '{"id": "fn-1", "title": "t", "created_at": "2026-01-01T00:00:00"}', "created_at"),
    ("nested_workspace", R.TASK_STATE, '{"status": "done", "evidence": {"workspace_changes": {"baseline_rev": "a"}}}',
     "final_rev"),
    ("evidence_not_object", R.TASK_STATE, '{"status": "done", "evidence": []}', "evidence"),
    ("top_level_array", R.EPIC, '[]', "JSON object"),
    ("top_level_string", R.TASK, '"fn-1.1"', "JSON object"),
    ("top_level_null", R.TASK_STATE, 'null', "JSON object"),  # a `null` file is corrupt, not missing
    ("unparseable", R.EPIC, '{"id": "fn-1",', None),
]


@pytest.mark.parametrize(("name", "table", "text", "needle"), CORRUPT_CASES, ids=[c[0] for c in CORRUPT_CASES])
def test_corrupt_file_names_the_path(tmp_path, name, table, text, needle):
    path = tmp_path / "sub dir" / f"{name}.json"
    path.parent.mkdir()
    path.write_text(text)
    with pytest.raises(CorruptFileError) as info:
        JS.load_record(table, path)
    message = str(info.value)
    assert str(path) in message
    assert message.startswith(f"Corrupt file {path}: ")
    if needle:
        assert needle in message
    assert path.read_text() == text  # reading never touches the file


def test_missing_file_is_none(tmp_path):
    assert JS.load_record(R.EPIC, tmp_path / "nope.json") is None


def test_invalid_utf8_is_corrupt(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"id": "\xff"}')
    with pytest.raises(CorruptFileError, match="bad.json"):
        JS.load_record(R.EPIC, path)
