"""MemoryStore: library entries.jsonl, and the v2 files (index, entry files, stats) it reads and writes."""

from __future__ import annotations

import json

import pytest

from flowctl_core.errors import CorruptFileError
from flowctl_db.memory import entry_key, parse_index

LINE = {"created": "2026-11-26", "file": "001-pitfall.md", "hash": "dd38051ce384", "id": 1,
        "last_verified": "2026-11-26", "summary": "OAuth", "tags": ["auth"], "track": "bug", "type": "pitfall"}


# -- library memory ----------------------------------------------------------------------------------------


def test_library_append_read_and_search_values_only(flow):
    flow.memory.append({"kind": "note", "text": "Use the Retry helper"})
    flow.memory.append({"kind": "text", "text": "unrelated", "n": 12, "nested": {"deep": ["Needle"]}})
    assert flow.memory.entries_jsonl.read_text() == (
        '{"kind":"note","text":"Use the Retry helper"}\n'
        '{"kind":"text","n":12,"nested":{"deep":["Needle"]},"text":"unrelated"}\n')
    with flow.memory.entries_jsonl.open("a") as f:
        f.write("garbage\n")
    assert len(flow.memory.read_all()) == 2
    assert [e["kind"] for e in flow.memory.search("retry")] == ["note"]
    assert [e["kind"] for e in flow.memory.search("NEEDLE")] == ["text"]
    assert [e["kind"] for e in flow.memory.search("12")] == ["text"]
    assert flow.memory.search("nested") == []  # keys are not searched
    assert len(flow.memory.search("text")) == 1  # only the value "text", not the key


# -- v2 writes: put / append / delete ------------------------------------------------------------------------


def test_put_index_writes_compact_sorted_lines_and_creates_the_layout(flow):
    flow.memory.put("index", [])
    assert flow.memory.index_path.read_bytes() == b""
    assert flow.memory.entries_dir.is_dir()
    flow.memory.put("index", [LINE, {"id": 2, "type": "decision", "summary": "é"}])
    assert flow.memory.index_path.read_text() == (
        json.dumps(LINE, sort_keys=True, separators=(",", ":")) + "\n"
        '{"id":2,"summary":"é","type":"decision"}\n')
    assert flow.memory.index() == [LINE, {"id": 2, "type": "decision", "summary": "é"}]


def test_append_index_adds_one_whole_line(flow):
    flow.memory.put("index", [LINE])
    flow.memory.append({"id": 2, "file": "002-pitfall.md"}, key="index")
    assert flow.memory.index_path.read_text().splitlines()[1] == '{"file":"002-pitfall.md","id":2}'
    assert [e["id"] for e in flow.memory.index()] == [1, 2]
    with pytest.raises(ValueError):
        flow.memory.append({"id": 3}, key="stats")


def test_put_stats_is_pretty_sorted_without_newline(flow):
    flow.memory.put("stats", {})
    assert flow.memory.stats_path.read_bytes() == b"{}"
    flow.memory.put("stats", {"3": {"refs": 1, "last_ref": "2026-11-26T14:49:48Z"}, "1": {"refs": 2, "last_ref": "x"}})
    assert flow.memory.stats_path.read_text() == (
        '{\n  "1": {\n    "last_ref": "x",\n    "refs": 2\n  },\n'
        '  "3": {\n    "last_ref": "2026-11-26T14:49:48Z",\n    "refs": 1\n  }\n}')
    assert flow.memory.stats()["1"]["refs"] == 2


def test_entry_files_are_stored_byte_for_byte_and_deleted(flow):
    flow.memory.put(entry_key("001-pitfall.md"), "line one\r\nline two ✓")
    path = flow.memory.entries_dir / "001-pitfall.md"
    assert path.read_bytes() == "line one\r\nline two ✓".encode()
    assert flow.memory.content({"file": "001-pitfall.md"}) == "line one\r\nline two ✓"
    flow.memory.delete(entry_key("001-pitfall.md"))
    assert not path.exists()
    flow.memory.delete(entry_key("001-pitfall.md"))  # deleting a missing file is a no-op


