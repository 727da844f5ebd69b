"""The root command: global flags and a lazy registry that imports only the command module being run."""

from __future__ import annotations

import importlib

import click
import typer
from typer.core import TyperGroup

from . import COMPAT_VERSION

# rich may be installed (the `tui` extra brings it for `watch`); typer would then import its rich helpers to format
# every `--help` (≈60 ms). flowctl never uses typer's rich output, so typer is told rich is absent.
typer.core.HAS_RICH = False

# name -> (module under flowctl_cli.commands, attribute, one-line help). A "group" attribute names a Typer
# app used as a sub-group; anything else names a command inside the module's `app`.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("admin", "init", "Initialize .flow/ directory"),
    "detect": ("admin", "detect", "Check if .flow/ exists and is valid"),
    "status": ("admin", "status", "Show .flow state and active runs"),
    "doctor": ("admin", "doctor", "Run comprehensive state health diagnostics"),
    "validate": ("admin", "validate", "Validate epic or all"),
    "state-path": ("admin", "state-path", "Show resolved state directory path"),
    "config": ("config", "group", "Config commands"),
    "export": ("exchange", "export", "Export epics/tasks to Markdown files"),
    "import": ("exchange", "import", "Import epics/tasks from Markdown files"),
    "completions": ("completions", "completions", "Generate shell completions"),
    "dag": ("history", "dag", "Render ASCII DAG of task dependencies for an epic"),
    "estimate": ("history", "estimate", "Estimate remaining time for an epic"),
    "replay": ("history", "replay", "Replay: reset all tasks in an epic to todo"),
    "diff": ("history", "diff", "Show git diff summary for an epic's branch"),
    "events": ("history", "events", "Query the event log for an epic"),
    "show": ("query", "show", "Show epic or task details"),
    "epics": ("query", "epics", "List all epics"),
    "tasks": ("query", "tasks", "List tasks"),
    "list": ("query", "list", "List all epics and tasks"),
    "cat": ("query", "cat", "Print spec markdown"),
    "files": ("query", "files", "Show file ownership map for an epic"),
    "lock": ("locks", "lock", "Lock files for a task (Teams mode)"),
    "unlock": ("locks", "unlock", "Unlock files for a task (Teams mode)"),
    "heartbeat": ("locks", "heartbeat", "Extend lock TTL for a task (Teams mode heartbeat)"),
    "lock-check": ("locks", "lock-check", "Check file lock status (Teams mode)"),
    "ready": ("scheduling", "ready", "List ready tasks"),
    "next": ("scheduling", "next", "Select next plan/work unit"),
    "queue": ("scheduling", "queue", "Show multi-epic queue status"),
    "start": ("lifecycle", "start", "Start task"),
    "done": ("lifecycle", "done", "Complete task"),
    "restart": ("lifecycle", "restart", "Restart task and cascade-reset downstream dependents"),
    "block": ("lifecycle", "block", "Block a task with a reason"),
    "fail": ("lifecycle", "fail", "Mark task as failed"),
    "epic": ("epic", "group", "Epic commands"),
    "task": ("task", "group", "Task commands"),
    "dep": ("dep", "group", "Dependency commands"),
    # Extension groups (cli-ext.md). An entry whose module does not exist yet is hidden from help and dispatch.
    "review-backend": ("review", "review-backend", "Get review backend"),
    "parse-findings": ("review", "parse-findings", "Extract structured findings from review output"),
    "guard": ("guard", "guard", "Run test/lint/typecheck guards from stack config"),
    "worker-prompt": ("worker_prompt", "worker-prompt", "Output trimmed worker prompt based on mode flags"),
    "approval": ("approval", "group", "Approval commands (request/resolve blocking decisions)"),
    "gap": ("gap", "group", "Requirement gap registry"),
    "log": ("decision_log", "group", "Decision logging for workflow traceability"),
    "memory": ("memory", "group", "Memory commands (v2: atomic entries)"),
    "outputs": ("outputs", "group", "Outputs commands (narrative handoff between tasks)"),
    "checkpoint": ("checkpoint", "group", "Checkpoint commands"),
    "stack": ("stack", "group", "Stack profile commands"),
    "invariants": ("invariants", "group", "Architecture invariant registry"),
    "ralph": ("ralph", "group", "Ralph run control commands"),
    "scout-cache": ("scout_cache", "group", "Scout result cache commands (get, set, clear)"),
    "skill": ("skill", "group", "Skill registry commands (register, match)"),
    "rp": ("rp", "group", "RepoPrompt helpers"),
    "codex": ("codex", "group", "Codex CLI helpers"),
    "hook": ("hook", "group", "Claude Code hook scripts (auto-memory, ralph-guard)"),
    "stats": ("stats", "group", "Stats dashboard: summary, trends, tokens, DORA metrics"),
    "worker-phase": ("worker_phase", "group", "Phase-gate sequential execution for workers"),
    "phase": ("phase", "group", "Epic-level pipeline phase progression"),
    "plan-depth": ("plan_depth", "plan-depth", "Classify request depth for adaptive plan step selection"),
    "watch": ("watch", "watch", "Live terminal board of epics and tasks (needs flowctl-cli[tui])"),
    "schema": ("schema", "schema", "Print or write the JSON Schema of the on-disk records"),
}


