"""`flowctl completions SHELL`: shell completion scripts for the whole CLI, on click's completion machinery.

Protocol (click's): the shell calls flowctl with `_FLOWCTL_COMPLETE=<shell>_complete`, `COMP_WORDS` and
`COMP_CWORD` in the environment and reads `type,value` answers. The generated scripts call
`flowctl completions <shell>` with those variables, so completion works through this command alone; the
entry point may also answer the same protocol on a bare `flowctl` through `complete_from_env()`.
bash, zsh and fish use click's own scripts; powershell and elvish get small scripts speaking the bash protocol.
"""

from __future__ import annotations

from enum import StrEnum

import typer

from ..app import group
from ..output import write_stdout

app = group("Shell completions")

PROG_NAME = "flowctl"
COMPLETE_VAR = "_FLOWCTL_COMPLETE"


class Shell(StrEnum):
    """Shells the reference accepts (clap_complete's list)."""

    bash = "bash"
    elvish = "elvish"
    fish = "fish"
    powershell = "powershell"
    zsh = "zsh"


# The invocation in click's templates, and what our scripts run instead.
_CALLS = {
    "bash": (f"{COMPLETE_VAR}=bash_complete $1)", f"{COMPLETE_VAR}=bash_complete $1 completions bash)"),
    "zsh": (f"{COMPLETE_VAR}=zsh_complete {PROG_NAME})", f"{COMPLETE_VAR}=zsh_complete {PROG_NAME} completions zsh)"),
    "fish": (f"COMP_CWORD=(commandline -t) {PROG_NAME});",
             f"COMP_CWORD=(commandline -t) {PROG_NAME} completions fish);"),
}

_POWERSHELL = f"""\
Register-ArgumentCompleter -Native -CommandName '{PROG_NAME}' -ScriptBlock {{
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements |
        Where-Object {{ $_.Extent.StartOffset -lt $cursorPosition }} | ForEach-Object {{ $_.ToString() }})
    if ($wordToComplete -eq '') {{ $words += '' }}
    $env:COMP_WORDS = $words -join ' '
    $env:COMP_CWORD = $words.Count - 1
    $env:{COMPLETE_VAR} = 'bash_complete'
    $response = & {PROG_NAME} completions powershell
    Remove-Item Env:COMP_WORDS, Env:COMP_CWORD, Env:{COMPLETE_VAR}
    foreach ($line in $response) {{
        $type, $value = $line -split ',', 2
        if ($type -eq 'plain') {{
            [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $value)
        }}
    }}
}}
"""

_ELVISH = f"""\
use str
set edit:completion:arg-completer[{PROG_NAME}] = {{|@words|
    var cword = (- (count $words) 1)
    env COMP_WORDS=(str:join ' ' $words) COMP_CWORD=$cword {COMPLETE_VAR}=bash_complete ^
        {PROG_NAME} completions elvish | from-lines | each {{|line|
        var parts = [(str:split &max=2 ',' $line)]
        if (and (== (count $parts) 2) (eq $parts[0] plain)) {{ put $parts[1] }}
    }}
}}
"""


def _root_command():
    import typer as _typer

    from ..app import app as root_app

    return _typer.main.get_command(root_app)


def script(shell: str) -> str:
    """The completion script for `shell`."""
    if shell == "powershell":
        return _POWERSHELL
    if shell == "elvish":
        return _ELVISH
    from click.shell_completion import get_completion_class

    from flowctl_core.errors import FlowError

    cls = get_completion_class(shell)
    if cls is None:
        raise FlowError(f"no completion support for {shell} in this click version")
    source = cls(_root_command(), {}, PROG_NAME, COMPLETE_VAR).source()
    old, new = _CALLS[shell]
    if old not in source:  # a click release changed its template: say so rather than emit a broken script
        raise FlowError(f"unexpected click {shell} completion template; cannot generate the script")
    return source.replace(old, new)


def answer(instruction: str) -> str | None:
    """Answer one completion request (`bash_complete`, `zsh_source`, …) from COMP_WORDS/COMP_CWORD; None if unknown."""
    from click.shell_completion import get_completion_class

    shell, _, action = instruction.partition("_")
    cls = get_completion_class(shell)
    if cls is None or action not in ("complete", "source"):
        return None
    comp = cls(_root_command(), {}, PROG_NAME, COMPLETE_VAR)
    return comp.complete() if action == "complete" else script(shell)


def complete_from_env() -> int | None:
    """For the entry point: answer the protocol when `_FLOWCTL_COMPLETE` is set (exit code), else None."""
    import os

    instruction = os.environ.get(COMPLETE_VAR)
    if not instruction:
        return None
    out = answer(instruction)
    if out is None:
        return 1
    if out:
        write_stdout(out if out.endswith("\n") else out + "\n")
    return 0


@app.command("completions")
def completions(shell: Shell = typer.Argument(..., help="Shell to generate completions for")) -> int:
    """Generate shell completions."""
    answered = complete_from_env()
    if answered is not None:
        return answered
    write_stdout(script(shell.value))
    return 0
