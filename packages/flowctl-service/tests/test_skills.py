"""skill register: the plugin-root rule, the SKILL.md scan and its warnings (cli-ext.md §13)."""

from __future__ import annotations

import pytest

from flowctl_core.errors import InvalidInputError
from flowctl_service import skills


def write_skill(root, name: str, text: str | bytes) -> None:
    d = root / "skills" / name
    d.mkdir(parents=True)
    (d / "SKILL.md").write_bytes(text if isinstance(text, bytes) else text.encode())


def test_plugin_root_order():
    assert skills.plugin_root("x", {"DROID_PLUGIN_ROOT": "d", "CLAUDE_PLUGIN_ROOT": "c"}) == "x"
    assert skills.plugin_root(None, {"DROID_PLUGIN_ROOT": "d", "CLAUDE_PLUGIN_ROOT": "c"}) == "d"
    assert skills.plugin_root(None, {"CLAUDE_PLUGIN_ROOT": "c"}) == "c"
    with pytest.raises(InvalidInputError, match="DROID_PLUGIN_ROOT / CLAUDE_PLUGIN_ROOT not set"):
        skills.plugin_root(None, {})


def test_scan_reports_valid_skills_in_name_order_and_warns_about_the_rest(tmp_path):
    write_skill(tmp_path, "d-skill", "---\nname: delta\ndescription: \"Delta: quoted\"\n---\n")
    write_skill(tmp_path, "a-skill", "---\nname: alpha\ndescription: Alpha skill\nextra: 1\n---\nbody\n")
    write_skill(tmp_path, "b-skill", "---\nname: beta\n---\n")
    write_skill(tmp_path, "c-skill", "no frontmatter\n")
    write_skill(tmp_path, "e-skill", b"---\nname: \xff\n---\n")
    (tmp_path / "skills" / "loose.md").write_text("---\nname: x\ndescription: y\n---\n")
    (tmp_path / "skills" / "empty-dir").mkdir()
    data, warnings = skills.register(str(tmp_path))
    assert data == {"registered": 2, "skills": [{"name": "alpha", "description": "Alpha skill"},
                                                {"name": "delta", "description": "Delta: quoted"}]}
    base = f"{tmp_path}/skills"
    assert warnings == [
        f"warn: cannot parse frontmatter in {base}/b-skill/SKILL.md: frontmatter parse error: missing field "
        "`description`",
        f"warn: cannot parse frontmatter in {base}/c-skill/SKILL.md: frontmatter parse error: document does not "
        "start with ---",
        f"warn: cannot read {base}/e-skill/SKILL.md: stream did not contain valid UTF-8"]
    assert skills.register_text(data) == "Registered 2 skills\n  alpha \u2014 Alpha skill\n  delta \u2014 Delta: quoted\n"


def test_missing_skills_dir(tmp_path):
    with pytest.raises(InvalidInputError, match=f"Skills directory not found: {tmp_path}/skills"):
        skills.register(str(tmp_path))
