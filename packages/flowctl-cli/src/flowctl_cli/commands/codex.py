"""Codex CLI wrappers: check, impl/plan/completion reviews, adversarial, cross-model, and the Codex mirror sync
(cli-ext §15)."""

from __future__ import annotations

from typing import Optional

import click
import typer

from ..app import group
from ..output import Result

app = group("Codex CLI helpers")

_SANDBOX = click.Choice(["read-only", "workspace-write", "danger-full-access", "auto"])
_EFFORT = click.Choice(["low", "medium", "high"])
_SANDBOX_HELP = "Sandbox mode"
_EFFORT_HELP = "Model reasoning effort level"
_RECEIPT_HELP = "Receipt file path"


def _env():  # noqa: ANN202 - os.environ
    import os

    return os.environ


def _review(kind: str, subject: Optional[str], **options: object) -> Result:
    from flowctl_service import codex

    from ..context import state
    from ..output import warn

    st = state()
    data = codex.review(kind, cwd=st.cwd, env=_env(), subject=subject, dry_run=st.dry_run, warn=warn, **options)
    if data.get("dry_run"):
        return Result(data, raw=True)
    return Result(data, text=codex.review_text(data))


@app.command("check")
def check() -> Result:
    """Check codex availability."""
    from flowctl_service import codex

    from ..context import state

    data = codex.check(state().cwd)
    return Result(data, text=codex.check_text(data))


@app.command("impl-review")
def impl_review(
    task: Optional[str] = typer.Argument(None, help="Task ID (optional for standalone)"),
    base: str = typer.Option(..., "--base", help="Base branch for diff"),
    focus: Optional[str] = typer.Option(None, "--focus", help="Focus areas (comma-separated)"),
    receipt: Optional[str] = typer.Option(None, "--receipt", help=_RECEIPT_HELP),
    sandbox: str = typer.Option("auto", "--sandbox", click_type=_SANDBOX, help=_SANDBOX_HELP),
    effort: str = typer.Option("high", "--effort", click_type=_EFFORT, help=_EFFORT_HELP),
) -> Result:
    """Implementation review."""
    return _review("impl", task, base=base, focus=focus, receipt=receipt, sandbox=sandbox, effort=effort)


@app.command("plan-review")
def plan_review(
    epic: str = typer.Argument(..., help="Epic ID"),
    files: str = typer.Option(..., "--files", help="Comma-separated file paths for context"),
    base: str = typer.Option("main", "--base", help="Base branch for context"),
    receipt: Optional[str] = typer.Option(None, "--receipt", help=_RECEIPT_HELP),
    sandbox: str = typer.Option("auto", "--sandbox", click_type=_SANDBOX, help=_SANDBOX_HELP),
    effort: str = typer.Option("high", "--effort", click_type=_EFFORT, help=_EFFORT_HELP),
) -> Result:
    """Plan review."""
    return _review("plan", epic, files=files, base=base, receipt=receipt, sandbox=sandbox, effort=effort)


@app.command("completion-review")
def completion_review(
    epic: str = typer.Argument(..., help="Epic ID"),
    base: str = typer.Option("main", "--base", help="Base branch for diff"),
    receipt: Optional[str] = typer.Option(None, "--receipt", help=_RECEIPT_HELP),
    sandbox: str = typer.Option("auto", "--sandbox", click_type=_SANDBOX, help=_SANDBOX_HELP),
    effort: str = typer.Option("high", "--effort", click_type=_EFFORT, help=_EFFORT_HELP),
) -> Result:
    """Epic completion review."""
    return _review("completion", epic, base=base, receipt=receipt, sandbox=sandbox, effort=effort)


@app.command("adversarial")
def adversarial(
    base: str = typer.Option("main", "--base", help="Base branch for diff"),
    focus: Optional[str] = typer.Option(None, "--focus", help="Specific area to pressure-test"),
    sandbox: str = typer.Option("auto", "--sandbox", help=_SANDBOX_HELP),
    effort: str = typer.Option("high", "--effort", click_type=_EFFORT, help=_EFFORT_HELP),
) -> Result:
    """Adversarial review -- tries to break the code."""
    from flowctl_service import codex

    from ..context import state

    st = state()
    run = codex.adversarial(cwd=st.cwd, env=_env(), base=base, focus=focus, sandbox=sandbox, effort=effort,
                            dry_run=st.dry_run)
    if run.get("dry_run"):
        return Result(run, raw=True)
    return Result(codex.adversarial_json(run), text=codex.adversarial_text(run), verbatim=True)


@app.command("cross-model")
def cross_model(
    base: str = typer.Option("main", "--base", help="Base branch for diff"),
    focus: Optional[str] = typer.Option(None, "--focus", help="Specific area to pressure-test"),
    sandbox: str = typer.Option("auto", "--sandbox", help="Sandbox mode for Codex"),
    effort: str = typer.Option("high", "--effort", click_type=_EFFORT, help=_EFFORT_HELP),
) -> Result:
    """Cross-model review: runs both Codex adversarial AND Claude review, then computes consensus."""
    from flowctl_service import codex

    from ..context import state
    from ..output import warn

    st = state()
    run = codex.cross_model(cwd=st.cwd, env=_env(), base=base, focus=focus, sandbox=sandbox, effort=effort,
                            dry_run=st.dry_run, warn=warn)
    if run.get("dry_run"):
        return Result(run, raw=True)
    return Result(run["review"], text=codex.cross_model_text(run))


@app.command("sync")
def sync(
    agents_dir: str = typer.Option("agents", "--agents-dir", help="Directory containing agent .md files"),
    output_dir: str = typer.Option("codex", "--output-dir", help="Output directory for generated Codex artifacts"),
    hooks: str = typer.Option("hooks/hooks.json", "--hooks", help="Source hooks.json file to patch"),
) -> Result:
    """Sync agent .md files to Codex artifacts (--dry-run validates without writing, --verbose names the output)."""
    from flowctl_service import codex_sync

    from ..context import state
    from ..output import warn

    st = state()
    data = codex_sync.sync(st.cwd, _env(), agents_dir=agents_dir, output_dir=output_dir, hooks=hooks,
                           dry_run=st.dry_run)
    if not st.json:
        for line in codex_sync.error_lines(data):
            warn(line)
    # `--verbose` is also a global flag (hoisted to the root), so it is read from there.
    verbose = bool(click.get_current_context().find_root().params.get("verbose"))
    return Result(data, text=codex_sync.sync_text(data, output_dir, verbose))
