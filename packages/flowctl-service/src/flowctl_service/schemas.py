"""`flowctl schema`: the JSON Schemas of the on-disk records, printed or written to a directory.

The schemas come from the pydantic models of `flowctl_core.models`; pydantic is imported only inside these
functions, so no other command pays for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl_core.errors import InvalidInputError


def _all() -> dict[str, dict[str, Any]]:
    from flowctl_core.models import json_schemas

    return json_schemas()


def _check(name: str, schemas: dict[str, Any]) -> None:
    if name not in schemas:
        raise InvalidInputError(f"Unknown record '{name}'. Valid records: {', '.join(sorted(schemas))}")


def show(name: str | None = None) -> dict[str, Any]:
    """The schema of one record (`{"record", "schema"}`), or of every record (`{"schemas": {name: schema}}`)."""
    schemas = _all()
    if name is None:
        return {"schemas": dict(sorted(schemas.items()))}
    _check(name, schemas)
    return {"record": name, "schema": schemas[name]}


def show_text(data: dict[str, Any]) -> str:
    """The schema(s) as indented JSON, exactly as the files under `schemas/` hold them."""
    from flowctl_core.schemas import render

    return render(data["schema"] if "schema" in data else data["schemas"]).rstrip("\n")


def write(outdir: Path, name: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Write `<name>.schema.json` for one record (or all) into `outdir`; a dry run only lists the files."""
    from flowctl_core import schemas as core_schemas

    schemas = _all()
    if name is not None:
        _check(name, schemas)
    names = sorted(schemas) if name is None else [name]
    paths = [str(Path(outdir) / core_schemas.file_name(n)) for n in names]
    if dry_run:
        return {"dry_run": True, "out": str(outdir), "would_write": paths}
    if Path(outdir).exists() and not Path(outdir).is_dir():
        raise InvalidInputError(f"--out {outdir} is not a directory")
    core_schemas.write_schemas(Path(outdir), names)  # an OS error surfaces as StoreIOError naming the file
    return {"out": str(outdir), "written": paths}


def write_text(data: dict[str, Any]) -> str:
    """One written (or, in a dry run, would-be written) file a line."""
    return "\n".join(data.get("written", data.get("would_write", [])))
