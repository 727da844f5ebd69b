"""Reading user content from a file or stdin: binary, capped, strictly UTF-8 (outputs, scout-cache results)."""

from __future__ import annotations

# The limit of every user-supplied payload (1 MiB): far above any hand-off note or scout result, and reading
# /dev/zero stays harmless.
from flowctl_core.payloads import MAX_PAYLOAD_BYTES


class ContentError(Exception):
    """Content that could not be read; str() is the reason in the reference's words (`<os error>`, …)."""


def read_bytes(source: str) -> bytes:
    """The bytes of file `source`, or of stdin for `-`, read in binary (no newline translation)."""
    import sys

    from flowctl_core.errors import os_error_text

    try:
        if source == "-":
            data = sys.stdin.buffer.read(MAX_PAYLOAD_BYTES + 1)
        else:
            with open(source, "rb") as f:
                data = f.read(MAX_PAYLOAD_BYTES + 1)
    except OSError as err:
        raise ContentError(os_error_text(err)) from err
    except ValueError as err:  # e.g. an embedded NUL in the path
        raise ContentError(str(err)) from err
    if len(data) > MAX_PAYLOAD_BYTES:
        raise ContentError(f"content is larger than {MAX_PAYLOAD_BYTES} bytes (1 MiB)")
    return data


def decode(data: bytes) -> str:
    """UTF-8 text of `data` (encoding it again gives the same bytes); ContentError when it is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ContentError("stream did not contain valid UTF-8") from None


def read_text(source: str) -> str:
    """`read_bytes` then `decode`."""
    return decode(read_bytes(source))


def check_size(text: str) -> str:
    """`text` when its UTF-8 form fits the cap; ContentError otherwise."""
    size = len(text.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise ContentError(f"content is larger than {MAX_PAYLOAD_BYTES} bytes (1 MiB)")
    return text
