"""Opening the store of a working directory (who the actor is: actor.py)."""

from __future__ import annotations

import os

from flowctl_core.errors import FlowError, InvalidInputError
from flowctl_db import FlowStore, location

FLOW_MISSING = ".flow/ does not exist. Run 'flowctl init' first."


def require_store(cwd: str | os.PathLike[str]) -> FlowStore:
    """The store at `<cwd>/.flow`; InvalidInputError with the reference text when it does not exist."""
    flow = location.flow_dir_text(cwd)
    if not os.path.exists(flow):
        raise InvalidInputError(FLOW_MISSING)
    return _opened(FlowStore(flow))


def open_store(cwd: str | os.PathLike[str]) -> FlowStore:
    """The store at `<cwd>/.flow` whether or not it exists: reads of a missing store find nothing, create nothing."""
    flow = location.flow_dir_text(cwd)
    return _opened(FlowStore(flow)) if os.path.exists(flow) else FlowStore(flow)


def auto_store(cwd: str | os.PathLike[str]) -> FlowStore:
    """The store for workflow commands: a missing `.flow` is created as init would link it (no sub-dirs)."""
    flow = location.flow_dir_text(cwd)
    if not os.path.exists(flow):
        try:
            location.ensure_flow_symlink(cwd)
        except FlowError as err:
            raise InvalidInputError(
                f".flow/ does not exist and auto-create failed: {err}. Run 'flowctl init' first.") from err
    return _opened(FlowStore(flow))


def _opened(store: FlowStore) -> FlowStore:
    """Every command, reads included, first rolls back a batch that a crash left half-done."""
    store.recover()
    return store
