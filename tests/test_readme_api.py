"""Each package README's API section is the text generated from the code (tests/api_reference.py)."""

from __future__ import annotations

import api_reference as api  # tests/ is on pytest's path
import pytest


@pytest.mark.parametrize("package", sorted(api.MODULES))
def test_readme_api_section_matches_the_code(package):
    text = api.readme_path(package).read_text(encoding="utf-8")
    section = api.current_section(text)
    assert section is not None, f"{package}/README.md has no API markers; run: uv run python tests/api_reference.py"
    assert section == api.api_section(package), (
        f"packages/{package}/README.md: the API section differs from the code; "
        "run: uv run python tests/api_reference.py")


def test_every_listed_name_has_a_summary():
    # A public name without a docstring would show up as a bare signature: the guide says one line each.
    for package in api.MODULES:
        for line in api.api_section(package).splitlines():
            if line.lstrip().startswith("- `"):
                assert "` — " in line, f"{package}: {line.strip()} has no docstring"


def test_the_generator_shows_signatures_and_summaries():
    section = api.api_section("flowctl-db")
    assert ("  - `.save_state(task_id: str, state: M.TaskState) -> M.TaskState` — Write the runtime state of an "
            "existing task; logs `task_state.set`.") in section
    assert "- `class FlowStore(flow_dir: str | os.PathLike[str])` — " in section
