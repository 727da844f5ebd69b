"""`flowctl scout-cache …`: cached scout results per scout type and commit (cli-ext.md §12)."""

from __future__ import annotations

from typing import Optional

import typer

from ..app import group
from ..output import Result

app = group("Scout result cache commands (get, set, clear)")

_TYPE_HELP = "Scout type (e.g., repo, capability)"
_COMMIT_HELP = "Git commit hash. Auto-detected from HEAD if omitted"


def _commit(commit: Optional[str]) -> str:
    if commit is not None:
        return commit
    from flowctl_service.scout_cache import head_commit

    from ..context import state

    return head_commit(state().cwd)


def _open_store():  # noqa: ANN202 - FlowStore, imported lazily; reads need no `.flow`
    from flowctl_service.workspace import open_store

    from ..context import state

    return open_store(state().cwd)


@app.command("get")
def get(scout_type: str = typer.Option(..., "--scout-type", "--type", help=_TYPE_HELP),
        commit: Optional[str] = typer.Option(None, "--commit", help=_COMMIT_HELP),
        ttl: Optional[float] = typer.Option(None, "--ttl",
                                            help="Seconds an entry stays fresh (default 86400; 3600 for no-git)")
        ) -> Result:
    """Get a cached scout result."""
    from flowctl_service import scout_cache

    data = scout_cache.get(_open_store(), scout_type, _commit(commit), ttl)
    return Result(scout_cache.get_payload(data), text=scout_cache.get_text(data))


@app.command("set")
def set_(scout_type: str = typer.Option(..., "--scout-type", "--type", help=_TYPE_HELP),
         commit: Optional[str] = typer.Option(None, "--commit", help=_COMMIT_HELP),
         result: str = typer.Option(..., "--result", help="Result JSON string, or `@path/to/file.json` to read from disk"),
         ) -> Result:
    """Set (cache) a scout result."""
    from flowctl_service import scout_cache

    from ..context import state, workflow_store

    text = scout_cache.read_result(result)
    dry_run = state().dry_run
    store = _open_store() if dry_run else workflow_store()
    data = scout_cache.set_(store, None, scout_type, _commit(commit), text, dry_run=dry_run)
    if dry_run:
        return Result(data, raw=True)
    return Result(data, text=f"cached: {data['key']}\n")


@app.command("clear")
def clear() -> Result:
    """Clear all cached scout results."""
    from flowctl_service import scout_cache

    from ..context import state

    dry_run = state().dry_run
    data = scout_cache.clear(_open_store(), dry_run=dry_run)
    if dry_run:
        return Result(data, raw=True)
    return Result(data, text=f"cleared {data['cleared']} cached entries\n")
