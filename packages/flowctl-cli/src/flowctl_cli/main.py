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


INVALID_UTF8 = "error: invalid UTF-8 was detected in one or more arguments\n\nFor more information, try '--help'.\n"


def _valid_utf8(arg: str) -> bool:
    # Python decodes argv with surrogateescape: undecodable bytes become lone surrogates, which UTF-8 refuses.
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _hyphen_value(argv: list[str]) -> str | None:
    """A `--priority -1` style value: clap takes `-1` for an unknown flag (a usage error); `--priority=-1` is a value."""
    for i, arg in enumerate(argv[:-1]):
        if arg == "--":
            return None
        if arg == "--priority" and argv[i + 1].startswith("-") and argv[i + 1] != "-":
            return argv[i + 1]
    return None


def run(argv: list[str]) -> int:
    """Run one flowctl invocation and return its exit code; an unexpected error is one envelope line, exit 1."""
    if not all(map(_valid_utf8, argv)):
        sys.stderr.write(INVALID_UTF8)  # clap's usage error for the same input, exit 2; nothing is written
        return 2
    value = _hyphen_value(argv)
    if value is not None:
        sys.stderr.write(f"error: unexpected argument '{value}' found\n\nFor more information, try '--help'.\n")
        return 2
    try:
        from . import fast

        code = fast.run(argv)
        return _run(argv) if code is None else code
    except Exception as err:  # a bug or an unforeseen OS condition: never a traceback unless asked for
        from .output import render_error

        if _verbose(argv):
            import traceback

            traceback.print_exc()
        render_error(f"internal error: {type(err).__name__}: {_one_line(err)}")
        return 1


def _verbose(argv: list[str]) -> bool:
    import os

    return bool(os.environ.get("FLOWCTL_LOG")) or any(a in ("-v", "-vv", "--verbose") for a in argv)


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else "(no detail)"


def _run(argv: list[str]) -> int:
    import click
    import typer

    from flowctl_core.errors import FlowError

    from .app import app
    from .output import finish, render_error
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
    return finish(result, state)


def hook_fast_path(argv: list[str]) -> int | None:
    """Run `flowctl hook <name>` without building the typer app (hooks run on every Bash call); None otherwise."""
    rest = [a for a in argv if a not in ("--json", "--compact", "--no-compact", "--dry-run")]
    if len(rest) != 2 or rest[0] != "hook":
        return None
    from .hook_runner import HOOKS, run_hook

    if rest[1] not in HOOKS:
        return None
    from .state import CliState

    state = CliState.resolve(json=False, compact="--compact" in argv, no_compact="--no-compact" in argv,
                             dry_run=False)
    return run_hook(rest[1], state.compact, "--dry-run" in argv)


def main() -> None:
    """Console-script entry point."""
    import os

    if os.environ.get("_FLOWCTL_COMPLETE"):  # shell completion protocol (scripts from `flowctl completions`)
        from .commands.completions import complete_from_env

        code = complete_from_env() or 0
    else:
        code = hook_fast_path(sys.argv[1:])
        if code is None:
            code = run(sys.argv[1:])
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    sys.exit(code)


if __name__ == "__main__":
    main()
