"""Files outside .flow/ written at the caller's request: atomic, directories created, errors named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowctl_core.errors import StoreIOError
from flowctl_db import caller_files


def test_write_text_creates_directories_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "receipt.json"
    caller_files.write_text(target, "one")
    caller_files.write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["receipt.json"]  # no temp file left behind


def test_write_json_is_pretty_and_sorted(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    caller_files.write_json(target, {"b": 1, "a": "é"}, newline=True)
    assert target.read_text() == '{\n  "a": "é",\n  "b": 1\n}\n'
    assert json.loads(target.read_text()) == {"a": "é", "b": 1}


def test_remove_and_read(tmp_path: Path) -> None:
    target = tmp_path / "x"
    assert caller_files.read_text(target) is None
    target.write_bytes(b"a\xffb")
    assert caller_files.read_text(target) == "a\ufffdb"
    assert caller_files.remove(target) is True
    assert caller_files.remove(target) is False


def test_write_error_names_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreIOError, match="file/sub"):
        caller_files.write_text(blocker / "sub", "x")
