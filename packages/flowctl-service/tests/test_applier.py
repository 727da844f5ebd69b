"""The one write path: store ops reach the sub-store that owns the file; a dry run writes nothing."""

from __future__ import annotations

import json

import pytest

from flowctl_core import changes as ch
from flowctl_db import FlowStore
from flowctl_service.applier import ChangesApplier, commit


def _tree(store: FlowStore) -> dict[str, bytes]:
    root = store.flow_dir
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_store_ops_write_the_owned_files_and_log_no_event(store: FlowStore) -> None:
    gap = {"id": 1, "capability": "OAuth", "priority": "required", "source": "manual", "resolved": False}
    batch = ch.Changes([
        ch.put("gaps", "fn-1-a", [gap]),
        ch.put("pipeline", "", {"fn-1-a": "plan"}),
        ch.put("phases", "", {"fn-1-a.1": ["1"]}),
        ch.put("locks", "", []),
        ch.put("approvals", "", [{"id": "x", "odd": True}]),
        ch.put("config", "", {"memory": {"enabled": True}}),
        ch.put("memory", "entries/001-pitfall.md", "body\r\n"),
        ch.put("memory", "stats", {"1": {"refs": 2}}),
        ch.put("memory", "index", [{"id": 1}]),
        ch.append("events", {"type": "decision", "stream_id": "decision:_global"}),
    ])
    assert ChangesApplier(store, "tester").apply(batch) == 10
    p = store.paths
    assert json.loads(p.gaps_json("fn-1-a").read_text())[0]["capability"] == "OAuth"
    assert json.loads(p.pipeline.read_text()) == {"fn-1-a": "plan"}
    assert json.loads(p.approvals.read_text()) == [{"id": "x", "odd": True}]
    assert store.config.read() == {"memory": {"enabled": True}}
    assert (p.memory / "entries" / "001-pitfall.md").read_bytes() == b"body\r\n"
    assert store.memory.index() == [{"id": 1}]
    assert store.events.read_all() == [{"type": "decision", "stream_id": "decision:_global"}]  # only the appended one

    ChangesApplier(store).apply(ch.Changes([ch.delete("gaps", "fn-1-a"), ch.delete("memory", "entries/001-pitfall.md")]))
    assert not p.gaps_json("fn-1-a").exists()
    assert not (p.memory / "entries" / "001-pitfall.md").exists()


def test_dry_run_commit_previews_and_writes_nothing(store: FlowStore) -> None:
    before = _tree(store)
    batch = ch.Changes([ch.put("pipeline", "", {"fn-1-a": "work"}), ch.append("events", {"type": "x"})])
    preview = commit(store, batch, "tester", dry_run=True)
    assert preview == {"changes": {"mutations": [
        {"op": "put", "store": "pipeline", "key": "", "value": {"fn-1-a": "work"}},
        {"op": "append", "store": "events", "key": "", "value": {"type": "x"}},
    ]}, "dry_run": True}
    assert _tree(store) == before
    assert commit(store, batch, "tester") is None
    assert json.loads(store.paths.pipeline.read_text()) == {"fn-1-a": "work"}


@pytest.mark.parametrize("mutation", [
    ch.put("nowhere", "", {}),
    ch.put("memory", "../escape.md", "x"),
    ch.put("events", "", {}),
])
def test_bad_store_ops_are_refused(store: FlowStore, mutation: ch.Mutation) -> None:
    with pytest.raises(ValueError):
        ChangesApplier(store).apply(ch.Changes([mutation]))
    assert not (store.flow_dir.parent / "escape.md").exists()
