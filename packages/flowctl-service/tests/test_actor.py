"""Who the actor is: environment first, then git (asked ahead by prefetch_actor), then $USER."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowctl_service import actor


def _fake_git(bin_dir: Path, body: str) -> None:
    """A `git` on PATH that logs each call to calls.log next to it, then runs `body` (sh)."""
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "git"
    script.write_text(f'#!/bin/sh\necho "$$ $*" >> "{bin_dir}/calls.log"\n{body}\n')
    script.chmod(0o755)


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in actor.ACTOR_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return tmp_path / "bin"


def test_the_environment_wins_and_starts_no_git(git_env: Path, tmp_path: Path, monkeypatch) -> None:
    _fake_git(git_env, 'echo git@example.com')
    monkeypatch.setenv("FLOW_ACTOR", "agent-7")
    actor.prefetch_actor(tmp_path)
    assert actor.resolve_actor(tmp_path) == "agent-7"
    assert not (git_env / "calls.log").exists()


def test_a_prefetched_answer_is_collected_not_asked_again(git_env: Path, tmp_path: Path) -> None:
    _fake_git(git_env, 'case "$*" in *user.email*) echo dev@example.com;; *) exit 1;; esac')
    actor.prefetch_actor(tmp_path)
    actor.prefetch_actor(tmp_path)  # once per directory
    assert actor.resolve_actor(tmp_path) == "dev@example.com"
    calls = (git_env / "calls.log").read_text().splitlines()
    assert len(calls) == 1 and calls[0].endswith(f"-C {tmp_path} config --get user.email")


def test_without_an_email_the_name_then_user_then_unknown(git_env: Path, tmp_path: Path, monkeypatch) -> None:
    _fake_git(git_env, 'case "$*" in *user.name*) echo "Dev Name";; *) exit 1;; esac')
    actor.prefetch_actor(tmp_path)
    assert actor.resolve_actor(tmp_path) == "Dev Name"
    _fake_git(git_env, "exit 1")
    monkeypatch.setenv("USER", "dev")
    assert actor.resolve_actor(tmp_path) == "dev"
    monkeypatch.delenv("USER")
    assert actor.resolve_actor(tmp_path) == "unknown"


def test_an_unused_prefetch_is_killed_when_the_process_exits(git_env: Path, tmp_path: Path) -> None:
    """A command that fails before it needs the actor leaves no git behind."""
    _fake_git(git_env, "sleep 300")
    code = f"from flowctl_service import actor; actor.prefetch_actor({str(tmp_path)!r}); raise SystemExit(3)"
    proc = subprocess.run([sys.executable, "-c", code], env=os.environ, timeout=60)
    assert proc.returncode == 3
    pid = int((git_env / "calls.log").read_text().split()[0])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail(f"the prefetched git (pid {pid}) outlived the process")
