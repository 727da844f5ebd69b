"""`flowctl memory …` end to end: JSON (full and compact), plain text, files on disk, errors, --dry-run."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

FULL = {"FLOWCTL_COMPACT": "0"}
OAUTH = "Always verify the OAuth state param in the auth callback; a missing CSRF check broke login"
GLOBAL = "Avoid global state in tests. Use fixtures with pytest\nsecond line"


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def memory_dir(flowctl):
    return flowctl.flow / "memory"


def index_lines(flowctl) -> list[dict]:
    return [json.loads(line) for line in (memory_dir(flowctl) / "index.jsonl").read_text().splitlines()]


def files(flowctl) -> dict[str, bytes]:
    root = flowctl.flow.resolve()
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
            and p.name != ".lock"}


@pytest.fixture
def mem(initialized_flowctl):
    """An initialised repo with the two spec examples stored."""
    initialized_flowctl.ok("memory", "init")
    initialized_flowctl.ok("memory", "add", "pitfall", OAUTH, "--module", "auth", "--severity", "high",
                           "--tags", "login")
    initialized_flowctl.ok("memory", "add", "pitfall", GLOBAL, "--module", "auth", "--severity", "high",
                           "--problem-type", "test_failure", "--tags", "Flaky, ci,,  Py ")
    return initialized_flowctl


def test_init_json_plain_and_files(initialized_flowctl):
    path = str(initialized_flowctl.cwd / ".flow" / "memory")
    assert initialized_flowctl.ok("memory", "init", "--json", env=FULL) == {
        "created": ["index.jsonl", "stats.json"], "message": "Memory v2 initialized", "migrated": 0, "path": path,
        "success": True}
    assert (memory_dir(initialized_flowctl) / "index.jsonl").read_bytes() == b""
    assert (memory_dir(initialized_flowctl) / "stats.json").read_bytes() == b"{}"
    assert (memory_dir(initialized_flowctl) / "entries").is_dir()
    assert initialized_flowctl.ok("memory", "init", "--json") == {"created": [], "migrated": 0, "path": path}
    assert initialized_flowctl.ok("memory", "init") == f"Memory v2 initialized at {path}\n"


def test_add_json_files_and_plain(initialized_flowctl):
    f = initialized_flowctl
    out = f.ok("memory", "add", "pitfall", OAUTH, "--module", "auth", "--severity", "high", "--tags", "login",
               "--json", env=FULL)
    assert out == {"file": "001-pitfall.md", "id": 1, "module": "auth", "severity": "high", "success": True,
                   "tags": ["auth", "csrf", "oauth", "login"], "track": "bug", "type": "pitfall"}
    assert (memory_dir(f) / "entries" / "001-pitfall.md").read_bytes() == OAUTH.encode()
    assert index_lines(f) == [{"created": today(), "file": "001-pitfall.md", "hash": "dd38051ce384", "id": 1,
                               "last_verified": today(), "module": "auth", "severity": "high", "summary": OAUTH,
                               "tags": ["auth", "csrf", "oauth", "login"], "track": "bug", "type": "pitfall"}]
    text = f.ok("memory", "add", "conventions", "Use the api client wrapper for github calls\nsecond line here",
                "--problem-type", "best_practice")
    assert text == ("Added convention #2: Use the api client wrapper for github calls\n  Tags: api, github\n"
                    "  Track: knowledge\n  Problem type: best_practice\n")
    assert f.ok("memory", "add", "decision", "x" * 130) == f"Added decision #3: {'x' * 120}\n  Track: knowledge\n"


def test_add_accepts_the_type_as_a_flag(initialized_flowctl):
    f = initialized_flowctl
    out = f.ok("memory", "add", "--type", "Pitfalls", "Hooks call it this way", "--json")
    assert out["type"] == "pitfall" and out["id"] == 1
    assert f.ok("memory", "add", "Hooks too", "--type", "decision", "--json")["type"] == "decision"
    assert "Give the type once" in f.fail("memory", "add", "--type", "pitfall", "pitfall", "x", code=2).err
    assert "Missing argument" in f.fail("memory", "add", "pitfall", code=2).err
    f.fail("memory", "add", code=2)
    assert f.fail("memory", "add", "--type", "bogus", "x").error == (
        "Invalid type 'bogus'. Use: pitfall, convention, or decision")


def test_add_duplicate(mem):
    before = files(mem)
    assert mem.ok("memory", "add", "decision", f"  {OAUTH}  ", "--json", env=FULL) == {
        "duplicate": True, "id": 1, "message": "Duplicate entry, skipped", "success": True}
    assert mem.ok("memory", "add", "pitfall", OAUTH, "--json") == {"duplicate": True, "id": 1}
    assert mem.ok("memory", "add", "pitfall", OAUTH) == "Duplicate of entry #1, skipped\n"
    assert files(mem) == before


@pytest.mark.parametrize("args, message", [
    (["bogus", "x"], "Invalid type 'bogus'. Use: pitfall, convention, or decision"),
    (["pitfall", "x", "--severity", "High"], "Invalid severity 'High'. Use: critical, high, medium, or low"),
    (["pitfall", "x", "--problem-type", "oops"], "Invalid problem-type 'oops'. Use one of: build_error, "
     "test_failure, runtime_error, performance_issue, database_issue, security_issue, logic_error, best_practice, "
     "documentation_gap, workflow_issue, developer_experience, convention, decision"),
    (["pitfall", "   "], "Content cannot be empty"),
])
def test_add_errors_use_the_core_envelope(initialized_flowctl, args, message):
    for extra in ([], ["--json"]):
        run = initialized_flowctl.fail("memory", "add", *args, *extra)
        assert run.out == "" and run.error == message


def test_missing_flow(flowctl):
    assert flowctl.fail("memory", "list", "--json").error == ".flow/ does not exist. Run 'flowctl init' first."
    assert flowctl.fail("memory", "init").error == ".flow/ does not exist. Run 'flowctl init' first."
    assert not flowctl.flow.exists()


def test_disabled_memory(initialized_flowctl):
    initialized_flowctl.ok("config", "set", "memory.enabled", "false")
    for args in (["init"], ["add", "pitfall", "x"], ["read"], ["list"], ["search", "x"], ["inject"],
                 ["verify", "1"], ["gc"]):
        run = initialized_flowctl.fail("memory", *args)
        assert run.error == "Memory not enabled. Run: flowctl config set memory.enabled true"
    assert not memory_dir(initialized_flowctl).joinpath("index.jsonl").exists()


def test_read(mem):
    data = mem.ok("memory", "read", "--type", "pitfall", "--json", env=FULL)
    assert data["success"] is True and data["count"] == 2
    assert data["entries"][1] == {"content": GLOBAL, "created": today(), "id": 2,
                                  "summary": "Avoid global state in tests. Use fixtures with pytest",
                                  "tags": ["flaky", "ci", "py"], "type": "pitfall"}
    assert mem.ok("memory", "read", "--type", "pitfall") == (
        f"--- #1 [pitfall] {today()} ---\n{OAUTH}\n  Tags: auth, csrf, oauth, login\n\n"
        f"--- #2 [pitfall] {today()} ---\n{GLOBAL}\n  Tags: flaky, ci, py\n\nTotal: 2 entries\n")
    assert mem.ok("memory", "read", "--type", "decision") == "No memory entries of type 'decision'\n"
    assert mem.ok("memory", "read", "--type", "decision", "--json") == {"count": 0, "entries": []}
    assert mem.fail("memory", "read", "--type", "bogus").error == (
        "Invalid type 'bogus'. Use: pitfall, convention, or decision")


def test_list_json_plain_compact_and_filters(mem):
    mem.ok("memory", "add", "convention", "Use conventional commits for every change")
    stats = memory_dir(mem) / "stats.json"
    stats.write_text('{"1": {"last_ref": "2026-01-01T00:00:00Z", "refs": 3}, "99": {"refs": 4}}')
    data = mem.ok("memory", "list", "--type", "pitfall", "--json")
    assert data["counts"] == {"pitfall": 2} and data["total"] == 2 and data["total_refs"] == 7
    assert data["index"][0] == {"created": today(), "id": 1, "last_verified": today(), "module": "auth", "refs": 3,
                                "severity": "high", "stale": False, "summary": OAUTH,
                                "tags": ["auth", "csrf", "oauth", "login"], "track": "bug", "type": "pitfall"}
    assert mem.ok("memory", "list", "--module", "nope", "--json") == {
        "counts": {}, "index": [], "total": 0, "total_refs": 7}
    assert mem.ok("memory", "list", "--track", "knowledge", "--json")["total"] == 1
    assert mem.ok("memory", "list", "--type", "bogus", "--json")["total"] == 3
    assert mem.tty("memory", "list") == (
        "Memory: 3 entries, 7 total references\n\n"
        f"  #  1 [pitfall   ] refs= 3  {OAUTH[:70]}\n"
        "  #  2 [pitfall   ] refs= 0  Avoid global state in tests. Use fixtures with pytest\n"
        "  #  3 [convention] refs= 0  Use conventional commits for every change\n\n"
        "  convention: 1\n  pitfall: 2\n  Total: 3\n")
    assert mem.ok("memory", "list") == ("1 r3 Always verify the OAuth state param in the...\n"
                                        "2 r0 Avoid global state in tests. Use fixtures ...\n"
                                        "3 r0 Use conventional commits for every change\n")


def test_list_empty_prints_nothing_when_piped(initialized_flowctl):
    assert initialized_flowctl.ok("memory", "list") == ""
    assert initialized_flowctl.tty("memory", "list") == "Memory: 0 entries, 0 total references\n\n\n  Total: 0\n"


def test_search(mem):
    data = mem.ok("memory", "search", "SECOND LINE", "--json", env=FULL)
    assert data == {"count": 1, "matches": [{
        "content": GLOBAL, "id": 2, "module": "auth", "problem_type": "test_failure", "severity": "high",
        "summary": "Avoid global state in tests. Use fixtures with pytest", "tags": ["flaky", "ci", "py"],
        "track": "bug", "type": "pitfall"}], "pattern": "SECOND LINE", "success": True}
    assert mem.ok("memory", "search", "second line") == (
        f"--- #2 [pitfall] module=auth severity=high track=bug ---\n{GLOBAL}\n\nFound 1 matches for 'second line'\n")
    assert mem.ok("memory", "search", "zzz") == "No matches for 'zzz'\n"
    assert mem.ok("memory", "search", "zzz", "--json") == {"count": 0, "matches": [], "pattern": "zzz"}
    assert mem.ok("memory", "search", "^csrf$", "--json")["count"] == 1  # a tag
    assert mem.ok("memory", "search", ".", "--severity", "low", "--json")["count"] == 0


@pytest.mark.parametrize("pattern", ["(", "[z-a]", "a{3,1}", "(?P<1>x)", "+"])
def test_search_invalid_regex_is_a_clear_error(mem, pattern):
    run = mem.fail("memory", "search", pattern, "--json")
    assert run.out == "" and run.error.startswith("Invalid regex pattern: ") and "Traceback" not in run.err


def test_a_backtracking_search_gives_up_with_a_clear_error(mem):
    """`(a+)+$` on 40 a's would backtrack for hours in Python's re; the search stops after SEARCH_SECONDS."""
    mem.ok("memory", "add", "pitfall", "a" * 40 + "!")
    started = time.monotonic()
    run = mem.fail("memory", "search", "(a+)+$", "--json")
    assert time.monotonic() - started < 20
    assert run.out == "" and "Traceback" not in run.err
    assert run.error.startswith("Invalid regex pattern: the search gave up after 3 s; the pattern backtracks")


def test_inject_levels_refs_and_plain(mem):
    data = mem.ok("memory", "inject", "--json", env=FULL)
    assert data["level"] == "L1" and data["count"] == 2 and data["success"] is True
    assert data["entries"][0] == {"id": 1, "summary": OAUTH, "tags": ["auth", "csrf", "oauth", "login"],
                                  "type": "pitfall"}
    stats = json.loads((memory_dir(mem) / "stats.json").read_text())
    assert {k: v["refs"] for k, v in stats.items()} == {"1": 1, "2": 1}
    assert mem.ok("memory", "inject") == (
        "Memory index (2 entries):\n"
        f"  #1 [pitfall] [auth,csrf,oauth] {OAUTH}\n"
        "  #2 [pitfall] [flaky,ci,py] Avoid global state in tests. Use fixtures with pytest\n\n"
        "Use `memory search <pattern>` for full content of specific entries.\n")
    l2 = mem.ok("memory", "inject", "--tags", "FLAKY", "--full", "--json")
    assert l2["level"] == "L2" and [e["id"] for e in l2["entries"]] == [2] and l2["entries"][0]["content"] == GLOBAL
    assert mem.ok("memory", "inject", "--type", "decisions") == ""
    assert mem.ok("memory", "inject", "--type", "decisions", "--json") == {"count": 0, "entries": [], "level": "L2"}
    l3 = mem.ok("memory", "inject", "--full")
    assert l3.startswith(f"--- #1 [pitfall] ---\n{OAUTH}\n\n--- #2 [pitfall] ---\n")
    stats = json.loads((memory_dir(mem) / "stats.json").read_text())
    assert {k: v["refs"] for k, v in stats.items()} == {"1": 3, "2": 4}


def test_verify(mem):
    assert mem.ok("memory", "verify", "2", "--json", env=FULL) == {
        "id": 2, "last_verified": today(), "message": "Entry #2 verified", "success": True}
    assert mem.ok("memory", "verify", "2") == f"Entry #2 verified as still valid ({today()})\n"
    assert mem.fail("memory", "verify", "77", "--json").error == "Entry #77 not found"
    mem.fail("memory", "verify", "two", code=2)


def test_gc(mem):
    old = (datetime.now(UTC) - timedelta(days=100)).strftime("%Y-%m-%d")
    lines = index_lines(mem)
    lines[0]["created"] = old
    (memory_dir(mem) / "index.jsonl").write_text("".join(json.dumps(e, sort_keys=True, separators=(",", ":")) + "\n"
                                                         for e in lines))
    before = files(mem)
    assert mem.ok("memory", "gc", "--dry-run", "--json") == {
        "count": 1, "dry_run": True, "kept": 1, "stale": [{"id": 1, "summary": OAUTH, "type": "pitfall"}]}
    assert mem.ok("--dry-run", "memory", "gc") == (
        f"Dry run: 1 stale entries (0 refs, older than 90 days)\n  #1 [pitfall] {OAUTH[:80]}\nWould keep: 1 entries\n")
    assert mem.ok("memory", "gc", "--days", "0", "--dry-run", "--json")["count"] == 1
    assert files(mem) == before
    assert mem.ok("memory", "gc", "--json", env=FULL) == {"kept": 1, "removed": 1, "success": True}
    assert [e["id"] for e in index_lines(mem)] == [2]
    assert not (memory_dir(mem) / "entries" / "001-pitfall.md").exists()
    assert mem.ok("memory", "gc") == "Removed 0 stale entries, kept 1\n"


def test_dry_run_previews_every_writing_subcommand(initialized_flowctl):
    f = initialized_flowctl
    before = files(f)
    for args in (["memory", "init"], ["memory", "add", "pitfall", "x"], ["memory", "add", "--type", "decision", "y"]):
        preview = f.ok(*args, "--dry-run")
        assert preview["dry_run"] is True and preview["changes"]["mutations"]
    assert files(f) == before
    f.ok("memory", "add", "pitfall", "x")
    before = files(f)
    for args in (["memory", "inject"], ["memory", "verify", "1"]):
        preview = f.ok(*args, "--dry-run")
        assert preview["dry_run"] is True and preview["changes"]["mutations"][0]["store"] == "memory"
    assert f.ok("memory", "gc", "--days", "-1", "--dry-run", "--json")["count"] == 1
    assert files(f) == before


def test_corrupt_index_and_stats_are_named_and_untouched(mem):
    index = memory_dir(mem) / "index.jsonl"
    stats = memory_dir(mem) / "stats.json"
    good = index.read_bytes()
    index.write_bytes(good + b"garbage line\n")
    for args in (["add", "pitfall", "new"], ["read"], ["list"], ["search", "x"], ["inject"], ["verify", "1"],
                 ["gc"]):
        run = mem.fail("memory", *args, "--json")
        assert run.error == f"Corrupt file {index}: line 3 is not a JSON object"
    assert index.read_bytes() == good + b"garbage line\n"
    index.write_bytes(good)
    stats.write_bytes(b"{oops")
    for args in (["list"], ["inject"], ["gc"]):
        assert mem.fail("memory", *args).error.startswith(f"Corrupt file {stats}: ")
    assert stats.read_bytes() == b"{oops"
