"""Outputs rules over a real store: validation, byte-for-byte writes, newest-first listing, previews."""

from __future__ import annotations

import os

import pytest

from flowctl_core.errors import CorruptFileError, InvalidInputError, NotFoundError
from flowctl_service import outputs, user_content

E = "fn-1-auth-work"


def test_write_show_and_text(store):
    out = outputs.write(store, None, f"{E}.1", "## Summary\nDid it ✓\n")
    path = str(store.flow_dir / "outputs" / f"{E}.1.md")
    assert out == {"bytes": 22, "path": path, "task_id": f"{E}.1"}
    assert outputs.write_text(out) == f"Wrote {path} (22 bytes)\n"
    assert outputs.show(store, f"{E}.1") == {"content": "## Summary\nDid it ✓\n", "task_id": f"{E}.1"}
    outputs.write(store, None, f"{E}.1", "replaced")
    assert outputs.show(store, f"{E}.1")["content"] == "replaced"


def test_dry_run_writes_nothing(store):
    preview = outputs.write(store, None, f"{E}.1", "x", dry_run=True)
    assert preview == {"changes": {"mutations": [
        {"op": "put", "store": "outputs", "key": f"{E}.1", "value": "x"}]}, "dry_run": True}
    assert not (store.flow_dir / "outputs").exists()


def test_errors(store):
    with pytest.raises(InvalidInputError) as err:
        outputs.write(store, None, "bad-id", "x")
    assert str(err.value) == "Invalid task ID: bad-id. Expected format: fn-N.M or fn-N-slug.M"
    with pytest.raises(NotFoundError) as err:
        outputs.show(store, f"{E}.9")
    assert str(err.value) == "read failed: io error: No such file or directory (os error 2)"
    with pytest.raises(InvalidInputError, match="write failed: content is larger than 1048576 bytes"):
        outputs.write(store, None, f"{E}.1", "x" * (user_content.MAX_PAYLOAD_BYTES + 1))
    store.outputs.put(f"{E}.2", b"\xff\xfe")
    with pytest.raises(CorruptFileError, match="not valid UTF-8"):
        outputs.show(store, f"{E}.2")


def test_read_input_order_and_messages(store, tmp_path):
    with pytest.raises(InvalidInputError, match="^Invalid task ID: x"):
        outputs.read_input("x", "/nonexistent")  # the id is checked first
    with pytest.raises(InvalidInputError) as err:
        outputs.read_input(f"{E}.1", "/nonexistent")
    assert str(err.value) == "failed to read /nonexistent: No such file or directory (os error 2)"
    with pytest.raises(InvalidInputError, match="Is a directory"):
        outputs.read_input(f"{E}.1", str(tmp_path))
    (tmp_path / "big").write_bytes(b"x" * (user_content.MAX_PAYLOAD_BYTES + 1))
    with pytest.raises(InvalidInputError, match="larger than"):
        outputs.read_input(f"{E}.1", str(tmp_path / "big"))
    (tmp_path / "crlf").write_bytes(b"a\r\nb\r\n\xe2\x9c\x93")
    assert outputs.read_input(f"{E}.1", str(tmp_path / "crlf")).encode() == b"a\r\nb\r\n\xe2\x9c\x93"
    assert outputs.read_input(f"{E}.1", "/dev/null") == ""


def test_list_newest_first_ties_by_id_limit_and_filtering(store):
    for n, when in ((1, 100), (2, 300), (3, 200), (10, 300)):
        outputs.write(store, None, f"{E}.{n}", f"task {n}")
        os.utime(store.outputs.path(f"{E}.{n}"), ns=(when * 10**9, when * 10**9))
    outputs.write(store, None, "fn-10-other.1", "other epic")
    outputs.write(store, None, "fn-1-auth.1", "similar prefix")
    data = outputs.list_for_epic(store, E)
    assert [e["task_id"] for e in data["entries"]] == [f"{E}.10", f"{E}.2", f"{E}.3", f"{E}.1"]
    assert data["entries"][0] == {"mtime": 300, "path": str(store.outputs.path(f"{E}.10")), "task_id": f"{E}.10"}
    assert outputs.list_payload(outputs.list_for_epic(store, E, 1))["count"] == 1
    assert outputs.list_for_epic(store, E, 0)["entries"] == []
    assert outputs.list_text(outputs.list_for_epic(store, "fn-9")) == "(no outputs for epic fn-9)\n"
    assert outputs.list_text(outputs.list_for_epic(store, E, 1)) == f"{E}.10\t{store.outputs.path(f'{E}.10')}\n"
    for bad in ("../../etc", f"{E}.1", "fn-1/.."):
        with pytest.raises(InvalidInputError, match="^Invalid epic ID: "):
            outputs.list_for_epic(store, bad)
