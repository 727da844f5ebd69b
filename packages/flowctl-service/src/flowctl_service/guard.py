"""`guard [--layer]`: run the stack's test/lint/typecheck commands and summarise them (cli-core §3.11).

Each configured command runs as `sh -c <cmd>` at the repository root through the shared runner (timeout, output
cap, no orphan). The summaries follow the reference's filters. Departures (docs/decisions.md, worker loop): a
corrupt `config.json` is an error naming it; a command that fails without output the filters understand (a
missing program, a timeout, a signal, a bare non-zero exit) is summarised by what happened, with its last lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl_db import FlowStore

from . import commands_runner as runner

CMD_TYPES = ("test", "lint", "typecheck")
_NOISE_TEST = ("Compiling", "Downloading", "Downloaded", "Finished")
_NOISE_LINT = ("Compiling", "Checking", "Downloading", "Downloaded", "Finished")
_TEST_RESULT = (r"test result: (\w+)\.\s+(\d+) passed;\s+(\d+) failed;\s+(\d+) ignored;\s+(\d+) measured;"
                r"\s+(\d+) filtered out(?:;\s+finished in ([\d.]+)s)?")


def configured_commands(stack: Any, layer: str = "all") -> list[tuple[str, str, str]]:
    """(layer, type, command) for every non-empty string command, layers sorted, types in test/lint/typecheck order."""
    if not isinstance(stack, dict):
        return []
    out = []
    for name in sorted(stack):
        if layer != "all" and name != layer:
            continue
        conf = stack[name]
        if not isinstance(conf, dict):
            continue
        for kind in CMD_TYPES:
            cmd = conf.get(kind)
            if isinstance(cmd, str) and cmd:
                out.append((name, kind, cmd))
    return out


def _lines(text: str) -> list[str]:
    """Rust's `str::lines`: split on \\n, drop one trailing \\r per line, no empty last line."""
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]


def summarise_test(output: str) -> tuple[str, list[str]]:
    """cargo-test style: failure blocks and `test result:` lines; all-ok results aggregated into one line."""
    import re

    failures: list[str] = []
    summaries: list[str] = []
    in_failures = False
    current: list[str] = []
    for line in _lines(output):
        if line.lstrip().startswith(_NOISE_TEST):
            continue
        if line.startswith("running ") or (line.startswith("test ") and line.endswith("... ok")):
            continue
        if line == "failures:":
            in_failures = True
            continue
        if in_failures:
            if line.startswith("test result:"):
                in_failures = False
                summaries.append(line)
                continue  # counted once (the reference listed it twice)
            elif line.startswith("    ") or line.startswith("---- "):
                current.append(line)
            elif not line.strip() and current:
                failures.append("\n".join(current))
                current = []
            elif line.strip():
                current.append(line)
        if not in_failures and line.startswith("test result:"):
            summaries.append(line)
    if current:
        failures.append("\n".join(current))
    if not failures and summaries:
        total = [0, 0, 0, 0.0]  # passed, ignored, filtered out, seconds
        timed = True
        for line in summaries:
            m = re.search(_TEST_RESULT, line)
            if m is None or m.group(1) != "ok":
                return "; ".join(summaries), []
            total[0] += int(m.group(2))
            total[1] += int(m.group(4))
            total[2] += int(m.group(6))
            if m.group(7) is None:
                timed = False
            else:
                total[3] += float(m.group(7))
        parts = [f"{total[0]} passed"]
        if total[1]:
            parts.append(f"{total[1]} ignored")
        if total[2]:
            parts.append(f"{total[2]} filtered out")
        suites = "1 suite" if len(summaries) == 1 else f"{len(summaries)} suites"
        tail = f"{suites}, {total[3]:.2f}s" if timed else suites
        return f"{', '.join(parts)} ({tail})", []
    summary = "; ".join(summaries) if summaries else f"{len(failures)} failure(s)"
    return summary, failures[:10]


