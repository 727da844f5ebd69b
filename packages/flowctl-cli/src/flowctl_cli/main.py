"""The `flowctl` entry point: hoist global flags, run the command, print its result or error."""

from __future__ import annotations

import sys

GLOBAL_FLAGS = frozenset({"--json", "--compact", "--no-compact", "--dry-run", "--log-json", "-v", "-vv", "--verbose"})


def hoist(argv: list[str]) -> list[str]:
    """Move the global flags to the front so they work at any position, as with clap's global args."""
    flags: list[str] = []
    rest: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            rest += argv[i:]
            break
        if arg in GLOBAL_FLAGS:
            if arg not in flags or arg in ("-v", "--verbose"):
                flags.append(arg)
        else:
            rest.append(arg)
    return flags + rest


def run(argv: list[str]) -> int:
    """Run one flowctl invocation and return its exit code."""
    import click
    import typer

    from flowctl_core.errors import FlowError

    from .app import app
    from .output import Result, render, render_error
    from .state import CliState

    command = typer.main.get_command(app)
    try:
        with command.make_context("flowctl", hoist(argv)) as ctx:
            result = command.invoke(ctx)
            state = ctx.obj if isinstance(ctx.obj, CliState) else None
    except FlowError as err:
        render_error(str(err))
        return err.exit_code
    except click.exceptions.Exit as err:
        return err.exit_code
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except click.Abort:
        render_error("Aborted")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    if isinstance(result, Result):
        if state is None:
            state = CliState.resolve(json=False, compact=False, no_compact=False, dry_run=False)
        return render(result, as_json=state.json, compact=state.compact)
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    import os

    if os.environ.get("_FLOWCTL_COMPLETE"):  # shell completion protocol (scripts from `flowctl completions`)
        from .commands.completions import complete_from_env

        code = complete_from_env() or 0
    else:
        code = run(sys.argv[1:])
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    sys.exit(code)


if __name__ == "__main__":
    main()
