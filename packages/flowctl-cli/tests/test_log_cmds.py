"""`flowctl log decision | decisions` end to end: the event line, outputs, filters, limits, errors, dry-run."""

from __future__ import annotations

import json

from flowctl_runner import Flowctl

E = "fn-1-auth-work"


def events(f: Flowctl) -> list[dict]:
    return [json.loads(line) for line in (f.flow / ".state" / "events.jsonl").read_text().splitlines()]


def test_decision_appends_one_event_and_decisions_reads_them_back(initialized_flowctl: Flowctl) -> None:
    f = initialized_flowctl
    assert f.ok("log", "decision", "--key", "review_backend", "--value", "rp-mcp", "--reason", "RP available",
                "--json") == {"epic_id": "_global", "event_type": "decision", "key": "review_backend",
                              "reason": "RP available", "task_id": None, "value": "rp-mcp"}
    full = json.loads(f.tty("log", "decision", "--key", "k", "--value", "v", "--reason", "r", "--epic", E, "--json"))
    assert full["success"] is True and full["epic_id"] == E
    assert f.ok("log", "decision", "--key", "k4", "--value", "v4", "--reason", "r4 \u00fcn\u00ef",
                "--task", f"{E}.1") == "Decision logged: k4=v4 (reason: r4 \u00fcn\u00ef)\n"
    last = events(f)[-1]
    assert last == {"epic_id": E, "key": "k4", "reason": "r4 \u00fcn\u00ef", "stream_id": f"decision:{E}",
                    "task_id": f"{E}.1", "timestamp": last["timestamp"], "type": "decision", "value": "v4"}
    assert last["timestamp"].endswith("+00:00")
    raw = (f.flow / ".state" / "events.jsonl").read_text().splitlines()[-1]
    assert raw == json.dumps(last, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    listed = f.ok("log", "decisions", "--json")
    assert listed["count"] == 3 and [d["key"] for d in listed["decisions"]] == ["k4", "k", "review_backend"]
    assert listed["decisions"][2] == {"epic_id": "_global", "key": "review_backend", "reason": "RP available",
                                      "task_id": None, "timestamp": listed["decisions"][2]["timestamp"],
                                      "value": "rp-mcp"}
    assert [d["key"] for d in f.ok("log", "decisions", "--epic", E, "--json")["decisions"]] == ["k4", "k"]
    assert [d["key"] for d in f.ok("log", "decisions", "--task", f"{E}.1", "--json")["decisions"]] == ["k4"]
    assert f.ok("log", "decisions", "--limit", "1", "--json")["count"] == 1
    assert f.ok("log", "decisions", "--limit", "0", "--json") == {"count": 0, "decisions": []}
    text = f.ok("log", "decisions", "--epic", E).splitlines()
    assert text[0] == "Decisions (2):"
    assert text[1].startswith("  [") and text[1][3:22] == last["timestamp"][:19]
    assert text[1][22:] == f"] k4=v4 \u2014 r4 \u00fcn\u00ef (epic: {E}, task: {E}.1)"
    assert text[2].endswith(f"] k=v \u2014 r (epic: {E}, task: -)")
    assert f.ok("log", "decisions", "--epic", "fn-9") == "No decisions recorded.\n"


def test_odd_lines_are_skipped_or_read_leniently(initialized_flowctl: Flowctl) -> None:
    f = initialized_flowctl
    path = f.flow / ".state" / "events.jsonl"
    path.write_bytes(b'not json\n\xff\n{"type":"decision"}\n[1]\n'
                     b'{"type":"decision","key":"k","timestamp":"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9'
                     b'\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9'
                     b'\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}\n')
    assert f.ok("log", "decisions", "--json")["decisions"] == [
        {"epic_id": "", "key": "k", "reason": "", "task_id": None, "timestamp": "\u00e9" * 20, "value": ""},
        {"epic_id": "", "key": "", "reason": "", "task_id": None, "timestamp": "", "value": ""}]
    assert f.ok("log", "decisions").splitlines()[1:] == [
        "  [" + "\u00e9" * 19 + "] k=? \u2014 ? (epic: ?, task: -)", "  [?] ?=? \u2014 ? (epic: ?, task: -)"]


def test_errors_dry_run_and_no_flow(flowctl: Flowctl) -> None:
    f = flowctl
    assert f.ok("log", "decisions") == "No decisions recorded.\n"  # a read creates nothing
    assert not f.flow.exists()
    preview = f.ok("--dry-run", "log", "decision", "--key", "a", "--value", "b", "--reason", "c")
    [mutation] = preview["changes"]["mutations"]
    assert (mutation["op"], mutation["store"], mutation["value"]["key"]) == ("append", "events", "a")
    for args, message in [(("--epic", "../x"), "Invalid epic ID: ../x"), (("--epic", f"{E}.1"), f"Invalid epic ID: {E}.1"),
                          (("--task", "fn-1"), "Invalid task ID: fn-1")]:
        assert f.fail("log", "decision", "--key", "a", "--value", "b", "--reason", "c", *args).error == message
    assert not (f.flow / ".state" / "events.jsonl").exists()
    f.fail("log", "decisions", "--limit", "-1", code=2)
    f.fail("log", "decision", "--key", "a", code=2)
    # D41: without init the log goes to the shared state directory, linked as init would link it
    f.ok("log", "decision", "--key", "a", "--value", "b", "--reason", "c")
    assert f.flow.is_symlink() and events(f)[-1]["key"] == "a"
