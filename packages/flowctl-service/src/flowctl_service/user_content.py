"""Reading user content from a file or stdin: binary (byte for byte, CRLF kept), strictly UTF-8, capped where asked.

The one home for it: spec and plan bodies, acceptance criteria, stack files, outputs, scout-cache results.
"""

from __future__ import annotations

# The limit of every user-supplied payload (1 MiB): far above any hand-off note or scout result, and reading
# /dev/zero stays harmless.
from flowctl_core.payloads import MAX_PAYLOAD_BYTES


class ContentError(Exception):
    """Content that could not be read; str() is the reason in the reference's words (`<os error>`, …)."""


def read_bytes(source: str, limit: int | None = MAX_PAYLOAD_BYTES) -> bytes:
    """The bytes of file `source`, or of stdin for `-`, read in binary (no newline translation); `limit` caps them."""
    import sys

    from flowctl_core.errors import os_error_text

    try:
        size = -1 if limit is None else limit + 1
        if source == "-":
            data = sys.stdin.buffer.read(size)
        else:
            with open(source, "rb") as f:
                data = f.read(size)
    except OSError as err:
        raise ContentError(os_error_text(err)) from err
    except ValueError as err:  # e.g. an embedded NUL in the path
        raise ContentError(str(err)) from err
    if limit is not None and len(data) > limit:
        raise ContentError(f"content is larger than {MAX_PAYLOAD_BYTES} bytes (1 MiB)")
    return data


def decode(data: bytes) -> str:
    """UTF-8 text of `data` (encoding it again gives the same bytes); ContentError when it is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ContentError("stream did not contain valid UTF-8") from None


def read_text(source: str, limit: int | None = MAX_PAYLOAD_BYTES) -> str:
    """`read_bytes` then `decode`."""
    return decode(read_bytes(source, limit))


def read_input(path: str, *, missing: str | None = None, failure: str = "Failed to read file '{path}'") -> str:
    """A spec, plan or criteria body from `path` (stdin for `-`), uncapped; InvalidInputError worded like the reference.

    `failure` prefixes the reason of a read error (`{path}` is filled in); `missing`, when given, is the whole
    message for a file that does not exist (the epic commands word it apart from other read errors).
    """
    import os

    from flowctl_core.errors import InvalidInputError

    if path != "-" and missing is not None and not os.path.exists(path):
        raise InvalidInputError(missing.format(path=path))
    try:
        return read_text(path, limit=None)
    except ContentError as err:
        where = "Failed to read stdin" if path == "-" else failure.format(path=path)
        raise InvalidInputError(f"{where}: {err}") from None


def check_size(text: str) -> str:
    """`text` when its UTF-8 form fits the cap; ContentError otherwise."""
    size = len(text.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise ContentError(f"content is larger than {MAX_PAYLOAD_BYTES} bytes (1 MiB)")
    return text
