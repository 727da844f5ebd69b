"""Admin commands: init, detect, status, doctor, validate, state-path."""

from __future__ import annotations

from typing import Optional

import typer

from ..app import group
from ..output import Result, preview_of

app = group("Admin commands")


@app.command("init")
def init() -> Result:
    """Initialize .flow/ directory."""
    from flowctl_service import admin

    from ..context import state

    data = admin.init(state().cwd, dry_run=state().dry_run)
    return preview_of(data) or Result(data, text=data["message"])


@app.command("detect")
def detect() -> Result:
    """Check if .flow/ exists and is valid."""
    from flowctl_service import admin

    from ..context import read_store

    data = admin.detect(read_store())
    return Result(data, text=admin.detect_text(data))


@app.command("status")
def status(
    interrupted: bool = typer.Option(False, "--interrupted", help="Detect interrupted epics with undone tasks"),
    dag: bool = typer.Option(False, "--dag", help="Render ASCII DAG of task dependencies for the active epic"),
    epic: Optional[str] = typer.Option(None, "--epic", help="Epic ID (used with --dag or --progress)"),
    progress: bool = typer.Option(False, "--progress", help="Show wave/task progress summary"),
) -> Result:
    """Show .flow state and active runs."""
    from flowctl_service import admin

    from ..context import read_store

    if dag:
        return _status_dag(epic)
    if progress:
        from ..context import store

        data = admin.progress(store(), epic)
        return Result(data, text=admin.progress_text(data))
    st = read_store()
    if interrupted:
        data = admin.interrupted(st)
        return Result(data, text=admin.interrupted_text(data, st.exists()))
    data = admin.status(st)
    return Result(data, text=admin.status_text(data), text_filter="status" if data["flow_exists"] else None)


def _status_dag(epic: str | None) -> Result:
    """`status --dag`: exactly `flowctl dag <epic>`, the epic defaulting to the first open one."""
    from flowctl_core.errors import InvalidInputError
    from flowctl_service import admin, history

    from ..context import read_store

    st = read_store()
    if epic is None:
        epic = admin.first_open_epic(st) if st.exists() else None
        if epic is None:
            raise InvalidInputError("No open epic found. Use --epic <id> to specify.")
    data = history.dag_layers(st, epic)
    return Result(data, text=history.render_dag_text(data), text_filter="dag", json_when_piped=True)


@app.command("doctor")
def doctor(workflow: bool = typer.Option(
        False, "--workflow", help="Run workflow-specific health checks (backend config, tools, locks)")) -> Result:
    """Run comprehensive state health diagnostics."""
    from flowctl_service import admin

    from ..context import state, store

    data = admin.doctor(store(), state().cwd, workflow)
    return Result(data, text=admin.doctor_text(data), exit_code=0 if data["healthy"] else 1)


@app.command("validate")
def validate(
    epic: Optional[str] = typer.Option(None, "--epic", help="Epic ID"),
    all_: bool = typer.Option(False, "--all", help="Validate all epics and tasks"),
) -> Result:
    """Validate epic or all."""
    from flowctl_core.errors import InvalidInputError
    from flowctl_service import admin, lookup

    from ..context import store

    st = store()
    if all_:
        data = admin.validate_all(st)
    elif epic is None:
        raise InvalidInputError("Must specify --epic or --all")
    else:
        data = admin.validate_epic(st, lookup.epic_id(epic))
    return Result(data, text=admin.validate_text(data), exit_code=0 if data["valid"] else 1)


@app.command("state-path")
def state_path(task: Optional[str] = typer.Option(None, "--task", help="Task ID to show state file path for")) -> Result:
    """Show resolved state directory path."""
    from flowctl_service import admin, lookup

    from ..context import workflow_store

    if task is not None:
        lookup.task_id(task)
    # Beyond the reference: a missing .flow is created the way workflow commands do (linked into the git
    # common dir), not as a plain local directory that `init` would later have to migrate (cli-core §10 #21).
    data = admin.state_path(workflow_store(), task)
    return Result(data, text=data.get("task_state_path", data["state_dir"]))
