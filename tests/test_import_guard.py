"""Import guard: the hot commands agents call hundreds of times must not import what they do not need.

Each case runs the installed `flowctl` entry point script (its own code, under `python -X importtime`) in a
small real workspace, then checks every module the process ended up with. Start-up is most of a flowctl call's
cost, and one stray top-level import (pydantic, rich, structlog, asyncio via filelock …) costs more than the
whole command's work. The failure message names the module and the import chain that pulled it in.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flowctl_runner import Flowctl, flowctl_executable

# Never needed by a hot command. Each entry matches the module and its sub-modules.
FORBIDDEN = {
    "pydantic": "validation models: records are plain dicts checked by flowctl_core.records",
    "pydantic_core": "pulled in by pydantic",
    "annotated_types": "pulled in by pydantic",
    "flowctl_core.models": "pydantic models, for the typed API and schemas only",
    "flowctl_core.schemas": "JSON Schemas, never needed at run time",
    "rich": "typer's pretty output is disabled (rich_markup_mode=None)",
    "typer.rich_utils": "typer's pretty output is disabled (rich_markup_mode=None)",
    "structlog": "logging is configured only with -v/--log-json/FLOWCTL_LOG",
    "logging": "stdlib logging is imported only when logs are asked for or the store lock is contended",
    "asyncio": "nothing is asynchronous (structlog.stdlib imports it)",
    "filelock": "the store lock is fcntl.flock; filelock (4.x: logging, secrets, hashlib …) is the non-POSIX fallback",
    "sqlite3": "the store is JSON files",
    "email": "no MIME or mail parsing",
    "http": "no HTTP",
    "urllib.request": "no HTTP (urllib.parse, which pathlib needs, is fine)",
    "ssl": "no network",
    "socket": "no network",
    "concurrent": "no thread or process pools",
    "multiprocessing": "no process pools",
    "unittest": "test-only",
    "xml": "no XML",
    "tomllib": "no TOML is read on a command path",
    "argparse": "the CLI is click/typer",
    "tempfile": "atomic writes name their own temp files",
    "hashlib": "nothing is hashed on these paths",
    "random": "only epic ids without a slug need a random suffix",
    "zoneinfo": "timestamps are UTC",
    "decimal": "no decimal arithmetic",
}

# Modules that only write: a read command must not load them.
WRITE_SIDE = ("flowctl_service.lifecycle", "flowctl_service.applier", "flowctl_core.changes", "flowctl_db.events")

EPIC = "fn-1-guard"

# The fast route (flowctl_cli.fast) runs hot commands without the CLI framework (≈45 ms of a ≈55 ms call), and
# without the standard modules that cost more start-up than the command's own work.
SLOW_STDLIB = {
    "typing": "~3 ms: annotations are strings, names come from `if TYPE_CHECKING:` blocks (docs/architecture.md)",
    "subprocess": "~5 ms: the actor is asked of git through flowctl_service.program_output",
    "pathlib": "~4 ms (with urllib.parse and ipaddress): the hot path works on plain strings (FlowPaths.at, "
               "record_file)",
    "threading": "the store lock's re-entrancy key uses _thread.get_ident",
    "datetime": "~1.5 ms: stamps come from time, plain RFC 3339 texts are checked and compared by timefmt itself",
    "importlib": "the fast route loads handler modules with __import__",
    "json": "~6 ms (it compiles regular expressions: re, enum): JSON goes through flowctl_core.json_text, which runs "
            "json's own C scanner and encoder",
    "contextlib": "~3 ms with functools and collections: the store lock and the undo journal are plain classes",
    "base64": "~5 ms (it imports re and struct): the undo journal calls binascii, base64's codec, directly",
    "re": "~6 ms with enum, functools and collections: ids and timestamps are checked with string methods, and "
          "patterns are compiled inside the functions that use them",
    "enum": "~2 ms: pulled in by re; nothing on the fast route defines an Enum",
    "functools": "~1.5 ms with collections: FlowStore's sub-stores use flowctl_db.store's own cached_property",
    "collections": "~1 ms (with keyword, operator, reprlib): ParsedId is a plain tuple subclass, and abstract "
                   "collection types are imported for annotations only (`if TYPE_CHECKING:`)",
}
FAST_ROUTE_BANS = ("click", "typer", "flowctl_cli.app", "flowctl_cli.commands", *SLOW_STDLIB)

# name -> (argv, the command module it must load (None: none at all), extra modules it must not load)
READS = {
    "show task": (["show", f"{EPIC}.2", "--json"], None,
                  ("flowctl_service.lifecycle", "flowctl_service.scheduling") + WRITE_SIDE + FAST_ROUTE_BANS),
    "show epic": (["show", EPIC, "--json"], None, WRITE_SIDE + FAST_ROUTE_BANS),
    "cat": (["cat", f"{EPIC}.2"], None, WRITE_SIDE + ("flowctl_service.scheduling",) + FAST_ROUTE_BANS),
    "ready": (["ready", "--epic", EPIC, "--json"], None, WRITE_SIDE + FAST_ROUTE_BANS),
    "next": (["next", "--json"], None, WRITE_SIDE + FAST_ROUTE_BANS),
    "tasks": (["tasks", "--json"], None, WRITE_SIDE + FAST_ROUTE_BANS),
    "tasks --epic": (["--json", "tasks", "--epic", EPIC, "--status", "todo"], None, WRITE_SIDE + FAST_ROUTE_BANS),
    "show --help (falls back)": (["show", "--help"], "query", ("flowctl_service", "flowctl_db")),
    "review-backend": (["review-backend"], "review", WRITE_SIDE + ("flowctl_service.findings", "flowctl_service.gaps")),
    "memory search": (["memory", "search", "retry", "--json"], "memory", WRITE_SIDE),
    "memory list": (["memory", "list", "--json"], "memory", WRITE_SIDE),
    "outputs list": (["outputs", "list", "--epic", EPIC, "--json"], "outputs", WRITE_SIDE),
    "scout-cache get": (["scout-cache", "get", "--type", "repo", "--commit", "abc", "--json"], "scout_cache",
                        WRITE_SIDE),
    "worker-phase next": (["worker-phase", "next", "--task", f"{EPIC}.1", "--json"], "worker_phase",
                          WRITE_SIDE + ("flowctl_service.commands_runner",)),
    "--help": (["--help"], None, ("flowctl_service", "flowctl_db")),
    "--version": (["--version"], None, ("flowctl_service", "flowctl_db", "flowctl_cli.commands")),
}

# Runs the entry point script itself (exactly what `flowctl` runs), then reports every loaded module. Modules
# loaded with importlib.import_module (the lazy command registry) do not appear in -X importtime output, so
# sys.modules is the complete list; importtime supplies the chains.
_RUNNER = r"""
import atexit, sys
atexit.register(lambda: sys.stderr.write("\n@@MODULES " + " ".join(sorted(sys.modules)) + "\n"))
exe = sys.argv[1]
sys.argv = [exe] + sys.argv[2:]
with open(exe) as f:
    code = compile(f.read(), exe, "exec")
