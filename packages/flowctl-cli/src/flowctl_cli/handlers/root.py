"""Body of the root callback (declared in app.py): logging and the CliState of the invocation."""

from __future__ import annotations

from ..state import CliState


def root(json_: bool, compact: bool, no_compact: bool, dry_run: bool, version: bool, verbose: int,
         log_json: bool) -> CliState:
    """Configure logs when asked for and resolve the global switches (`version` is handled by its eager callback)."""
    from .. import logs

    if logs.wanted(verbose, log_json):
        logs.configure(verbose, log_json)
    return CliState.resolve(json=json_, compact=compact, no_compact=no_compact, dry_run=dry_run)
