from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest

from flowctl_core.dag import (
    TaskDag,
    propagate_upstream_failure,
    transitive_dependents,
    would_create_cycle,
)
from flowctl_core.errors import DependencyError


def diamond() -> TaskDag:
    #   a
    #  / \
    # b   c
    #  \ /
    #   d
    return TaskDag([("a", []), ("b", ["a"]), ("c", ["a"]), ("d", ["b", "c"])])


# ── building ─────────────────────────────────────────────────────────────────────────────────────────────────────


def test_build_from_shapes() -> None:
    @dataclass
    class T:
        id: str
        depends_on: list[str] = field(default_factory=list)

    d1 = TaskDag([{"id": "x"}, {"id": "y", "depends_on": ["x"]}])
    d2 = TaskDag([T("x"), T("y", ["x"])])
    d3 = TaskDag.from_tasks([("x", []), ["y", ["x"]]])
    for d in (d1, d2, d3):
        assert d.task_ids() == ["x", "y"]
        assert d.dependencies("y") == ["x"]
        assert d.dependents("x") == ["y"]
        assert len(d) == 2 and "x" in d and "z" not in d


def test_build_errors() -> None:
    with pytest.raises(DependencyError) as e1:
        TaskDag([("a", []), ("a", [])])
    assert str(e1.value) == "duplicate task ID: a"
    with pytest.raises(DependencyError) as e2:
        TaskDag([("a", []), ("b", ["a", "zz"])])
    assert str(e2.value) == "unknown dependency: task b depends on zz"
    with pytest.raises(DependencyError) as e3:
        TaskDag([("a", ["a"])])
    assert str(e3.value) == "cycle detected in task DAG: self-referencing: a -> a"


def test_longer_cycles_allowed_at_build() -> None:
    d = TaskDag([("a", ["b"]), ("b", ["a"])])
    assert d.detect_cycles() == ["a", "b"]


def test_empty_dag() -> None:
    d = TaskDag([])
    assert d.task_ids() == [] and d.topological_sort() == [] and d.critical_path() == []
    assert d.layers() == [] and d.detect_cycles() is None and d.find_cycle() is None
    assert d.ready_tasks({}) == []


def test_duplicate_depends_on_entries_become_duplicate_edges() -> None:
    d = TaskDag([("a", []), ("b", ["a", "a"])])
    assert d.dependencies("b") == ["a", "a"]
    assert d.topological_sort() == ["a", "b"]
    assert d.complete("a", {}) == ["b"]


# ── scheduling ───────────────────────────────────────────────────────────────────────────────────────────────────


def test_ready_tasks() -> None:
    d = diamond()
    assert d.ready_tasks({}) == ["a"]
    assert d.ready_tasks({"a": "done"}) == ["b", "c"]
    assert d.ready_tasks({"a": "skipped", "b": "done"}) == ["c"]
    assert d.ready_tasks({"a": "done", "b": "done", "c": "skipped"}) == ["d"]
    # Non-todo tasks are never ready; failed deps are unsatisfied.
    assert d.ready_tasks({"a": "in_progress"}) == []
    assert d.ready_tasks({"a": "failed"}) == []
    assert d.ready_tasks({"a": "done", "b": "up_for_retry", "c": "done"}) == []


def test_complete_and_skip() -> None:
    d = diamond()
    assert d.complete("a", {}) == ["b", "c"]
    assert d.complete("b", {"a": "done"}) == []  # d still waits on c
    assert d.complete("b", {"a": "done", "c": "done"}) == ["d"]
    assert d.complete("b", {"a": "done", "c": "done", "d": "blocked"}) == []
    assert d.skip_task("a", {"c": "in_progress"}) == ["b"]
    assert d.complete("nope", {}) == []


def test_propagate_failure() -> None:
    d = diamond()
    assert d.propagate_failure("a") == ["b", "c", "d"]
    assert d.propagate_failure("b") == ["d"]
    assert d.propagate_failure("d") == []
    assert d.propagate_failure("nope") == []
    cyc = TaskDag([("a", ["c"]), ("b", ["a"]), ("c", ["b"])])
    assert cyc.propagate_failure("a") == ["b", "c"]


def test_dependencies_dependents_unknown() -> None:
    d = diamond()
    assert d.dependencies("d") == ["b", "c"]
    assert d.dependents("a") == ["b", "c"]
    assert d.dependencies("zz") == [] and d.dependents("zz") == []


# ── cycles ───────────────────────────────────────────────────────────────────────────────────────────────────────


