"""EventStore: whole-line appends, tolerant reads, exact stream filtering (D4 fix)."""

from __future__ import annotations

import json

from flowctl_db.events import EventStore, stream_belongs_to_epic


def test_append_writes_one_compact_sorted_line(flow):
    flow.events.append({"type": "decision", "stream_id": "decision:_global", "task_id": None, "value": "é"})
    assert flow.paths.events.read_bytes() == (
        '{"stream_id":"decision:_global","task_id":null,"type":"decision","value":"é"}\n'.encode())


def test_read_all_skips_blank_unparseable_and_non_object_lines(flow):
    flow.paths.events.write_text('{"n":1}\n\ngarbage\n[1,2]\n{"n":2}\n{"n":3}\n{"n":4')  # torn last line
    assert [e["n"] for e in flow.events.read_all()] == [1, 2, 3]


def test_count_lines_counts_every_non_empty_line(flow):
    flow.paths.events.write_text('{"n":1}\n\ngarbage\r\n\r\n[1,2]\n{"n":4')
    assert flow.events.count_lines() == 4  # what `stats summary` reports, parseable or not


def test_missing_file_reads_empty(flow):
    assert flow.events.count_lines() == 0
    assert flow.events.read_all() == []
    assert flow.events.for_epic("fn-1") == []


def test_read_by_stream_is_exact(flow):
    for s in ("task:fn-1.1", "task:fn-1.10", "task:fn-1.1", "xtask:fn-1.1"):
        flow.events.append({"stream_id": s})
    assert [e["stream_id"] for e in flow.events.read_by_stream("task:fn-1.1")] == ["task:fn-1.1"] * 2


def test_for_epic_never_matches_by_substring(flow):
    streams = [
        ("epic:fn-1", True), ("mutation:fn-1", True), ("decision:fn-1", True),
        ("task:fn-1.1", True), ("task:fn-1.23", True),
        ("task:fn-10-x.1", False), ("mutation:fn-10-x", False), ("epic:fn-1-x", False),
        ("task:fn-1.", False), ("task:fn-1.2a", False), ("task:fn-1.1.1", False), ("task:fn-1.٣", False),
        ("decision:_global", False), ("mutation:fn-1.2", True), ("notes:fn-1", False),
    ]
    for i, (s, _) in enumerate(streams):
        flow.events.append({"i": i, "stream_id": s})
    flow.events.append({"i": 99, "stream_id": "decision:_global", "epic_id": "fn-1"})  # epic_id equality
    flow.events.append({"i": 100, "stream_id": "task:fn-10-x.1", "epic_id": "fn-10-x"})
    got = [e["i"] for e in flow.events.for_epic("fn-1")]
    assert got == [i for i, (_, ok) in enumerate(streams) if ok] + [99]
    assert [e["i"] for e in flow.events.for_epic("fn-10-x")] == [5, 6, 100]


def test_stream_belongs_to_epic_rejects_non_strings():
    assert not stream_belongs_to_epic(None, "fn-1")
    assert not stream_belongs_to_epic(5, "fn-1")


def test_reference_lines_are_read(flow):
    line = ('{"epic_id":"fn-3-add-oauth-login","stream_id":"task:fn-3-add-oauth-login.1",'
            '"task_id":"fn-3-add-oauth-login.1","timestamp":"2026-11-26T14:49:46.339561955+00:00",'
            '"type":"task_started"}\n')
    flow.paths.events.write_text(line)
    (event,) = flow.events.for_epic("fn-3-add-oauth-login")
    assert event["type"] == "task_started"
    assert json.dumps(event, separators=(",", ":"), sort_keys=True) + "\n" == line


def test_store_is_constructed_from_paths(flow):
    assert isinstance(flow.events, EventStore)
    assert flow.events.path == flow.paths.events


def test_concurrent_appends_never_interleave(flow, run_workers):
    body = """
for n in range(50):
    store.events.append({"stream_id": f"task:fn-1.{WORKER}", "n": n, "pad": "x" * 300})
"""
    run_workers(body, 4, flow.flow_dir)
    lines = flow.paths.events.read_bytes().split(b"\n")
    assert lines[-1] == b""
    parsed = [json.loads(line) for line in lines[:-1]]
    assert len(parsed) == 200
    for w in range(4):
        assert [e["n"] for e in flow.events.read_by_stream(f"task:fn-1.{w}")] == list(range(50))


def test_read_from_follows_the_log_line_by_line(flow):
    store = flow.events
    assert store.read_from(0) == ([], 0)
    for n in range(5):
        store.append({"n": n, "pad": "x" * 20})
    size = flow.paths.events.stat().st_size
    events, offset = store.read_from(0)
    assert [e["n"] for e in events] == [0, 1, 2, 3, 4] and offset == size
    tail, offset = store.read_from(0, max_bytes=80)  # starts mid-line: that line is dropped, never half-parsed
    assert [e["n"] for e in tail] == [3, 4] and offset == size
    with open(flow.paths.events, "ab") as f:
        f.write(b'[1]\n{"n": 5}\n{"n": 6')
    events, offset = store.read_from(offset)
    assert [e["n"] for e in events] == [5] and offset == flow.paths.events.stat().st_size - len(b'{"n": 6')
    assert store.read_from(offset) == ([], offset)  # the unfinished line waits until it is whole
    flow.paths.events.write_bytes(b'{"n": 0}\n')  # replaced by a shorter log: read afresh
    assert store.read_from(offset) == ([{"n": 0}], 9)


def test_newest_first_filters_before_parsing(flow) -> None:
    flow.paths.events.parent.mkdir(parents=True, exist_ok=True)
    flow.paths.events.write_bytes(b'{"type":"decision","key":"a"}\n\xff decision\n{"type":"started"}\n'
                                  b'[1, "decision"]\n{"type":"decision","key":"b"}\n{"type":"decis')
    assert [e.get("key") for e in flow.events.newest_first(contains="decision")] == ["b", "a"]
    assert [e["type"] for e in flow.events.newest_first()] == ["decision", "started", "decision"]
    assert list(flow.events.newest_first(contains="nothing")) == []