exec(code, {"__name__": "__main__", "__file__": exe})
"""


def _interpreter(exe: str) -> str:
    """The interpreter on the entry point's shebang line (the one `flowctl` really runs on)."""
    first = Path(exe).read_text().splitlines()[0]
    return first[2:].strip().split()[0] if first.startswith("#!") else sys.executable


class Trace:
    """The modules one flowctl run loaded, with the import chains -X importtime recorded."""

    def __init__(self, stderr: str) -> None:
        self.modules: set[str] = set()
        self.lines: list[tuple[int, str]] = []  # (depth, module) in importtime's post-order
        for line in stderr.splitlines():
            if line.startswith("@@MODULES "):
                self.modules = set(line.split()[1:])
            elif line.startswith("import time:") and "|" in line:
                name_col = line.split("|")[2]
                if name_col.strip() == "imported package":
                    continue
                stripped = name_col.lstrip(" ")
                depth = (len(name_col) - len(stripped) - 1) // 2
                self.lines.append((depth, stripped.strip()))

    def chain(self, module: str) -> str:
        """`top <- … <- module` as importtime saw it (post-order: a parent follows its children, one level up)."""
        for i, (depth, name) in enumerate(self.lines):
            if name != module:
                continue
            chain = [name]
            want = depth - 1
            for d, parent in self.lines[i + 1:]:
                if want < 0:
                    break
                if d == want:
                    chain.append(parent)
                    want -= 1
            if len(chain) == 1:
                return f"{name} (imported directly, by flowctl code or a library's function body)"
            return " -> ".join(reversed(chain))
        return f"{module} (imported through importlib, e.g. the lazy command registry)"

    def offending(self, banned: list[str]) -> list[str]:
        """One line per banned name that was loaded (itself or a sub-module): why it is banned and its chain."""
        out = []
        for ban in banned:
            hits = sorted(m for m in self.modules if m == ban or m.startswith(ban + "."))
            if not hits:
                continue
            more = f" (+{len(hits) - 1} sub-modules)" if len(hits) > 1 else ""
            why = FORBIDDEN.get(ban) or SLOW_STDLIB.get(ban) or "not needed by this command"
            out.append(f"{hits[0]}{more} — {why}; "
                       f"pulled in by: {self.chain(hits[0])}")
        return out


