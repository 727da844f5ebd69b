"""docs/cli.md, the command reference, is exactly what the typer app generates today."""

from __future__ import annotations

from pathlib import Path

from flowctl_cli import docgen

CLI_MD = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_cli_reference_matches_the_commands():
    committed = CLI_MD.read_text(encoding="utf-8") if CLI_MD.exists() else ""
    assert committed == docgen.generate(), (
        f"docs/cli.md is out of date with the commands; regenerate it from the repository root with: "
        f"{docgen.REGENERATE}")


def test_reference_covers_every_registered_command_and_its_options():
    text = docgen.generate()
    from flowctl_cli.app import COMMANDS

    for name in ("init", "show", "epic", "task", "schema", "gap", "memory"):
        assert name in COMMANDS and f"\n## flowctl {name}\n" in text
    assert "\n### flowctl epic create\n" in text and "| `--title` | TEXT | required |" in text
    assert "| `RECORD` | TEXT |  |" in text and "| `--out` | PATH |  |" in text


def test_entry_point_writes_the_file_or_stdout(tmp_path, capsys):
    out = tmp_path / "cli.md"
    assert docgen.main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == docgen.generate()
    assert docgen.main(["-h"]) == 2
