"""MemoryStore: library entries.jsonl and the CLI v2 store (index, entry files, stats)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from flowctl_core import timefmt
from flowctl_core.errors import CorruptFileError, InvalidInputError, NotFoundError
from flowctl_db.memory import derive_track, entry_file_name, extract_tags, normalize_type, summary_of

OAUTH = "Always verify the OAuth state param in the auth callback; a missing CSRF check broke login"


def _days_ago(n: int) -> str:
    return (timefmt.now() - timedelta(days=n)).strftime("%Y-%m-%d")


def _rewrite_index(flow, fn):
    """Apply `fn` to each parsed index line and write the index back (test set-up only)."""
    lines = [json.loads(line) for line in flow.memory.index_path.read_text().splitlines()]
    for entry in lines:
        fn(entry)
    flow.memory.index_path.write_text("".join(json.dumps(e, sort_keys=True, separators=(",", ":")) + "\n"
                                              for e in lines))


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


# -- helpers -----------------------------------------------------------------------------------------------


def test_type_track_tags_summary_helpers():
    assert normalize_type("Pitfalls") == "pitfall"
    assert normalize_type("conventionsss") == "convention"
    assert normalize_type("badtype") is None
    assert derive_track("best_practice", "pitfall") == "knowledge"
    assert derive_track("logic_error", "decision") == "bug"
    assert derive_track(None, "pitfall") == "bug"
    assert derive_track(None, "decision") == "knowledge"
    assert extract_tags("tests and pytest and a test") == ["test"]
    many = "typescript react vue angular svelte nextjs django flask fastapi express postgres mysql test lint"
    assert extract_tags(many) == ["angular", "django", "express", "fastapi", "flask", "lint", "mysql", "nextjs"]
    assert summary_of("é" * 130 + "\nsecond") == "é" * 120
    assert summary_of("first\r\nsecond") == "first"
    assert entry_file_name(7, "pitfall") == "007-pitfall.md"
    assert entry_file_name(1234, "decision") == "1234-decision.md"


# -- v2 ----------------------------------------------------------------------------------------------------


def test_init_creates_files_once(flow):
    assert flow.memory.init() == ["index.jsonl", "stats.json"]
    assert flow.memory.index_path.read_bytes() == b""
    assert flow.memory.stats_path.read_bytes() == b"{}"
    assert flow.memory.entries_dir.is_dir()
    assert flow.memory.init() == []


def test_add_matches_storage_example(flow):
    out = flow.memory.add("pitfall", OAUTH, module="auth", severity="high", tags="login")
    assert out == {"file": "001-pitfall.md", "id": 1, "module": "auth", "severity": "high",
                   "tags": ["auth", "csrf", "oauth", "login"], "track": "bug", "type": "pitfall"}
    entry_file = flow.memory.entries_dir / "001-pitfall.md"
    assert entry_file.read_bytes() == OAUTH.encode() and len(entry_file.read_bytes()) == 90
    today = timefmt.today()
    assert flow.memory.index_path.read_text() == (
        f'{{"created":"{today}","file":"001-pitfall.md","hash":"dd38051ce384","id":1,"last_verified":"{today}",'
        '"module":"auth","severity":"high","summary":"Always verify the OAuth state param in the auth callback; '
        'a missing CSRF check broke login","tags":["auth","csrf","oauth","login"],"track":"bug","type":"pitfall"}\n')
    assert not flow.memory.stats_path.exists()  # add does not create stats.json


def test_add_more_examples_and_index_format(flow):
    flow.memory.add("pitfall", OAUTH)
    out = flow.memory.add("conventions", "  Use the api client wrapper for github calls\nsecond line here\n",
                          problem_type="best_practice")
    assert out == {"file": "002-convention.md", "id": 2, "problem_type": "best_practice",
                   "tags": ["api", "github"], "track": "knowledge", "type": "convention"}
    assert (flow.memory.entries_dir / "002-convention.md").read_text() == (
        "Use the api client wrapper for github calls\nsecond line here")
    third = flow.memory.add("decision", "We build rust in docker and call the API", tags="API,zeta,docker")
    assert third["tags"] == ["api", "build", "docker", "rust", "zeta"]
    text = flow.memory.index_path.read_text()
    assert text.endswith("}\n") and text.count("\n") == 3 and "\n\n" not in text
    second = flow.memory.index()[1]
    assert "module" not in second and "severity" not in second
    assert second["summary"] == "Use the api client wrapper for github calls"


def test_duplicate_content_writes_nothing(flow):
    flow.memory.add("pitfall", OAUTH)
    before = flow.memory.index_path.read_bytes()
    assert flow.memory.add("decision", f"  {OAUTH}\n", tags="x") == {"id": 1, "duplicate": True}
    assert flow.memory.index_path.read_bytes() == before
    assert sorted(p.name for p in flow.memory.entries_dir.iterdir()) == ["001-pitfall.md"]


def test_add_validation_messages_in_order(flow):
    cases = [
        (("badtype", "x"), {"severity": "bogus"}, "Invalid type 'badtype'. Use: pitfall, convention, or decision"),
        (("pitfall", ""), {"severity": "High"}, "Invalid severity 'High'. Use: critical, high, medium, or low"),
        (("pitfall", "x"), {"problem_type": "oops"},
         "Invalid problem-type 'oops'. Use one of: build_error, test_failure, runtime_error, performance_issue, "
         "database_issue, security_issue, logic_error, best_practice, documentation_gap, workflow_issue, "
         "developer_experience, convention, decision"),
        (("pitfall", "  \n "), {}, "Content cannot be empty"),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(InvalidInputError) as err:
            flow.memory.add(*args, **kwargs)
        assert str(err.value) == message
    assert not flow.memory.index_path.exists()


def test_id_comes_from_entry_file_names(flow):
    flow.memory.ensure_dirs()
    (flow.memory.entries_dir / "041-junk.txt").write_text("x")
    (flow.memory.entries_dir / "notes.md").write_text("x")
    assert flow.memory.add("pitfall", "one")["file"] == "042-pitfall.md"
    (flow.memory.entries_dir / "1233-decision.md").write_text("x")
    assert flow.memory.add("decision", "two")["file"] == "1234-decision.md"


def test_unparseable_index_lines_are_kept(flow):
    flow.memory.ensure_dirs()
    flow.memory.index_path.write_text('garbage line\n{"id": 7, "hash": "h", "file": "007-pitfall.md"}\n[1]\n')
    assert [e["id"] for e in flow.memory.index()] == [7]
    flow.memory.add("pitfall", "new one")
    lines = flow.memory.index_path.read_text().split("\n")
    assert lines[0] == "garbage line" and lines[1] == '{"file":"007-pitfall.md","hash":"h","id":7}'
    assert lines[2] == "[1]" and json.loads(lines[3])["id"] == 1 and lines[4] == ""


def test_read_with_content_and_type_filter(flow):
    flow.memory.add("pitfall", "Avoid global state in tests\nsecond line", tags="Flaky, ci,,  Py ")
    flow.memory.add("convention", "Conventional commits")
    (flow.memory.entries_dir / "002-convention.md").unlink()
    entries = flow.memory.read()
    assert entries[0] == {"id": 1, "type": "pitfall", "summary": "Avoid global state in tests",
                          "tags": ["flaky", "ci", "py"], "created": timefmt.today(),
                          "content": "Avoid global state in tests\nsecond line"}
    assert entries[1]["content"] == ""
    assert [e["id"] for e in flow.memory.read("Conventions")] == [2]
    with pytest.raises(InvalidInputError, match="Invalid type 'nope'"):
        flow.memory.read("nope")


def test_record_refs_and_stats_format(flow):
    flow.memory.init()
    stats = flow.memory.record_refs([1, 1, 3])
    assert stats["1"]["refs"] == 2 and stats["3"]["refs"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stats["1"]["last_ref"])
    first, third = stats["1"]["last_ref"], stats["3"]["last_ref"]
    assert flow.memory.stats_path.read_text() == (
        f'{{\n  "1": {{\n    "last_ref": "{first}",\n    "refs": 2\n  }},\n'
        f'  "3": {{\n    "last_ref": "{third}",\n    "refs": 1\n  }}\n}}')
    assert flow.memory.refs(1) == 2 and flow.memory.refs(9) == 0
    assert flow.memory.record_refs([]) == stats


def test_corrupt_stats_raise_and_are_left_alone(flow):
    flow.memory.ensure_dirs()
    flow.memory.stats_path.write_text("garbage")
    for call in (lambda: flow.memory.stats(), lambda: flow.memory.record_refs([1]),
                 lambda: flow.memory.gc(), lambda: flow.memory.overview()):
        with pytest.raises(CorruptFileError) as err:
            call()
        assert str(flow.memory.stats_path) in str(err.value)
    assert flow.memory.stats_path.read_text() == "garbage"


def test_verify(flow):
    flow.memory.add("pitfall", "one")
    _rewrite_index(flow, lambda e: e.update(last_verified="2020-01-01"))
    assert flow.memory.verify(1) == {"id": 1, "last_verified": timefmt.today()}
    assert flow.memory.index()[0]["last_verified"] == timefmt.today()
    with pytest.raises(NotFoundError) as err:
        flow.memory.verify(5)
    assert str(err.value) == "Entry #5 not found"


def test_gc_dry_run_and_real(flow):
    for text in ("old unreferenced", "old referenced", "new unreferenced", "no created date"):
        flow.memory.add("pitfall", text)
    old = _days_ago(100)
    _rewrite_index(flow, lambda e: e.update(created=old) if e["id"] in (1, 2) else None)
    _rewrite_index(flow, lambda e: e.pop("created") if e["id"] == 4 else None)
    flow.memory.record_refs([2, 99])
    before = flow.memory.index_path.read_bytes()
    assert flow.memory.gc(dry_run=True) == {
        "count": 1, "dry_run": True, "kept": 3, "stale": [{"id": 1, "summary": "old unreferenced", "type": "pitfall"}]}
    assert flow.memory.index_path.read_bytes() == before
    assert flow.memory.gc() == {"kept": 3, "removed": 1}
    assert [e["id"] for e in flow.memory.index()] == [2, 3, 4]
    assert not (flow.memory.entries_dir / "001-pitfall.md").exists()
    assert set(flow.memory.stats()) == {"2", "99"}
    assert flow.memory.gc(days=0) == {"kept": 3, "removed": 0}  # created today is never older than today


def test_gc_never_deletes_outside_entries(flow, tmp_path):
    flow.memory.add("pitfall", "victim")
    outside = tmp_path / "keep.txt"
    outside.write_text("x")
    _rewrite_index(flow, lambda e: e.update(created="2000-01-01", file="../../keep.txt"))
    assert flow.memory.gc()["removed"] == 1
    assert outside.exists()


def test_search_v2(flow):
    flow.memory.add("pitfall", "Avoid global state in tests\nsecond line", module="auth", severity="high")
    flow.memory.add("convention", "Use conventional commits", tags="Git")
    flow.memory.add("decision", "Chose postgres")
    assert [m["id"] for m in flow.memory.search_v2("SECOND line")] == [1]  # content only
    assert [m["id"] for m in flow.memory.search_v2("^git$")] == [2]  # tag
    assert [m["id"] for m in flow.memory.search_v2("c")] == [1, 2, 3]
    assert [m["id"] for m in flow.memory.search_v2("c", entry_type="conventions")] == [2]
    assert [m["id"] for m in flow.memory.search_v2("c", entry_type="bogus")] == [1, 2, 3]  # ignored
    assert [m["id"] for m in flow.memory.search_v2("c", module="auth", severity="high", track="bug")] == [1]
    first = flow.memory.search_v2("global")[0]
    assert first == {"id": 1, "type": "pitfall", "summary": "Avoid global state in tests", "tags": [],
                     "content": "Avoid global state in tests\nsecond line", "module": "auth", "severity": "high",
                     "track": "bug"}
    with pytest.raises(InvalidInputError, match="^Invalid regex pattern: "):
        flow.memory.search_v2("(")


def test_inject_levels_and_refs(flow):
    assert flow.memory.inject() == {"count": 0, "entries": [], "level": "L1"}
    flow.memory.add("pitfall", "Rust borrow checker", tags="Lang")
    flow.memory.add("decision", "Chose postgres")
    l1 = flow.memory.inject()
    assert l1["level"] == "L1" and l1["entries"][0] == {"id": 1, "type": "pitfall", "summary": "Rust borrow checker",
                                                        "tags": ["rust", "lang"]}
    assert flow.memory.inject(full=True)["entries"][1]["content"] == "Chose postgres"
    assert flow.memory.inject(full=True)["level"] == "L3"
    l2 = flow.memory.inject(tags="LANG, other", full=True)
    assert (l2["level"], [e["id"] for e in l2["entries"]]) == ("L2", [1])
    assert flow.memory.inject(entry_type="decisions")["entries"][0]["id"] == 2
    assert flow.memory.inject(entry_type="bogus", tags=",")["level"] == "L1"
    assert flow.memory.refs(1) == 5 and flow.memory.refs(2) == 5


def test_overview(flow):
    flow.memory.add("pitfall", "one", module="auth")
    flow.memory.add("pitfall", "two")
    flow.memory.add("convention", "three")
    _rewrite_index(flow, lambda e: e.update(last_verified="2020-01-01") if e["id"] == 1 else None)
    _rewrite_index(flow, lambda e: e.pop("type") if e["id"] == 3 else None)
    flow.memory.record_refs([1, 1, 99])
    result = flow.memory.overview()
    assert result["counts"] == {"pitfall": 2, "unknown": 1}
    assert (result["total"], result["total_refs"]) == (3, 3)
    first = result["index"][0]
    assert (first["stale"], first["refs"], first["module"], first["last_verified"]) == (True, 2, "auth", "2020-01-01")
    assert result["index"][1]["stale"] is False
    filtered = flow.memory.overview(module="auth")
    assert (filtered["total"], filtered["total_refs"]) == (1, 3)
    assert flow.memory.overview(track="knowledge")["total"] == 1  # the convention lost its type, not its track
    assert flow.memory.overview(entry_type="pitfalls")["total"] == 2


def test_four_processes_add_distinct_entries(flow, run_workers):
    body = """
for n in range(10):
    store.memory.add("pitfall", f"entry from worker {WORKER} number {n}")
"""
    run_workers(body, 4, flow.flow_dir)
    index = flow.memory.index()
    assert len(index) == 40
    assert sorted(e["id"] for e in index) == list(range(1, 41))
    assert len(flow.memory.index_path.read_text().splitlines()) == 40
    files = sorted(p.name for p in flow.memory.entries_dir.iterdir())
    assert files == sorted(e["file"] for e in index)
    for e in index:
        assert (flow.memory.entries_dir / e["file"]).read_text().startswith("entry from worker")
