"""Fixtures for end-to-end tests: a real temporary git repository and the real flowctl executable."""

import pytest
from flowctl_runner import flowctl, initialized_flowctl, repo  # noqa: F401  (pytest fixtures; flowctl_runner.py is on pytest's pythonpath)


@pytest.fixture(scope="module")
def writers_workspace(tmp_path_factory: pytest.TempPathFactory):
    """The workspace every writing command of `writing_commands.WRITERS` runs in (built once per module)."""
    from writing_commands import build_workspace

    return build_workspace(tmp_path_factory.mktemp("writers") / "repo")
