"""The fast route (fast.py) against the typer app it is generated from.

* fast_spec.py is what `python -m flowctl_cli.fastgen` writes from the current app (drift check);
* for every hot command, generated argv samples are parsed by the fast parser and by click (the real app, its
  handlers replaced by recorders): either both reach the same handler with the same values and global switches,
  or the fast parser declined (then the full route runs it). Where click refuses an argv, the fast parser declines.
"""

from __future__ import annotations

import importlib
from typing import Any

import click
import pytest
import typer

from flowctl_cli import fast, fastgen
from flowctl_cli.fast_spec import COMMANDS
from flowctl_cli.main import hoist
from flowctl_cli.state import CliState

HOT = [path for path in COMMANDS if path]
SAMPLE_VALUE = {"str": "fn-1-x.1", "int": "3", "float": "2.5", "bool": "true"}
BAD_VALUE = {"int": "x", "float": "1.5.2", "choice": "bogus"}
GLOBALS = ["--json", "--compact", "--no-compact", "--dry-run", "--log-json", "-v", "-vv", "--verbose", "-V", "--version"]


def test_fast_spec_is_current() -> None:
    assert fastgen.TARGET.read_text(encoding="utf-8") == fastgen.generate(), (
        "fast_spec.py is out of date with the typer app: run `python -m flowctl_cli.fastgen` and commit it")


def _value(param: dict[str, Any], n: int = 0) -> str:
    if param["type"] == "choice":
        return param["choices"][n % len(param["choices"])]
    return SAMPLE_VALUE[param["type"]] + ("" if n == 0 else str(n))


def samples(path: tuple[str, ...]) -> list[list[str]]:
    """argv samples for one command: valid forms in every order, and every way of getting it wrong."""
    params = COMMANDS[path][1]
    args = [p for p in params if p["kind"] == "argument"]
    options = [p for p in params if p["kind"] == "option"]
    positional = [_value(p) for p in args if p["required"]]
    required = [tok for p in options if p["required"] for tok in (p["opts"][-1], _value(p))]
    cmd = list(path)
    base = cmd + positional + required
    out = [base, cmd + required + positional, cmd + ["--"] + positional + required if not required else base,
           cmd, cmd + positional, cmd + required, base + ["extra"], base + ["--bogus"], base + ["-x"],
           base + ["-h"], base + ["--help"], ["help"] + cmd, base + ["-"], cmd + ["-"] + required,
           cmd + ["--"] + positional + required + ["--json"]]
    if positional:
        out += [cmd + required + ["--"] + positional, cmd + ["--", "--json"] + required, cmd + [""] + required,
                cmd + ["-5"] + required, cmd + positional + ["--"] + required]
        optional_args = [p for p in args if not p["required"]]
        out += [base + [_value(p, 1)] for p in optional_args]
        out += [base + ["two words", "extra"] for p in optional_args]
    for i, param in enumerate(options):
        others = [tok for p in options[:i] + options[i + 1:] if p["required"] for tok in (p["opts"][-1], _value(p))]
        for opt in param["opts"] + param["secondary"]:
            if param["flag"] or param["count"]:
                out += [base + [opt], cmd + [opt] + positional + required, base + [opt, opt], base + [f"{opt}=1"],
                        base + [f"{opt}="]]
                continue
            v1, v2 = _value(param), _value(param, 1)
            out += [cmd + positional + others + [opt, v1], cmd + [opt, v1] + positional + others,
                    cmd + positional + others + [f"{opt}={v1}"], cmd + [f"{opt}={v2}"] + others + positional,
                    cmd + positional + others + [opt, v1, opt, v2], cmd + positional + others + [f"{opt}=", opt, v1],
                    cmd + positional + others + [opt], cmd + positional + others + [f"{opt}="],
                    cmd + positional + others + [opt, "--json"], cmd + positional + others + [opt, "-h"],
                    cmd + positional + others + [opt, "--"], cmd + positional + others + [opt, "--bogus"],
                    cmd + positional + others + [opt, "two words", "--dry-run"],
                    cmd + positional + others + [opt + "x", v1], cmd + positional + others + [opt[:-1], v1]]
            if param["type"] in BAD_VALUE:
                out += [cmd + positional + others + [opt, BAD_VALUE[param["type"]]],
                        cmd + positional + others + [f"{opt}={BAD_VALUE[param['type']]}"]]
            if param["type"] in ("int", "float"):
                out += [cmd + positional + others + [opt, "-3"], cmd + positional + others + [opt, " 7"],
                        cmd + positional + others + [opt, "1_000"], cmd + positional + others + [opt, "nan"]]
            if param["type"] == "choice":
                out += [cmd + positional + others + [opt, param["choices"][-1].upper()]]
    for flag in GLOBALS:
        out += [[flag] + base, base + [flag], cmd + [flag] + positional + required, [flag, flag] + base,
                base + ["--", flag]]
    out += [["--json", "--dry-run"] + base + ["--compact"], ["--no-compact"] + base + ["-v", "--json"],
            ["--"] + base, ["--bogus"] + base, ["-h"] + base]
    if len(path) > 1:
        out += [[path[0], "--json", *path[1:]] + positional + required, [path[0], "-h", *path[1:]],
                [path[0], "--", *path[1:]] + positional + required, [path[0]]]
    unique: list[list[str]] = []
    for argv in out:
        if argv not in unique:
            unique.append(argv)
    return unique


class _Called(Exception):
    pass


def click_route(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...] | None:
    """(path, root values, values) the full route hands to a hot handler; None when click refuses argv."""
    from flowctl_cli.app import app

    seen: dict[str, Any] = {}
    for path, (dotted, _params) in COMMANDS.items():
        module, _, function = dotted.partition(":")

        def record(_path: tuple[str, ...] = path, **values: Any) -> Any:
            if not _path:
                seen["root"] = values
                return CliState()
            seen["path"], seen["values"] = _path, values
            raise _Called

        monkeypatch.setattr(importlib.import_module(module), function, record)
    command = typer.main.get_command(app)
    try:
        with command.make_context("flowctl", hoist(argv)) as ctx:
            command.invoke(ctx)
    except _Called:
        return seen["path"], seen["root"], seen["values"]
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        return None
    finally:
        monkeypatch.undo()
    return ("another command",)  # e.g. `help show`: the fast route must decline


@pytest.mark.parametrize("path", HOT, ids=" ".join)
def test_fast_parser_agrees_with_click_or_declines(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    argvs = samples(path)
    assert len(argvs) >= 40
    accepted = 0
    for argv in argvs:
        ours = fast.parse(argv)
        theirs = click_route(argv, monkeypatch)
        capsys.readouterr()  # click's help and usage errors
        if ours is None:
            continue
        accepted += 1
        # repr: the same types (3 is not 3.0) and nan equals nan
        assert repr(ours) == repr(theirs), f"flowctl {argv}: fast {ours} != click {theirs}"
    assert accepted >= 5, f"the fast route took only {accepted} of {len(argvs)} samples of {' '.join(path)}"


@pytest.mark.parametrize("path", HOT, ids=" ".join)
def test_plain_calls_take_the_fast_route(path: tuple[str, ...]) -> None:
    params = COMMANDS[path][1]
    argv = list(path) + [_value(p) for p in params if p["kind"] == "argument" and p["required"]] + [
        tok for p in params if p["kind"] == "option" and p["required"] for tok in (p["opts"][-1], _value(p))]
    for flags in ([], ["--json"], ["--dry-run", "--json"], ["--no-compact"]):
        assert fast.parse(argv + flags) is not None, f"flowctl {argv + flags} was declined"
