"""Helpers for tests that run the real `flowctl` executable in real temporary git repositories."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def flowctl_executable() -> str:
    """The `flowctl` entry point installed next to the running interpreter."""
    candidate = Path(sys.executable).parent / "flowctl"
    if candidate.exists():
        return str(candidate)
    raise RuntimeError(f"flowctl is not installed in {Path(sys.executable).parent}")


@dataclass
class Run:
    """The outcome of one flowctl invocation."""

    args: list[str]
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        """stdout parsed as exactly one JSON document."""
        return json.loads(self.out)

    @property
    def error(self) -> str:
        """The `error` of the stderr envelope (asserting the envelope's shape)."""
        env = json.loads(self.err)
        assert env["success"] is False, env
        return env["error"]


def init_git_repo(path: Path, email: str = "dev@example.com") -> Path:
    """`git init` with a fixed identity so the actor is deterministic."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=path, check=True)
    subprocess.run(["git", "config", "user.email", email], cwd=path, check=True)
    subprocess.run(["git", "config", "user.name", "Dev"], cwd=path, check=True)
    return path


def copy_repository(base: Path, dest: Path, env: dict[str, str] | None = None) -> Flowctl:
    """A copy of a prepared repository whose `.flow` link points into the copy's own git directory."""
    import shutil

    shutil.copytree(base, dest, symlinks=True)
    link = dest / ".flow"
    if link.is_symlink():
        link.unlink()
        link.symlink_to(dest / ".git" / "flow-state" / "flow")
    return Flowctl(dest, env=env)


class Flowctl:
    """Runs the real flowctl in `cwd` with a clean, deterministic environment."""

    def __init__(self, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.cwd = Path(cwd)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOW_", "FLOWCTL_"))}
        self.env.update(env or {})
        self.exe = flowctl_executable()

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> Run:
        """Run `flowctl *args`; stdout is a pipe, so compact mode is on unless FLOWCTL_COMPACT says otherwise."""
        proc = subprocess.run([self.exe, *args], cwd=cwd or self.cwd, input=input, capture_output=True,
                              text=True, env={**self.env, **(env or {})}, timeout=120)
        return Run(list(args), proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str, **kw: Any) -> Any:
        """Run and assert success; return parsed JSON stdout when there is any."""
        run = self(*args, **kw)
        assert run.code == 0, f"flowctl {' '.join(args)} exited {run.code}: {run.err or run.out}"
        return run.json if run.out.lstrip().startswith(("{", "[")) else run.out

    def fail(self, *args: str, code: int = 1, **kw: Any) -> Run:
        """Run and assert the given non-zero exit code."""
        run = self(*args, **kw)
        assert run.code == code, f"flowctl {' '.join(args)}: expected exit {code}, got {run.code}: {run.err}{run.out}"
        return run

    def tty(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run with stdout on a pseudo-terminal (compact off, JSON not forced) and return what it printed.

        The terminal is read while the command runs (a full pty buffer would block it) until the last writer
        closes it (EIO on Linux), so no output is lost.
        """
        import pty

        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen([self.exe, *args], cwd=self.cwd, stdout=slave, stderr=subprocess.PIPE,
                                    env={**self.env, **(env or {})})
        finally:
            os.close(slave)  # the child holds its own copy; ours would keep the master from seeing EOF
        chunks = []
        try:
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every writer has closed the terminal
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(master)
        err = proc.stderr.read().decode() if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        code = proc.wait(timeout=120)
        assert code == 0, f"flowctl {' '.join(args)} exited {code}: {err}"
        return b"".join(chunks).decode().replace("\r\n", "\n")

    def race(self, *commands: tuple[str, ...], env: list[dict[str, str]] | None = None) -> list[Run]:
        """Run several `flowctl` commands so that they reach the store lock at the same moment.

        Each process waits at a barrier just before it takes the store lock (the test-only fault hook), and all
        are released together once every one is there (or has finished without the lock). Started one after
        another instead, their start-up would spread them out and a missing lock would rarely show.
        """
        import tempfile
        import time

        with tempfile.TemporaryDirectory() as tmp:
            go = os.path.join(tmp, "go")
            procs = [subprocess.Popen([self.exe, *args], cwd=self.cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=self._racer_env(env[i] if env else {}, go))
                     for i, args in enumerate(commands)]
            deadline = time.monotonic() + 60
            while len(glob.glob(f"{glob.escape(go)}.ready.*")) + sum(p.poll() is not None for p in procs) < len(procs):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.005)
            open(go, "w").close()
            outcomes = [p.communicate(timeout=120) for p in procs]
        return [Run(list(args), p.returncode, out, err)
                for args, p, (out, err) in zip(commands, procs, outcomes, strict=True)]

    def _racer_env(self, extra: dict[str, str], go: str) -> dict[str, str]:
        """The racer's environment: the barrier rule added to any fault rules of its own (kills at write points)."""
        rules = [r for r in (extra.get("FLOWCTL_TEST_FAULTS", ""), f"barrier:{go}") if r]
        return {**self.env, **extra, "FLOWCTL_TEST_FAULTS": ",".join(rules)}

    @property
    def flow(self) -> Path:
        """The `.flow` path (a symlink inside git) of this repository."""
        return self.cwd / ".flow"


# pytest fixtures, shared by the CLI package's tests and the top-level end-to-end tests (`from … import *`).
try:
    import pytest
except ImportError:  # pragma: no cover - only tests import this module
    pytest = None

if pytest is not None:

    @pytest.fixture
    def repo(tmp_path: Path) -> Path:
        """A fresh git repository with a fixed identity."""
        return init_git_repo(tmp_path / "repo")

    @pytest.fixture
    def flowctl(repo: Path) -> Flowctl:
        """flowctl bound to the fresh repository (not yet initialised)."""
        return Flowctl(repo)

    @pytest.fixture
    def initialized_flowctl(flowctl: Flowctl) -> Flowctl:
        """flowctl bound to a repository after `flowctl init`."""
        flowctl.ok("init", "--json")
        return flowctl
