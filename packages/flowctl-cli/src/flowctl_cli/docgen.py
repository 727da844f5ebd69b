"""The command reference `docs/cli.md`, generated from the typer app: `python -m flowctl_cli.docgen docs/cli.md`.

Every command of the lazy registry is loaded and rendered with its usage, arguments and options (type, default,
help). The output depends only on the code, never on the terminal, the working directory or the environment, so a
test can compare it with the committed file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

REGENERATE = "uv run python -m flowctl_cli.docgen docs/cli.md"
HEADER = f"""# flowctl command reference

Every `flowctl` command with its usage, arguments and options. Generated from the command definitions by
`{REGENERATE}`; do not edit by hand (a test fails when this file and the code differ).

Global options go before or after the command (`flowctl --json show fn-1` = `flowctl show fn-1 --json`). With
`--json` a command prints one line of sorted-key JSON with `"success": true`; errors are
`{{"error": "…", "success": false}}` on stderr with exit 1, usage errors exit 2.
"""


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (one line, no column break, no HTML tag)."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _anchor(path: str) -> str:
    """GitHub's heading anchor for `flowctl epic create`."""
    return path.lower().replace(" ", "-")


def _default(param: click.Parameter) -> str:
    if getattr(param, "is_flag", False) and not getattr(param, "count", False) and param.default in (False, None):
        return ""
    if param.required:
        return "required"
    default = param.default
    if callable(default):
        return "(computed)"
    if default is None or default == () or default == []:
        return ""
    if isinstance(default, (list, tuple)):
        return ", ".join(f"`{v}`" for v in default)
    return f"`{str(default).lower() if isinstance(default, bool) else default}`"


def _option_name(param: click.Option) -> str:
    names = ", ".join(f"`{n}`" for n in param.opts)
    if param.secondary_opts:
        names += " / " + ", ".join(f"`{n}`" for n in param.secondary_opts)
    return names


def _type(param: click.Parameter, ctx: click.Context) -> str:
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return "flag" if not getattr(param, "count", False) else "count"
    if isinstance(param.type, click.Choice):
        return "|".join(str(c) for c in param.type.choices)
    name = param.type.name.upper()
    if param.multiple or (isinstance(param, click.Argument) and param.nargs == -1):
        name += " …"
    return name


def _help(param: click.Parameter) -> str:
    text = getattr(param, "help", None) or ""
    envvar = getattr(param, "envvar", None)
    if envvar:
        text += f" (env: {', '.join(envvar) if isinstance(envvar, (list, tuple)) else envvar})"
    return text


def _params(cmd: click.Command, ctx: click.Context) -> list[str]:
    lines: list[str] = []
    arguments = [p for p in cmd.params if isinstance(p, click.Argument) and not getattr(p, "hidden", False)]
    options = [p for p in cmd.params if isinstance(p, click.Option) and not p.hidden]
    if arguments:
        lines += ["", "| argument | type | default | description |", "|---|---|---|---|"]
        for arg in arguments:
            lines.append(f"| `{(arg.metavar or arg.name or '').upper()}` | {_cell(_type(arg, ctx))} | "
                         f"{_cell(_default(arg))} | {_cell(_help(arg))} |")
    if options:
        lines += ["", "| option | type | default | description |", "|---|---|---|---|"]
        for opt in options:
            lines.append(f"| {_cell(_option_name(opt))} | {_cell(_type(opt, ctx))} | {_cell(_default(opt))} | "
                         f"{_cell(_help(opt))} |")
    return lines


def _usage(cmd: click.Command, ctx: click.Context, path: str) -> str:
    pieces = cmd.collect_usage_pieces(ctx)
    return " ".join([path, *pieces])


def _subcommands(group: click.Group, ctx: click.Context) -> list[tuple[str, click.Command]]:
    out = []
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        if sub is not None and not sub.hidden and name != "help":
            out.append((name, sub))
    return out


def _render(cmd: click.Command, ctx: click.Context, path: str, level: int, summary: str) -> list[str]:
    text = (cmd.help or summary or "").strip()
    lines = ["", f"{'#' * level} {path}", ""]
    if text:
        lines += [text, ""]
    lines += ["```", _usage(cmd, ctx, path), "```"]
    lines += _params(cmd, ctx)
    if isinstance(cmd, click.Group):
        subs = _subcommands(cmd, ctx)
        lines += ["", "| command | description |", "|---|---|"]
        for name, sub in subs:
            lines.append(f"| [`{path} {name}`](#{_anchor(f'{path} {name}')}) | {_cell(sub.get_short_help_str(200))} |")
        for name, sub in subs:
            sub_ctx = click.Context(sub, info_name=name, parent=ctx)
            lines += _render(sub, sub_ctx, f"{path} {name}", min(level + 1, 4), "")
    return lines


def generate() -> str:
    """The whole reference as Markdown."""
    import typer

    from .app import COMMANDS, app

    root = typer.main.get_group(app)
    ctx = click.Context(root, info_name="flowctl")
    lines = [HEADER.rstrip("\n"), "", "## Global options"]
    lines += _params(root, ctx)
    names = [n for n in root.list_commands(ctx) if n in COMMANDS]
    lines += ["", "## Commands", "", "| command | description |", "|---|---|"]
    for name in names:
        lines.append(f"| [`flowctl {name}`](#{_anchor(f'flowctl {name}')}) | {_cell(COMMANDS[name][2])} |")
    for name in names:
        cmd = root.get_command(ctx, name)
        if cmd is None:  # pragma: no cover - list_commands only names modules that exist
            continue
        lines += _render(cmd, click.Context(cmd, info_name=name, parent=ctx), f"flowctl {name}", 2, COMMANDS[name][2])
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the reference to the given file, or to stdout without one."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print("usage: python -m flowctl_cli.docgen [OUT.md]", file=sys.stderr)
        return 2
    text = generate()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8", newline="\n")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
