"""RepoPrompt helpers: thin wrappers around `rp-cli` (cli-ext §14)."""

from __future__ import annotations

from typing import Optional

import click
import typer

from ..app import group
from ..output import Result

app = group("RepoPrompt helpers")

_WINDOW_HELP = "Window id"
_TAB_HELP = "Tab id or name"


def _runner():  # noqa: ANN202 - flowctl_service.rp.Runner
    import os

    from flowctl_service import rp

    from ..context import state

    st = state()
    return rp.Runner(st.cwd, os.environ, dry_run=st.dry_run)


def _verbatim(text: str) -> Result:
    """rp-cli's stdout exactly as it came (also with --json, as the reference)."""
    return Result(None, text=text, text_only=True, verbatim=True)


def _shown(reply: object) -> Result:
    """A pass-through reply, or the --dry-run preview of the call."""
    return Result(reply, raw=True) if isinstance(reply, dict) else _verbatim(str(reply))


@app.command("windows")
def windows() -> Result:
    """List RepoPrompt windows."""
    from flowctl_service import rp

    from ..context import state

    as_json = state().json
    data = rp.windows(_runner(), as_json)
    return Result(data, raw=True) if as_json else _verbatim(data)


@app.command("pick-window")
def pick_window(repo_root: str = typer.Option(..., "--repo-root", help="Repo root path")) -> Result:
    """Pick window by repo root."""
    from flowctl_service import rp

    from ..context import state

    window = rp.pick_window(_runner(), repo_root)
    return Result({"window": window}, raw=True) if state().json else Result(None, text=f"{window}", text_only=True)


@app.command("ensure-workspace")
def ensure_workspace(
    window: int = typer.Option(..., "--window", help=_WINDOW_HELP),
    repo_root: str = typer.Option(..., "--repo-root", help="Repo root path"),
) -> Result:
    """Ensure workspace and switch window."""
    from flowctl_service import rp

    preview = rp.ensure_workspace(_runner(), window, repo_root)
    return Result(preview, raw=True) if preview is not None else _verbatim("")


@app.command("builder")
def builder(
    window: int = typer.Option(..., "--window", help=_WINDOW_HELP),
    summary: str = typer.Option(..., "--summary", help="Builder summary"),
    response_type: Optional[str] = typer.Option(
        None, "--response-type", click_type=click.Choice(["review", "plan", "question", "clarify"]),
        help="Builder response type"),
) -> Result:
    """Run builder and return tab."""
    from flowctl_service import rp

    data = rp.builder(_runner(), window, summary, response_type)
    if data.get("dry_run"):
        return Result(data, raw=True)
    return Result(data, text=rp.builder_text(data), verbatim=True)


@app.command("prompt-get")
def prompt_get(
    window: int = typer.Option(..., "--window", help=_WINDOW_HELP),
    tab: str = typer.Option(..., "--tab", help=_TAB_HELP),
) -> Result:
    """Get current prompt."""
    from flowctl_service import rp

    return _shown(rp.passthrough(_runner(), window, tab, "prompt get", changes=False))


@app.command("prompt-set")
def prompt_set(
    window: int = typer.Option(..., "--window", help=_WINDOW_HELP),
    tab: str = typer.Option(..., "--tab", help=_TAB_HELP),
    message_file: str = typer.Option(..., "--message-file", help="Message file"),
) -> Result:
    """Set current prompt."""
    from flowctl_service import rp

    runner = _runner()
    expr = rp.prompt_set_expr(rp.read_message(message_file, runner.cwd))
    return _shown(rp.passthrough(runner, window, tab, expr, changes=True))


@app.command("select-get")
def select_get(
    window: int = typer.Option(..., "--window", help=_WINDOW_HELP),
    tab: str = typer.Option(..., "--tab", help=_TAB_HELP),
) -> Result:
    """Get selection."""
    from flowctl_service import rp

    return _shown(rp.passthrough(_runner(), window, tab, "select get", changes=False))


