"""`flowctl scout-cache …` end to end: get/set/clear, collision-free keys (D8), TTL, the commit from git."""

from __future__ import annotations

import os
import subprocess
import time

FULL = {"FLOWCTL_COMPACT": "0"}
SHA = "700759c2d2630a69f791ae6fbd6e3bbd6b7eb346"


def cache_dir(flowctl):
    return flowctl.flow / ".state" / "scout-cache"


def test_set_get_json_plain_and_file(initialized_flowctl):
    f = initialized_flowctl
    assert f.ok("scout-cache", "set", "--scout-type", "repo", "--commit", SHA, "--result", '{"files": ["a"]}',
                "--json", env=FULL) == {"key": f"repo:{SHA}", "ok": True, "success": True}
    assert (cache_dir(f) / f"repo_{SHA}").read_bytes() == b'{"files": ["a"]}'
    assert f.ok("scout-cache", "get", "--scout-type", "repo", "--commit", SHA, "--json", env=FULL) == {
        "hit": True, "key": f"repo:{SHA}", "result": {"files": ["a"]}, "success": True}
    assert f.ok("scout-cache", "get", "--type", "repo", "--commit", SHA) == 'hit: {"files": ["a"]}\n'
    assert f.ok("scout-cache", "set", "--type", "repo2", "--commit", SHA, "--result", "x") == f"cached: repo2:{SHA}\n"
    assert f.ok("scout-cache", "get", "--type", "nope", "--commit", SHA) == "miss\n"
    assert f.ok("scout-cache", "get", "--type", "nope", "--commit", SHA, "--json") == {
        "hit": False, "key": f"nope:{SHA}"}
    (f.cwd / "r.json").write_bytes(b'{"a": 1}\n')
    f.ok("scout-cache", "set", "--type", "file", "--commit", "c", "--result", "@r.json")
    assert (cache_dir(f) / "file_c").read_bytes() == b'{"a": 1}\n'
    assert f.ok("scout-cache", "get", "--type", "file", "--commit", "c") == 'hit: {"a": 1}\n\n'
    assert f.fail("scout-cache", "set", "--type", "x", "--result", "@/nonexist").error == (
        "Cannot read result file: No such file or directory (os error 2)")
    f.fail("scout-cache", "get", code=2)
    f.fail("scout-cache", "set", "--type", "x", code=2)


def test_commit_defaults_to_head_or_no_git(initialized_flowctl, tmp_path):
    f = initialized_flowctl
    assert f.ok("scout-cache", "get", "--type", "repo", "--json")["key"] == "repo:no-git"  # no commit yet
    (f.cwd / "a.txt").write_text("a")
    subprocess.run(["git", "add", "a.txt"], cwd=f.cwd, check=True)
    subprocess.run(["git", "commit", "-qm", "a"], cwd=f.cwd, check=True, env={**f.env, "GIT_AUTHOR_NAME": "D",
                   "GIT_COMMITTER_NAME": "D", "GIT_AUTHOR_EMAIL": "d@x", "GIT_COMMITTER_EMAIL": "d@x"})
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=f.cwd, capture_output=True, text=True).stdout.strip()
    f.ok("scout-cache", "set", "--type", "repo", "--result", "r")
    assert f.ok("scout-cache", "get", "--type", "repo", "--commit", head, "--json")["hit"] is True


def test_keys_never_collide(initialized_flowctl):
    f = initialized_flowctl
    f.ok("scout-cache", "set", "--type", "docs/x", "--commit", "ab:c\\d", "--result", "first")
    assert f.ok("scout-cache", "get", "--type", "docs_x", "--commit", "ab_c_d", "--json")["hit"] is False
    f.ok("scout-cache", "set", "--type", "docs_x", "--commit", "ab_c_d", "--result", "second")
    assert f.ok("scout-cache", "get", "--type", "docs/x", "--commit", "ab:c\\d", "--json")["result"] == "first"
    assert len(os.listdir(cache_dir(f))) == 2


def test_ttl(initialized_flowctl):
    f = initialized_flowctl
    f.ok("scout-cache", "set", "--type", "repo", "--commit", SHA, "--result", "old")
    f.ok("scout-cache", "set", "--type", "repo", "--commit", "no-git", "--result", "old")
    two_hours_ago = time.time() - 7200
    for name in (f"repo_{SHA}", "repo_no-git"):
        os.utime(cache_dir(f) / name, (two_hours_ago, two_hours_ago))
    assert f.ok("scout-cache", "get", "--type", "repo", "--commit", SHA, "--json")["hit"] is True
    assert f.ok("scout-cache", "get", "--type", "repo", "--commit", "no-git", "--json") == {
        "expired": True, "hit": False, "key": "repo:no-git"}
    assert f.ok("scout-cache", "get", "--type", "repo", "--commit", SHA, "--ttl", "3600") == "miss\n"
    assert f.fail("scout-cache", "get", "--type", "repo", "--ttl", "0").error.startswith("--ttl must be")


def test_clear(initialized_flowctl):
    f = initialized_flowctl
    assert f.ok("scout-cache", "clear") == "cleared 0 cached entries\n"
    f.ok("scout-cache", "set", "--type", "a", "--commit", SHA, "--result", "1")
    f.ok("scout-cache", "set", "--type", "b", "--commit", SHA, "--result", "2")
    assert f.ok("scout-cache", "clear", "--json", env=FULL) == {"cleared": 2, "ok": True, "success": True}
    assert os.listdir(cache_dir(f)) == []


def test_dry_run_previews_and_writes_nothing(initialized_flowctl):
    f = initialized_flowctl
    preview = f.ok("scout-cache", "set", "--type", "repo", "--commit", SHA, "--result", "x", "--dry-run")
    assert preview == {"changes": {"mutations": [{"key": f"repo_{SHA}", "op": "put", "store": "scout_cache",
                                                  "value": "x"}]}, "dry_run": True}
    assert not cache_dir(f).exists()
    f.ok("scout-cache", "set", "--type", "repo", "--commit", SHA, "--result", "x")
    preview = f.ok("scout-cache", "clear", "--dry-run")
    assert preview["changes"]["mutations"] == [{"key": f"repo_{SHA}", "op": "delete", "store": "scout_cache"}]
    assert os.listdir(cache_dir(f)) == [f"repo_{SHA}"]


def test_without_flow_reads_create_nothing_and_set_links_it(flowctl):
    assert flowctl.ok("scout-cache", "get", "--type", "repo", "--json") == {"hit": False, "key": "repo:no-git"}
    assert flowctl.ok("scout-cache", "clear", "--json") == {"cleared": 0, "ok": True}
    assert flowctl.ok("scout-cache", "set", "--type", "repo", "--result", "x", "--dry-run")["dry_run"] is True
    assert not flowctl.flow.exists() and not flowctl.flow.is_symlink()
    flowctl.ok("scout-cache", "set", "--type", "repo", "--result", "x")
    assert flowctl.flow.is_symlink()  # linked into the git directory as init would, not a plain local dir
    assert flowctl.ok("scout-cache", "get", "--type", "repo", "--json")["result"] == "x"
