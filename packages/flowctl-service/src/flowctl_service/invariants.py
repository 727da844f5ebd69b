"""`invariants init | show | check`: the architecture invariant registry `.flow/invariants.md` (cli-ext §10).

`check` runs each section's first `**Verify:**` command as `sh -c <cmd>` at the repository root through the shared
runner (timeout, output cap, no orphan). Departures (docs/decisions.md, worker loop): the child's output is captured
(capped) and printed by flowctl instead of being inherited; a timeout, a signal or a missing program adds a
`detail` to that result; `init` writes through the applier and previews under --dry-run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl_db import FlowStore

from . import commands_runner as runner

TEMPLATE = """# Architecture Invariants

Rules that must NEVER be violated, regardless of task or feature.
Workers check these during Phase 1. Planners check during Step 1.

<!-- Add your project's invariants below. Format:

## [Concept Name]
- **Rule:** [what must always hold]
- **Verify:** `shell command that exits 0 if invariant holds`
- **Fix:** [how to fix if violated]

-->
"""


def init(store: FlowStore, *, force: bool = False, dry_run: bool = False) -> dict[str, Any]:
    """Write the template (never over an existing file without `force`)."""
    from flowctl_core import changes

    from .applier import commit

    with store.lock():
        if store.invariants.exists() and not force:
            return {"created": False, "message": "invariants.md already exists. Use --force to overwrite."}
        preview = commit(store, changes.Changes([changes.put("invariants", "", TEMPLATE)]), dry_run=dry_run)
    if preview is not None:
        return preview
    return {"created": True, "path": str(store.invariants.path), "message": "invariants.md created"}


def show(store: FlowStore) -> dict[str, Any]:
    """The file's text, or `invariants: null` when there is none."""
    text = store.invariants.read()
    if text is None:
        return {"invariants": None, "message": "no invariants.md — create with 'flowctl invariants init'"}
    return {"invariants": text, "path": str(store.invariants.path)}


def show_text(data: dict[str, Any]) -> str:
    """Plain form of `show` (the file text and one more newline, as the reference prints it)."""
    if data["invariants"] is None:
        return "No invariants.md. Create with: flowctl invariants init"
    return data["invariants"] + "\n"


def _strip_comments(text: str) -> str:
    import re

    return re.sub(r"<!--.*?-->", "", text, flags=re.S)


def verify_commands(text: str) -> list[tuple[str, str]]:
    """(name, command) per `## ` section: the first backtick span of its first `**Verify:**` line."""
    import re

    found = []
    name: str | None = None
    for line in _strip_comments(text).split("\n"):
        line = line[:-1] if line.endswith("\r") else line
        if line.startswith("## "):
            name = line[3:].strip()
        elif "**Verify:**" in line and name is not None:
            match = re.search(r"`([^`]+)`", line)
            if match:
                found.append((name, match.group(1)))
            name = None  # only one Verify per section runs
    return found


Outputs = list[tuple[str, str, bool]]  # per command: stdout, stderr, truncated


def check(store: FlowStore, cwd: Path, timeout: float | None = None) -> tuple[dict[str, Any], Outputs]:
    """Run every verify command: (`{"all_passed", "results": [{"name","command","passed","exit_code","detail"?}]}`,
    the captured output of each command for the plain form)."""
    text = store.invariants.read()
    if text is None:
        return {"all_passed": True, "results": [], "message": "no invariants.md"}, []
    commands = verify_commands(text)
    root = runner.repo_root(cwd) if commands else Path(cwd)
    results = []
    outputs = []
    for name, cmd in commands:
        run = runner.run_shell(cmd, cwd=root, timeout=timeout)
        item: dict[str, Any] = {"name": name, "command": cmd, "passed": run.passed, "exit_code": run.exit_code}
        if run.status not in ("ok", "exit"):
            item["detail"] = run.describe()
        results.append(item)
        outputs.append((run.text("stdout"), run.text("stderr"), run.truncated))
    return {"all_passed": all(r["passed"] for r in results), "results": results}, outputs


def check_text(data: dict[str, Any], outputs: Outputs) -> tuple[str, str]:
    """Plain form of `check`: (stdout text, the commands' stderr)."""
    if "message" in data:
        return "No invariants.md — nothing to check.", ""
    if not data["results"]:
        return "No verify commands found in invariants.md.", ""
    lines: list[str] = []
    errors: list[str] = []
    for item, (out, err, truncated) in zip(data["results"], outputs, strict=True):
        lines.append(f"▸ [{item['name']}] {item['command']}")
        if out:
            lines.append(out[:-1] if out.endswith("\n") else out)
        if truncated:
            lines.append("  … (output truncated)")
        if err:
            errors.append(err[:-1] if err.endswith("\n") else err)
        mark = "✓" if item["passed"] else "✗"
        lines.append(f"  {mark} {item.get('detail') or 'exit ' + str(item['exit_code'])}")
    passed = sum(1 for r in data["results"] if r["passed"])
    suffix = "" if data["all_passed"] else " — VIOLATED"
    lines.append(f"\n{passed}/{len(data['results'])} invariants hold{suffix}")
    return "\n".join(lines), "\n".join(errors)
