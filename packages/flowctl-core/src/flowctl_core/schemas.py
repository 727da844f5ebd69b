"""Write the JSON Schema of every .flow/ record: `python -m flowctl_core.schemas OUTDIR` → `OUTDIR/<name>.schema.json`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .json_store import atomic_write
from .models import json_schemas


def file_name(name: str) -> str:
    """The file a record's schema is written to: `<name>.schema.json`."""
    return f"{name}.schema.json"


def render(schema: dict[str, Any]) -> str:
    """The committed text of a schema: sorted keys, two-space indent, raw UTF-8, final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_schemas(outdir: Path, names: Iterable[str] | None = None) -> list[Path]:
    """Write one `<name>.schema.json` per record (all, or `names`) into `outdir` (created if needed); return the paths."""
    schemas = json_schemas()
    written = []
    for name in sorted(schemas if names is None else names):
        path = Path(outdir) / file_name(name)
        atomic_write(path, render(schemas[name]))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: one argument, the output directory."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: python -m flowctl_core.schemas OUTDIR", file=sys.stderr)
        return 2
    for path in write_schemas(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
