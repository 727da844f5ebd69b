"""Register requirement gaps from a JSON file into an epic's registry, with the typed library API (no CLI).

    python examples/import_gaps.py EPIC FILE [REPO]     # FILE: [{"capability": "...", "priority": "required"}, ...]

A capability already in the registry (trimmed, case-insensitive) is skipped; new gaps get the next ids, source
`import`. The registry is read and written under one store lock, so concurrent `flowctl gap add` calls lose nothing.
Exit 0 on success, 1 on an error (nothing written), 2 on a usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from flowctl_core import models as M
from flowctl_core.errors import FlowError
from flowctl_db.typed import TypedStore
from flowctl_service import workspace
from flowctl_service.actor import resolve_actor


def import_gaps(typed: TypedStore, epic_id: str, wanted: list[dict[str, str]]) -> tuple[int, int]:
    """Append the gaps whose capability is new; return (added, already there)."""
    with typed.batch():  # read, decide and write under one lock: all the new gaps land, or none
        gaps = typed.gaps(epic_id)
        known = {g.capability.strip().lower() for g in gaps}
        next_id = max((g.id for g in gaps), default=0) + 1
        added = []
        for item in wanted:
            capability = item["capability"].strip()
            if capability.lower() in known:
                continue
            added.append(M.GapEntry(id=next_id + len(added), capability=capability,
                                    priority=item.get("priority", "required"), source="import"))
            known.add(capability.lower())
        if added:
            typed.save_gaps(epic_id, [*gaps, *added])
    return len(added), len(wanted) - len(added)


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print("usage: import_gaps.py EPIC FILE [REPO]", file=sys.stderr)
        return 2
    epic_id, file = argv[1], Path(argv[2])
    repo = Path(argv[3]) if len(argv) == 4 else Path.cwd()
    try:
        wanted = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(wanted, list) or not all(isinstance(i, dict) and isinstance(i.get("capability"), str)
                                                   for i in wanted):
            raise ValueError(f"{file}: expected a JSON array of {{\"capability\": ...}} objects")
        typed = TypedStore(workspace.require_store(repo), actor=resolve_actor(repo))
        added, present = import_gaps(typed, epic_id, wanted)
    except (FlowError, OSError, ValueError) as err:  # pydantic's ValidationError is a ValueError
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{epic_id}: {added} gap(s) added, {present} already registered")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
