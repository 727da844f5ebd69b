"""JSON syntax errors worded as serde_json words them (`trailing comma at line 1 column 8`), the reference's parser.

Callers match on these texts (cli-core.md §1.4, §7.5), so a document Python's json module rejects is reported with
serde's message and position, not Python's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def outside_strings(text: str) -> Iterator[tuple[int, str]]:
    """(index, character) of every character of `text` that is JSON syntax: string contents and quotes skipped."""
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        else:
            yield i, ch


_CONSTANTS = ("NaN", "Infinity", "-Infinity")  # what json takes as numbers and serde_json refuses


def strict_loads(data: str | bytes) -> tuple[Any, str]:
    """`json.loads(data)` and the text it parsed; a `NaN`, `Infinity` or `-Infinity`, which json takes and serde_json
    refuses, is a JSONDecodeError at that word (`serde_message` words it as serde does)."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except _Constant:
        text = _decoded(data)
        at = next(i for i, _ in outside_strings(text) if text.startswith(_CONSTANTS, i))
        raise json.JSONDecodeError("Expecting value", text, at) from None
    return value, _decoded(data)


class _Constant(ValueError):
    """json met NaN, Infinity or -Infinity."""


def _refuse_constant(name: str) -> Any:
    raise _Constant(name)


def _decoded(data: str | bytes | bytearray) -> str:
    """The text json.loads parsed: bytes in the encoding it detects."""
    return data if isinstance(data, str) else bytes(data).decode(json.detect_encoding(data), "surrogatepass")


def check_surrogate_escapes(text: str) -> None:
    """Raise serde_json's error for the first `\\uXXXX` surrogate escape that is not a leading one followed by a
    trailing one (json decodes such escapes into lone surrogates; serde refuses them). `text` parsed as JSON."""
    i, end, in_string = 0, len(text), False
    while i < end:
        ch = text[i]
        if not in_string or ch != "\\":
            if ch == '"':
                in_string = not in_string
            i += 1
            continue
        if text[i + 1] != "u":
            i += 2  # another escape
            continue
        code = int(text[i + 2:i + 6], 16)  # the text parsed: four hex digits
        i += 6
        if 0xDC00 <= code <= 0xDFFF:
            raise json.JSONDecodeError("Lone leading surrogate in hex escape", text, i - 1)  # serde's word
        if 0xD800 <= code <= 0xDBFF:
            if text[i:i + 2] != "\\u":
                raise json.JSONDecodeError("Unexpected end of hex escape", text, i + (text[i] == "\\"))
            if not 0xDC00 <= int(text[i + 2:i + 6], 16) <= 0xDFFF:
                raise json.JSONDecodeError("Lone leading surrogate in hex escape", text, i + 5)
            i += 6


def _innermost(doc: str, pos: int) -> str:
    """`{` or `[`: the container open at `pos` (strings skipped), or '' at the top level."""
    stack: list[str] = []
    for _, ch in outside_strings(doc[:pos]):
        if ch in "[{":
            stack.append(ch)
        elif ch in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _end(doc: str) -> tuple[int, int]:
    """serde's position of an unexpected end: the last line and its length."""
    lines = doc.split("\n")
    return len(lines), len(lines[-1])


def parse_problem(err: ValueError) -> str:
    """Why `json.loads` refused a text, worded as serde_json: its syntax error, or a number too long to convert.

    Besides JSONDecodeError, the only ValueError json raises for a text is int()'s refusal of more than 4,300 digits
    (serde_json reports such a number as out of range).
    """
    if isinstance(err, json.JSONDecodeError):
        return serde_message(err)
    return "number out of range (more than 4300 digits)"


def serde_message(err: json.JSONDecodeError) -> str:
    """`<what> at line L column C` as serde_json reports the same syntax error."""
    doc, pos, msg = err.doc, err.pos, err.msg
    rest = doc[pos:]
    at_eof = not rest.strip()
    before = doc[:pos].rstrip()
    container = "an object" if _innermost(doc, pos) == "{" else "a list"
    line, col = err.lineno, err.colno
    if msg.startswith("Unterminated string"):
        what, (line, col) = "EOF while parsing a string", _end(doc)
    elif at_eof and msg.startswith(("Expecting property name", "Expecting ',' delimiter", "Expecting ':' delimiter")):
        what, (line, col) = f"EOF while parsing {container}", _end(doc)
    elif at_eof and msg.startswith("Expecting value"):
        what = "EOF while parsing a list" if before.endswith("[") else "EOF while parsing a value"
        line, col = _end(doc)
    elif before.endswith(",") and rest[:1] in ("]", "}") or msg.startswith("Illegal trailing comma"):
        what = "trailing comma"
        if msg.startswith("Illegal trailing comma"):  # Python 3.13 points at the comma, serde at the bracket
            col += len(rest) - len(rest[1:].lstrip()) if rest.startswith(",") else 0
    elif msg.startswith("Expecting property name"):
        what = "key must be a string"
    elif msg.startswith("Expecting ':'"):
        what = "expected `:`"
    elif msg.startswith("Expecting ','"):
        what = "expected `,` or `}`" if container == "an object" else "expected `,` or `]`"
    elif msg.startswith("Expecting value") and rest[:1] in ("n", "t", "f"):
        # serde reads null/true/false letter by letter and stops at the first letter that differs
        word = {"n": "null", "t": "true", "f": "false"}[rest[0]]
        matched = next((k for k in range(len(word)) if rest[k:k + 1] != word[k]), len(word))
        what, col = "expected ident", col + matched
    elif msg.startswith("Expecting value") and rest.startswith("-"):
        what, col = "invalid number", col + 1  # a minus sign without a digit after it
    elif msg.startswith("Expecting value"):
        what = "expected value"
    elif msg.startswith("Extra data"):
        what = "trailing characters"
    elif msg.startswith("Invalid control character"):
        what = "control character (\\u0000-\\u001F) found while parsing a string"
    elif msg.startswith("Invalid \\escape") or msg.startswith("Invalid \\u"):
        what, col = "invalid escape", col + 1
    else:
        what = msg[:1].lower() + msg[1:]
    return f"{what} at line {line} column {col}"