def trace(flowctl: Flowctl, *args: str, stdin: str | None = None, quiet: bool = False) -> Trace:
    """Run flowctl with *args under -X importtime and return what it imported (asserting it succeeded).

    `stdin` is fed to the command (hook payloads); `quiet` expects no output at all (an idle hook).
    """
    exe = flowctl_executable()
    proc = subprocess.run([_interpreter(exe), "-X", "importtime", "-c", _RUNNER, exe, *args], cwd=flowctl.cwd,
                          capture_output=True, text=True, env=flowctl.env, timeout=60, input=stdin)
    assert proc.returncode == 0, f"flowctl {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}"
    if quiet:
        assert proc.stdout == "", f"flowctl {' '.join(args)} printed {proc.stdout!r}"
    else:
        assert proc.stdout.strip(), f"flowctl {' '.join(args)} printed nothing"
    result = Trace(proc.stderr)
    assert "flowctl_cli.main" in result.modules, "the entry point did not run flowctl_cli.main"
    return result


@pytest.fixture
def ws(initialized_flowctl: Flowctl) -> Flowctl:
    """A small workspace: one epic, a done task, a chain of todo tasks and a free todo task."""
    from flowctl_core import records, spec_md
    from flowctl_db import FlowStore

    store = FlowStore(initialized_flowctl.flow)
    store.save_epic({"id": EPIC, "title": "Guard", "branch_name": EPIC, "file_path": f"specs/{EPIC}.md"})
    store.write_epic_spec(EPIC, spec_md.epic_spec_template(EPIC, "Guard"))
    for n, deps, status in ((1, [], "done"), (2, [f"{EPIC}.1"], "todo"), (3, [f"{EPIC}.2"], "todo"),
                            (4, [], "todo")):
        tid = f"{EPIC}.{n}"
        store.save_task_definition({"id": tid, "epic": EPIC, "title": f"Task {n}", "depends_on": deps,
                                    "file_path": f".flow/tasks/{tid}.md"})
        store.write_task_spec(tid, spec_md.task_spec_template(tid, f"Task {n}"))
        store.save_state(tid, records.blank_state(status))
    return initialized_flowctl


def check(t: Trace, own: str | None, extra: tuple[str, ...]) -> None:
    """Assert nothing forbidden was loaded, nor any command module but the command's own."""
    problems = t.offending(list(FORBIDDEN) + list(extra))
    others = sorted(m for m in t.modules if m.startswith("flowctl_cli.commands.")
                    and m != f"flowctl_cli.commands.{own}")
    problems += [f"{m} — another command's module; pulled in by: {t.chain(m)}" for m in others]
    assert not problems, "unneeded imports:\n  " + "\n  ".join(problems)
    if own is not None:
        assert f"flowctl_cli.commands.{own}" in t.modules, f"flowctl_cli.commands.{own} was not loaded"


@pytest.mark.parametrize("name", list(READS))
def test_hot_read_imports_only_what_it_needs(ws: Flowctl, name: str) -> None:
    argv, own, extra = READS[name]
    check(trace(ws, *argv), own, extra)


def test_outputs_show_imports_only_what_it_needs(ws: Flowctl) -> None:
    ws.ok("outputs", "write", f"{EPIC}.1", "--file", "-", input="## Summary\n")
    check(trace(ws, "outputs", "show", f"{EPIC}.1"), "outputs", WRITE_SIDE)


def test_start_imports_only_what_it_needs(ws: Flowctl) -> None:
    check(trace(ws, "start", f"{EPIC}.4", "--json"), None, ("flowctl_service.scheduling",) + FAST_ROUTE_BANS)


