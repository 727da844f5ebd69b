"""Scout cache rules: keys, TTL, JSON results, clear, previews."""

from __future__ import annotations

import os
import time

import pytest

from flowctl_core.errors import CorruptFileError, InvalidInputError
from flowctl_db import FlowStore
from flowctl_service import scout_cache

SHA = "700759c2d2630a69f791ae6fbd6e3bbd6b7eb346"


def age(store: FlowStore, key: str, seconds: float) -> None:
    from flowctl_db.scout_cache import file_name

    path = store.scout_cache.dir / file_name(key)
    when = time.time() - seconds
    os.utime(path, (when, when))


def test_set_get_hit_and_miss(store):
    assert scout_cache.get(store, "repo", SHA) == {"hit": False, "key": f"repo:{SHA}"}
    assert scout_cache.set_(store, None, "repo", SHA, '{"files": 3}') == {"key": f"repo:{SHA}", "ok": True}
    assert (store.scout_cache.dir / f"repo_{SHA}").read_bytes() == b'{"files": 3}'
    hit = scout_cache.get(store, "repo", SHA)
    assert scout_cache.get_payload(hit) == {"hit": True, "key": f"repo:{SHA}", "result": {"files": 3}}
    assert scout_cache.get_text(hit) == 'hit: {"files": 3}\n'
    scout_cache.set_(store, None, "cap/x", "abc:def", "plain text\n")
    got = scout_cache.get(store, "cap/x", "abc:def")
    assert got["result"] == "plain text\n" and scout_cache.get_text(got) == "hit: plain text\n\n"
    assert scout_cache.get_text(scout_cache.get(store, "nope", SHA)) == "miss\n"


def test_keys_never_collide(store):
    scout_cache.set_(store, None, "docs/x", "ab:c\\d", "first")
    assert scout_cache.get(store, "docs_x", "ab_c_d")["hit"] is False
    scout_cache.set_(store, None, "docs_x", "ab_c_d", "second")
    assert scout_cache.get(store, "docs/x", "ab:c\\d")["result"] == "first"
    assert scout_cache.get(store, "docs_x", "ab_c_d")["result"] == "second"


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "[1, NaN]", "[" * 5000, "{\"a\":", ""])
def test_results_that_are_not_strict_json_come_back_as_text(store, text):
    scout_cache.set_(store, None, "t", SHA, text)
    assert scout_cache.get(store, "t", SHA)["result"] == text


def test_ttl(store):
    scout_cache.set_(store, None, "repo", SHA, "x")
    scout_cache.set_(store, None, "repo", "no-git", "y")
    age(store, f"repo:{SHA}", 23 * 3600)
    age(store, "repo:no-git", 2 * 3600)
    assert scout_cache.get(store, "repo", SHA)["hit"] is True
    assert scout_cache.get(store, "repo", "no-git") == {"expired": True, "hit": False, "key": "repo:no-git"}
    assert scout_cache.get(store, "repo", "no-git", ttl_seconds=3 * 3600)["hit"] is True
    age(store, f"repo:{SHA}", 25 * 3600)
    assert scout_cache.get(store, "repo", SHA)["hit"] is False
    for bad in (0, -1, float("nan"), 1e12):
        with pytest.raises(InvalidInputError, match="--ttl"):
            scout_cache.get(store, "repo", SHA, ttl_seconds=bad)


def test_read_result(tmp_path):
    (tmp_path / "f.json").write_bytes(b'{"a": 1}\n')
    assert scout_cache.read_result(f"@{tmp_path / 'f.json'}") == '{"a": 1}\n'
    assert scout_cache.read_result("inline") == "inline"
    with pytest.raises(InvalidInputError) as err:
        scout_cache.read_result("@/nonexistent")
    assert str(err.value) == "Cannot read result file: No such file or directory (os error 2)"
    (tmp_path / "bad").write_bytes(b"\xff")
    with pytest.raises(InvalidInputError, match="Cannot read result file: stream did not contain valid UTF-8"):
        scout_cache.read_result(f"@{tmp_path / 'bad'}")
    with pytest.raises(InvalidInputError, match="larger than"):
        scout_cache.read_result("x" * (1024 * 1024 + 1))


def test_corrupt_entry_is_named(store):
    store.scout_cache.put(f"repo_{SHA}", "ok")
    (store.scout_cache.dir / f"repo_{SHA}").write_bytes(b"\xff")
    with pytest.raises(CorruptFileError, match=f"repo_{SHA}"):
        scout_cache.get(store, "repo", SHA)


def test_clear_and_previews(store, tmp_path):
    assert scout_cache.clear(store) == {"cleared": 0, "ok": True}
    scout_cache.set_(store, None, "a", SHA, "1")
    scout_cache.set_(store, None, "b", SHA, "2")
    preview = scout_cache.set_(store, None, "c", SHA, "3", dry_run=True)
    assert preview["dry_run"] is True and preview["changes"]["mutations"][0]["key"] == f"c_{SHA}"
    assert scout_cache.clear(store, dry_run=True)["changes"]["mutations"] == [
        {"op": "delete", "store": "scout_cache", "key": f"a_{SHA}"},
        {"op": "delete", "store": "scout_cache", "key": f"b_{SHA}"}]
    assert store.scout_cache.names() == [f"a_{SHA}", f"b_{SHA}"]
    assert scout_cache.clear(store) == {"cleared": 2, "ok": True}
    assert store.scout_cache.names() == [] and store.scout_cache.dir.is_dir()
    missing = FlowStore(tmp_path / "nowhere" / ".flow")
    assert scout_cache.clear(missing) == {"cleared": 0, "ok": True}
    assert scout_cache.get(missing, "repo", SHA)["hit"] is False
    assert not (tmp_path / "nowhere").exists()


def test_head_commit(tmp_path):
    assert scout_cache.head_commit(tmp_path) == "no-git"
