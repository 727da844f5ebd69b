"""What a command needs from the invocation: the global switches and the FlowStore of the working directory."""

from __future__ import annotations

from .state import CliState

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:  # the store class is reached through the service (the CLI never imports flowctl_db)
    from flowctl_service.workspace import FlowStore


_FAST_STATE: list[CliState] = []  # set by the fast route (fast.py), which runs a handler without click


def use_state(st: CliState | None) -> None:
    """Make `st` this invocation's CliState without a click context (the fast route); None forgets it."""
    _FAST_STATE[:] = [] if st is None else [st]


def state() -> CliState:
    """The CliState the root callback (or the fast route) stored for this invocation."""
    if _FAST_STATE:
        return _FAST_STATE[0]
    import click  # only the full typer route has a click context; the fast route never gets here

    ctx = click.get_current_context()
    obj = ctx.find_root().obj
    return obj if isinstance(obj, CliState) else CliState()


def dry_run() -> bool:
    """True when the global `--dry-run` was given: writing commands preview instead of writing."""
    return state().dry_run


def store() -> FlowStore:
    """The FlowStore of `<cwd>/.flow`; error when it does not exist."""
    from flowctl_service.workspace import require_store

    return require_store(state().cwd_text)


def read_store() -> FlowStore:
    """The FlowStore of `<cwd>/.flow` for reads that report nothing (and create nothing) when it is missing."""
    from flowctl_service.workspace import open_store

    return open_store(state().cwd_text)


def workflow_store() -> FlowStore:
    """The FlowStore for workflow commands, creating the `.flow` link/dir when missing (like the reference)."""
    from flowctl_service.workspace import auto_store

    return auto_store(state().cwd_text)
