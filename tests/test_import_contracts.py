"""The import contracts of pyproject.toml hold, and each one fails when its rule is broken.

`lint-imports` runs on a scratch copy of the four packages' sources (put first on PYTHONPATH), once as they are
and once per contract with one violating import added; the broken contract, and only it, must be reported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = {"flowctl_core": "flowctl-core", "flowctl_db": "flowctl-db", "flowctl_service": "flowctl-service",
            "flowctl_cli": "flowctl-cli"}

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter (dev group) is not installed")


def _scratch(tmp_path: Path) -> dict[str, Path]:
    """A copy of every package's sources; returns import name -> its folder in the copy."""
    out = {}
    for name, dist in PACKAGES.items():
        src = ROOT / "packages" / dist / "src" / name
        shutil.copytree(src, tmp_path / dist / name, ignore=shutil.ignore_patterns("__pycache__"))
        out[name] = tmp_path / dist / name
    return out


def _lint(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(str(tmp_path / dist) for dist in PACKAGES.values())
    return subprocess.run([str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": path})


def test_the_contracts_are_kept(tmp_path: Path) -> None:
    _scratch(tmp_path)
    run = _lint(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 3 kept, 0 broken." in run.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("flowctl_core/ids.py", "import flowctl_service.applier", "layers: cli -> service -> db -> core"),
    ("flowctl_cli/output.py", "import flowctl_db.store", "the CLI reaches stores and files only through the service"),
    ("flowctl_cli/output.py", "from flowctl_core import json_store",
     "the CLI reaches stores and files only through the service"),
    ("flowctl_service/lookup.py", "from flowctl_core import json_store",
     "the service touches files only through the stores (flowctl_db)"),
], ids=["core-imports-service", "cli-imports-db", "cli-imports-json-store", "service-imports-json-store"])
def test_each_contract_fails_when_its_rule_is_broken(tmp_path: Path, module: str, line: str, broken: str) -> None:
    sources = _scratch(tmp_path)
    package, _, rest = module.partition("/")
    target = sources[package] / rest
    target.write_text(target.read_text() + f"\n{line}  # a violation planted by the test\n")
    run = _lint(tmp_path)
    assert run.returncode != 0, run.stdout
    assert f"{broken} BROKEN" in run.stdout, run.stdout
    assert "Contracts: 2 kept, 1 broken." in run.stdout, run.stdout
