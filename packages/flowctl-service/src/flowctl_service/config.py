"""`config get` / `config set`: dotted keys over config.json with defaults merged underneath."""

from __future__ import annotations

import copy
from typing import Any

from flowctl_core import changes
from flowctl_core import config as cfg
from flowctl_db import FlowStore

from .applier import commit


def effective_config(store: FlowStore) -> dict[str, Any]:
    """config.json with the defaults deep-merged underneath (defaults alone when there is no file)."""
    raw = store.config.read() if store.exists() else {}
    merged, _changed = cfg.deep_merge_defaults(raw, cfg.DEFAULT_CONFIG)
    return merged


def lookup(store: FlowStore, key: str) -> tuple[bool, Any]:
    """(found, value) at a dotted key of the effective config; an explicit null is found."""
    return cfg.lookup_path(effective_config(store), key)


def set_value(store: FlowStore, key: str, text: str, *, dry_run: bool = False) -> Any:
    """Coerce `text` and store it at the dotted key under the store lock; return the stored value (or the preview).

    A missing file starts from the defaults; a corrupt one is an error and left untouched (D29 fixed).
    """
    value = cfg.convert_value(text)
    with store.lock():
        raw = store.config.read() if store.config.exists() else copy.deepcopy(cfg.DEFAULT_CONFIG)  # corrupt raises
        cfg.set_path(raw, key, value)
        preview = commit(store, changes.Changes([changes.put("config", "", raw)]), dry_run=dry_run)
    return value if preview is None else preview