def _module_exists(module: str) -> bool:
    return importlib.util.find_spec(f"flowctl_cli.commands.{module}") is not None


def load_command(name: str) -> click.Command | None:
    """Import the module that defines `name` and return its click command (None if unknown)."""
    entry = COMMANDS.get(name)
    if entry is None:
        return None
    module_name, attr, _help = entry
    try:
        module = importlib.import_module(f"flowctl_cli.commands.{module_name}")
    except ModuleNotFoundError as err:
        if err.name == f"flowctl_cli.commands.{module_name}":
            return None
        raise
    if attr == "group":
        cmd = typer.main.get_group(module.app)
        cmd.name = name
        return cmd
    return typer.main.get_group(module.app).commands.get(name)


class LazyGroup(TyperGroup):
    """Root group whose sub-commands are imported on first use; help lists them from the registry."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | {n for n in COMMANDS if _module_exists(COMMANDS[n][0])})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "help" and "help" not in self.commands:
            self.commands["help"] = _help_command()
        if cmd_name not in self.commands:
            cmd = load_command(cmd_name)
            if cmd is None:
                return None
            self.commands[cmd_name] = cmd
        return self.commands[cmd_name]

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # clap's layout, which callers and the reference fixtures expect: about, usage, commands, options.
        formatter.write_text(self.help or "")
        formatter.write_paragraph()
        formatter.write("Usage: flowctl [OPTIONS] <COMMAND>\n")
        self.format_commands(ctx, formatter)
        self.format_options(ctx, formatter)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [rv for p in self.get_params(ctx) if (rv := p.get_help_record(ctx)) is not None]
        if rows:
            with formatter.section("Options"):
                formatter.write_dl(rows)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, COMMANDS[n][2]) for n in self.list_commands(ctx) if n in COMMANDS]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _help_command() -> click.Command:
    """`flowctl help [COMMAND]...`: the help of the named (sub)command on stdout, like clap's `help`."""

    @click.command("help", help="Print this message or the help of the given subcommand(s)")
    @click.argument("path", nargs=-1)
    @click.pass_context
    def help_cmd(ctx: click.Context, path: tuple[str, ...]) -> int:
        target_ctx = ctx.parent or ctx  # the group this `help` belongs to: the root, or `epic` in `epic help`
        target: click.Command = target_ctx.command
        for name in path:
            sub = target.get_command(target_ctx, name) if isinstance(target, click.Group) else None
            if sub is None:
                raise click.UsageError(f"unrecognized subcommand '{name}'")
            target_ctx = click.Context(sub, info_name=name, parent=target_ctx)
            target = sub
        click.echo(target.get_help(target_ctx))
        return 0

    return help_cmd


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flowctl {COMPAT_VERSION}")
        raise typer.Exit()


app = typer.Typer(
    cls=LazyGroup, help="Development orchestration engine", no_args_is_help=True, rich_markup_mode=None,
    pretty_exceptions_enable=False, add_completion=False, context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    json_: bool = typer.Option(False, "--json", help="Output as JSON"),
    compact: bool = typer.Option(
        False, "--compact", help="Strip fields LLM doesn't need from JSON output. Auto-enabled when stdout is not a TTY"),
    no_compact: bool = typer.Option(
        False, "--no-compact", help="Never strip output, even when piped (also FLOWCTL_COMPACT=0)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Preview mutations as JSON without applying them"),
    version: bool = typer.Option(False, "-V", "--version", callback=_version, is_eager=True, help="Print version"),
    verbose: int = typer.Option(0, "-v", "--verbose", count=True, help="Log diagnostics to stderr (-vv: debug)"),
    log_json: bool = typer.Option(False, "--log-json", help="Log diagnostics to stderr as JSON lines"),
) -> None:
    """Development orchestration engine."""
    from .handlers import root as handler

    ctx.obj = handler.root(json_=json_, compact=compact, no_compact=no_compact, dry_run=dry_run, version=version,
                           verbose=verbose, log_json=log_json)


class SubGroup(TyperGroup):
    """A command group with clap's `help` subcommand (`flowctl epic help create`)."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "help" and "help" not in self.commands:
            return _help_command()
        return super().get_command(ctx, cmd_name)


def group(help: str, cls: type[SubGroup] = SubGroup) -> typer.Typer:
    """A sub-group built the same way everywhere: plain help, no rich, help on stderr when no subcommand."""
    return typer.Typer(cls=cls, help=help, no_args_is_help=True, rich_markup_mode=None,
                       pretty_exceptions_enable=False, add_completion=False,
                       context_settings={"help_option_names": ["-h", "--help"]})
