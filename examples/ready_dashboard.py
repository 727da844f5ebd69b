"""List the ready tasks of every open epic, using only the flowctl libraries (no `flowctl` command).

    python examples/ready_dashboard.py [REPO]      # default: the current directory

A task is ready when it is todo (or up for retry) and every dependency is done or skipped — the rule of
`flowctl ready`, which this program calls as a library function.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flowctl_core.errors import FlowError
from flowctl_service import scheduling, workspace
from flowctl_service.actor import resolve_actor


def dashboard(repo: Path) -> list[str]:
    """One line per ready task, grouped by epic: `<epic>  <task>  <title>`."""
    store = workspace.require_store(repo)  # NotFoundError when the repository has no .flow/
    actor = resolve_actor(repo)
    lines = []
    for epic in sorted(store.list_epics(), key=lambda e: e["id"]):
        if epic.get("status") == "done" or epic.get("archived"):
            continue
        for task in scheduling.ready(store, epic["id"], actor)["ready"]:
            lines.append(f"{epic['id']}  {task['id']}  {task['title']}")
    return lines


def main(argv: list[str]) -> int:
    repo = Path(argv[1]) if len(argv) > 1 else Path.cwd()
    try:
        lines = dashboard(repo)
    except FlowError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print("\n".join(lines) if lines else "no ready tasks")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
