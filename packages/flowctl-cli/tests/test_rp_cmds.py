"""`flowctl rp` against a fake `rp-cli` on PATH: the exact argv flowctl sends and how it reads replies (§14)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from fake_programs import FakeProgram, alive, path_with, path_without
from flowctl_runner import Flowctl

LIST = ["--raw-json", "-e", "windows"]
REVIEW_REPLY = json.dumps({"tab_id": "T-abc", "file_count": 3, "total_tokens": 1234,
                           "review": {"chat_id": "c-1", "response": "Looks fine <verdict>SHIP</verdict>"}})


@pytest.fixture
def rp(tmp_path: Path) -> FakeProgram:
    return FakeProgram(tmp_path / "bin", tmp_path / "fakes", "rp-cli")


@pytest.fixture
def fr(repo: Path, tmp_path: Path, rp: FakeProgram) -> Flowctl:
    return Flowctl(repo, env={"PATH": path_with(tmp_path / "bin")})


def out(flowctl: Flowctl, *args: str, **kw: object) -> str:
    run = flowctl(*args, **kw)
    assert run.code == 0, run.err
    return run.out


def windows_reply(*windows: dict) -> str:
    return json.dumps(list(windows))


# ── windows / pick-window ────────────────────────────────────────────────────────────────────────────────────


def test_windows(fr: Flowctl, rp: FakeProgram, repo: Path) -> None:
    reply = '[{"windowID":1,"rootFolderPaths":["/nowhere"]},{"windowId":"2","rootFolders":["/r"]}]'
    rp.reply(out=reply)
    assert out(fr, "rp", "windows") == reply  # verbatim, no newline added
    assert out(fr, "rp", "windows", "--json") == (
        '[{"rootFolderPaths":["/nowhere"],"windowID":1},{"rootFolders":["/r"],"windowId":"2"}]\n')
    assert fr.tty("rp", "windows", "--json").startswith("[{")  # no envelope on a terminal either
    assert rp.argvs == [LIST] * 3
    assert rp.calls[0]["cwd"] == str(repo) and rp.calls[0]["stdin"] == ""


@pytest.mark.parametrize(("reply", "expected"), [
    ('{"windows": [{"id": 5, "rootFolderPath": "/x"}]}', '[{"id":5,"rootFolderPath":"/x"}]\n'),
    ("RepoPrompt is in single-window mode", '[{"rootFolderPaths":[],"windowID":1}]\n'),
])
def test_window_list_shapes(fr: Flowctl, rp: FakeProgram, reply: str, expected: str) -> None:
    rp.reply(out=reply)
    assert out(fr, "rp", "windows", "--json") == expected


def test_unparseable_window_list(fr: Flowctl, rp: FakeProgram) -> None:
    rp.reply(out="garbage")
    assert out(fr, "rp", "windows") == "garbage"
    assert fr.fail("rp", "windows", "--json").error == "windows JSON parse failed"


def test_pick_window_matches_the_repo_root(fr: Flowctl, rp: FakeProgram, repo: Path) -> None:
    rp.reply(out=windows_reply({"windowID": 1, "rootFolderPaths": ["/nowhere"]},
                               {"windowId": "2", "rootFolders": [str(repo.resolve())]}))
    assert out(fr, "rp", "pick-window", "--repo-root", ".") == "2\n"
    assert out(fr, "rp", "pick-window", "--repo-root", str(repo), "--json") == '{"window":2}\n'


def test_pick_window_from_a_worktree_matches_the_main_checkout(fr: Flowctl, rp: FakeProgram, repo: Path,
                                                               tmp_path: Path) -> None:
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "init"], cwd=repo, check=True)
    worktree = tmp_path / "wt"
    subprocess.run(["git", "worktree", "add", "-q", str(worktree)], cwd=repo, check=True)
    rp.reply(out=windows_reply({"windowID": 9, "rootFolderPaths": [str(repo.resolve())]}))
    assert out(fr, "rp", "pick-window", "--repo-root", str(worktree)) == "9\n"


def test_pick_window_single_rootless_window_and_no_match(fr: Flowctl, rp: FakeProgram) -> None:
    rp.reply(out=windows_reply({"windowID": 4}), times=1)
    assert out(fr, "rp", "pick-window", "--repo-root", "/anything") == "4\n"
    rp.reply(out=windows_reply({"windowID": 4}, {"windowID": 5}))
    assert fr.fail("rp", "pick-window", "--repo-root", "/anything").error == "No window matches repo root"


def test_tmp_twin_matches(fr: Flowctl, rp: FakeProgram) -> None:
    rp.reply(out=windows_reply({"windowID": 3, "rootFolderPaths": ["/private/tmp/some-repo"]}))
    assert out(fr, "rp", "pick-window", "--repo-root", "/tmp/some-repo") == "3\n"


# ── ensure-workspace / builder ───────────────────────────────────────────────────────────────────────────────


def test_ensure_workspace_creates_then_switches(fr: Flowctl, rp: FakeProgram, repo: Path) -> None:
    rp.reply(out='{"workspaces":[{"name":"other"}]}', match='"list"')
    assert out(fr, "rp", "ensure-workspace", "--window", "2", "--repo-root", ".", "--json") == ""
    root = str(repo.resolve())
    assert rp.argvs == [
        ["--raw-json", "-w", "2", "-e", 'call manage_workspaces {"action":"list"}'],
        ["-w", "2", "-e", f'call manage_workspaces {{"action":"create","folder_path":"{root}","name":"repo"}}'],
        ["-w", "2", "-e", 'call manage_workspaces {"action":"switch","window_id":2,"workspace":"repo"}']]


def test_ensure_workspace_existing_and_dry_run(fr: Flowctl, rp: FakeProgram) -> None:
    rp.reply(out='{"result":["repo"]}', match='"list"')
    fr.ok("rp", "ensure-workspace", "--window", "2", "--repo-root", ".")
    assert [a[-1] for a in rp.argvs][1] == 'call manage_workspaces {"action":"switch","window_id":2,"workspace":"repo"}'
    assert len(rp.argvs) == 2
    preview = fr.ok("rp", "ensure-workspace", "--window", "2", "--repo-root", ".", "--dry-run")
    assert preview == {"calls": [["rp-cli", "-w", "2", "-e",
                                  'call manage_workspaces {"action":"switch","window_id":2,"workspace":"repo"}']],
                       "dry_run": True}
    assert len(rp.argvs) == 3  # only the listing ran


def test_builder_tab(fr: Flowctl, rp: FakeProgram) -> None:
    rp.reply(out="Building…\n", err="Tab: 4F2A-99\n")
    assert out(fr, "rp", "builder", "--window", "2", "--summary", 'Review "auth" changes') == "4F2A-99\n"
    assert rp.argvs == [["-w", "2", "-e", 'builder "Review \\"auth\\" changes"']]
    assert fr.ok("rp", "builder", "--window", "2", "--summary", "x", "--response-type", "plan", "--json") == {
        "tab": "4F2A-99", "window": 2}
    assert rp.argvs[1] == ["--raw-json", "-w", "2", "-e", 'builder "x" --type plan']
    rp.reset()
    rp.reply(out="nothing useful")
    assert fr.fail("rp", "builder", "--window", "2", "--summary", "x").error == "builder output missing Tab id"


def test_builder_review(fr: Flowctl, rp: FakeProgram) -> None:
    rp.reply(out=REVIEW_REPLY, times=2).reply(out='{"nothing":1}')
    assert out(fr, "rp", "builder", "--window", "2", "--summary", "x", "--response-type", "review") == (
        "T=T-abc CHAT_ID=c-1\nLooks fine <verdict>SHIP</verdict>\n")
    assert fr.ok("rp", "builder", "--window", "2", "--summary", "x", "--response-type", "review", "--json") == {
        "chat_id": "c-1", "file_count": 3, "review": "Looks fine <verdict>SHIP</verdict>", "tab": "T-abc",
        "total_tokens": 1234, "window": 2}
    assert out(fr, "rp", "builder", "--window", "2", "--summary", "x", "--response-type", "review") == (
        "T= CHAT_ID=\n")


# ── pass-through commands ────────────────────────────────────────────────────────────────────────────────────


def test_pass_through(fr: Flowctl, rp: FakeProgram, repo: Path) -> None:
    rp.reply(out="reply text")
    (repo / "msg.txt").write_text('Line1\nIt\'s "quoted"\n')
    for args in (["prompt-get"], ["select-get"], ["prompt-set", "--message-file", "msg.txt"],
                 ["select-add", "src/a b.rs", "it's.rs", ""], ["prompt-export", "--out", "/tmp/o'x"]):
        assert out(fr, "rp", *args, "--window", "2", "--tab", "T", "--json") == "reply text"
    assert [a[-1] for a in rp.argvs] == [
        "prompt get", "select get", 'call prompt {"op":"set","text":"Line1\\nIt\'s \\"quoted\\"\\n"}',
        "select add 'src/a b.rs' 'it'\\''s.rs' ''", "prompt export '/tmp/o'\\''x'"]
    assert all(a[:4] == ["-w", "2", "-t", "T"] for a in rp.argvs)


def test_pass_through_errors(fr: Flowctl, rp: FakeProgram) -> None:
    assert fr.fail("rp", "select-add", "--window", "2", "--tab", "T").error == "select-add requires at least one path"
    run = fr.fail("rp", "prompt-set", "--window", "2", "--tab", "T", "--message-file", "missing.txt")
    assert run.error == "Failed to read message file: No such file or directory (os error 2)"
    assert rp.calls == []
    rp.reply(err="  boom from rp\n", out="out-msg", code=3, times=1).reply(out="out-msg", code=1, times=1).reply(code=1)
    for message in ("boom from rp", "out-msg", "unknown error"):
        assert fr.fail("rp", "prompt-get", "--window", "2", "--tab", "T").error == f"rp-cli failed: {message}"


def test_dry_run_previews_changes_but_runs_reads(fr: Flowctl, rp: FakeProgram) -> None:
    rp.reply(out="x")
    preview = fr.ok("rp", "select-add", "--window", "2", "--tab", "T", "a.rs", "--dry-run")
    assert preview == {"calls": [["rp-cli", "-w", "2", "-t", "T", "-e", "select add 'a.rs'"]], "dry_run": True}
    assert rp.calls == []
    assert out(fr, "--dry-run", "rp", "select-get", "--window", "2", "--tab", "T") == "x"
    assert len(rp.calls) == 1


# ── chat-send / prep-chat ────────────────────────────────────────────────────────────────────────────────────


def test_chat_send(fr: Flowctl, rp: FakeProgram, repo: Path) -> None:
    (repo / "msg.txt").write_text('Line1\nIt\'s "quoted"\n')
    reply = "Chat Send ok\nChat: `chat-42`\n<verdict>NEEDS_WORK</verdict>\n"
    rp.reply(out=reply, times=2).reply(out='{"chat_id": "cid-7"}', times=1).reply(out="neither")
    common = ["rp", "chat-send", "--window", "2", "--tab", "T", "--message-file", "msg.txt"]
    assert out(fr, *common, "--new-chat", "--chat-name", "Review 1", "--mode", "review",
               "--selected-paths", "a.rs", "--selected-paths", "b c.rs") == reply
    assert rp.argvs[0] == ["-w", "2", "-t", "T", "-e", 'call chat_send {"chat_name":"Review 1","message":"Line1\\nIt\'s '
                           '\\"quoted\\"\\n","mode":"review","new_chat":true,"selected_paths":["a.rs","b c.rs"]}']
    assert out(fr, *common, "--json") == '{"chat":"chat-42"}\n'
    assert out(fr, *common, "--json", "--chat-id", "c9") == '{"chat":"cid-7"}\n'
    assert '"chat_id":"c9"' in rp.argvs[2][-1]
    assert fr.tty(*common, "--json") == '{"chat":null}\n'
    fr.fail(*common, "--mode", "ask", code=2)


def test_prep_chat_needs_no_rp_cli(repo: Path, tmp_path: Path) -> None:
    flowctl = Flowctl(repo, env={"PATH": path_without(("rp-cli",))})
    (repo / "msg.txt").write_text('Line1\nIt\'s "quoted"\n')
    payload = '{"chat_name":"N","message":"Line1\\nIt\'s \\"quoted\\"\\n","mode":"ask","new_chat":true,' \
              '"selected_paths":["a","b"]}'
    args = ["rp", "prep-chat", "fn-1", "--message-file", "msg.txt", "--mode", "ask", "--new-chat", "--chat-name", "N",
            "--selected-paths", "a", "--selected-paths", "b"]
    assert out(flowctl, *args) == payload + "\n"
    run = flowctl(*args, "-o", "out/payload.json")
    assert run.code == 0 and run.out == "" and run.err == "Wrote out/payload.json\n"
    assert (repo / "out" / "payload.json").read_text() == payload  # no final newline
    preview = flowctl.ok(*args, "--output", "p2.json", "--dry-run")
    assert preview["dry_run"] is True and not (repo / "p2.json").exists()
    flowctl.fail("rp", "prep-chat", "--message-file", "msg.txt", "--mode", "review", code=2)
    assert flowctl.fail("rp", "windows").error == "rp-cli not found in PATH"


# ── setup-review ─────────────────────────────────────────────────────────────────────────────────────────────


def marker(root: Path) -> Path:
    return Path("/tmp") / f".ralph-pick-window-{hashlib.sha256(str(root).encode()).hexdigest()[:16]}"


def test_setup_review(fr: Flowctl, rp: FakeProgram, repo: Path) -> None:
    root = repo.resolve()
    rp.reply(out=windows_reply({"windowID": 2, "rootFolderPaths": [str(root)]}), match="windows")
    rp.reply(out="Tab: 4F2A-99", match="builder")
    try:
        assert out(fr, "rp", "setup-review", "--repo-root", ".", "--summary", "Review it") == "W=2 T=4F2A-99\n"
        assert marker(root).read_text() == f"2\n{root}\n"
        assert rp.argvs == [LIST, ["-w", "2", "-e", 'builder "Review it"']]
        assert fr.ok("rp", "setup-review", "--repo-root", ".", "--summary", "s", "--json") == {
            "repo_root": str(root), "tab": "4F2A-99", "window": 2}
    finally:
        marker(root).unlink(missing_ok=True)


def test_setup_review_is_evaluable_by_sh(fr: Flowctl, rp: FakeProgram, repo: Path, tmp_path: Path) -> None:
    rp.reply(out=windows_reply({"windowID": 2, "rootFolderPaths": [str(repo.resolve())]}), match="windows")
    rp.reply(out="Tab: 4F2A-99", match="builder")
    script = f'eval "$("{fr.exe}" rp setup-review --repo-root . --summary x)"; echo "$W/$T"'
    proc = subprocess.run(["sh", "-c", script], cwd=repo, capture_output=True, text=True,
                          env={**fr.env, "PATH": path_with(tmp_path / "bin")})
    marker(repo.resolve()).unlink(missing_ok=True)
    assert proc.stdout == "2/4F2A-99\n"


def test_setup_review_review_mode(fr: Flowctl, rp: FakeProgram, repo: Path) -> None:
    rp.reply(out=windows_reply({"windowID": 2, "rootFolderPaths": [str(repo.resolve())]}), match="windows")
    rp.reply(out=REVIEW_REPLY, match="builder", times=1).reply(out="not json", match="builder", times=1)
    rp.reply(out='{"review": {}}', match="builder")
    try:
        assert out(fr, "rp", "setup-review", "--repo-root", ".", "--summary", "Review it", "--response-type",
                   "review") == "W=2 T=T-abc CHAT_ID=c-1\nLooks fine <verdict>SHIP</verdict>\n"
        assert rp.argvs[1] == ["-w", "2", "--raw-json", "-e", 'builder "Review it" --type review']
        args = ["rp", "setup-review", "--repo-root", ".", "--summary", "s", "--response-type", "review"]
        assert fr.fail(*args).error == "Failed to parse builder review response"
        assert fr.fail(*args).error == "Builder did not return a tab id"
    finally:
        marker(repo.resolve()).unlink(missing_ok=True)


def test_setup_review_create(fr: Flowctl, rp: FakeProgram) -> None:
    rp.reply(out="[]", match="windows")
    rp.reply(out='{"window_id": 7}', match="workspace create", times=1).reply(out="{}", match="workspace create")
    rp.reply(out="Tab: 4F2A-99", match="builder")
    root = "/nonexistent/repo-x"
    try:
        assert fr.fail("rp", "setup-review", "--repo-root", root, "--summary", "s").error == (
            "No RepoPrompt window matches repo root")
        assert out(fr, "rp", "setup-review", "--repo-root", root, "--summary", "s", "--create") == "W=7 T=4F2A-99\n"
        assert ["--raw-json", "-e", f"workspace create 'repo-x' --new-window --folder-path '{root}'"] in rp.argvs
        assert fr.fail("rp", "setup-review", "--repo-root", root, "--summary", "s", "--create").error == (
            "Failed to create RP window")
    finally:
        marker(Path(root)).unlink(missing_ok=True)


def test_rp_timeout_kills_rp_cli(fr: Flowctl, rp: FakeProgram) -> None:
    rp.reply(out="slow", sleep=30)
    started = time.monotonic()
    run = fr.fail("rp", "prompt-get", "--window", "2", "--tab", "T", env={"FLOW_RP_TIMEOUT": "1"})
    assert time.monotonic() - started < 20
    assert run.error == "rp-cli failed: timed out after 1s (killed)"
    assert not alive(rp.grandchild_pid())


def test_missing_rp_cli(repo: Path) -> None:
    flowctl = Flowctl(repo, env={"PATH": path_without(("rp-cli",))})
    for args in (["windows"], ["pick-window", "--repo-root", "."], ["prompt-get", "--window", "1", "--tab", "T"]):
        assert flowctl.fail("rp", *args).error == "rp-cli not found in PATH"
    assert os.environ.get("PATH")  # the test itself still has a PATH
