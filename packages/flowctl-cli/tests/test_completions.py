"""`flowctl completions SHELL`: real completion scripts driven by click's completion protocol."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from flowctl_runner import flowctl_executable


def protocol(flowctl, instruction: str, words: str, cword: str, shell: str = "bash") -> list[str]:
    """Ask flowctl for completions the way the generated scripts do."""
    run = flowctl("completions", shell, env={"_FLOWCTL_COMPLETE": instruction, "COMP_WORDS": words, "COMP_CWORD": cword})
    assert run.code == 0, run.err
    return run.out.splitlines()


def test_bash_protocol_top_level_and_group(flowctl):
    assert protocol(flowctl, "bash_complete", "flowctl ta", "1") == ["plain,task", "plain,tasks"]
    epic_c = protocol(flowctl, "bash_complete", "flowctl epic c", "2")
    assert {"plain,create", "plain,close"} <= set(epic_c)
    assert all(line.startswith("plain,c") for line in epic_c)
    # global flags before the command do not disturb completion
    assert protocol(flowctl, "bash_complete", "flowctl --json ta", "2") == ["plain,task", "plain,tasks"]
    # options of a command
    assert "plain,--interrupted" in protocol(flowctl, "bash_complete", "flowctl status --", "2")
    assert protocol(flowctl, "bash_complete", "flowctl completions z", "2") == ["plain,zsh"]


def test_zsh_and_fish_protocols(flowctl):
    zsh = protocol(flowctl, "zsh_complete", "flowctl ta", "1", "zsh")
    assert zsh[0:2] == ["plain", "task"] and "tasks" in zsh
    fish = protocol(flowctl, "fish_complete", "flowctl ta", "ta", "fish")
    assert [line.split("\t")[0] for line in fish] == ["plain,task", "plain,tasks"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_sourced_bash_script_completes(flowctl, tmp_path: Path):
    script = flowctl.ok("completions", "bash")
    assert "complete -o nosort -F _flowctl_completion flowctl" in script
    path = tmp_path / "flowctl.bash"
    path.write_text(script)
    driver = f"""
source {path}
complete -p flowctl
COMP_WORDS=(flowctl ta); COMP_CWORD=1; COMPREPLY=()
_flowctl_completion flowctl
echo "TOP:${{COMPREPLY[*]}}"
COMP_WORDS=(flowctl epic c); COMP_CWORD=2; COMPREPLY=()
_flowctl_completion flowctl
echo "EPIC:${{COMPREPLY[*]}}"
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOW_", "FLOWCTL_", "_FLOWCTL"))}
    env["PATH"] = str(Path(flowctl_executable()).parent) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", driver], cwd=flowctl.cwd, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("complete -o nosort -F _flowctl_completion flowctl")
    assert "TOP:task tasks" in lines
    epic = next(line for line in lines if line.startswith("EPIC:"))[5:].split()
    assert {"create", "close", "completion", "clean"} <= set(epic)
    assert all(word.startswith("c") for word in epic)


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (.ci/run installs it)")
def test_sourced_zsh_script_registers_and_completes(flowctl, tmp_path: Path):
    script = flowctl.ok("completions", "zsh")
    path = tmp_path / "_flowctl"
    path.write_text(script)
    # The script's own protocol line, run in a real zsh with the words of `flowctl ta<TAB>` / `flowctl epic cl<TAB>`.
    ask = next(line.strip() for line in script.splitlines() if line.strip().startswith("response=("))
    driver = f"""
autoload -U compinit; compinit -u
source {path}
print -r -- "REG:$_comps[flowctl]"
words=(flowctl ta); CURRENT=2
{ask}
print -r -- "TOP:${{response[*]}}"
words=(flowctl epic cl); CURRENT=3
{ask}
print -r -- "EPIC:${{response[*]}}"
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOW_", "FLOWCTL_", "_FLOWCTL"))}
    env["PATH"] = str(Path(flowctl_executable()).parent) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(["zsh", "-f", "-c", driver], cwd=flowctl.cwd, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "REG:_flowctl_completion" in lines
    top = next(line for line in lines if line.startswith("TOP:")).split()
    assert top[:2] == ["TOP:plain", "task"] and "tasks" in top
    epic = next(line for line in lines if line.startswith("EPIC:")).split()
    assert "close" in epic and "clean" in epic and "create" not in epic


def test_scripts_for_every_shell(flowctl):
    zsh = flowctl.ok("completions", "zsh")
    assert zsh.startswith("#compdef flowctl") and "_FLOWCTL_COMPLETE=zsh_complete flowctl completions zsh" in zsh
    fish = flowctl.ok("completions", "fish")
    assert "_FLOWCTL_COMPLETE=fish_complete" in fish and "complete --no-files --command flowctl" in fish
    ps = flowctl.ok("completions", "powershell")
    assert "Register-ArgumentCompleter -Native -CommandName 'flowctl'" in ps and "bash_complete" in ps
    elvish = flowctl.ok("completions", "elvish")
    assert "edit:completion:arg-completer[flowctl]" in elvish and "bash_complete" in elvish
    assert not flowctl.flow.exists()  # no .flow needed or created


def test_bad_shell_is_a_usage_error(flowctl):
    run = flowctl.fail("completions", "tcsh", code=2)
    assert run.out == "" and "tcsh" in run.err
    flowctl.fail("completions", code=2)
