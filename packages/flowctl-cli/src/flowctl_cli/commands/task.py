"""`flowctl task …` (cli-core.md §9), plus the old spec-editing names callers still use (§11.1) as hidden aliases."""

from __future__ import annotations

from typing import Optional

import click
import typer

from flowctl_core.records import DOMAINS

from ..app import group
from ..output import Result, preview_of

app = group("Task commands")

_DOMAINS = click.Choice(DOMAINS)


def _store():  # noqa: ANN202 - FlowStore, imported lazily
    from ..context import store

    return store()


def _dry_run() -> bool:
    from ..context import dry_run

    return dry_run()


def _actor(dry_run: bool) -> str | None:
    if dry_run:
        return None  # nothing is applied, so nobody needs to be named
    from flowctl_service.actor import resolve_actor

    from ..context import state

    return resolve_actor(state().cwd)


def _mutation_result(data: dict, text: str) -> Result:
    return preview_of(data) or Result(data, text=text)


@app.command("create")
def create(epic: str = typer.Option(..., "--epic", help="Epic ID"),
           title: str = typer.Option(..., "--title", help="Task title"),
           deps: Optional[str] = typer.Option(None, "--deps", help="Comma-separated dependency IDs"),
           acceptance_file: Optional[str] = typer.Option(None, "--acceptance-file",
                                                         help="Markdown file with acceptance criteria"),
           priority: Optional[int] = typer.Option(None, "--priority", help="Priority (lower = earlier)"),
           domain: Optional[str] = typer.Option(None, "--domain", click_type=_DOMAINS, help="Task domain"),
           files: Optional[str] = typer.Option(None, "--files", help="Comma-separated owned file paths"),
           dep: Optional[str] = typer.Option(None, "--dep", hidden=True,
                                             help="Old singular form of --deps (scripts/teams_e2e_test.sh)")) -> Result:
    """Create a new task."""
    from ..handlers import task

    return task.create(epic=epic, title=title, deps=deps, acceptance_file=acceptance_file, priority=priority,
                       domain=domain, files=files, dep=dep)


def _spec(task_id: str, file: str | None, desc: str | None, accept: str | None,
          investigation: str | None) -> Result:
    from flowctl_service import tasks

    data = tasks.spec(_store(), task_id, file=file, desc=desc, accept=accept, investigation=investigation,
                      dry_run=_dry_run())
    return preview_of(data) or Result(data, text=data["message"])


@app.command("spec")
def spec(task_id: str = typer.Argument(..., metavar="ID", help="Task ID"),
         file: Optional[str] = typer.Option(None, "--file", help="Full spec file"),
         desc: Optional[str] = typer.Option(None, "--desc", "--description", help="Description section file"),
         accept: Optional[str] = typer.Option(None, "--accept", "--acceptance", help="Acceptance section file"),
         investigation: Optional[str] = typer.Option(None, "--investigation",
                                                     help="Investigation targets section file")) -> Result:
    """Set task spec: full file or individual sections."""
    return _spec(task_id, file, desc, accept, investigation)


# The old name callers still use (cli-core §11.1): the same command, hidden from help.
app.command("set-spec", hidden=True)(spec)


@app.command("set-description", hidden=True)
def set_description(task_id: str = typer.Argument(..., metavar="ID", help="Task ID"),
                    file: str = typer.Option(..., "--file", help="Description section file")) -> Result:
    """Old name of `task spec ID --desc F`."""
    return _spec(task_id, None, file, None, None)


@app.command("set-acceptance", hidden=True)
def set_acceptance(task_id: str = typer.Argument(..., metavar="ID", help="Task ID"),
                   file: str = typer.Option(..., "--file", help="Acceptance section file")) -> Result:
    """Old name of `task spec ID --accept F`."""
    return _spec(task_id, None, None, file, None)


@app.command("reset")
def reset(task_id: str = typer.Argument(..., metavar="TASK_ID", help="Task ID"),
          cascade: bool = typer.Option(False, "--cascade", help="Also reset dependent tasks")) -> Result:
    """Reset task to todo."""
    from flowctl_service import tasks

    st = _store()
    dry_run = _dry_run()
    data = tasks.reset(st, _actor(dry_run), task_id, cascade=cascade, dry_run=dry_run)
    if not data.get("reset") and "message" in data:
        return Result(data, text=data["message"])
    return _mutation_result(data, f"Reset: {', '.join(data.get('reset', []))}")


@app.command("skip")
def skip(task_id: str = typer.Argument(..., metavar="TASK_ID", help="Task ID"),
         reason: Optional[str] = typer.Option(None, "--reason", help="Why the task is being skipped")) -> Result:
    """Skip task (mark as permanently skipped)."""
    from flowctl_service import tasks

    st = _store()
    dry_run = _dry_run()
    data = tasks.skip(st, _actor(dry_run), task_id, reason=reason, dry_run=dry_run)
    return _mutation_result(data, f"Task {task_id} skipped{': ' + reason if reason else ''}")


@app.command("split")
def split(task_id: str = typer.Argument(..., metavar="TASK_ID", help="Task ID to split"),
          titles: str = typer.Option(..., "--titles", help="Sub-task titles separated by '|'"),
          chain: bool = typer.Option(False, "--chain", help="Chain sub-tasks sequentially")) -> Result:
    """Split task into sub-tasks (runtime DAG mutation)."""
    from flowctl_service import tasks

    st = _store()
    dry_run = _dry_run()
    data = tasks.split(st, _actor(dry_run), task_id, titles, chain=chain, dry_run=dry_run)
    return _mutation_result(data, "" if "split_into" not in data else tasks.split_text(data))


@app.command("set-backend")
def set_backend(task_id: str = typer.Argument(..., metavar="ID", help="Task ID"),
                impl: Optional[str] = typer.Option(None, "--impl", help="Impl backend spec"),
                review: Optional[str] = typer.Option(None, "--review", help="Review backend spec"),
                sync: Optional[str] = typer.Option(None, "--sync", help="Sync backend spec")) -> Result:
    """Set backend specs for impl/review/sync."""
    from flowctl_service import tasks

    data = tasks.set_backend(_store(), task_id, impl=impl, review=review, sync=sync, dry_run=_dry_run())
    return preview_of(data) or Result(data, text=data["message"])


@app.command("show-backend")
def show_backend(task_id: str = typer.Argument(..., metavar="ID", help="Task ID")) -> Result:
    """Show effective backend specs."""
    from flowctl_service import tasks

    data = tasks.show_backend(_store(), task_id)
    return Result(data, text=tasks.show_backend_text(data))


@app.command("set-deps")
def set_deps(task_id: str = typer.Argument(..., metavar="TASK_ID", help="Task ID"),
             deps: str = typer.Option(..., "--deps", help="Comma-separated dependency IDs")) -> Result:
    """Set task dependencies (comma-separated)."""
    from flowctl_service import tasks

    st = _store()
    dry_run = _dry_run()
    data = tasks.set_deps(st, _actor(dry_run), task_id, deps, dry_run=dry_run)
    added = data.get("added")
    text = (f"Added dependencies to {task_id}: {', '.join(added)}" if added
            else "No new dependencies added (already set)")
    return _mutation_result(data, text)