def test_detect_cycles_reports_only_members() -> None:
    # a -> b -> c -> a is a cycle; d depends on c (downstream only); e is independent.
    d = TaskDag([("a", ["c"]), ("b", ["a"]), ("c", ["b"]), ("d", ["c"]), ("e", []), ("f", ["d"])])
    assert d.detect_cycles() == ["a", "b", "c"]
    assert diamond().detect_cycles() is None


def test_detect_cycles_multiple_components() -> None:
    d = TaskDag([("x", ["y"]), ("y", ["x"]), ("p", ["q"]), ("q", ["r"]), ("r", ["p"]), ("s", ["x", "p"])])
    assert d.detect_cycles() == ["p", "q", "r", "x", "y"]


def test_find_cycle_path() -> None:
    d = TaskDag([("a", ["c"]), ("b", ["a"]), ("c", ["b"]), ("d", ["c"])])
    # Each id depends on the next one.
    assert d.find_cycle() == ["a", "c", "b", "a"]
    two = TaskDag([("m", ["n"]), ("n", ["m"])])
    assert two.find_cycle() == ["m", "n", "m"]
    assert diamond().find_cycle() is None


def test_find_cycle_shortest_through_smallest_member() -> None:
    # a depends on b and e; b -> c -> d -> a is long, e -> a is short.
    d = TaskDag([("a", ["b", "e"]), ("b", ["c"]), ("c", ["d"]), ("d", ["a"]), ("e", ["a"])])
    assert d.find_cycle() == ["a", "e", "a"]
    path = d.find_cycle()
    assert path is not None
    for x, y in zip(path, path[1:], strict=False):
        assert y in d.dependencies(x)


# ── orders ───────────────────────────────────────────────────────────────────────────────────────────────────────


def test_topological_sort_deterministic() -> None:
    tasks = [("z", []), ("m", []), ("b", ["z"]), ("a", ["z", "m"]), ("c", [])]
    d = TaskDag(tasks)
    assert d.topological_sort() == ["c", "m", "z", "a", "b"]
    assert TaskDag(list(reversed(tasks))).topological_sort() == ["c", "m", "z", "a", "b"]


def test_topological_sort_skips_cycle_and_downstream() -> None:
    d = TaskDag([("a", ["b"]), ("b", ["a"]), ("c", ["a"]), ("d", [])])
    assert d.topological_sort() == ["d"]


def test_layers() -> None:
    d = TaskDag(
        [
            ("fn-1.1", []),
            ("fn-1.2", ["fn-1.1"]),
            ("fn-1.3", []),
            ("fn-1.4", ["fn-1.2", "fn-1.3"]),
            ("fn-1.10", []),
        ]
    )
    assert d.layers() == [["fn-1.1", "fn-1.10", "fn-1.3"], ["fn-1.2"], ["fn-1.4"]]
    assert d.layer_of() == {"fn-1.1": 0, "fn-1.10": 0, "fn-1.3": 0, "fn-1.2": 1, "fn-1.4": 2}


def test_critical_path() -> None:
    d = diamond()
    assert d.critical_path() == ["a", "b", "d"]  # tie between b and c -> smaller id
    chain = TaskDag([("t3", ["t2"]), ("t2", ["t1"]), ("t1", []), ("x", [])])
    assert chain.critical_path() == ["t1", "t2", "t3"]
    single = TaskDag([("q", []), ("p", [])])
    assert single.critical_path() == ["p"]


# ── module functions ─────────────────────────────────────────────────────────────────────────────────────────────


def test_transitive_dependents() -> None:
    tasks = [
        {"id": "e.1", "depends_on": []},
        {"id": "e.2", "depends_on": ["e.1"]},
        {"id": "e.3", "depends_on": ["e.2", "missing.9"]},
        {"id": "e.4", "depends_on": []},
        {"id": "e.10", "depends_on": ["e.3"]},
    ]
    assert transitive_dependents(tasks, "e.1") == ["e.10", "e.2", "e.3"]
    assert transitive_dependents(tasks, "e.4") == []
    assert transitive_dependents(tasks, "zz") == []
    # A cycle back to the start does not include the start itself.
    cyc = [("a", ["c"]), ("b", ["a"]), ("c", ["b"])]
    assert transitive_dependents(cyc, "a") == ["b", "c"]


def test_would_create_cycle() -> None:
    deps = {"a": [], "b": ["a"], "c": ["b"]}
    assert would_create_cycle(deps, "a", ["c"]) == ["a", "c", "b", "a"]
    assert would_create_cycle(deps, "a", ["a"]) == ["a", "a"]
    assert would_create_cycle(deps, "c", ["a"]) is None
    assert would_create_cycle(deps, "d", ["c", "unknown"]) is None
    assert would_create_cycle(deps, "b", ["x", "c"]) == ["b", "c", "b"]
    # Accepts a task list as well.
    assert would_create_cycle([("a", []), ("b", ["a"])], "a", ["b"]) == ["a", "b", "a"]


