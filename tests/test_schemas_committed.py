"""The JSON Schemas committed under schemas/ are exactly what the pydantic models produce today."""

from __future__ import annotations

from pathlib import Path

from flowctl_core import schemas
from flowctl_core.models import json_schemas

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
REGENERATE = "regenerate with: uv run flowctl schema --out schemas  (and delete files of records that are gone)"


def test_committed_schemas_match_the_models():
    expected = {schemas.file_name(name): schemas.render(schema) for name, schema in json_schemas().items()}
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMAS.glob("*.schema.json")}
    assert sorted(committed) == sorted(expected), f"schemas/ lists other records than the models; {REGENERATE}"
    stale = sorted(name for name in expected if committed[name] != expected[name])
    assert not stale, f"schemas/ drifted from flowctl_core.models: {', '.join(stale)}; {REGENERATE}"
