"""Shared fixtures for the service tests: a real `.flow/` store in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowctl_db import FlowStore


@pytest.fixture
def store(tmp_path: Path) -> FlowStore:
    """An empty store: the `.flow/` directories and `meta.json`, as `init` leaves them (no git needed)."""
    s = FlowStore(tmp_path / ".flow")
    s.ensure_dirs()
    s.paths.meta.write_text('{"next_epic": 1, "schema_version": 1}')
    return s