def test_propagate_upstream_failure_basic() -> None:
    tasks = [
        {"id": "e.1", "depends_on": []},
        {"id": "e.2", "depends_on": ["e.1"]},
        {"id": "e.3", "depends_on": ["e.2"]},
        {"id": "e.4", "depends_on": ["e.1"]},
        {"id": "e.5", "depends_on": ["e.1"]},
        {"id": "e.6", "depends_on": ["e.1"]},
        {"id": "e.7", "depends_on": ["e.1"]},
        {"id": "e.8", "depends_on": []},
    ]
    statuses = {
        "e.1": "failed",
        "e.2": "todo",
        "e.3": "in_progress",
        "e.4": "done",
        "e.5": "upstream_failed",
        "e.6": "blocked",
        "e.7": "skipped",
    }
    assert propagate_upstream_failure(tasks, "e.1", statuses) == ["e.2", "e.3", "e.6"]
    assert propagate_upstream_failure(tasks, "e.1", statuses, include_in_progress=False) == ["e.2", "e.6"]


def test_propagate_upstream_failure_d32_unknown_deps_and_cycles() -> None:
    # The reference silently propagated nothing here; we propagate over the known subgraph.
    tasks = [
        ("e.1", []),
        ("e.2", ["e.1", "other.5"]),  # unknown dependency
        ("e.3", ["e.2"]),
        ("e.4", ["e.5"]),  # e.4 <-> e.5 cycle, unrelated
        ("e.5", ["e.4"]),
        ("e.6", ["e.3", "e.6"]),  # self-dependency
    ]
    assert propagate_upstream_failure(tasks, "e.1", {"e.1": "failed"}) == ["e.2", "e.3", "e.6"]


def test_propagate_uses_own_status_fallback() -> None:
    tasks = [{"id": "a", "depends_on": []}, {"id": "b", "depends_on": ["a"], "status": "done"}, ("c", ["b"])]
    assert propagate_upstream_failure(tasks, "a") == ["c"]
    assert propagate_upstream_failure(tasks, "a", {"b": "todo"}) == ["b", "c"]


# ── performance ──────────────────────────────────────────────────────────────────────────────────────────────────


def _big(n: int) -> list[tuple[str, list[str]]]:
    # A layered graph: each task depends on up to three earlier tasks.
    tasks: list[tuple[str, list[str]]] = []
    for i in range(n):
        deps = [f"fn-1.{j}" for j in {i - 1, i - 7, i // 2} if 0 <= j < i]
        tasks.append((f"fn-1.{i}", deps))
    return tasks


def test_performance_20k() -> None:
    n = 20_000
    tasks = _big(n)
    t0 = time.perf_counter()
    d = TaskDag(tasks)
    statuses = {f"fn-1.{i}": "done" for i in range(0, n, 2)}
    d.ready_tasks(statuses)
    assert d.detect_cycles() is None
    assert d.find_cycle() is None
    topo = d.topological_sort()
    assert len(topo) == n
    layers = d.layers()
    assert sum(len(x) for x in layers) == n
    cp = d.critical_path()
    assert cp[0] == "fn-1.0" and cp[-1] == f"fn-1.{n - 1}"
    assert len(d.propagate_failure("fn-1.0")) == n - 1
    assert len(transitive_dependents(tasks, "fn-1.0")) == n - 1
    assert len(propagate_upstream_failure(tasks, "fn-1.0", statuses)) == n // 2  # the odd (not done) ones
    deps_by_id = dict(tasks)
    assert would_create_cycle(deps_by_id, "fn-1.0", [f"fn-1.{n - 1}"]) is not None
    assert would_create_cycle(deps_by_id, f"fn-1.{n - 1}", ["fn-1.0"]) is None
    elapsed = time.perf_counter() - t0
    assert elapsed < 5.0, elapsed


def test_performance_long_cycle_and_chain() -> None:
    n = 20_000
    # One 20k-node cycle: the iterative SCC search must not hit the recursion limit.
    ring = [(f"r{i}", [f"r{(i + 1) % n}"]) for i in range(n)]
    t0 = time.perf_counter()
    d = TaskDag(ring)
    cyc = d.detect_cycles()
    assert cyc is not None and len(cyc) == n
    path = d.find_cycle()
    assert path is not None and len(path) == n + 1 and path[0] == path[-1] == "r0"
    chain = TaskDag([(f"c{i:05d}", [f"c{i - 1:05d}"] if i else []) for i in range(n)])
    assert len(chain.critical_path()) == n
    assert time.perf_counter() - t0 < 5.0
