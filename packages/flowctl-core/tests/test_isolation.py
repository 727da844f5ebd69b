"""The package's own nox session installs only it and what it declares: nothing above it is importable."""

from __future__ import annotations

import importlib.util
import os

import pytest

ABOVE: tuple[str, ...] = ("flowctl_db", "flowctl_service", "flowctl_cli")


def test_own_package_imports():
    assert importlib.util.find_spec("flowctl_core") is not None


@pytest.mark.skipif(os.environ.get("FLOWCTL_ISOLATED") != "1", reason="meaningful only in the package's nox session")
def test_packages_above_are_absent_when_isolated():
    for name in ABOVE:
        assert importlib.util.find_spec(name) is None, f"{name} must not be installed alongside flowctl_core"