@app.command("select-add")
def select_add(
    paths: Optional[list[str]] = typer.Argument(None, help="Paths to add"),
    window: int = typer.Option(..., "--window", help=_WINDOW_HELP),
    tab: str = typer.Option(..., "--tab", help=_TAB_HELP),
) -> Result:
    """Add files to selection."""
    from flowctl_service import rp

    return _shown(rp.passthrough(_runner(), window, tab, rp.select_add_expr(list(paths or [])), changes=True))


@app.command("chat-send")
def chat_send(
    window: int = typer.Option(..., "--window", help=_WINDOW_HELP),
    tab: str = typer.Option(..., "--tab", help=_TAB_HELP),
    message_file: str = typer.Option(..., "--message-file", help="Message file"),
    new_chat: bool = typer.Option(False, "--new-chat", help="Start new chat"),
    chat_name: Optional[str] = typer.Option(None, "--chat-name", help="Chat name (with --new-chat)"),
    chat_id: Optional[str] = typer.Option(None, "--chat-id", help="Continue specific chat by ID"),
    mode: str = typer.Option("chat", "--mode", click_type=click.Choice(["chat", "review", "plan", "edit"]),
                             help="Chat mode"),
    selected_paths: Optional[list[str]] = typer.Option(None, "--selected-paths", help="Override selected paths"),
) -> Result:
    """Send chat via rp-cli."""
    from flowctl_service import rp

    from ..context import state

    runner = _runner()
    payload = rp.chat_payload(rp.read_message(message_file, runner.cwd), mode, new_chat, chat_name, chat_id,
                              selected_paths or None)
    data = rp.chat_send(runner, window, tab, payload)
    if data.get("dry_run"):
        return Result(data, raw=True)
    if state().json:
        return Result({"chat": data["chat"]}, raw=True)
    return _verbatim(data["stdout"])


@app.command("prompt-export")
def prompt_export(
    window: int = typer.Option(..., "--window", help=_WINDOW_HELP),
    tab: str = typer.Option(..., "--tab", help=_TAB_HELP),
    out: str = typer.Option(..., "--out", help="Output file"),
) -> Result:
    """Export prompt to file."""
    from flowctl_service import rp

    return _shown(rp.passthrough(_runner(), window, tab, f"prompt export {rp.shell_quote(out)}", changes=True))


@app.command("setup-review")
def setup_review(
    repo_root: str = typer.Option(..., "--repo-root", help="Repo root path"),
    summary: str = typer.Option(..., "--summary", help="Builder summary/instructions"),
    response_type: Optional[str] = typer.Option(None, "--response-type", click_type=click.Choice(["review"]),
                                                help="Use builder review mode"),
    create: bool = typer.Option(False, "--create", help="Create new RP window if none matches"),
) -> Result:
    """Atomic: pick-window + workspace + builder."""
    from flowctl_service import rp

    data = rp.setup_review(_runner(), repo_root, summary, response_type, create)
    if data.get("dry_run"):
        return Result(data, raw=True)
    return Result(data, text=rp.setup_review_text(data), verbatim=True)


@app.command("prep-chat")
def prep_chat(
    id_: Optional[str] = typer.Argument(None, metavar="[ID]", help="(ignored) Epic/task ID for compatibility"),
    message_file: str = typer.Option(..., "--message-file", help="File containing message text"),
    mode: str = typer.Option("chat", "--mode", click_type=click.Choice(["chat", "ask"]), help="Chat mode"),
    new_chat: bool = typer.Option(False, "--new-chat", help="Start new chat"),
    chat_name: Optional[str] = typer.Option(None, "--chat-name", help="Name for new chat"),
    selected_paths: Optional[list[str]] = typer.Option(None, "--selected-paths", help="Files to include in context"),
    output: Optional[str] = typer.Option(None, "-o", "--output", help="Output file (default: stdout)"),
) -> Result:
    """Prepare JSON for rp-cli chat_send."""
    from flowctl_service import rp

    from ..context import state
    from ..output import warn

    st = state()
    data = rp.prep_chat(st.cwd, message_file, mode, new_chat, chat_name, selected_paths or None, output,
                        dry_run=st.dry_run)
    if data.get("dry_run"):
        return Result(data, raw=True)
    if "wrote" in data:
        warn(f"Wrote {data['wrote']}")
        return _verbatim("")
    return Result(None, text=data["text"] + "\n", text_only=True, verbatim=True)
