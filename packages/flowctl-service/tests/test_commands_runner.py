"""The shared runner: timeouts kill the whole process group, output is capped, every failure is a clear result."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from flowctl_service import commands_runner as runner
from flowctl_service.program_output import output_of


def live_members(pgid: int) -> list[int]:
    """Processes (not zombies) in process group `pgid`, from /proc."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after the command name: state ppid pgrp …
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(entry))
    return out


def alive(pid: int, grace: float = 2.0) -> bool:
    """Whether `pid` is still running `grace` seconds after a SIGKILL (its death is not instantaneous)."""
    deadline = time.monotonic() + grace
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        if state == "Z" or time.monotonic() >= deadline:
            return state != "Z"
        time.sleep(0.02)


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def test_ok_and_exit_codes(tmp_path: Path) -> None:
    ok = runner.run_shell("echo out; echo err >&2", cwd=tmp_path)
    assert ok.status == "ok" and ok.passed and ok.exit_code == 0
    assert ok.stdout == b"out\n" and ok.stderr == b"err\n" and not ok.truncated
    bad = runner.run_shell("exit 3", cwd=tmp_path)
    assert (bad.status, bad.exit_code, bad.describe()) == ("exit", 3, "exit 3")


def test_cwd_is_used(tmp_path: Path) -> None:
    assert runner.run(["pwd"], cwd=tmp_path).text().strip() == str(tmp_path.resolve())


def test_missing_program_is_a_result_not_an_exception(tmp_path: Path) -> None:
    direct = runner.run(["no-such-program-flowctl-test"], cwd=tmp_path)
    assert direct.status == "missing" and not direct.passed and direct.exit_code == 1
    assert direct.describe() == "program not found: no-such-program-flowctl-test"
    via_shell = runner.run_shell("no-such-program-flowctl-test --x", cwd=tmp_path)
    assert via_shell.returncode == 127 and via_shell.describe() == "command not found (exit 127)"
    assert b"not found" in via_shell.stderr


def test_missing_working_directory(tmp_path: Path) -> None:
    result = runner.run(["true"], cwd=tmp_path / "gone")
    assert result.status == "error" and "does not exist" in result.describe()


def test_signal_is_reported(tmp_path: Path) -> None:
    result = runner.run_shell("kill -9 $$", cwd=tmp_path)
    assert (result.status, result.signal, result.exit_code) == ("signal", 9, 1)
    assert result.describe() == "killed by signal 9 (SIGKILL)"


@needs_proc
def test_timeout_kills_the_whole_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    started = time.monotonic()
    result = runner.run_shell(f"sleep 300 & echo $! > {pidfile}; echo waiting; wait", cwd=tmp_path, timeout=0.5)
    elapsed = time.monotonic() - started
    assert result.status == "timeout" and result.exit_code == 1 and elapsed < 10
    assert result.describe() == "timed out after 0.5s (killed)"
    assert result.stdout == b"waiting\n"  # what it printed before the deadline is kept
    child = int(pidfile.read_text())
    assert not alive(child)
    assert live_members(result.pid) == []


@needs_proc
def test_children_left_behind_by_the_leader_are_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    started = time.monotonic()
    result = runner.run_shell(f"sleep 300 & echo $! > {pidfile}; echo done", cwd=tmp_path, timeout=60)
    assert result.status == "ok" and result.stdout == b"done\n"
    assert time.monotonic() - started < 10  # the background sleep holds stdout open, but we do not wait for it
    assert not alive(int(pidfile.read_text()))
    assert live_members(result.pid) == []


def test_closing_output_does_not_end_the_wait(tmp_path: Path) -> None:
    result = runner.run_shell("exec >&- 2>&-; sleep 0.3; exit 4", cwd=tmp_path, timeout=30)
    assert (result.status, result.returncode) == ("exit", 4)


def test_huge_output_is_capped_and_drained(tmp_path: Path) -> None:
    cap = 64 * 1024
    result = runner.run_shell("head -c 104857600 /dev/zero; echo tail >&2", cwd=tmp_path, max_output=cap)
    assert result.status == "ok"  # the writer was never blocked on a full pipe
    assert len(result.stdout) == cap and result.truncated
    assert result.stderr == b"tail\n"


def test_stdin_is_fed(tmp_path: Path) -> None:
    assert runner.run(["cat"], cwd=tmp_path, stdin=b"hello").stdout == b"hello"
    big = bytes(range(256)) * 20000  # 5 MB through `cat` and back: neither pipe may block the other
    assert runner.run(["cat"], cwd=tmp_path, stdin=big, max_output=len(big)).stdout == big
    assert runner.run_shell("exit 0", cwd=tmp_path, stdin=big).passed  # a child that never reads its input
    assert runner.run(["cat"], cwd=tmp_path).stdout == b""  # no input: /dev/null, never our terminal


def test_default_timeout_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(runner.TIMEOUT_ENV, "12.5")
    assert runner.default_timeout() == 12.5
    for bad in ("", "abc", "-1", "0", "nan"):
        monkeypatch.setenv(runner.TIMEOUT_ENV, bad)
        assert runner.default_timeout() == runner.DEFAULT_TIMEOUT


def test_repo_root(tmp_path: Path) -> None:
    assert runner.repo_root(tmp_path) == tmp_path  # not a git repository: the directory itself
    (tmp_path / "r" / "sub").mkdir(parents=True)
    runner.run(["git", "init", "-q"], cwd=tmp_path / "r")
    assert runner.repo_root(tmp_path / "r" / "sub").resolve() == (tmp_path / "r").resolve()


# ── program_output: the light one-shot runner behind actor resolution (no subprocess import) ──────────────────────


def test_query_stdout_and_exit_status() -> None:
    assert output_of(["sh", "-c", "printf 'a@b.c\\n'; echo noise >&2"]) == (0, b"a@b.c\n")
    assert output_of(["sh", "-c", "exit 3"]) == (3, b"")
    assert output_of(["sh", "-c", "cat; echo end"]) == (0, b"end\n")  # stdin is /dev/null, not ours


def test_query_of_a_missing_program_or_a_killed_one_is_none() -> None:
    assert output_of(["flowctl-no-such-program-4711"]) is None
    assert output_of(["sh", "-c", "kill -9 $$"]) is None


def test_query_that_closes_stdout_early_still_gives_its_exit_status() -> None:
    assert output_of(["sh", "-c", "exec >&-; sleep 0.2; exit 4"]) == (4, b"")


@needs_proc
def test_query_past_its_timeout_is_none_and_its_group_is_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    started = time.monotonic()
    result = output_of(["sh", "-c", f"sleep 300 & echo $! > {pidfile}; echo waiting; wait"], timeout=0.5)
    assert result is None and time.monotonic() - started < 10
    assert not alive(int(pidfile.read_text()))


def test_query_printing_past_the_cap_is_refused_at_once() -> None:
    started = time.monotonic()
    assert output_of(["sh", "-c", "yes"], cap=4096, timeout=60) is None
    assert time.monotonic() - started < 10  # killed when the cap was passed, not at the timeout
