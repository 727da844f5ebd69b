"""ReviewStore: receipts under reviews/, one file per plain file name."""

from __future__ import annotations

import pytest

from flowctl_core.errors import InvalidInputError
from flowctl_db import FlowStore


def test_put_writes_sorted_pretty_json_without_newline_and_strings_verbatim(flow: FlowStore) -> None:
    flow.reviews.put("impl_review-fn-1-a.1-rp.json", {"verdict": "SHIP", "mode": "rp"})
    path = flow.paths.reviews / "impl_review-fn-1-a.1-rp.json"
    assert path.read_bytes() == b'{\n  "mode": "rp",\n  "verdict": "SHIP"\n}'
    assert flow.reviews.read("impl_review-fn-1-a.1-rp.json") == {"mode": "rp", "verdict": "SHIP"}
    flow.reviews.put("cross-model-1.json", '{"a": 1}\n')
    assert (flow.paths.reviews / "cross-model-1.json").read_bytes() == b'{"a": 1}\n'
    assert flow.reviews.names() == ["cross-model-1.json", "impl_review-fn-1-a.1-rp.json"]
    assert flow.reviews.modified_at("cross-model-1.json") is not None
    flow.reviews.delete("cross-model-1.json")
    flow.reviews.delete("cross-model-1.json")  # deleting a missing receipt is a no-op
    assert flow.reviews.names() == ["impl_review-fn-1-a.1-rp.json"]
    assert flow.reviews.read("missing.json") is None and flow.reviews.modified_at("missing.json") is None


@pytest.mark.parametrize("name", ["../escape.json", "sub/x.json", ".hidden", "", "a\nb"])
def test_names_that_are_not_plain_file_names_are_refused(flow: FlowStore, name: str) -> None:
    with pytest.raises(InvalidInputError):
        flow.reviews.put(name, {"x": 1})
    assert not (flow.flow_dir / "escape.json").exists()


def test_receipts_have_no_log(flow: FlowStore) -> None:
    with pytest.raises(ValueError):
        flow.reviews.append({"x": 1})
    assert flow.substore("reviews") is flow.reviews
