"""A CI gate over `.flow/`, using only the flowctl libraries: fail when an epic has open required gaps or an invalid
dependency graph (unknown dependency, cycle).

    python examples/ci_gate.py [REPO] [--epic EPIC]...     # default: every open epic of the current directory

Exit 0 when every checked epic passes, 1 when one fails (each problem on stderr), 2 on a usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flowctl_core.dag import TaskDag
from flowctl_core.errors import FlowError
from flowctl_db import FlowStore
from flowctl_service import workspace


def problems(store: FlowStore, epic_id: str) -> list[str]:
    """What blocks one epic: open `required` gaps, then a dependency graph that does not build or has a cycle."""
    found = [f"{epic_id}: open required gap {gap['id']}: {gap['capability']}"
             for gap in store.gaps.read(epic_id) if gap.get("priority") == "required" and not gap.get("resolved")]
    try:
        dag = TaskDag(store.list_tasks(epic_id))
        cycle = dag.find_cycle()
        if cycle:
            found.append(f"{epic_id}: dependency cycle {' -> '.join(cycle)}")
    except FlowError as err:  # DependencyError: unknown dependency, self-dependency, duplicate id
        found.append(f"{epic_id}: invalid dependency graph: {err}")
    return found


def main(argv: list[str]) -> int:
    args = argv[1:]
    epics: list[str] = []
    while "--epic" in args:
        at = args.index("--epic")
        if at + 1 >= len(args):
            print("usage: ci_gate.py [REPO] [--epic EPIC]...", file=sys.stderr)
            return 2
        epics.append(args[at + 1])
        del args[at:at + 2]
    repo = Path(args[0]) if args else Path.cwd()
    try:
        store = workspace.require_store(repo)
        epics = epics or sorted(e["id"] for e in store.list_epics() if e.get("status") != "done")
        failures = [p for epic in epics for p in problems(store, epic)]
    except FlowError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for problem in failures:
        print(problem, file=sys.stderr)
    print(f"{len(epics)} epic(s) checked, {len(failures)} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
