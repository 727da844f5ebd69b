"""`flowctl schema [RECORD] [--out DIR]`: the JSON Schemas of the on-disk records, printed or written."""

from __future__ import annotations

import json


def test_one_record_prints_its_schema_as_indented_json(flowctl):
    out = flowctl.ok("schema", "task_state")
    assert out["title"] == "TaskState" and out["$schema"].endswith("2020-12/schema")
    assert "claimed_at" in out["properties"]


def test_json_keeps_schema_keys_that_compact_mode_strips_elsewhere(flowctl):
    data = flowctl.ok("schema", "epic", "--json")  # stdout is a pipe: compact mode is on
    assert data["success"] is True and data["record"] == "epic"
    assert {"created_at", "updated_at", "branch_name"} <= set(data["schema"]["properties"])


def test_without_record_prints_every_schema(flowctl):
    data = flowctl.ok("schema", "--json")
    assert {"epic", "task", "task_state", "event", "config", "gaps", "locks", "approvals"} <= set(data["schemas"])
    assert json.loads(flowctl("schema").out) == data["schemas"]


def test_unknown_record_lists_the_valid_names(flowctl):
    run = flowctl.fail("schema", "nope")
    assert run.error.startswith("Unknown record 'nope'. Valid records: approval, approvals,")
    assert "task_state" in run.error and run.out == ""


def test_out_writes_one_file_per_record(flowctl, repo):
    written = flowctl.ok("schema", "--out", "schemas", "--json")
    files = sorted(p.name for p in (repo / "schemas").iterdir())
    assert files == sorted(p.rsplit("/", 1)[1] for p in written["written"])
    assert "epic.schema.json" in files and not (repo / ".flow").exists()
    text = (repo / "schemas" / "epic.schema.json").read_text(encoding="utf-8")
    assert json.loads(text) == flowctl.ok("schema", "epic") and text.endswith("}\n")


def test_out_with_one_record_writes_only_it(flowctl, repo):
    assert flowctl.ok("schema", "gap", "--out", "s") == "s/gap.schema.json\n"
    assert [p.name for p in (repo / "s").iterdir()] == ["gap.schema.json"]


def test_dry_run_lists_the_files_and_writes_nothing(flowctl, repo):
    data = flowctl.ok("--dry-run", "schema", "lock", "--out", "s")
    assert data == {"dry_run": True, "out": "s", "would_write": ["s/lock.schema.json"]}
    assert not (repo / "s").exists()


def test_out_that_is_a_file_is_an_error(flowctl, repo):
    (repo / "f").write_text("x")
    assert flowctl.fail("schema", "--out", "f").error == "--out f is not a directory"
    assert (repo / "f").read_text() == "x"
