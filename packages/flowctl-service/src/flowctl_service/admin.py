"""Admin operations: init (and, as they arrive, detect, status, doctor, validate, state-path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl_core import config as cfg
from flowctl_core import json_store as js
from flowctl_db import FlowStore

INIT_DIRS = ("epics", "specs", "tasks", "memory", "reviews")


def init(cwd: Path) -> dict[str, Any]:
    """Create or complete `.flow/` (idempotent, never overwrites data); return {actions, message, path}.

    Beyond the reference: the symlink action is reported only when the link was created or repaired, so a
    re-run reports `.flow/ already up to date` (cli-core §10 #11).
    """
    flow = js.flow_dir_for(cwd)
    actions: list[str] = []
    existed = flow.is_symlink() and flow.exists()
    link_target_before = str(flow.readlink()) if flow.is_symlink() else None
    _path, link_action = js.ensure_flow_symlink(cwd)
    if link_action and not (existed and link_target_before == str(flow.readlink())):
        actions.append(link_action)
    store = FlowStore(flow)
    with store.lock():
        for name in INIT_DIRS:
            d = flow / name
            if not d.is_dir():
                d.mkdir(parents=True, exist_ok=True)
                actions.append(f"created {name}/")
        if js.load_json(store.paths.meta) is None:
            js.write_json(store.paths.meta, {"next_epic": 1, "schema_version": 1}, sort_keys=True)
            actions.append("created meta.json")
        raw = js.load_json(store.paths.config)
        if raw is None:
            store.write_config(cfg.default_config())
            actions.append("created config.json")
        else:
            current = js.read_config(store.paths)  # corrupt → error naming the file; never replaced (D29)
            merged, changed = cfg.deep_merge_defaults(current, cfg.DEFAULT_CONFIG)
            if changed:
                store.write_config(merged)
                actions.append("upgraded config.json (added missing keys)")
        if not store.paths.state.is_dir():
            store.paths.state.mkdir(parents=True, exist_ok=True)
            actions.append("created .state/")
        store.ensure_dirs()
    message = f".flow/ updated: {', '.join(actions)}" if actions else ".flow/ already up to date"
    return {"actions": actions, "message": message, "path": str(flow)}
