"""An epic's dependency graph as data (for `watch`) and as pictures: Mermaid and Graphviz dot (`dag --format`).

The graph holds every task of the epic, every dependency edge, the critical path (longest chain, `TaskDag`) and the
ready set (startable tasks whose dependencies are all satisfied, the rule of `ready`). A dependency on a task of
another epic is drawn as an extra, dashed node with that task's status; one naming no task at all is drawn with the
status `missing`. A cycle is an error, exactly as for the text `dag`.
"""

from __future__ import annotations

from typing import Any

from flowctl_core.errors import DependencyError, NotFoundError
from flowctl_db import FlowStore

# Node styles per status: (fill, text colour). One home for the palette of both picture formats.
STATUS_STYLE: dict[str, tuple[str, str]] = {
    "todo": ("#e8eaed", "#202124"),
    "in_progress": ("#aecbfa", "#0b3d91"),
    "blocked": ("#fdd663", "#5f3b00"),
    "failed": ("#f28b82", "#5c0b07"),
    "upstream_failed": ("#f6aea9", "#5c0b07"),
    "up_for_retry": ("#fcc934", "#5c3b00"),
    "done": ("#81c995", "#0d3b1a"),
    "skipped": ("#dadce0", "#5f6368"),
    "missing": ("#ffffff", "#c5221f"),
}
CRITICAL_COLOUR = "#d93025"
READY_COLOUR = "#1a73e8"
FORMATS = ("text", "mermaid", "dot")


def epic_graph(store: FlowStore, epic_id: str) -> dict[str, Any]:
    """`{"epic", "nodes": [{"id", "title", "status", "external", "layer"}], "edges": [[dep, task]], "critical_path",
    "ready"}`; nodes in task-id order (external ones last), edges sorted, layer = wave as in `dag`."""
    tasks = store.list_tasks(epic_id)
    if not tasks:
        raise NotFoundError(f"No tasks found for epic {epic_id}")
    return build_graph(epic_id, tasks, lambda task_id: other_task(store, task_id))


def build_graph(epic_id: str, tasks: list[dict[str, Any]], other_task: Any) -> dict[str, Any]:
    """The graph of `epic_graph` from the epic's tasks (dicts with id, title, status, depends_on) and a lookup
    `other_task(id)` -> task dict or None for dependencies outside the list."""
    from flowctl_core import state_machine as sm
    from flowctl_core.dag import TaskDag

    local = {t["id"] for t in tasks}
    external: dict[str, dict[str, Any]] = {}
    edges: set[tuple[str, str]] = set()
    for task in tasks:
        for dep in task.get("depends_on") or []:
            edges.add((dep, task["id"]))
            if dep not in local and dep not in external:
                other = other_task(dep)
                external[dep] = {"id": dep, "title": other["title"] if other else "",
                                 "status": other["status"] if other else "missing", "external": True}
    pairs = [(t["id"], sorted(set(t.get("depends_on") or []))) for t in tasks]
    pairs += [(tid, []) for tid in sorted(external)]
    try:
        dag = TaskDag(pairs)
    except DependencyError as err:
        raise DependencyError(f"Failed to build DAG: {err}") from err
    cycle = dag.find_cycle()
    if cycle is not None:
        raise DependencyError(f"Cycle detected in DAG: {' -> '.join(cycle)}")
    status = {t["id"]: t["status"] for t in tasks} | {tid: n["status"] for tid, n in external.items()}
    ready = [t["id"] for t in tasks if t["status"] in (sm.TODO, sm.UP_FOR_RETRY)
             and all(sm.is_satisfied(status.get(d)) for d in t.get("depends_on") or [])]
    nodes = [{"id": t["id"], "title": t["title"], "status": t["status"], "external": False} for t in tasks]
    nodes += [external[tid] for tid in sorted(external)]
    layer_of = dag.layer_of()
    for node in nodes:
        node["layer"] = layer_of[node["id"]]
    return {"epic": epic_id, "nodes": nodes, "edges": [list(e) for e in sorted(edges)],
            "critical_path": dag.critical_path(), "ready": ready}


def other_task(store: FlowStore, task_id: str) -> dict[str, Any] | None:
    from flowctl_core import ids

    return store.get_task(task_id) if ids.is_task_id(task_id) else None


def _critical_edges(graph: dict[str, Any]) -> set[tuple[str, str]]:
    path = graph["critical_path"]
    return set(zip(path, path[1:], strict=False))


# ── Mermaid ──────────────────────────────────────────────────────────────────────────────────────────────────────


def _mermaid_text(text: str) -> str:
    """A label safe inside `["…"]`: Mermaid's entity codes for quotes and angle brackets."""
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("\n", " "))