def test_done_imports_only_what_it_needs(ws: Flowctl) -> None:
    ws.ok("start", f"{EPIC}.4", "--json")
    check(trace(ws, "done", f"{EPIC}.4", "--json"), None, ("flowctl_service.scheduling",) + FAST_ROUTE_BANS)


@pytest.mark.parametrize("argv", [
    ["block", f"{EPIC}.3", "waiting on the API", "--json"],
    ["lock", "--task", f"{EPIC}.4", "--files", "src/a.py", "--json"],
    ["task", "create", "--epic", EPIC, "--title", "Another", "--json"],
    ["--dry-run", "task", "create", "--epic", EPIC, "--title", "Preview"],
], ids=lambda argv: " ".join(argv[:2]))
def test_hot_writes_skip_the_framework(ws: Flowctl, argv: list[str]) -> None:
    check(trace(ws, *argv), None, ("flowctl_service.scheduling",) + FAST_ROUTE_BANS)


def test_a_fallback_still_works(ws: Flowctl) -> None:
    """An argv the fast route is not sure of (here an unknown option) runs the full typer route."""
    exe = flowctl_executable()
    proc = subprocess.run([exe, "start", f"{EPIC}.4", "--bogus"], cwd=ws.cwd, capture_output=True, text=True,
                          env=ws.env, timeout=60)
    assert proc.returncode == 2 and "No such option: --bogus" in proc.stderr


# Hooks run around every Bash call; with nothing to do they must not build the CLI or open the store, nor load
# the standard modules the fast route avoids (pathlib, importlib, re, contextlib …: the runner passes cwd as a
# string and loads the hook module with __import__; a hook imports re only once its cheap checks found work).
IDLE_HOOK_BANNED = ("typer", "click", "flowctl_cli.commands", "flowctl_db", "flowctl_core.json_store",
                    "flowctl_service.queries", "flowctl_service.commands_runner", *SLOW_STDLIB)


def _bash_payload(event: str, command: str) -> str:
    import json

    payload = {"session_id": "s-1", "hook_event_name": event, "tool_name": "Bash",
               "tool_input": {"command": command, "description": "Run the tests"}}
    if event == "PostToolUse":
        payload["tool_response"] = {"stdout": "12 passed", "stderr": "", "interrupted": False}
    return json.dumps(payload)


@pytest.mark.parametrize(("name", "event", "command", "extra"), [
    ("ralph-guard", "PreToolUse", "pytest -q", ("flowctl_core.json_text",)),  # FLOW_RALPH unset: stdin unread
    ("commit-gate", "PreToolUse", "pytest -q", ()),
    ("commit-gate", "PostToolUse", "pytest -q", ()),
    ("rtk-rewrite", "PreToolUse", "pytest -q", ()),  # no rtk on PATH
])
def test_idle_hooks_import_almost_nothing(ws: Flowctl, name: str, event: str, command: str,
                                          extra: tuple[str, ...]) -> None:
    ws.env["PATH"] = "/usr/bin:/bin"
    t = trace(ws, "hook", name, stdin=_bash_payload(event, command), quiet=True)
    check(t, None, IDLE_HOOK_BANNED + extra)


def test_trace_reports_chains() -> None:
    """The chain shown in a failure walks importtime's post-order output up to the top-level import."""
    stderr = "\n".join([
        "import time: self [us] | cumulative | imported package",
        "import time:        10 |         10 |     asyncio.events",
        "import time:        20 |         30 |   asyncio",
        "import time:        30 |         60 | filelock",
        "import time:         5 |          5 | json",
        "@@MODULES asyncio asyncio.events filelock json flowctl_cli.commands.x",
    ])
    t = Trace(stderr)
    assert t.chain("asyncio.events") == "filelock -> asyncio -> asyncio.events"
    assert t.offending(["asyncio", "filelock", "json.decoder"]) == [
        f"asyncio (+1 sub-modules) — {FORBIDDEN['asyncio']}; pulled in by: filelock -> asyncio",
        f"filelock — {FORBIDDEN['filelock']}; pulled in by: filelock (imported directly, by flowctl code or a "
        "library's function body)",
    ]
    assert t.chain("flowctl_cli.commands.x").endswith("(imported through importlib, e.g. the lazy command registry)")
