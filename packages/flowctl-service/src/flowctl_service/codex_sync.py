"""`codex sync` (cli-ext §15.8): generate the Codex mirror (`<out>/agents/<name>.toml`, `<out>/hooks.json`) from
the Claude agent files and hooks. Files are written outside `.flow/`, atomically; `dry_run` writes nothing."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flowctl_core.errors import FlowError

FAILED = "codex sync failed: frontmatter parse error: "


def _os_error(err: OSError) -> str:
    from flowctl_core.errors import os_error_text

    return os_error_text(err)


def _plain_file_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name and "\0" not in name


def sync(cwd: Path, env: Mapping[str, str], *, agents_dir: str = "agents", output_dir: str = "codex",
         hooks: str = "hooks/hooks.json", dry_run: bool = False) -> dict[str, Any]:
    """Convert every `<agents_dir>/*.md` and patch the hooks file; return the summary the CLI prints.

    Per-file problems go into `errors` (the agent is skipped); an unreadable agents directory or a failed write is
    a FlowError. Paths are relative to `cwd` and reported as given.
    """
    import json

    from flowctl_core import codex_sync as cs
    from flowctl_db import caller_files

    agents_out = Path(output_dir, "agents")
    if not dry_run:
        try:
            (cwd / agents_out).mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise FlowError(f"{FAILED}cannot create output dir: {_os_error(err)}") from err
    try:
        names = sorted(os.listdir(cwd / agents_dir))
    except OSError as err:
        raise FlowError(f"{FAILED}cannot read agents dir: {_os_error(err)}") from err

    summary: dict[str, Any] = {"agents_generated": 0, "agents_skipped": 0, "dry_run": dry_run, "errors": [],
                               "hooks_generated": False}
    for file_name in names:
        if not file_name.endswith(".md") or file_name == ".md":
            continue
        shown = str(Path(agents_dir, file_name))
        text = _read(cwd / agents_dir / file_name, shown, summary)
        if text is None:
            continue
        try:
            fields, body = cs.parse_agent(text)
            if not _plain_file_name(fields["name"]):
                raise cs.FrontmatterError(f"agent name {fields['name']!r} cannot name a file")
        except cs.FrontmatterError as err:
            summary["errors"].append(f"{shown}: parse error: frontmatter parse error: {err}")
            summary["agents_skipped"] += 1
            continue
        if not dry_run:
            out = agents_out / f"{fields['name']}.toml"
            try:
                caller_files.write_text(cwd / out, cs.agent_toml(fields, body, env))
            except FlowError as err:
                raise FlowError(f"{FAILED}cannot write {out}: {err}") from err
        summary["agents_generated"] += 1

    hooks_path = cwd / hooks
    if hooks_path.exists():
        try:
            source = hooks_path.read_bytes().decode("utf-8")
        except OSError as err:
            summary["errors"].append(f"hooks read error: {_os_error(err)}")
            return summary
        except UnicodeDecodeError:
            summary["errors"].append("hooks read error: stream did not contain valid UTF-8")
            return summary
        try:
            patched = cs.patch_hooks(json.loads(source))
        except ValueError as err:
            detail = f"{err.msg} at line {err.lineno} column {err.colno}" if isinstance(err, json.JSONDecodeError) \
                else str(err)
            summary["errors"].append(f"hooks patch error: frontmatter parse error: hooks JSON parse error: {detail}")
            return summary
        if not dry_run:
            try:
                caller_files.write_text(cwd / output_dir / "hooks.json",
                                        json.dumps(patched, indent=2, sort_keys=True, ensure_ascii=False))
            except FlowError as err:
                raise FlowError(f"{FAILED}cannot write hooks: {err}") from err
        summary["hooks_generated"] = True
    return summary


def _read(path: Path, shown: str, summary: dict[str, Any]) -> str | None:
    """The agent file's text, or None after recording a read error."""
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as err:
        message = _os_error(err)
    except UnicodeDecodeError:
        message = "stream did not contain valid UTF-8"
    summary["errors"].append(f"{shown}: read error: {message}")
    summary["agents_skipped"] += 1
    return None


def sync_text(data: dict[str, Any], output_dir: str, verbose: bool) -> str:
    """`[dry-run] Would generate:`, `Agents: N generated, M skipped`, `Hooks: patched`, `Output directory: …`."""
    lines = ["[dry-run] Would generate:"] if data["dry_run"] else []
    lines.append(f"Agents: {data['agents_generated']} generated, {data['agents_skipped']} skipped")
    if data["hooks_generated"]:
        lines.append("Hooks: patched")
    if verbose:
        lines.append(f"Output directory: {output_dir}")
    return "\n".join(lines) + "\n"


def error_lines(data: dict[str, Any]) -> list[str]:
    """The stderr block of the plain output: `Errors:` and `  - <error>` lines (empty without errors)."""
    return ["Errors:", *(f"  - {e}" for e in data["errors"])] if data["errors"] else []
