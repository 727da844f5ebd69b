"""JSON text in and out through the interpreter's own C accelerator (`_json`), without importing `json`.

`import json` costs ≈ 6 ms of start-up on every call (it compiles regular expressions, which imports `re` and
`enum`), a fifth of a hot command. The scanner and encoder used here are the very ones `json` runs, configured as
`json.loads` and `json.dumps` configure them, so a document parses to the same value and a value encodes to the
same text. Whatever they do not take on (a document that does not parse, a type `json` converts, a NaN in pretty
output …) is handed to `json` itself, so every result and every error is exactly `json`'s.

One difference, on purpose: JSON as serde_json (the reference's parser) takes it. `NaN`, `Infinity`, `-Infinity`
and unpaired surrogate escapes (`"\\ud800"`), which `json` accepts, are refused with serde's error
(`json_errors`), and a non-finite float is never written: a file flowctl writes is one the reference
can read.
"""

from __future__ import annotations

import _json

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any

_WHITESPACE = " \t\n\r"  # json's insignificant whitespace


class _LoadsContext:
    """What `json.decoder.JSONDecoder()` hands the C scanner: `json.loads`' defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name: str) -> Any:
        raise ValueError(name)  # NaN, Infinity, -Infinity: json_errors.strict_loads words the refusal


_scan = _json.make_scanner(_LoadsContext())  # type: ignore[arg-type]  # the C code reads these six attributes


class _Unsupported(Exception):
    """A value the fast encoders leave to `json` (it converts, or refuses, it with its own message)."""


def _unsupported(value: object) -> object:
    raise _Unsupported


# json.dumps(obj, separators=(",", ":"), sort_keys=True, allow_nan=False) with and without ensure_ascii: json's C
# encoder, made once.
_COMPACT = _json.make_encoder(None, _unsupported, _json.encode_basestring, None, ":", ",", True, False, False)
_COMPACT_ASCII = _json.make_encoder(None, _unsupported, _json.encode_basestring_ascii, None, ":", ",", True, False,
                                    False)


def loads(data: str | bytes) -> Any:
    """`json.loads(data)` as serde_json reads: the same value, or json's own exception (a JSONDecodeError worded
    for serde by `json_errors.serde_message` where json would take a NaN or an unpaired surrogate)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value, end = _scan(text, len(text) - len(text.lstrip(_WHITESPACE)))
        if end != len(text) and text[end:].strip(_WHITESPACE):
            raise _Unsupported  # trailing data
    except Exception:  # noqa: BLE001 - json itself gives the verdict (and the exact message)
        # Not parsed here: a syntax error, another encoding (a BOM, UTF-16 …), surrogates, trailing data, a NaN. A
        # strict UTF-8 text that scanned fully is what json would decode too (no NUL byte: its sniffing says UTF-8).
        from .json_errors import strict_loads

        value, text = strict_loads(data)
    if "\\ud" in text or "\\uD" in text:  # a surrogate escape: json pairs what it can and keeps the rest
        from .json_errors import check_surrogate_escapes

        check_surrogate_escapes(text)
    return value


def dumps_compact(value: Any, *, ascii_only: bool = False) -> str:
    """`json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=ascii_only, allow_nan=False)`."""
    try:
        return "".join((_COMPACT_ASCII if ascii_only else _COMPACT)(value, 0))
    except (_Unsupported, RecursionError):  # an unknown type or a cycle: json's message
        import json

        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=ascii_only, allow_nan=False)


def dumps_pretty(value: Any, *, sort_keys: bool = False) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys, allow_nan=False)` (serde_json's pretty
    form)."""
    out: list[str] = []
    try:
        _pretty(value, "\n", out, sort_keys)
    except (_Unsupported, RecursionError, TypeError):  # anything but plain JSON values, a cycle, unsortable keys
        import json

        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys, allow_nan=False)
    return "".join(out)


_encode_str = _json.encode_basestring
_INFINITY = float("inf")


def _pretty(value: Any, newline: str, out: list[str], sort_keys: bool) -> None:
    """Append `value` as json's pure-Python encoder writes it with indent=2 (3.11 and 3.12 have no C version)."""
    cls = value.__class__
    if cls is str:
        out.append(_encode_str(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif cls is int:
        out.append(int.__repr__(value))
    elif cls is float:
        if value != value or value == _INFINITY or value == -_INFINITY:
            raise _Unsupported  # json refuses NaN / Infinity with its own message
        out.append(float.__repr__(value))
    elif cls is list:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            separator = "," + inner
            _pretty(item, inner, out, sort_keys)
        out.append(newline + "]")
    elif cls is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in sorted(value.items()) if sort_keys else value.items():
            if key.__class__ is not str:
                raise _Unsupported  # json turns numbers, booleans and None into key strings
            out.append(separator + _encode_str(key) + ": ")
            separator = "," + inner
            _pretty(item, inner, out, sort_keys)
        out.append(newline + "}")
    else:
        raise _Unsupported  # tuples, subclasses, other types: json converts or refuses them
