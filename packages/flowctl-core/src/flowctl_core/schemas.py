"""Write the JSON Schema of every .flow/ record: `python -m flowctl_core.schemas OUTDIR` → `OUTDIR/<name>.schema.json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .json_store import atomic_write
from .models import json_schemas


def write_schemas(outdir: Path) -> list[Path]:
    """Write one `<name>.schema.json` per record into `outdir` (created if needed); return the paths written."""
    written = []
    for name, schema in sorted(json_schemas().items()):
        path = Path(outdir) / f"{name}.schema.json"
        atomic_write(path, json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
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
