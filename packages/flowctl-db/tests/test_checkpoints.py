"""CheckpointStore: read, exists, the reference's file format; a file that is not an object is corrupt."""

from __future__ import annotations

import pytest

from flowctl_core.errors import CorruptFileError
from flowctl_db.checkpoints import encode


def test_round_trip_and_format(flow) -> None:
    assert flow.checkpoints.read("fn-1-a") is None and not flow.checkpoints.exists("fn-1-a")
    doc = {"tasks": [{"task": {"title": "é", "id": "fn-1-a.1"}, "state": None}], "epic": None, "timestamp": "t"}
    flow.checkpoints.put("fn-1-a", doc)
    path = flow.paths.checkpoint("fn-1-a")
    assert path.read_bytes() == encode(doc)
    assert path.read_text() == ('{\n  "epic": null,\n  "tasks": [\n    {\n      "state": null,\n      "task": {\n'
                                '        "id": "fn-1-a.1",\n        "title": "é"\n      }\n    }\n  ],\n'
                                '  "timestamp": "t"\n}')
    assert flow.checkpoints.read("fn-1-a") == doc and flow.checkpoints.exists("fn-1-a")


@pytest.mark.parametrize("content", [b"[]", b"null", b"{", b'"x"'])
def test_not_an_object_is_corrupt(flow, content: bytes) -> None:
    path = flow.paths.checkpoint("fn-1-a")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with pytest.raises(CorruptFileError) as err:
        flow.checkpoints.read("fn-1-a")
    assert err.value.path == str(path) and path.read_bytes() == content
