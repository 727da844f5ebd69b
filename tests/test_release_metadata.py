"""Each package's release metadata: versions, sibling ranges, classifiers, license, changelog."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["flowctl-core", "flowctl-db", "flowctl-service", "flowctl-cli"]
SUPPORTED = ("3.11", "3.12", "3.13")


def _project(name: str) -> dict:
    return tomllib.loads((ROOT / "packages" / name / "pyproject.toml").read_text(encoding="utf-8"))


VERSIONS = {name: Version(_project(name)["project"]["version"]) for name in PACKAGES}


@pytest.mark.parametrize("name", PACKAGES)
def test_sibling_ranges_admit_exactly_the_released_siblings(name):
    for dep in map(Requirement, _project(name)["project"]["dependencies"]):
        if dep.name in VERSIONS:
            released = VERSIONS[dep.name]
            assert released in dep.specifier, f"{name} requires {dep}, which excludes {dep.name} {released}"
            next_minor = Version(f"{released.major}.{released.minor + 1}.0")
            assert next_minor not in dep.specifier, f"{name} requires {dep}, which admits the unreleased {next_minor}"
            previous = Version(f"{released.major}.{released.minor - 1}.0") if released.minor else None
            assert previous is None or previous not in dep.specifier, f"{name} requires {dep}: admits {previous}"


@pytest.mark.parametrize("name", PACKAGES)
def test_metadata_is_complete(name):
    project = _project(name)["project"]
    module = name.replace("-", "_")
    init = (ROOT / "packages" / name / "src" / module / "__init__.py").read_text(encoding="utf-8")
    assert f'__version__ = "{project["version"]}"' in init, f"{module}.__version__ differs from pyproject.toml"
    assert project["requires-python"] == f">={SUPPORTED[0]}"
    classifiers = set(project["classifiers"])
    assert {f"Programming Language :: Python :: {v}" for v in SUPPORTED} <= classifiers
    assert "Typing :: Typed" in classifiers
    assert (ROOT / "packages" / name / "src" / module / "py.typed").exists()
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    force = _project(name)["tool"]["hatch"]["build"]["targets"]["sdist"]["force-include"]
    assert force == {"../../LICENSE": "LICENSE"} and (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert project["readme"] == "README.md" and "urls" not in project  # no public repository address yet


@pytest.mark.parametrize("name", PACKAGES)
def test_changelog_has_a_section_for_the_current_version(name):
    changelog = (ROOT / "packages" / name / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(str(VERSIONS[name]))}\]", changelog, re.M), f"{name}/CHANGELOG.md"
    assert f"`{name}-v<version>`" in changelog


def test_release_procedure_names_every_package_tag():
    text = (ROOT / "RELEASING.md").read_text(encoding="utf-8")
    for name in PACKAGES:
        assert f"{name}-v{VERSIONS[name]}" in text
