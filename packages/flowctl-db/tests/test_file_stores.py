"""The whole-file stores outputs/, checkpoints and .archive/: verbatim writes, validated keys, deletes."""

from __future__ import annotations

import pytest

from flowctl_core.errors import InvalidInputError
from flowctl_db import FlowStore


def test_outputs_are_verbatim_per_task(flow: FlowStore) -> None:
    flow.outputs.put("fn-1-a.2", "# notes\r\nkept\n")
    assert (flow.paths.outputs / "fn-1-a.2.md").read_bytes() == b"# notes\r\nkept\n"
    assert flow.outputs.read("fn-1-a.2") == "# notes\r\nkept\n" and flow.outputs.task_ids() == ["fn-1-a.2"]
    flow.outputs.delete("fn-1-a.2")
    assert flow.outputs.read("fn-1-a.2") is None and flow.outputs.task_ids() == []
    with pytest.raises(InvalidInputError):
        flow.outputs.put("../x", "x")


def test_checkpoints_sorted_json_or_verbatim_and_the_legacy_name(flow: FlowStore) -> None:
    flow.checkpoints.put("fn-1-a", {"b": 1, "a": 2})
    assert flow.paths.checkpoint("fn-1-a").read_bytes() == b'{\n  "a": 2,\n  "b": 1\n}'
    flow.checkpoints.put("legacy:fn-1-a", "{}\n")
    assert (flow.flow_dir / ".checkpoint-fn-1-a.json").read_text() == "{}\n"
    assert flow.checkpoints.read_text("legacy:fn-1-a") == "{}\n"
    flow.checkpoints.delete("legacy:fn-1-a")
    flow.checkpoints.delete("fn-1-a")
    assert not flow.paths.checkpoint("fn-1-a").exists()


def test_archive_files_and_their_folder(flow: FlowStore) -> None:
    flow.archive.put("fn-1-a/fn-1-a.md", "# spec\n")
    flow.archive.put("fn-1-a/review-fn-1-a.1-x.json", "{}")
    assert flow.archive.names("fn-1-a") == ["fn-1-a.md", "review-fn-1-a.1-x.json"]
    assert flow.archive.read_text("fn-1-a/fn-1-a.md") == "# spec\n"
    flow.archive.delete("fn-1-a/fn-1-a.md")
    flow.archive.delete("fn-1-a/review-fn-1-a.1-x.json")
    assert not flow.archive.directory("fn-1-a").exists()  # the emptied folder goes too
    for bad in ("no-slash", "fn-1-a/../x", "../x/y"):
        with pytest.raises((ValueError, InvalidInputError)):
            flow.archive.put(bad, "x")


@pytest.mark.parametrize("name", ["outputs", "checkpoints", "archive"])
def test_no_log(flow: FlowStore, name: str) -> None:
    with pytest.raises(ValueError):
        flow.substore(name).append("x")
