"""User-supplied JSON payloads (`--payload`, `@file` arguments): a strict parser and the limits it enforces.

Strict means what serde_json accepts: no NaN/Infinity, at most 128 levels of nesting (so the reference can read
back anything we store). Files are read with a size cap so a hostile argument cannot make flowctl swallow a huge
file.
"""

from __future__ import annotations

from .errors import InvalidInputError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any

# serde_json refuses documents nested deeper than this; anything the reference must read back stays within it.
SERDE_RECURSION_LIMIT = 128
MAX_PAYLOAD_BYTES = 1024 * 1024


def nesting_depth(value: Any) -> int:
    """How many arrays/objects deep `value` goes (iterative: no recursion on hostile input)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def loads(text: str, what: str) -> Any:
    """Parse JSON as serde_json does; InvalidInputError `<what>: <reason>` in serde's words when it does not."""
    from . import json_text

    try:
        return json_text.loads(text)
    except RecursionError:
        raise InvalidInputError(f"{what}: recursion limit exceeded") from None
    except ValueError as err:  # a syntax error (NaN and lone surrogates included), or a number int() refuses
        from .json_errors import parse_problem
        raise InvalidInputError(f"{what}: {parse_problem(err)}") from None


def parse_json(text: str | bytes, what: str) -> Any:
    """Parse a payload: `loads`, plus UTF-8 bytes and serde's 128 levels of nesting (InvalidInputError)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InvalidInputError(f"{what}: not valid UTF-8 ({err.reason} at byte {err.start})") from None
    value = loads(text, what)
    if nesting_depth(value) > SERDE_RECURSION_LIMIT:
        raise InvalidInputError(f"{what}: recursion limit exceeded (nested deeper than {SERDE_RECURSION_LIMIT})")
    return value


def read_capped(path: str, limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """A file's bytes, refusing anything over `limit`; InvalidInputError `cannot read <path>: …` on failure."""
    from .errors import os_error_text

    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as err:
        raise InvalidInputError(f"cannot read {path}: {os_error_text(err)}") from None
    if len(data) > limit:
        raise InvalidInputError(f"cannot read {path}: larger than {limit} bytes (the limit for a payload)")
    return data