def summarise_lint(output: str) -> tuple[str, list[str]]:
    """Clippy style: count `error:`/`warning:` lines (not the meta lines); the first 5 errors, cut at 160."""
    errors = warnings = 0
    details: list[str] = []
    for line in _lines(output):
        if line.lstrip().startswith(_NOISE_LINT):
            continue
        if line.startswith(("error:", "error[")):
            if "aborting due to" in line or "could not compile" in line:
                continue
            errors += 1
            details.append(line[:157] + "..." if len(line) > 160 else line)
        elif line.startswith(("warning:", "warning[")):
            if "generated" in line and "warning" in line:
                continue
            warnings += 1
    if not errors and not warnings:
        return "no issues", []
    return f"{errors} errors, {warnings} warnings", details[:5]


def _combined(result: runner.RunResult) -> str:
    out, err = result.text("stdout"), result.text("stderr")
    if not err:
        return out
    if not out:
        return err
    return f"{out}\n{err}"


def _last_lines(text: str, count: int = 5) -> list[str]:
    meaningful = [line for line in _lines(text) if line.strip()]
    return [line[:157] + "..." if len(line) > 160 else line for line in meaningful[-count:]]


def guard_entry(layer: str, kind: str, result: runner.RunResult) -> dict[str, Any]:
    """One `guards[]` item: `{"name", "status", "summary", "errors"?}`."""
    output = _combined(result)
    summary, errors = summarise_test(output) if kind == "test" else summarise_lint(output)
    understood = bool(errors) or summary not in ("no issues", "0 failure(s)")
    if not result.passed and (result.status != "exit" or not understood):
        # Nothing the filters understand explains the failure: say what happened and show its last lines.
        summary = result.describe()
        errors = _last_lines(output) or errors
    entry: dict[str, Any] = {"name": f"{layer}/{kind}", "status": "pass" if result.passed else "fail",
                             "summary": summary}
    if errors:
        entry["errors"] = errors
    return entry


def run_guard(store: FlowStore, cwd: Path, layer: str = "all", timeout: float | None = None) -> dict[str, Any]:
    """Run the configured commands: `{"guards": [...]}`, or `{"results": [], "message"}` when there is none."""
    stack = store.config.read().get("stack", {})  # a corrupt config.json is an error naming it (D-10)
    if not isinstance(stack, dict) or not stack:
        return {"results": [], "message": "no stack detected, nothing to run"}
    commands = configured_commands(stack, layer)
    if not commands:
        return {"results": [], "message": "no guard commands configured, nothing to run"}
    root = runner.repo_root(cwd)
    guards = [guard_entry(name, kind, runner.run_shell(cmd, cwd=root, timeout=timeout))
              for name, kind, cmd in commands]
    return {"guards": guards}


def failed(data: dict[str, Any]) -> bool:
    """Whether any guard failed (the command then exits 1)."""
    return any(g["status"] != "pass" for g in data.get("guards", []))


def guard_text(data: dict[str, Any]) -> str:
    """Plain form: one line per guard, up to 3 lines of each error block, then `P/T guards passed[ — FAILED]`."""
    if "guards" not in data:
        if data["message"].startswith("no stack"):
            return "No stack detected. Nothing to run."
        return "No guard commands configured — nothing to run."
    lines = []
    for g in data["guards"]:
        layer, kind = g["name"].rsplit("/", 1)
        mark = "✓" if g["status"] == "pass" else "✗"
        lines.append(f"{mark} [{layer}] {kind}: {g['summary']}")
        for block in g.get("errors", []):
            lines.extend(f"    {line}" for line in _lines(block)[:3])
    passed = sum(1 for g in data["guards"] if g["status"] == "pass")
    suffix = "" if passed == len(data["guards"]) else " — FAILED"
    return "\n".join(lines) + f"\n\n{passed}/{len(data['guards'])} guards passed{suffix}"
