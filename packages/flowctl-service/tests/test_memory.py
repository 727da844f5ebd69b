"""Memory v2 rules and commands over a real store: gate, add/dedup/ids, read, list, search, inject, verify, gc."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest

from flowctl_core import timefmt
from flowctl_core.errors import CorruptFileError, InvalidInputError, NotFoundError
from flowctl_db import FlowStore
from flowctl_service import memory
from flowctl_service.memory import (
    content_hash,
    derive_track,
    entry_file_name,
    extract_tags,
    merge_tags,
    next_id,
    normalize_type,
    rust_trim,
    summary_of,
)

OAUTH = "Always verify the OAuth state param in the auth callback; a missing CSRF check broke login"


def _days_ago(n: int) -> str:
    return (timefmt.now() - timedelta(days=n)).strftime("%Y-%m-%d")


def _rewrite_index(store: FlowStore, fn) -> None:
    """Apply `fn` to each parsed index line and write the index back (test set-up only)."""
    lines = [json.loads(line) for line in store.memory.index_path.read_text().splitlines()]
    for entry in lines:
        fn(entry)
    store.memory.index_path.write_text("".join(json.dumps(e, sort_keys=True, separators=(",", ":")) + "\n"
                                               for e in lines))


def _tree(store: FlowStore) -> dict[str, bytes]:
    root = store.flow_dir
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


def add(store: FlowStore, *args, **kwargs):
    return memory.add_entry(store, None, *args, **kwargs)


# -- pure rules --------------------------------------------------------------------------------------------


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
    assert merge_tags(["auth", "jwt", "rust"], "jwt,Extra, ,EXTRA") == ["auth", "jwt", "rust", "extra"]
    assert summary_of("é" * 130 + "\nsecond") == "é" * 120
    assert summary_of("first\r\nsecond") == "first"
    assert entry_file_name(7, "pitfall") == "007-pitfall.md"
    assert entry_file_name(1234, "decision") == "1234-decision.md"


def test_trim_and_hash_follow_rust_whitespace():
    assert rust_trim("\u3000 x \x85\n") == "x"
    assert rust_trim("\x1cx\x1f") == "\x1cx\x1f"  # Python's strip() would remove these; Rust's trim keeps them
    assert content_hash(f"  {OAUTH}\n") == "dd38051ce384"


def test_next_id_reads_leading_ascii_numbers():
    assert next_id([]) == 1
    assert next_id(["041-junk.txt", "notes.md", "7-a.md", "-1-x.md"]) == 42
    assert next_id(["٣-arabic.md", "99999999999999999999-huge.md", "12x-no.md"]) == 1


# -- the gate ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("config", ['{"memory": {"enabled": false}}', '{"memory": {"enabled": "true"}}',
                                    '{"memory": {"enabled": 1}}'])
def test_disabled_memory_refuses_every_command(store, config):
    store.paths.config.write_text(config)
    calls = [lambda: memory.init(store), lambda: add(store, "pitfall", "x"), lambda: memory.read(store),
             lambda: memory.list_entries(store), lambda: memory.search(store, "x"), lambda: memory.inject(store),
             lambda: memory.verify(store, None, 1), lambda: memory.gc(store)]
    before = _tree(store)
    for call in calls:
        with pytest.raises(InvalidInputError) as err:
            call()
        assert str(err.value) == "Memory not enabled. Run: flowctl config set memory.enabled true"
    assert _tree(store) == before


def test_enabled_by_default_when_config_has_no_memory_key(store):
    assert memory.init(store)["created"] == ["index.jsonl", "stats.json"]  # no config.json: the default (true)
    store.paths.config.write_text('{"stack": {}}')
    assert add(store, "pitfall", "x")["id"] == 1


def test_corrupt_config_is_reported_not_treated_as_disabled(store):
    store.paths.config.write_text("{oops")
    with pytest.raises(CorruptFileError, match="config.json"):
        memory.list_entries(store)


# -- init --------------------------------------------------------------------------------------------------


def test_init_creates_files_once_and_previews(store):
    before = _tree(store)
    preview = memory.init(store, dry_run=True)
    assert preview == {"changes": {"mutations": [
        {"op": "put", "store": "memory", "key": "index", "value": []},
        {"op": "put", "store": "memory", "key": "stats", "value": {}}]}, "dry_run": True}
    assert _tree(store) == before
    out = memory.init(store)
    assert out == {"created": ["index.jsonl", "stats.json"], "message": "Memory v2 initialized", "migrated": 0,
                   "path": str(store.flow_dir / "memory")}
    assert store.memory.index_path.read_bytes() == b"" and store.memory.stats_path.read_bytes() == b"{}"
    assert store.memory.entries_dir.is_dir()
    assert memory.init(store)["created"] == []
    assert memory.init_text(out) == (f"Memory v2 initialized at {store.flow_dir / 'memory'}\n"
                                     "  Created: index.jsonl\n  Created: stats.json\n")


# -- add ---------------------------------------------------------------------------------------------------


def test_add_matches_storage_example(store):
    out = add(store, "pitfall", OAUTH, module="auth", severity="high", tags="login")
    assert memory.add_payload(out) == {"file": "001-pitfall.md", "id": 1, "module": "auth", "severity": "high",
                                       "tags": ["auth", "csrf", "oauth", "login"], "track": "bug", "type": "pitfall"}
    entry_file = store.memory.entries_dir / "001-pitfall.md"
    assert entry_file.read_bytes() == OAUTH.encode() and len(entry_file.read_bytes()) == 90
    today = timefmt.today()
    assert store.memory.index_path.read_text() == (
        f'{{"created":"{today}","file":"001-pitfall.md","hash":"dd38051ce384","id":1,"last_verified":"{today}",'
        '"module":"auth","severity":"high","summary":"Always verify the OAuth state param in the auth callback; '
        'a missing CSRF check broke login","tags":["auth","csrf","oauth","login"],"track":"bug","type":"pitfall"}\n')
    assert not store.memory.stats_path.exists()  # add does not create stats.json
    assert memory.add_text(out) == (f"Added pitfall #1: {OAUTH}\n  Tags: auth, csrf, oauth, login\n  Track: bug\n"
                                    "  Module: auth\n  Severity: high\n")


def test_add_more_examples_and_index_format(store):
    add(store, "pitfall", OAUTH)
    out = add(store, "conventions", "  Use the api client wrapper for github calls\nsecond line here\n",
              problem_type="best_practice")
    assert memory.add_payload(out) == {"file": "002-convention.md", "id": 2, "problem_type": "best_practice",
                                       "tags": ["api", "github"], "track": "knowledge", "type": "convention"}
    assert (store.memory.entries_dir / "002-convention.md").read_text() == (
        "Use the api client wrapper for github calls\nsecond line here")
    third = add(store, "decision", "We build rust in docker and call the API", tags="API,zeta,docker")
    assert third["tags"] == ["api", "build", "docker", "rust", "zeta"]
    text = store.memory.index_path.read_text()
    assert text.endswith("}\n") and text.count("\n") == 3 and "\n\n" not in text
    second = store.memory.index()[1]
    assert "module" not in second and "severity" not in second
    assert second["summary"] == "Use the api client wrapper for github calls"
    assert memory.add_text(out).endswith("  Track: knowledge\n  Problem type: best_practice\n")


def test_duplicate_content_writes_nothing(store):
    add(store, "pitfall", OAUTH)
    before = _tree(store)
    dup = add(store, "decision", f"  {OAUTH}\n", tags="x")
    assert dup == {"duplicate": True, "id": 1, "message": "Duplicate entry, skipped"}
    assert memory.add_text(dup) == "Duplicate of entry #1, skipped\n"
    assert _tree(store) == before


def test_add_validation_messages_in_order(store):
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
            add(store, *args, **kwargs)
        assert str(err.value) == message
    assert not store.memory.index_path.exists()


def test_id_comes_from_entry_file_names(store):
    store.memory.ensure_dirs()
    (store.memory.entries_dir / "041-junk.txt").write_text("x")
    (store.memory.entries_dir / "notes.md").write_text("x")
    assert add(store, "pitfall", "one")["file"] == "042-pitfall.md"
    (store.memory.entries_dir / "1233-decision.md").write_text("x")
    assert add(store, "decision", "two")["file"] == "1234-decision.md"


def test_add_dry_run_previews_and_writes_nothing(store):
    before = _tree(store)
    preview = add(store, "pitfall", "Preview me", dry_run=True)
    mutations = preview["changes"]["mutations"]
    assert preview["dry_run"] is True
    assert mutations[0] == {"op": "put", "store": "memory", "key": "entries/001-pitfall.md", "value": "Preview me"}
    assert mutations[1]["op"] == "append" and mutations[1]["key"] == "index"
    assert mutations[1]["value"]["hash"] == content_hash("Preview me")
    assert _tree(store) == before


def test_add_refuses_a_corrupt_index_and_leaves_it_alone(store):
    store.memory.ensure_dirs()
    store.memory.index_path.write_text('{"id":1}\ngarbage\n')
    with pytest.raises(CorruptFileError, match="line 2"):
        add(store, "pitfall", "new one")
    assert store.memory.index_path.read_text() == '{"id":1}\ngarbage\n'
    assert store.memory.entry_names() == []


# -- read / list / search ----------------------------------------------------------------------------------


def test_read_with_content_and_type_filter(store):
    add(store, "pitfall", "Avoid global state in tests\nsecond line", tags="Flaky, ci,,  Py ")
    add(store, "convention", "Conventional commits")
    (store.memory.entries_dir / "002-convention.md").unlink()
    data = memory.read(store)
    assert data["entries"][0] == {"id": 1, "type": "pitfall", "summary": "Avoid global state in tests",
                                  "tags": ["flaky", "ci", "py"], "created": timefmt.today(),
                                  "content": "Avoid global state in tests\nsecond line"}
    assert data["entries"][1]["content"] == ""
    assert [e["id"] for e in memory.read(store, "Conventions")["entries"]] == [2]
    with pytest.raises(InvalidInputError, match="Invalid type 'nope'"):
        memory.read(store, "nope")
    today = timefmt.today()
    assert memory.read_text(memory.read(store, "pitfall")) == (
        f"--- #1 [pitfall] {today} ---\nAvoid global state in tests\nsecond line\n  Tags: flaky, ci, py\n\n"
        "Total: 1 entries\n")
    assert memory.read_text(memory.read(store, "decisions")) == "No memory entries of type 'decision'\n"
    assert memory.read_payload(memory.read(store, "decisions")) == {"count": 0, "entries": []}


def test_list(store):
    add(store, "pitfall", "one", module="auth")
    add(store, "pitfall", "two")
    add(store, "convention", "three")
    _rewrite_index(store, lambda e: e.update(last_verified="2020-01-01") if e["id"] == 1 else None)
    _rewrite_index(store, lambda e: e.pop("type") if e["id"] == 3 else None)
    store.memory.put("stats", {"1": {"refs": 2, "last_ref": "x"}, "99": {"refs": 1, "last_ref": "x"}})
    result = memory.list_entries(store)
    assert result["counts"] == {"pitfall": 2, "unknown": 1}
    assert (result["total"], result["total_refs"]) == (3, 3)
    first = result["index"][0]
    assert (first["stale"], first["refs"], first["module"], first["last_verified"]) == (True, 2, "auth", "2020-01-01")
    assert result["index"][1]["stale"] is False
    filtered = memory.list_entries(store, module="auth")
    assert (filtered["total"], filtered["total_refs"]) == (1, 3)
    assert memory.list_entries(store, track="knowledge")["total"] == 1  # the convention lost its type, not its track
    assert memory.list_entries(store, entry_type="pitfalls")["total"] == 2
    assert memory.list_entries(store, entry_type="bogus")["total"] == 3  # an invalid type filter is ignored
    text = memory.list_text(result)
    assert text.splitlines()[:3] == ["Memory: 3 entries, 3 total references", "",
                                     "  #  1 [pitfall   ] refs= 2  one [stale]"]
    assert text.endswith("\n  pitfall: 2\n  unknown: 1\n  Total: 3\n"
                         "  Stale: 1 (not verified in 90+ days — run /flow-code:retro to verify)\n")


def test_list_without_last_verified_uses_created(store):
    add(store, "pitfall", "old")
    _rewrite_index(store, lambda e: (e.pop("last_verified"), e.update(created="2019-05-05")))
    item = memory.list_entries(store)["index"][0]
    assert (item["last_verified"], item["stale"]) == ("2019-05-05", True)


def test_search(store):
    add(store, "pitfall", "Avoid global state in tests\nsecond line", module="auth", severity="high")
    add(store, "convention", "Use conventional commits", tags="Git")
    add(store, "decision", "Chose postgres")
    ids = lambda data: [m["id"] for m in data["matches"]]  # noqa: E731
    assert ids(memory.search(store, "SECOND line")) == [1]  # content only
    assert ids(memory.search(store, "^git$")) == [2]  # tag
    assert ids(memory.search(store, "c")) == [1, 2, 3]
    assert ids(memory.search(store, "c", entry_type="conventions")) == [2]
    assert ids(memory.search(store, "c", entry_type="bogus")) == [1, 2, 3]  # ignored
    assert ids(memory.search(store, "c", module="auth", severity="high", track="bug")) == [1]
    first = memory.search(store, "global")["matches"][0]
    assert first == {"id": 1, "type": "pitfall", "summary": "Avoid global state in tests", "tags": [],
                     "content": "Avoid global state in tests\nsecond line", "module": "auth", "severity": "high",
                     "track": "bug"}
    assert memory.search_text(memory.search(store, "global")) == (
        "--- #1 [pitfall] module=auth severity=high track=bug ---\nAvoid global state in tests\nsecond line\n\n"
        "Found 1 matches for 'global'\n")
    assert memory.search_text(memory.search(store, "zzz")) == "No matches for 'zzz'\n"


@pytest.mark.parametrize("pattern", ["(", "[a-", "a{2,1}", "(?<", "*", "\\"])
def test_search_rejects_invalid_regexes_clearly(store, pattern):
    with pytest.raises(InvalidInputError, match="^Invalid regex pattern: "):
        memory.search(store, pattern)


def test_a_backtracking_pattern_is_stopped_not_left_to_run_for_hours(store, monkeypatch):
    add(store, "pitfall", "a" * 40 + "!")  # (a+)+$ tries every split of 40 a's: 2**40 ways
    monkeypatch.setattr(memory, "SEARCH_SECONDS", 0.3)
    started = time.monotonic()
    with pytest.raises(InvalidInputError, match=r"^Invalid regex pattern: the search gave up after 0\.3 s"):
        memory.search(store, "(a+)+$")
    assert time.monotonic() - started < 5
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # the timer is off again
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL  # and the previous handler back
    assert [m["id"] for m in memory.search(store, "a+!")["matches"]] == [1]  # a normal search still answers


def test_a_search_outside_the_main_thread_runs_without_a_deadline(store):
    import threading

    add(store, "pitfall", "Retry budget")
    found = []
    worker = threading.Thread(target=lambda: found.append(memory.search(store, "retry")["count"]))
    worker.start()
    worker.join()
    assert found == [1]


# -- inject ------------------------------------------------------------------------------------------------


def test_inject_levels_and_refs(store):
    assert memory.inject(store) == {"count": 0, "entries": [], "level": "L1"}
    assert memory.inject_text(memory.inject(store)) == "No memory entries\n"
    add(store, "pitfall", "Rust borrow checker", tags="Lang")
    add(store, "decision", "Chose postgres")
    l1 = memory.inject(store)
    assert l1["level"] == "L1" and l1["entries"][0] == {"id": 1, "type": "pitfall", "summary": "Rust borrow checker",
                                                        "tags": ["rust", "lang"]}
    assert memory.inject_text(l1) == ("Memory index (2 entries):\n  #1 [pitfall] [rust,lang] Rust borrow checker\n"
                                      "  #2 [decision] [postgres] Chose postgres\n\n"
                                      "Use `memory search <pattern>` for full content of specific entries.\n")
    assert memory.inject(store, full=True)["entries"][1]["content"] == "Chose postgres"
    assert memory.inject(store, full=True)["level"] == "L3"
    l2 = memory.inject(store, tags="LANG, other", full=True)
    assert (l2["level"], [e["id"] for e in l2["entries"]]) == ("L2", [1])
    assert memory.inject_text(l2) == "--- #1 [pitfall] ---\nRust borrow checker\n\n"
    assert memory.inject(store, entry_type="decisions")["entries"][0]["id"] == 2
    assert memory.inject(store, entry_type="bogus", tags=",")["level"] == "L1"
    stats = store.memory.stats()
    assert refs(stats, 1) == 5 and refs(stats, 2) == 5
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stats["1"]["last_ref"])
    empty = memory.inject(store, tags="nothing")
    assert empty == {"count": 0, "entries": [], "level": "L2"} and memory.inject_text(empty) == ""


def refs(stats, entry_id):
    return memory.refs_of(stats, entry_id)


def test_inject_keeps_other_stats_and_dry_run_writes_nothing(store):
    add(store, "pitfall", "one")
    store.memory.put("stats", {"99": {"refs": 4, "last_ref": "x"}, "1": 7})
    before = _tree(store)
    preview = memory.inject(store, dry_run=True)
    assert preview["dry_run"] is True and preview["changes"]["mutations"][0]["key"] == "stats"
    assert _tree(store) == before
    memory.inject(store)
    stats = store.memory.stats()
    assert stats["99"] == {"refs": 4, "last_ref": "x"} and stats["1"]["refs"] == 1


# -- verify / gc -------------------------------------------------------------------------------------------


def test_verify(store):
    add(store, "pitfall", "one")
    _rewrite_index(store, lambda e: e.update(last_verified="2020-01-01"))
    before = _tree(store)
    assert memory.verify(store, None, 1, dry_run=True)["dry_run"] is True
    assert _tree(store) == before
    out = memory.verify(store, None, 1)
    assert out == {"id": 1, "last_verified": timefmt.today(), "message": "Entry #1 verified"}
    assert memory.verify_text(out) == f"Entry #1 verified as still valid ({timefmt.today()})\n"
    assert store.memory.index()[0]["last_verified"] == timefmt.today()
    with pytest.raises(NotFoundError) as err:
        memory.verify(store, None, 5)
    assert str(err.value) == "Entry #5 not found"


def test_verify_matches_integer_ids_only(store):
    store.memory.put("index", [{"id": "0"}, {"id": True}, {"summary": "no id"}])
    for entry_id in (0, 1):
        with pytest.raises(NotFoundError):
            memory.verify(store, None, entry_id)


def test_gc_dry_run_and_real(store):
    for text in ("old unreferenced", "old referenced", "new unreferenced", "no created date"):
        add(store, "pitfall", text)
    old = _days_ago(100)
    _rewrite_index(store, lambda e: e.update(created=old) if e["id"] in (1, 2) else None)
    _rewrite_index(store, lambda e: e.pop("created") if e["id"] == 4 else None)
    store.memory.put("stats", {"2": {"refs": 1, "last_ref": "x"}, "99": {"refs": 1, "last_ref": "x"}})
    before = _tree(store)
    dry = memory.gc(store, dry_run=True)
    assert memory.gc_payload(dry) == {
        "count": 1, "dry_run": True, "kept": 3, "stale": [{"id": 1, "summary": "old unreferenced", "type": "pitfall"}]}
    assert memory.gc_text(dry) == ("Dry run: 1 stale entries (0 refs, older than 90 days)\n"
                                   "  #1 [pitfall] old unreferenced\nWould keep: 3 entries\n")
    assert _tree(store) == before
    out = memory.gc(store)
    assert out == {"kept": 3, "removed": 1}
    assert memory.gc_text(out) == "Removed 1 stale entries, kept 3\n"
    assert [e["id"] for e in store.memory.index()] == [2, 3, 4]
    assert not (store.memory.entries_dir / "001-pitfall.md").exists()
    assert set(store.memory.stats()) == {"2", "99"}
    assert memory.gc(store, days=0) == {"kept": 3, "removed": 0}  # created today is never older than today


def test_gc_with_days_beyond_the_calendar(store):
    add(store, "pitfall", "x")
    assert memory.gc(store, days=10**12, dry_run=True)["count"] == 0
    assert memory.gc(store, days=-(10**12), dry_run=True)["count"] == 1


def test_gc_never_deletes_outside_entries(store, tmp_path):
    add(store, "pitfall", "victim")
    outside = tmp_path / "keep.txt"
    outside.write_text("x")
    _rewrite_index(store, lambda e: e.update(created="2000-01-01", file="../../keep.txt"))
    assert memory.gc(store)["removed"] == 1
    assert outside.exists()


def test_corrupt_stats_stop_inject_gc_and_list_and_are_left_alone(store):
    add(store, "pitfall", "x")
    store.memory.stats_path.write_text("garbage")
    before = _tree(store)
    for call in (lambda: memory.inject(store), lambda: memory.gc(store), lambda: memory.list_entries(store)):
        with pytest.raises(CorruptFileError) as err:
            call()
        assert str(store.memory.stats_path) in str(err.value)
    assert _tree(store) == before
