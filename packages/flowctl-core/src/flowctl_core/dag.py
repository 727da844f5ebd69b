"""Task dependency graph: readiness, failure propagation, cycles, topological order and layers (storage.md §6).

Edges point dependency -> dependent ("A must finish before B"). Everything returned is sorted or otherwise
deterministic (decision D-3 / D47). All algorithms are linear or n·log n in the number of tasks plus edges, so a
20,000-task store stays fast.

Tasks may be given as ``(id, depends_on)`` pairs, as dicts ``{"id": …, "depends_on": […]}`` or as objects with
``id`` / ``depends_on`` attributes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flowctl_core.errors import DependencyError
from flowctl_core.state_machine import FAILED_STATUSES as _FAILED
from flowctl_core.state_machine import SATISFIED_STATUSES as _SATISFIED
from flowctl_core.state_machine import TODO as _TODO


def _pairs(tasks: Iterable[Any]) -> list[tuple[str, list[str]]]:
    """Normalise the accepted task shapes to (id, depends_on) pairs."""
    out: list[tuple[str, list[str]]] = []
    for t in tasks:
        if isinstance(t, Mapping):
            tid = t["id"]
            deps = t.get("depends_on") or []
        elif isinstance(t, (tuple, list)):
            tid, deps = t[0], t[1]
        else:
            tid = t.id
            deps = getattr(t, "depends_on", None) or []
        out.append((tid, list(deps)))
    return out


def _status(statuses: Mapping[str, str], tid: str) -> str:
    # A task missing from the status map is todo (reference default).
    return statuses.get(tid, _TODO)


class TaskDag:
    """Dependency graph over a fixed set of tasks (core ``TaskDag`` of the reference)."""

    __slots__ = ("_ids", "_index", "_deps", "_outs")

    def __init__(self, tasks: Iterable[Any] = ()) -> None:
        """Build the graph; DependencyError on a duplicate id, an unknown dependency or a self-dependency."""
        pairs = _pairs(tasks)
        index: dict[str, int] = {}
        ids: list[str] = []
        for tid, _ in pairs:
            if tid in index:
                raise DependencyError(f"duplicate task ID: {tid}")
            index[tid] = len(ids)
            ids.append(tid)
        deps: list[list[int]] = [[] for _ in ids]
        outs: list[list[int]] = [[] for _ in ids]
        for tid, dep_ids in pairs:
            me = index[tid]
            for d in dep_ids:
                di = index.get(d)
                if di is None:
                    raise DependencyError(f"unknown dependency: task {tid} depends on {d}")
                if di == me:
                    raise DependencyError(f"cycle detected in task DAG: self-referencing: {tid} -> {d}")
                # Duplicate depends_on entries become duplicate edges, as in the reference.
                deps[me].append(di)
                outs[di].append(me)
        self._ids = ids
        self._index = index
        self._deps = deps
        self._outs = outs

    @classmethod
    def from_tasks(cls, tasks: Iterable[Any]) -> TaskDag:
        """Alias of the constructor."""
        return cls(tasks)

    # ── basic queries ─────────────────────────────────────────────────────────────────────────────────────────────

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, tid: object) -> bool:
        return tid in self._index

    def task_ids(self) -> list[str]:
        """All task ids, sorted."""
        return sorted(self._ids)

    def dependencies(self, tid: str) -> list[str]:
        """Direct dependencies (upstream) of a task, sorted; [] for an unknown id."""
        i = self._index.get(tid)
        if i is None:
            return []
        ids = self._ids
        return sorted(ids[d] for d in self._deps[i])

    def dependents(self, tid: str) -> list[str]:
        """Direct dependents (downstream) of a task, sorted; [] for an unknown id."""
        i = self._index.get(tid)
        if i is None:
            return []
        ids = self._ids
        return sorted(ids[o] for o in self._outs[i])

    # ── scheduling ────────────────────────────────────────────────────────────────────────────────────────────────

    def ready_tasks(self, statuses: Mapping[str, str]) -> list[str]:
        """Ids whose status is todo and whose dependencies are all satisfied (done/skipped), sorted."""
        ids = self._ids
        sat = [_status(statuses, tid) in _SATISFIED for tid in ids]
        ready = [
            tid
            for i, tid in enumerate(ids)
            if _status(statuses, tid) == _TODO and all(sat[d] for d in self._deps[i])
        ]
        ready.sort()
        return ready

    def complete(self, tid: str, statuses: Mapping[str, str]) -> list[str]:
        """Direct todo dependents that become ready once tid counts as satisfied, sorted; [] for an unknown id."""
        i = self._index.get(tid)
        if i is None:
            return []
        ids = self._ids
        newly: set[str] = set()
        for o in self._outs[i]:
            oid = ids[o]
            if _status(statuses, oid) != _TODO:
                continue
            if all(d == i or _status(statuses, ids[d]) in _SATISFIED for d in self._deps[o]):
                newly.add(oid)
        return sorted(newly)

    def skip_task(self, tid: str, statuses: Mapping[str, str]) -> list[str]:
        """Same as complete(): skipped satisfies dependents."""
        return self.complete(tid, statuses)

    def _reach_down(self, start: int) -> list[int]:
        seen = {start}
        order: list[int] = []
        queue = deque((start,))
        outs = self._outs
        while queue:
            cur = queue.popleft()
            for o in outs[cur]:
                if o not in seen:
                    seen.add(o)
                    order.append(o)
                    queue.append(o)
        return order

    def propagate_failure(self, tid: str) -> list[str]:
        """All transitive dependents of tid (excluding tid), sorted; [] for an unknown id."""
        i = self._index.get(tid)
        if i is None:
            return []
        ids = self._ids
        return sorted(ids[o] for o in self._reach_down(i) if o != i)

    # ── cycles ────────────────────────────────────────────────────────────────────────────────────────────────────

    def _cyclic_components(self) -> list[list[int]]:
        """Strongly connected components with more than one node (iterative Tarjan, linear time)."""
        n = len(self._ids)
        outs = self._outs
        index_of = [-1] * n
        low = [0] * n
        on_stack = [False] * n
        stack: list[int] = []
        comps: list[list[int]] = []
        counter = 0
        for root in range(n):
            if index_of[root] != -1:
                continue
            # Each frame: (node, next edge position).
            work: list[list[int]] = [[root, 0]]
            index_of[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack[root] = True
            while work:
                frame = work[-1]
                v, pos = frame
                edges = outs[v]
                if pos < len(edges):
                    frame[1] = pos + 1
                    w = edges[pos]
                    if index_of[w] == -1:
                        index_of[w] = low[w] = counter
                        counter += 1
                        stack.append(w)
                        on_stack[w] = True
                        work.append([w, 0])
                    elif on_stack[w] and index_of[w] < low[v]:
                        low[v] = index_of[w]
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    if low[v] < low[parent]:
                        low[parent] = low[v]
                if low[v] == index_of[v]:
                    comp: list[int] = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = False
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        comps.append(comp)
        return comps

    def detect_cycles(self) -> list[str] | None:
        """Sorted ids of the nodes that lie on a cycle, or None for an acyclic graph.

        Unlike the reference (D48) nodes that are merely downstream of a cycle are not reported.
        """
        comps = self._cyclic_components()
        if not comps:
            return None
        ids = self._ids
        return sorted(ids[i] for comp in comps for i in comp)

    def find_cycle(self) -> list[str] | None:
        """One concrete cycle as a path ``[a, b, …, a]`` where each id depends on the next; None if acyclic.

        Deterministic: starts at the smallest id on any cycle and takes the shortest way back to it.
        """
        comps = self._cyclic_components()
        if not comps:
            return None
        ids = self._ids
        members = [i for comp in comps for i in comp]
        start = min(members, key=ids.__getitem__)
        comp_set = next(set(c) for c in comps if start in c)
        return _shortest_cycle(start, comp_set, self._deps, ids)

    # ── orders ────────────────────────────────────────────────────────────────────────────────────────────────────

    def _topo_indices(self) -> list[int]:
        import heapq

        ids = self._ids
        indeg = [len(d) for d in self._deps]
        # Kahn's algorithm always taking the smallest available id: the lexicographically first topological order.
        heap = [(ids[i], i) for i, deg in enumerate(indeg) if deg == 0]
        heapq.heapify(heap)
        order: list[int] = []
        outs = self._outs
        while heap:
            _, i = heapq.heappop(heap)
            order.append(i)
            for o in outs[i]:
                indeg[o] -= 1
                if indeg[o] == 0:
                    heapq.heappush(heap, (ids[o], o))
        return order

    def topological_sort(self) -> list[str]:
        """Ids in dependency order, ties broken by smallest id; nodes on or behind a cycle are omitted."""
        ids = self._ids
        return [ids[i] for i in self._topo_indices()]

    def layer_of(self) -> dict[str, int]:
        """Wave number per node: 0 without dependencies, else 1 + max wave of its dependencies (acyclic part only)."""
        ids = self._ids
        deps = self._deps
        layer: dict[int, int] = {}
        for i in self._topo_indices():
            ds = deps[i]
            layer[i] = 1 + max(layer[d] for d in ds) if ds else 0
        return {ids[i]: lv for i, lv in layer.items()}

    def layers(self) -> list[list[str]]:
        """Nodes grouped by wave: ``result[n]`` = sorted ids of wave n."""
        lo = self.layer_of()
        if not lo:
            return []
        out: list[list[str]] = [[] for _ in range(max(lo.values()) + 1)]
        for tid, lv in lo.items():
            out[lv].append(tid)
        for group in out:
            group.sort()
        return out

    def critical_path(self) -> list[str]:
        """Longest dependency chain (unit weights) from a source to a sink; ties go to the smallest id."""
        ids = self._ids
        deps = self._deps
        dist: dict[int, int] = {}
        pred: dict[int, int] = {}
        for i in self._topo_indices():
            best = -1
            best_d = -1
            for d in deps[i]:
                dd = dist[d]
                if dd > best_d or (dd == best_d and ids[d] < ids[best]):
                    best, best_d = d, dd
            if best >= 0:
                dist[i] = best_d + 1
                pred[i] = best
            else:
                dist[i] = 0
        if not dist:
            return []
        end = min(dist, key=lambda i: (-dist[i], ids[i]))
        path = [end]
        while path[-1] in pred:
            path.append(pred[path[-1]])
        path.reverse()
        return [ids[i] for i in path]


def _shortest_cycle(
    start: int, allowed: set[int], deps: Sequence[Sequence[int]], ids: Sequence[str]
) -> list[str]:
    """Shortest path start -> … -> start along dependency edges, restricted to `allowed` (one SCC)."""
    parent: dict[int, int] = {}
    queue = deque((start,))
    seen = {start}
    while queue:
        cur = queue.popleft()
        for d in sorted(deps[cur], key=ids.__getitem__):
            if d == start:
                path = [cur]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                path.reverse()
                return [ids[i] for i in path] + [ids[start]]
            if d in allowed and d not in seen:
                seen.add(d)
                parent[d] = cur
                queue.append(d)
    raise AssertionError("node of a strongly connected component has no cycle")  # pragma: no cover


# ── functions on plain task lists (used by the service; tolerant of unknown deps and cycles) ──────────────────────


def _reverse_index(pairs: Iterable[tuple[str, list[str]]]) -> dict[str, list[str]]:
    rev: dict[str, list[str]] = {}
    for tid, deps in pairs:
        for d in deps:
            rev.setdefault(d, []).append(tid)
    return rev


def transitive_dependents(tasks: Iterable[Any], task_id: str) -> list[str]:
    """Tasks of the given list that depend on task_id directly or transitively (excluding it), sorted (§6.7)."""
    rev = _reverse_index(_pairs(tasks))
    seen = {task_id}
    queue = deque((task_id,))
    while queue:
        cur = queue.popleft()
        for t in rev.get(cur, ()):
            if t not in seen:
                seen.add(t)
                queue.append(t)
    seen.discard(task_id)
    return sorted(seen)


def would_create_cycle(
    deps_by_id: Mapping[str, Sequence[str]] | Iterable[Any], task_id: str, new_deps: Iterable[str]
) -> list[str] | None:
    """The cycle ``[task_id, dep, …, task_id]`` (each id depends on the next) that adding task_id -> new_deps
    would close, or None when the new edges keep the graph acyclic."""
    graph: Mapping[str, Sequence[str]]
    if isinstance(deps_by_id, Mapping):
        graph = deps_by_id
    else:
        graph = dict(_pairs(deps_by_id))
    # Any new cycle must use a new edge task_id -> d, so it exists iff task_id is reachable from some d.
    for d in new_deps:
        if d == task_id:
            return [task_id, task_id]
        parent: dict[str, str] = {}
        seen = {d}
        queue = deque((d,))
        while queue:
            cur = queue.popleft()
            for nxt in sorted(graph.get(cur, ())):
                if nxt == task_id:
                    path = [cur]
                    while path[-1] != d:
                        path.append(parent[path[-1]])
                    path.reverse()
                    return [task_id, *path, task_id]
                if nxt not in seen:
                    seen.add(nxt)
                    parent[nxt] = cur
                    queue.append(nxt)
    return None


def propagate_upstream_failure(
    tasks: Iterable[Any],
    failed_id: str,
    statuses: Mapping[str, str] | None = None,
    *,
    include_in_progress: bool = True,
) -> list[str]:
    """Ids to mark upstream_failed after failed_id failed: its transitive dependents within `tasks` whose status
    is neither satisfied nor failed, sorted (§6.5).

    D32 fix: unknown dependencies and cycles elsewhere do not disable propagation; the known subgraph is walked.
    A status missing from `statuses` falls back to the task's own ``status`` field, then to todo.
    """
    task_list = list(tasks)
    own: dict[str, str] = {}
    for t in task_list:
        st = t.get("status") if isinstance(t, Mapping) else getattr(t, "status", None)
        if isinstance(st, str):
            tid = t["id"] if isinstance(t, Mapping) else (t[0] if isinstance(t, (tuple, list)) else t.id)
            own[tid] = st
    statuses = statuses or {}
    out: list[str] = []
    for tid in transitive_dependents(task_list, failed_id):
        st = statuses.get(tid) or own.get(tid) or _TODO
        if st in _SATISFIED or st in _FAILED:
            continue
        if not include_in_progress and st == "in_progress":
            continue
        out.append(tid)
    return out
