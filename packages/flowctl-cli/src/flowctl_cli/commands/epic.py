"""`flowctl epic …` (cli-core.md §8), plus the old names callers still use (§11.1) as hidden aliases."""

from __future__ import annotations

from typing import Optional

import click
import typer

from flowctl_core.state_machine import REVIEW_WORDS

from ..app import group
from ..output import Result, preview_of

app = group("Epic commands")

_REVIEW = click.Choice(REVIEW_WORDS)


def _store():  # noqa: ANN202 - FlowStore, imported lazily
    from ..context import store

    return store()


def _dry_run() -> bool:
    from ..context import dry_run

    return dry_run()


def _actor() -> str:
    from flowctl_service.actor import resolve_actor

    from ..context import state

    return resolve_actor(state().cwd)


@app.command("create")
def create(title: str = typer.Option(..., "--title", help="Epic title"),
           branch: Optional[str] = typer.Option(None, "--branch", help="Branch name")) -> Result:
    """Create a new epic."""
    from flowctl_service import epics

    st = _store()
    dry_run = _dry_run()
    data = epics.create(st, None if dry_run else _actor(), title, branch=branch, dry_run=dry_run)
    return preview_of(data) or Result(data, text=f"Epic {data['id']} created: {title}")


def _plan(epic_id: str, file: str) -> Result:
    from flowctl_service import epics

    data = epics.plan(_store(), epic_id, file, dry_run=_dry_run())
    return preview_of(data) or Result(data, text=data["message"])


@app.command("plan")
def plan(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
         file: str = typer.Option(..., "--file", help="Markdown file (use '-' for stdin)")) -> Result:
    """Set epic spec from file (use '-' for stdin)."""
    return _plan(epic_id, file)


@app.command("set-plan", hidden=True)
def set_plan(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
             file: str = typer.Option(..., "--file", help="Markdown file (use '-' for stdin)")) -> Result:
    """Old name of `epic plan`."""
    return _plan(epic_id, file)


def _review(epic_id: str, status: str, kind: str) -> Result:
    from flowctl_service import epics

    data = epics.set_review(_store(), epic_id, status, kind, dry_run=_dry_run())
    return preview_of(data) or Result(data, text=data["message"])


@app.command("review")
def review(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
           status: str = typer.Argument(..., metavar="STATUS", click_type=_REVIEW,
                                        help="Review status: ship, needs_work, unknown")) -> Result:
    """Set plan review status."""
    return _review(epic_id, status, "plan")


@app.command("completion")
def completion(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
               status: str = typer.Argument(..., metavar="STATUS", click_type=_REVIEW,
                                            help="Review status: ship, needs_work, unknown")) -> Result:
    """Set completion review status."""
    return _review(epic_id, status, "completion")


@app.command("set-plan-review-status", hidden=True)
def set_plan_review_status(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
                           status: str = typer.Option(..., "--status", click_type=_REVIEW,
                                                      help="ship, needs_work, unknown")) -> Result:
    """Old name of `epic review ID STATUS`."""
    return _review(epic_id, status, "plan")


@app.command("set-completion-review-status", hidden=True)
def set_completion_review_status(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
                                 status: str = typer.Option(..., "--status", click_type=_REVIEW,
                                                            help="ship, needs_work, unknown")) -> Result:
    """Old name of `epic completion ID STATUS`."""
    return _review(epic_id, status, "completion")


def _branch(epic_id: str, name: str) -> Result:
    from flowctl_service import epics

    data = epics.set_branch(_store(), epic_id, name, dry_run=_dry_run())
    return preview_of(data) or Result(data, text=data["message"])


@app.command("branch")
def branch(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
           name: str = typer.Argument(..., metavar="NAME", help="Branch name")) -> Result:
    """Set epic branch name."""
    return _branch(epic_id, name)


@app.command("set-branch", hidden=True)
def set_branch(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
               name: str = typer.Option(..., "--branch", help="Branch name")) -> Result:
    """Old name of `epic branch ID NAME`."""
    return _branch(epic_id, name)


@app.command("title")
def title(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
          new_title: str = typer.Option(..., "--title", help="New title")) -> Result:
    """Rename epic title."""
    from flowctl_service import epic_rename

    data = epic_rename.rename(_store(), epic_id, new_title, dry_run=_dry_run())
    return preview_of(data) or Result(data, text=epic_rename.rename_text(data))


