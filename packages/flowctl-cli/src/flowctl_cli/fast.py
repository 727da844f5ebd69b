"""The fast route: run a hot command without importing click or typer (≈45 ms of a ≈55 ms call).

It parses with the grammar generated from the typer app (fast_spec.py, see fastgen.py) and only what it is sure
of: `-h`/`--help`, an unknown option or command, a missing value or parameter, a value that does not convert,
`-V`, `-vv` … make it decline (None), and the full typer route runs instead, printing click's own messages.
The parse mirrors click's: global flags hoisted to the front, then the root's options up to the command name; a
command's options and arguments in any order, `--opt v` or `--opt=v`, the last of a repeated option wins, a flag
takes no value, everything after `--` is an argument.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any


_DECLINE = object()


def _convert(param: dict[str, Any], value: str) -> Any:
    kind = param["type"]
    if kind == "str":
        return value
    if kind == "choice":
        return value if value in param["choices"] else _DECLINE
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except ValueError:
        return _DECLINE
    return _DECLINE  # a non-flag bool option: click's own word list decides


def _parse(params: list[dict[str, Any]], tokens: list[str], group: bool) -> tuple[dict[str, Any], list[str]] | None:
    """The values of `params` from `tokens` and the tokens left (a group stops at its first positional)."""
    by_opt = {opt: p for p in params if p["kind"] == "option" for opt in p["opts"] + p["secondary"]}
    values: dict[str, Any] = {}
    positionals: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "--":
            if group:
                return None
            positionals += tokens[i:]
            break
        if token[:1] != "-" or len(token) == 1:
            if group:
                return _with_defaults(params, values), tokens[i - 1:]
            positionals.append(token)
            continue
        name, eq, value = token.partition("=") if token[:2] == "--" else (token, "", "")
        param = by_opt.get(name)
        if param is None or param["decline"]:
            return None
        if param["flag"]:
            if eq:
                return None  # click: "Option '--x' does not take a value"
            values[param["name"]] = name not in param["secondary"]
        elif param["count"]:
            if eq:
                return None
            values[param["name"]] = values.get(param["name"], 0) + 1
        else:
            if not eq:
                if i >= len(tokens):
                    return None  # click: "Option '--x' requires an argument"
                value = tokens[i]
                i += 1
            converted = _convert(param, value)
            if converted is _DECLINE:
                return None
            values[param["name"]] = converted
    if group:
        return None  # no command name
    arguments = [p for p in params if p["kind"] == "argument"]
    if len(positionals) > len(arguments):
        return None  # click: "Got unexpected extra argument"
    for param, value in zip(arguments, positionals, strict=False):
        converted = _convert(param, value)
        if converted is _DECLINE:
            return None
        values[param["name"]] = converted
    result = _with_defaults(params, values)
    return None if result is None else (result, [])


def _with_defaults(params: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, Any] | None:
    """Fill in defaults; None when a required parameter is missing."""
    out = {}
    for param in params:
        if param["name"] in values:
            out[param["name"]] = values[param["name"]]
        elif param["required"]:
            return None
        else:
            out[param["name"]] = param["default"]
    return out


def parse(argv: list[str]) -> tuple[tuple[str, ...], dict[str, Any], dict[str, Any]] | None:
    """(command path, root values, command values) when the fast route is sure of `argv`, else None."""
    from .fast_spec import COMMANDS
    from .main import hoist

    parsed = _parse(COMMANDS[()][1], hoist(argv), group=True)
    if parsed is None:
        return None
    root_values, rest = parsed
    if rest and (rest[0],) in COMMANDS:  # a top-level command
        path, rest = (rest[0],), rest[1:]
    elif len(rest) >= 2 and (rest[0], rest[1]) in COMMANDS:  # a group's command; the group has no options
        path, rest = (rest[0], rest[1]), rest[2:]
    else:
        return None
    parsed = _parse(COMMANDS[path][1], rest, group=False)
    if parsed is None:
        return None
    return path, root_values, parsed[0]


def _handler(dotted: str) -> Any:
    module, _, function = dotted.partition(":")
    # __import__ with a fromlist returns the module itself, without importing importlib (and warnings) first.
    return getattr(__import__(module, fromlist=[function]), function)


def run(argv: list[str]) -> int | None:
    """Run `argv` through the fast route and return its exit code; None when the full route must run it."""
    parsed = parse(argv)
    if parsed is None:
        return None
    from .fast_spec import COMMANDS

    path, root_values, values = parsed
    from flowctl_core.errors import FlowError

    from . import context
    from .output import finish, render_error

    state = _handler(COMMANDS[()][0])(**root_values)
    context.use_state(state)
    try:
        result = _handler(COMMANDS[path][0])(**values)
    except FlowError as err:
        render_error(str(err))
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    finally:
        context.use_state(None)
    return finish(result, state)
