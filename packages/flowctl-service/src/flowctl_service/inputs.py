"""Reading user-supplied content: a file path, or `-` for stdin (spec and plan bodies, acceptance criteria)."""

from __future__ import annotations

import os
import sys

from flowctl_core.errors import InvalidInputError, os_error_text


def _reason(err: OSError | UnicodeDecodeError) -> str:
    return "stream did not contain valid UTF-8" if isinstance(err, UnicodeDecodeError) else os_error_text(err)


def read_input(path: str, *, missing: str | None = None, failure: str = "Failed to read file '{path}'") -> str:
    """The content of `path` (stdin for `-`) as UTF-8 text; InvalidInputError worded like the reference.

    `failure` prefixes the reason of a read error (`{path}` is filled in); `missing`, when given, is the whole
    message for a file that does not exist (the epic commands word it apart from other read errors).
    """
    if path == "-":
        try:
            return sys.stdin.read()
        except (OSError, UnicodeDecodeError) as err:
            raise InvalidInputError(f"Failed to read stdin: {_reason(err)}") from err
    if missing is not None and not os.path.exists(path):
        raise InvalidInputError(missing.format(path=path))
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidInputError(f"{failure.format(path=path)}: {_reason(err)}") from err