@app.command("close")
def close(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
          skip_gap_check: bool = typer.Option(False, "--skip-gap-check", help="Bypass gap registry gate")) -> Result:
    """Close an epic."""
    from flowctl_service import epics

    from ..context import state
    from ..output import warn

    data = epics.close(_store(), epic_id, skip_gap_check=skip_gap_check, dry_run=_dry_run())
    if preview_of(data):
        return Result(data, raw=True)
    if data["gaps_skipped"] and not state().json:
        warn(f"WARNING: Bypassing {data['gaps_skipped']} unresolved blocking gap(s)")
    text = f"{data['message']}\n\n  Tip: Run /flow-code:retro to capture lessons learned before archiving."
    return Result(data, text=text)


@app.command("reopen")
def reopen(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID")) -> Result:
    """Reopen a closed epic."""
    from flowctl_service import epics

    data = epics.reopen(_store(), epic_id, dry_run=_dry_run())
    return preview_of(data) or Result(data, text=f"{data['message']} (was: {data['previous_status']})")


@app.command("archive")
def archive(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
            force: bool = typer.Option(False, "--force", help="Archive even if not closed")) -> Result:
    """Archive closed epic to .flow/.archive/."""
    from flowctl_service import epic_archive

    data = epic_archive.archive(_store(), epic_id, force=force, dry_run=_dry_run())
    return preview_of(data) or Result(data, text=epic_archive.archive_text(data))


@app.command("clean")
def clean() -> Result:
    """Archive all closed epics at once."""
    from flowctl_service import epic_archive

    data = epic_archive.clean(_store(), dry_run=_dry_run())
    return preview_of(data) or Result(data, text=epic_archive.clean_text(data))


@app.command("audit")
def audit(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
          force: bool = typer.Option(False, "--force", help="Force a new audit even if a recent (<24h) receipt exists")
          ) -> Result:
    """Audit epic task-coverage vs original spec (advisory only)."""
    from flowctl_service import epics

    data = epics.audit(_store(), epic_id, force=force, dry_run=_dry_run())
    return preview_of(data) or Result(data, text=epics.audit_text(data))


@app.command("add-dep")
def add_dep(epic_id: str = typer.Argument(..., metavar="EPIC", help="Epic ID"),
            dep_id: str = typer.Argument(..., metavar="DEPENDS_ON", help="Epic ID to depend on")) -> Result:
    """Add epic-level dependency."""
    from flowctl_service import epics

    data = epics.add_dep(_store(), epic_id, dep_id, dry_run=_dry_run())
    return preview_of(data) or Result(data, text=epics.dep_text(data))


@app.command("rm-dep")
def rm_dep(epic_id: str = typer.Argument(..., metavar="EPIC", help="Epic ID"),
           dep_id: str = typer.Argument(..., metavar="DEPENDS_ON", help="Epic ID to remove from deps")) -> Result:
    """Remove epic-level dependency."""
    from flowctl_service import epics

    data = epics.rm_dep(_store(), epic_id, dep_id, dry_run=_dry_run())
    return preview_of(data) or Result(data, text=epics.dep_text(data))


@app.command("set-backend")
def set_backend(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
                impl: Optional[str] = typer.Option(None, "--impl", help="Default impl backend spec"),
                review: Optional[str] = typer.Option(None, "--review", help="Default review backend spec"),
                sync: Optional[str] = typer.Option(None, "--sync", help="Default sync backend spec")) -> Result:
    """Set default backend specs."""
    from flowctl_service import epics

    data = epics.set_backend(_store(), epic_id, impl=impl, review=review, sync=sync, dry_run=_dry_run())
    return preview_of(data) or Result(data, text=data["message"])


@app.command("auto-exec")
def auto_exec(epic_id: str = typer.Argument(..., metavar="ID", help="Epic ID"),
              pending: bool = typer.Option(False, "--pending", help="Mark auto-execute as pending"),
              done: bool = typer.Option(False, "--done", help="Clear auto-execute pending marker")) -> Result:
    """Set or clear auto_execute_pending marker."""
    from flowctl_service import epics

    data = epics.auto_exec(_store(), epic_id, pending=pending, done=done, dry_run=_dry_run())
    return preview_of(data) or Result(data, text=data["message"])
