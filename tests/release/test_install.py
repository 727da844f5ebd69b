"""The built wheels install with plain pip into clean venvs, one layer at a time, and work there.

Run by `uv run nox -s release-3.11` (3.12, 3.13), which builds the artifacts into FLOWCTL_DIST; skipped elsewhere.
Each combination gets its own `python -m venv`. Third-party dependencies come from the package index, pinned to the
versions of uv.lock; the flowctl packages come only from the built artifacts (`--no-index --find-links`), so pip
itself must find every sibling within the declared version ranges.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = os.environ.get("FLOWCTL_DIST", "")
pytestmark = pytest.mark.skipif(not DIST, reason="needs the built artifacts: uv run nox -s release-3.11")

LAYERS = ["flowctl-core", "flowctl-db", "flowctl-service", "flowctl-cli"]

CORE_SMOKE = """
import sys, tempfile
from pathlib import Path
from flowctl_core import dag, ids, models, schemas
epic = models.Epic.model_validate({"id": "fn-1-x", "title": "X", "status": "open",
                                   "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"})
assert epic.id == "fn-1-x" and ids.is_task_id("fn-1-x.1")
out = Path(tempfile.mkdtemp())
assert any(p.name == "epic.schema.json" for p in schemas.write_schemas(out))
"""

DB_SMOKE = """
import tempfile
from pathlib import Path
from flowctl_db import FlowStore
store = FlowStore(Path(tempfile.mkdtemp()) / ".flow")
store.ensure_dirs()
assert store.exists() and store.list_epics() == []
"""

SERVICE_SMOKE = """
import subprocess, tempfile
from pathlib import Path
from flowctl_service import admin, workspace
repo = Path(tempfile.mkdtemp())
subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
admin.init(repo)
assert workspace.require_store(repo).exists()
"""

SMOKE = {"flowctl-core": CORE_SMOKE, "flowctl-db": DB_SMOKE, "flowctl-service": SERVICE_SMOKE}
ABOVE = {"flowctl-core": "flowctl_db", "flowctl-db": "flowctl_service", "flowctl-service": "flowctl_cli"}


def _constraints(tmp_path: Path) -> Path:
    """uv.lock's versions of every third-party package, as a pip constraints file."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    pins = [f"{p['name']}=={p['version']}" for p in lock["package"] if not p["name"].startswith("flowctl-")]
    path = tmp_path / "constraints.txt"
    path.write_text("\n".join(pins) + "\n", encoding="utf-8")
    return path


def _third_party(top: str) -> list[str]:
    """The non-flowctl requirements of `top` and the layers below it, from the built wheels' metadata."""
    import zipfile

    from packaging.requirements import Requirement

    reqs = []
    for layer in LAYERS[: LAYERS.index(top) + 1]:
        (wheel,) = Path(DIST).glob(f"{layer.replace('-', '_')}-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            lines = archive.read(meta).decode("utf-8").splitlines()
        for line in lines:
            if line.startswith("Requires-Dist: "):
                req = Requirement(line.removeprefix("Requires-Dist: "))
                if not req.name.startswith("flowctl-") and (req.marker is None or req.marker.evaluate()):
                    reqs.append(str(req))
    return reqs


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.parametrize("top", LAYERS, ids=["core", "core+db", "+service", "+cli"])
def test_layer_installs_with_pip_and_works(top, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)  # `python -m venv`: this Python, pip, nothing else
    python = env_dir / "bin" / "python"
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run(*pip, "-c", _constraints(tmp_path), *_third_party(top))
    _run(*pip, "--no-index", "--find-links", DIST, top)
    _run(python, "-m", "pip", "check")
    installed = _run(python, "-m", "pip", "list", "--format=freeze")
    layers = {line.split("==")[0] for line in installed.splitlines() if line.startswith("flowctl-")}
    assert layers == set(LAYERS[: LAYERS.index(top) + 1])
    for layer in LAYERS[: LAYERS.index(top) + 1]:
        if layer in SMOKE:
            _run(python, "-c", SMOKE[layer], cwd=tmp_path)
    if top in ABOVE:  # nothing above this layer came along
        _run(python, "-c", f"import importlib.util, sys; sys.exit(importlib.util.find_spec({ABOVE[top]!r}) is not None)")
    if top == "flowctl-cli":
        flowctl = env_dir / "bin" / "flowctl"
        assert _run(flowctl, "--version").strip() == "flowctl 0.1.31"
        repo = tmp_path / "repo"
        repo.mkdir()
        _run("git", "init", "-q", cwd=repo)
        _run(flowctl, "init", "--json", cwd=repo)
        assert '"id":"fn-1-release-check"' in _run(flowctl, "epic", "create", "--title", "Release check", "--json",
                                                    cwd=repo)
        assert '"title": "Epic"' in _run(flowctl, "schema", "epic", cwd=repo)


def test_artifacts_of_every_package_carry_the_license():
    import tarfile
    import zipfile

    for layer in LAYERS:
        stem = layer.replace("-", "_")
        (wheel,) = Path(DIST).glob(f"{stem}-*.whl")
        (sdist,) = Path(DIST).glob(f"{stem}-*.tar.gz")
        with zipfile.ZipFile(wheel) as archive:
            assert any(n.endswith(".dist-info/licenses/LICENSE") for n in archive.namelist()), wheel.name
        with tarfile.open(sdist) as archive:
            assert any(n.endswith("/LICENSE") for n in archive.getnames()), sdist.name
    assert sys.version_info >= (3, 11)
