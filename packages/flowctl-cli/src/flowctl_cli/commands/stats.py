"""`stats` dashboard (cli-ext.md §17): JSON with --json or whenever stdout is not a TTY, else tables."""

from __future__ import annotations

from typing import Optional

import typer

from ..app import group
from ..output import Result

app = group("Stats dashboard: summary, trends, tokens, DORA metrics")


def _store():
    """The store of `<cwd>/.flow`, not required to exist (stats then reports zeros and creates nothing)."""
    from ..context import read_store

    return read_store()


def _result(data: dict, text: str) -> Result:
    return Result(data, text=text, json_when_piped=True)


@app.command("summary")
def summary() -> Result:
    """Show overall summary."""
    from flowctl_service import stats

    data = stats.summary(_store())
    return _result(data, stats.summary_text(data))


@app.command("epic")
def epic(id: Optional[str] = typer.Option(None, "--id", help="Specific epic ID (optional, shows all if omitted)")
         ) -> Result:
    """Show per-epic breakdown."""
    from flowctl_service import stats

    data = stats.per_epic(_store(), id)
    return _result(data, stats.per_epic_text(data))


@app.command("weekly")
def weekly(weeks: int = typer.Option(8, "--weeks", min=0, help="Number of weeks to show (default: 8)")) -> Result:
    """Show weekly trends."""
    from flowctl_service import stats

    data = stats.weekly(_store(), weeks)
    return _result(data, stats.weekly_text(data))


@app.command("tokens")
def tokens(epic: Optional[str] = typer.Option(None, "--epic", help="Filter by epic ID")) -> Result:
    """Show token/cost breakdown."""
    from flowctl_service import stats

    data = stats.tokens(_store(), epic)
    return _result(data, stats.tokens_text(data))


@app.command("bottlenecks")
def bottlenecks(limit: int = typer.Option(10, "--limit", min=0, help="Max results (default: 10)")) -> Result:
    """Show bottleneck analysis."""
    from flowctl_service import stats

    data = stats.bottlenecks(_store(), limit)
    return _result(data, stats.bottlenecks_text(data))


@app.command("dora")
def dora() -> Result:
    """Show DORA metrics."""
    from flowctl_service import stats

    data = stats.dora(_store())
    return _result(data, stats.dora_text(data))


@app.command("rollup")
def rollup() -> Result:
    """Generate monthly rollups from daily data."""
    from flowctl_service import stats

    data = stats.rollup(_store())
    return _result(data, stats.rollup_text(data))


@app.command("cleanup")
def cleanup() -> Result:
    """Run auto-cleanup (delete old events/rollups)."""
    from flowctl_service import stats

    data = stats.cleanup(_store())
    return _result(data, stats.cleanup_text(data))