@pytest.mark.parametrize("key", ["entries/../../escape.md", "entries/.hidden", "entries/", "index.jsonl",
                                 "entries/a/b.md", "../x"])
def test_keys_that_do_not_name_an_entry_file_are_refused(flow, tmp_path, key):
    with pytest.raises(ValueError):
        flow.memory.put(key, "x")
    with pytest.raises(ValueError):
        flow.memory.delete(key)
    assert not (tmp_path / "escape.md").exists()


# -- v2 reads ----------------------------------------------------------------------------------------------


def test_missing_files_read_as_empty(flow):
    assert flow.memory.index() == [] and flow.memory.stats() == {}
    assert not flow.memory.index_exists() and not flow.memory.stats_exists()
    assert flow.memory.entry_names() == []
    assert flow.memory.content({"file": "001-pitfall.md"}) == ""


def test_content_is_empty_for_unsafe_or_unreadable_entry_files(flow, tmp_path):
    (tmp_path / "secret.md").write_text("secret")
    flow.memory.ensure_dirs()
    (flow.memory.entries_dir / "bad.md").write_bytes(b"\xff\xfe")
    for entry in ({"file": "../../secret.md"}, {"file": None}, {}, {"file": "bad.md"}, {"file": "/etc/passwd"}):
        assert flow.memory.content(entry) == ""
        assert flow.memory.entry_path(entry) is None or entry["file"] == "bad.md"


def test_entry_names_lists_the_entries_directory(flow):
    flow.memory.put(entry_key("041-junk.txt"), "x")
    flow.memory.put(entry_key("notes.md"), "x")
    assert sorted(flow.memory.entry_names()) == ["041-junk.txt", "notes.md"]


def test_index_parse_skips_blank_lines_and_keeps_order(flow):
    data = b'\n{"id": 7, "hash": "h"}\n   \n{"id":1}\r\n'
    assert parse_index(data, "index.jsonl") == [{"id": 7, "hash": "h"}, {"id": 1}]


@pytest.mark.parametrize("data, line", [
    (b'{"id":1}\ngarbage line\n', 2),
    (b'{"id":1}\n[1]\n', 2),
    (b'{"id":1} {"id":2}\n', 1),
    (b'{"x":"\n"}\n', 1),                       # a value split over two lines
    (b'{"x":[1\n2]},{"y":1}\n', 1),
    (b'{"id":1}\n' + b"[" * 100000 + b"\n", 2),  # nested too deeply for the parser
    (b'{"id":1}\n{"id":' + b"9" * 5000 + b"}\n", 2),  # a number int() refuses
    (b'null\n', 1),
])
def test_index_lines_that_are_not_objects_are_corrupt(flow, data, line):
    flow.memory.ensure_dirs()
    flow.memory.index_path.write_bytes(data)
    with pytest.raises(CorruptFileError) as err:
        flow.memory.index()
    assert str(err.value) == f"Corrupt file {flow.memory.index_path}: line {line} is not a JSON object"
    assert flow.memory.index_path.read_bytes() == data


def test_index_that_is_not_utf8_is_corrupt(flow):
    flow.memory.ensure_dirs()
    flow.memory.index_path.write_bytes(b'{"id":1,"summary":"\xff"}\n')
    with pytest.raises(CorruptFileError, match="not valid UTF-8"):
        flow.memory.index()


@pytest.mark.parametrize("data", [b"garbage", b"[1]", b"null", b'{"1":'])
def test_corrupt_stats_raise_and_are_left_alone(flow, data):
    flow.memory.ensure_dirs()
    flow.memory.stats_path.write_bytes(data)
    with pytest.raises(CorruptFileError) as err:
        flow.memory.stats()
    assert str(flow.memory.stats_path) in str(err.value)
    assert flow.memory.stats_path.read_bytes() == data


def test_four_processes_append_whole_index_lines(flow, run_workers):
    body = """
for n in range(25):
    store.memory.append({"id": WORKER * 100 + n, "summary": "x" * 5000}, key="index")
"""
    run_workers(body, 4, flow.flow_dir)
    index = flow.memory.index()  # every line parses: none torn or interleaved
    assert sorted(e["id"] for e in index) == sorted(w * 100 + n for w in range(4) for n in range(25))
