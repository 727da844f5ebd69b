"""The epic graph behind `dag --format` and `watch`, and its Mermaid / dot pictures, over real files."""

from __future__ import annotations

import re

import pytest

from flowctl_core.errors import DependencyError, NotFoundError
from flowctl_db import FlowStore
from flowctl_service import pictures

E = "fn-1-add-oauth-login"
OTHER = "fn-2-other"
T_AT = "2026-11-26T14:49:46.304449427Z"


def add_task(s: FlowStore, tid: str, status: str | None = None, deps=(), title: str | None = None) -> None:
    s.save_task_definition({"id": tid, "epic": tid.rsplit(".", 1)[0], "title": title or f"Task {tid}",
                            "status": "todo", "depends_on": list(deps), "created_at": T_AT, "updated_at": T_AT})
    if status is not None:
        s.save_state(tid, {"status": status, "retry_count": 0, "updated_at": T_AT})


@pytest.fixture
def graph_store(store: FlowStore) -> FlowStore:
    """.1 done -> .2 in progress -> .4 todo; .3 up_for_retry -> .4; .5 blocked; .6 todo <- fn-2.1 (done)."""
    add_task(store, f"{OTHER}.1", "done", title="Elsewhere")
    add_task(store, f"{E}.1", "done", title='Register "app" <x>')
    add_task(store, f"{E}.2", "in_progress", deps=[f"{E}.1"])
    add_task(store, f"{E}.3", "up_for_retry")
    add_task(store, f"{E}.4", deps=[f"{E}.2", f"{E}.3"])
    add_task(store, f"{E}.5", "blocked")
    add_task(store, f"{E}.6", deps=[f"{OTHER}.1", "fn-9-gone.1"])
    return store


def test_epic_graph_nodes_edges_critical_path_ready(graph_store):
    g = pictures.epic_graph(graph_store, E)
    assert [(n["id"], n["status"], n["external"]) for n in g["nodes"]] == [
        (f"{E}.1", "done", False), (f"{E}.2", "in_progress", False), (f"{E}.3", "up_for_retry", False),
        (f"{E}.4", "todo", False), (f"{E}.5", "blocked", False), (f"{E}.6", "todo", False),
        (f"{OTHER}.1", "done", True), ("fn-9-gone.1", "missing", True)]
    assert g["nodes"][6]["title"] == "Elsewhere"
    assert g["edges"] == [[f"{E}.1", f"{E}.2"], [f"{E}.2", f"{E}.4"], [f"{E}.3", f"{E}.4"],
                          [f"{OTHER}.1", f"{E}.6"], ["fn-9-gone.1", f"{E}.6"]]
    assert g["critical_path"] == [f"{E}.1", f"{E}.2", f"{E}.4"]
    # up_for_retry counts as startable; .6 waits on a missing task; .4 on the running .2
    assert g["ready"] == [f"{E}.3"]


def test_epic_graph_errors(store):
    with pytest.raises(NotFoundError, match="No tasks found for epic fn-7"):
        pictures.epic_graph(store, "fn-7")
    add_task(store, f"{E}.1", deps=[f"{E}.2"])
    add_task(store, f"{E}.2", deps=[f"{E}.1"])
    with pytest.raises(DependencyError, match=rf"Cycle detected in DAG: {E}.1 -> {E}.2 -> {E}.1"):
        pictures.epic_graph(store, E)


def test_mermaid_has_every_node_edge_and_status_class(graph_store):
    g = pictures.epic_graph(graph_store, E)
    text = pictures.render_mermaid(g)
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    nodes = dict(re.findall(r'^    (n\d+)\(?\["(.+?)"\]\)?$', text, re.M))
    key = {label.split("<br/>")[0]: name for name, label in nodes.items()}
    assert set(key) == {n["id"] for n in g["nodes"]}
    # labels are escaped with Mermaid's entity codes, never raw quotes or brackets
    assert nodes[key[f"{E}.1"]] == f"{E}.1<br/>Register #quot;app#quot; #lt;x#gt;<br/><i>done</i>"
    edges = re.findall(r"^    (n\d+) (-->|==>|-\.->) (n\d+)$", text, re.M)
    assert sorted((a, b) for a, _, b in edges) == sorted((key[d], key[t]) for d, t in g["edges"])
    arrows = {(a, b): arrow for a, arrow, b in edges}
    assert arrows[(key[f"{E}.1"], key[f"{E}.2"])] == "==>"  # critical path: thick
    assert arrows[(key[f"{E}.3"], key[f"{E}.4"])] == "-->"
    assert arrows[(key[f"{OTHER}.1"], key[f"{E}.6"])] == "-.->"  # from another epic: dotted
    defined = set(re.findall(r"^    classDef (\w+) ", text, re.M))
    assert set(pictures.STATUS_STYLE) | {"critical", "ready", "external"} <= defined
    classes: dict[str, set[str]] = {}
    for members, cls in re.findall(r"^    class ([\w,]+) (\w+)$", text, re.M):
        for m in members.split(","):
            classes.setdefault(m, set()).add(cls)
    for n in g["nodes"]:
        assert n["status"] in classes[key[n["id"]]]
    assert {m for m, c in classes.items() if "critical" in c} == {key[t] for t in g["critical_path"]}
    assert {m for m, c in classes.items() if "ready" in c} == {key[f"{E}.3"]}
    link = re.search(r"^    linkStyle ([\d,]+) stroke:", text, re.M)
    assert link is not None and link.group(1) == "0,1"  # the two critical edges, by definition order


def test_dot_has_every_node_edge_and_status_class(graph_store):
    g = pictures.epic_graph(graph_store, E)
    text = pictures.render_dot(g)
    assert text.startswith(f'digraph "{E}" {{\n') and text.endswith("}\n")
    node_lines = dict(re.findall(r'^  "([^"]+)" \[(.*)\];$', text, re.M))
    assert set(node_lines) == {n["id"] for n in g["nodes"]}
    for n in g["nodes"]:
        fill, _ = pictures.STATUS_STYLE[n["status"]]
        assert f'fillcolor="{fill}"' in node_lines[n["id"]]
        assert re.search(rf'class="{n["status"]}\b', node_lines[n["id"]])
    assert 'label="fn-1-add-oauth-login.1\\nRegister \\"app\\" <x>\\ndone"' in node_lines[f"{E}.1"]
    assert "critical" in node_lines[f"{E}.2"] and "penwidth=3" in node_lines[f"{E}.2"]
    assert "ready" in node_lines[f"{E}.3"] and "peripheries=2" in node_lines[f"{E}.3"]
    assert "dashed" in node_lines[f"{OTHER}.1"]
    edges = re.findall(r'^  "([^"]+)" -> "([^"]+)"(.*);$', text, re.M)
    assert [[a, b] for a, b, _ in edges] == g["edges"]
    assert "critical" in edges[0][2] and "critical" not in edges[2][2]
