"""PipelineStore: reads of `.state/pipeline.json`, the whole-file put/delete, a corrupt file raising."""

from __future__ import annotations

import pytest

from flowctl_core.errors import CorruptFileError


def test_put_writes_the_storage_example(flow):
    assert flow.pipeline.read("fn-1") is None and flow.pipeline.read_all() == {}
    flow.pipeline.put("", {"fn-4-billing": "plan", "fn-3-add-oauth-login": "work"})
    assert flow.paths.pipeline.read_text() == (
        '{\n  "fn-3-add-oauth-login": "work",\n  "fn-4-billing": "plan"\n}')
    assert flow.pipeline.read("fn-3-add-oauth-login") == "work"
    flow.pipeline.delete("")
    assert not flow.paths.pipeline.exists()


def test_non_string_value_reads_as_no_entry(flow):
    flow.paths.pipeline.write_text('{"fn-1": "weird", "fn-2": 5}')
    assert flow.pipeline.read("fn-1") == "weird"  # the service decides what an unknown name means
    assert flow.pipeline.read("fn-2") is None
    assert flow.pipeline.read_all() == {"fn-1": "weird", "fn-2": 5}


def test_not_appendable(flow):
    with pytest.raises(ValueError):
        flow.pipeline.append({"fn-1": "plan"})


@pytest.mark.parametrize("content", ["garbage", "[1]"])
def test_corrupt_file_raises_and_is_left_alone(flow, content):
    flow.paths.pipeline.write_text(content)
    for call in (lambda: flow.pipeline.read("fn-1"), flow.pipeline.read_all):
        with pytest.raises(CorruptFileError) as err:
            call()
        assert str(flow.paths.pipeline) in str(err.value)
    assert flow.paths.pipeline.read_text() == content
