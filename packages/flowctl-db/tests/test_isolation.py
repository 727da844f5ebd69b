"""Layering: flowctl-db must work without the service and CLI packages."""

from __future__ import annotations

import importlib
import importlib.util
import os


def test_db_does_not_need_service_or_cli():
    if os.environ.get("FLOWCTL_ISOLATED") == "1":
        assert importlib.util.find_spec("flowctl_service") is None
        assert importlib.util.find_spec("flowctl_cli") is None
    db = importlib.import_module("flowctl_db")
    for name in ("events", "pipeline", "phases", "locks", "gaps", "approvals", "memory", "outputs", "scout_cache"):
        importlib.import_module(f"flowctl_db.{name}")
    assert db.FlowStore is not None
