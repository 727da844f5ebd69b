"""Fake external programs (codex, rp-cli …) for tests: small executables put first on PATH.

Each call is logged (argv, stdin, working directory, the FLOW_/CODEX_/RALPH_/TMPDIR environment) and answered by
the first matching canned reply: stdout, stderr, exit code, an optional sleep (with a grandchild that would be
orphaned if flowctl did not kill the whole process group).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

_SCRIPT = r'''#!{python}
import json, os, subprocess, sys, time
state = {state!r}
stdin = "" if sys.stdin is None or sys.stdin.closed else sys.stdin.read()
env = {{k: v for k, v in os.environ.items() if k.startswith(("FLOW_", "CODEX_", "RALPH_")) or k == "TMPDIR"}}
with open(os.path.join(state, "calls.jsonl"), "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "stdin": stdin, "cwd": os.getcwd(), "env": env}}) + "\n")
with open(os.path.join(state, "replies.json")) as f:
    replies = json.load(f)
line = " ".join(sys.argv[1:])
for reply in replies:
    if reply["match"] is not None and reply["match"] not in line:
        continue
    if reply["times"] is not None:
        if reply["times"] <= 0:
            continue
        reply["times"] -= 1
        with open(os.path.join(state, "replies.json"), "w") as f:
            json.dump(replies, f)
    if reply["sleep"]:
        child = subprocess.Popen(["sleep", str(reply["sleep"] * 10)])
        with open(os.path.join(state, "grandchild.pid"), "w") as f:
            f.write(str(child.pid))
    sys.stdout.write(reply["out"])
    sys.stdout.flush()
    sys.stderr.write(reply["err"])
    if reply["sleep"]:
        time.sleep(reply["sleep"])
    sys.exit(reply["code"])
'''


class FakeProgram:
    """A fake `name` in `bin_dir`, with its call log and canned replies in `state_dir`."""

    def __init__(self, bin_dir: Path, state_dir: Path, name: str) -> None:
        self.name = name
        self.state = state_dir / name
        self.state.mkdir(parents=True, exist_ok=True)
        self.replies: list[dict[str, Any]] = []
        self._save()
        bin_dir.mkdir(parents=True, exist_ok=True)
        self.path = bin_dir / name
        self.path.write_text(_SCRIPT.format(python=sys.executable, state=str(self.state)))
        self.path.chmod(0o755)

    def _save(self) -> None:
        (self.state / "replies.json").write_text(json.dumps(self.replies))

    def reply(self, out: str = "", err: str = "", code: int = 0, match: str | None = None, times: int | None = None,
              sleep: float = 0) -> FakeProgram:
        """Answer calls whose argv (joined by spaces) contains `match` (every call when None), `times` times."""
        self.replies = json.loads((self.state / "replies.json").read_text())  # the fake counts `times` down
        self.replies.append({"match": match, "out": out, "err": err, "code": code, "times": times, "sleep": sleep})
        self._save()
        return self

    def reset(self) -> None:
        """Forget every canned reply."""
        self.replies = []
        self._save()

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every call so far: `{"argv", "stdin", "cwd", "env"}`."""
        log = self.state / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    @property
    def argvs(self) -> list[list[str]]:
        """The argv of every call."""
        return [c["argv"] for c in self.calls]

    def grandchild_pid(self) -> int:
        """The pid of the sleeper a `sleep` reply started."""
        return int((self.state / "grandchild.pid").read_text())


def path_with(bin_dir: Path) -> str:
    """PATH with `bin_dir` first."""
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def path_without(names: tuple[str, ...]) -> str:
    """PATH without the directories that hold any of `names` (so a real program cannot answer)."""
    keep = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and not any((Path(d) / n).exists() for n in names)]
    return os.pathsep.join(keep)


def alive(pid: int, grace: float = 3.0) -> bool:
    """Whether `pid` still runs (not a zombie) after up to `grace` seconds."""
    import time

    deadline = time.monotonic() + grace
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        if state == "Z" or time.monotonic() >= deadline:
            return state != "Z"
        time.sleep(0.05)
