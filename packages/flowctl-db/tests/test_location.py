"""Finding `.flow/` and linking it into the git common dir (storage.md §1.1; D38: merge, never destroy)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from flowctl_core.errors import InvalidInputError
from flowctl_db import location


def _git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True)
    return path


def test_flow_dir_outside_git_is_a_plain_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    work = tmp_path / "plain"
    work.mkdir()
    local, action = location.ensure_flow_symlink(work)
    assert local == work / ".flow" and local.is_dir() and not local.is_symlink() and action is None


def test_ensure_flow_symlink_creates_and_is_idempotent(tmp_path):
    repo = _git_repo(tmp_path / "repo")
    local, action = location.ensure_flow_symlink(repo)
    shared = repo / ".git" / "flow-state" / "flow"
    assert local.is_symlink()
    assert os.readlink(local) == str(shared)
    assert shared.is_dir() and action == f".flow/ → {shared}"
    (local / "meta.json").write_text("{}")
    again, _ = location.ensure_flow_symlink(repo)
    assert again == local and os.readlink(local) == str(shared)
    assert (shared / "meta.json").read_text() == "{}"


def test_ensure_flow_symlink_merges_a_plain_flow_dir(tmp_path):
    repo = _git_repo(tmp_path / "repo")
    shared = repo / ".git" / "flow-state" / "flow"
    (shared / "epics").mkdir(parents=True)
    (shared / "epics" / "fn-1-a.json").write_text("A")
    (shared / "meta.json").write_text("same")
    local = repo / ".flow"
    (local / "epics").mkdir(parents=True)
    (local / "epics" / "fn-2-b.json").write_text("B")
    (local / "meta.json").write_text("same")
    (local / ".state" / "tasks").mkdir(parents=True)
    (local / ".state" / "tasks" / "fn-2-b.1.state.json").write_text("S")
    location.ensure_flow_symlink(repo)
    assert local.is_symlink() and os.readlink(local) == str(shared)
    assert (local / "epics" / "fn-1-a.json").read_text() == "A"
    assert (local / "epics" / "fn-2-b.json").read_text() == "B"
    assert (local / "meta.json").read_text() == "same"
    assert (local / ".state" / "tasks" / "fn-2-b.1.state.json").read_text() == "S"


def test_ensure_flow_symlink_aborts_on_a_differing_file(tmp_path):
    repo = _git_repo(tmp_path / "repo")
    shared = repo / ".git" / "flow-state" / "flow"
    shared.mkdir(parents=True)
    (shared / "config.json").write_text("shared")
    local = repo / ".flow"
    local.mkdir()
    (local / "config.json").write_text("local")
    (local / "only-local.json").write_text("L")
    with pytest.raises(InvalidInputError, match="config.json"):
        location.ensure_flow_symlink(repo)
    assert not local.is_symlink()
    assert (local / "config.json").read_text() == "local"
    assert (local / "only-local.json").read_text() == "L"
    assert (shared / "config.json").read_text() == "shared"
    assert not (shared / "only-local.json").exists()


def test_ensure_flow_symlink_repoints_a_dangling_link(tmp_path):
    repo = _git_repo(tmp_path / "repo")
    os.symlink(tmp_path / "gone", repo / ".flow")
    location.ensure_flow_symlink(repo)
    assert os.readlink(repo / ".flow") == str(repo / ".git" / "flow-state" / "flow")


def test_ensure_flow_symlink_refuses_a_regular_file(tmp_path):
    repo = _git_repo(tmp_path / "repo")
    (repo / ".flow").write_text("not a dir")
    with pytest.raises(InvalidInputError, match="not a dir or symlink"):
        location.ensure_flow_symlink(repo)
    assert (repo / ".flow").read_text() == "not a dir"