def render_mermaid(graph: dict[str, Any]) -> str:
    """A `flowchart TD`: one node per task (`n0`, `n1`, … labelled with id, title and status), one class per
    status (classDef), the critical path as class `critical` and thick red links, the ready set as class `ready`."""
    key = {n["id"]: f"n{i}" for i, n in enumerate(graph["nodes"])}
    lines = ["flowchart TD", f"    %% flowctl dag {graph['epic']}"]
    for n in graph["nodes"]:
        title = f"<br/>{_mermaid_text(n['title'])}" if n["title"] else ""
        label = f"{_mermaid_text(n['id'])}{title}<br/><i>{n['status']}</i>"
        shape = f'(["{label}"])' if n["external"] else f'["{label}"]'
        lines.append(f"    {key[n['id']]}{shape}")
    critical = _critical_edges(graph)
    external = _externals(graph)
    thick: list[int] = []
    for i, (dep, task) in enumerate(graph["edges"]):
        if (dep, task) in critical:
            lines.append(f"    {key[dep]} ==> {key[task]}")
            thick.append(i)
        else:
            arrow = "-.->" if dep in external else "-->"
            lines.append(f"    {key[dep]} {arrow} {key[task]}")
    for status, (fill, colour) in STATUS_STYLE.items():
        lines.append(f"    classDef {status} fill:{fill},color:{colour},stroke:#5f6368")
    lines.append(f"    classDef critical stroke:{CRITICAL_COLOUR},stroke-width:3px")
    lines.append(f"    classDef ready stroke:{READY_COLOUR},stroke-width:3px,stroke-dasharray:4 2")
    lines.append("    classDef external stroke-dasharray:3 3")
    by_status: dict[str, list[str]] = {}
    for n in graph["nodes"]:
        by_status.setdefault(_style_name(n["status"]), []).append(key[n["id"]])
    for status, members in by_status.items():
        lines.append(f"    class {','.join(members)} {status}")
    for cls, members in (("ready", graph["ready"]), ("critical", graph["critical_path"]),
                         ("external", [n["id"] for n in graph["nodes"] if n["external"]])):
        if members:
            lines.append(f"    class {','.join(key[m] for m in members)} {cls}")
    if thick:
        lines.append(f"    linkStyle {','.join(map(str, thick))} stroke:{CRITICAL_COLOUR},stroke-width:3px")
    return "\n".join(lines) + "\n"


def _externals(graph: dict[str, Any]) -> set[str]:
    return {n["id"] for n in graph["nodes"] if n["external"]}


def _style_name(status: str) -> str:
    """The class of a status; a status outside the palette (hand-edited file) gets `todo`'s look."""
    return status if status in STATUS_STYLE else "todo"


# ── Graphviz dot ─────────────────────────────────────────────────────────────────────────────────────────────────


def _dot_string(text: str) -> str:
    """A dot double-quoted string (backslash and quote escaped; newlines as dot's centred line break)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(graph: dict[str, Any]) -> str:
    """A `digraph`: filled boxes coloured by status (and a `class` attribute naming it, kept in SVG output), the
    critical path with thick red borders and edges, ready tasks with a blue double border, external deps dashed."""
    critical_nodes = set(graph["critical_path"])
    critical = _critical_edges(graph)
    ready = set(graph["ready"])
    external = _externals(graph)
    lines = [f"digraph {_dot_string(graph['epic'])} {{",
             "  rankdir=TB;",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
             '  edge [color="#5f6368"];']
    for n in graph["nodes"]:
        fill, colour = STATUS_STYLE[_style_name(n["status"])]
        label = n["id"] + (f"\n{n['title']}" if n["title"] else "") + f"\n{n['status']}"
        classes = [_style_name(n["status"])]
        attrs = [f"label={_dot_string(label)}", f'fillcolor="{fill}"', f'fontcolor="{colour}"']
        style = ["rounded", "filled"]
        if n["id"] in critical_nodes:
            attrs += [f'color="{CRITICAL_COLOUR}"', "penwidth=3"]
            classes.append("critical")
        if n["id"] in ready:
            attrs += [f'color="{READY_COLOUR}"' if n["id"] not in critical_nodes else "", "peripheries=2"]
            classes.append("ready")
        if n["external"]:
            style.append("dashed")
            classes.append("external")
        attrs += [f'style="{",".join(style)}"', f'class="{" ".join(classes)}"']
        lines.append(f"  {_dot_string(n['id'])} [{', '.join(a for a in attrs if a)}];")
    for dep, task in graph["edges"]:
        attrs = (f'color="{CRITICAL_COLOUR}", penwidth=3, class="critical"' if (dep, task) in critical
                 else ("style=dashed" if dep in external else ""))
        lines.append(f"  {_dot_string(dep)} -> {_dot_string(task)}{f' [{attrs}]' if attrs else ''};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(graph: dict[str, Any], fmt: str) -> str:
    """The picture of `graph` in `fmt` (mermaid or dot)."""
    return render_mermaid(graph) if fmt == "mermaid" else render_dot(graph)
