"""`skill register [--dir]`: scan `<plugin root>/skills/*/SKILL.md` and report each skill's name and description.

Read-only, as in the reference (cli-ext.md §13): nothing is persisted. Skills are reported in directory-name order
(the reference used the unsorted directory listing).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flowctl_core.errors import InvalidInputError, os_error_text


def plugin_root(directory: str | None, env: Mapping[str, str]) -> str:
    """`--dir`, else `$DROID_PLUGIN_ROOT`, else `$CLAUDE_PLUGIN_ROOT` (the first one set wins, even if wrong)."""
    for value in (directory, env.get("DROID_PLUGIN_ROOT"), env.get("CLAUDE_PLUGIN_ROOT")):
        if value is not None:
            return value
    raise InvalidInputError("No --dir given and DROID_PLUGIN_ROOT / CLAUDE_PLUGIN_ROOT not set")


def register(root: str) -> tuple[dict[str, Any], list[str]]:
    """(`{"registered", "skills": [{"name", "description"}]}`, warnings) for every readable `skills/*/SKILL.md`."""
    import os

    from flowctl_core import frontmatter

    skills_dir = os.path.join(root, "skills")  # strings, not Path: paths are printed like the reference (`./skills`)
    if not os.path.isdir(skills_dir):
        raise InvalidInputError(f"Skills directory not found: {skills_dir}")
    try:
        names = sorted(os.listdir(skills_dir))
    except OSError as err:
        raise InvalidInputError(f"Cannot read {skills_dir}: {os_error_text(err)}") from err
    skills: list[dict[str, str]] = []
    warnings: list[str] = []
    for name in names:
        skill_md = os.path.join(skills_dir, name, "SKILL.md")
        if not os.path.isdir(os.path.join(skills_dir, name)) or not os.path.isfile(skill_md):
            continue
        try:
            text = Path(skill_md).read_bytes().decode("utf-8")
        except OSError as err:
            warnings.append(f"warn: cannot read {skill_md}: {os_error_text(err)}")
            continue
        except UnicodeDecodeError:
            warnings.append(f"warn: cannot read {skill_md}: stream did not contain valid UTF-8")
            continue
        try:
            fields = frontmatter.parse(text)
            name = frontmatter.required_string(fields, "name")
            description = frontmatter.required_string(fields, "description")
        except frontmatter.FrontmatterError as err:
            warnings.append(f"warn: cannot parse frontmatter in {skill_md}: frontmatter parse error: {err}")
            continue
        skills.append({"name": name, "description": description})
    return {"registered": len(skills), "skills": skills}, warnings


def register_text(payload: dict[str, Any]) -> str:
    """Plain form: `Registered N skills`, then `  <name> — <description>` per skill."""
    lines = [f"Registered {payload['registered']} skills"]
    lines += [f"  {s['name']} \u2014 {s['description'].rstrip()}" for s in payload["skills"]]
    return "\n".join(lines) + "\n"
