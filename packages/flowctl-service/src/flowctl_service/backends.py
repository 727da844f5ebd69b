"""The impl/review/sync backend specs shared by `epic set-backend` and `task set-backend`."""

from __future__ import annotations

from flowctl_core.errors import InvalidInputError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any


def require_backend_flag(values: tuple[str | None, ...]) -> None:
    """The reference's error when none of --impl, --review, --sync was given."""
    if all(value is None for value in values):
        raise InvalidInputError("At least one of --impl, --review, or --sync must be provided")


def apply_backend_flags(record: dict[str, Any], keys: tuple[str, str, str],
                        values: tuple[str | None, str | None, str | None]) -> list[tuple[str, str]]:
    """Set each given (non-None) value on `record` under its key, "" removing it; return the (key, value) pairs set."""
    updated = []
    for key, value in zip(keys, values, strict=True):
        if value is None:
            continue
        if value:
            record[key] = value
        else:
            record.pop(key, None)
        updated.append((key, value))
    return updated
