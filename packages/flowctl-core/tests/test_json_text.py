"""json_text gives exactly json's results and errors (it runs json's own C scanner and encoder, else json itself),
except for what serde_json refuses: NaN, ±Infinity and unpaired surrogate escapes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowctl_core import json_text

# Texts with the characters JSON escapes, non-ASCII, astral and lone surrogates.
TEXT = st.text(st.characters(codec=None, blacklist_categories=()), max_size=12) | st.sampled_from(
    ["", "é", "\u2028", "\ud800", "\x00", '"\\/', "\U0001f600", "\ufeff"])
SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**40), max_value=10**40)
           | st.floats(allow_nan=True, allow_infinity=True) | TEXT)
# Plain JSON values, the common case (all handled by the fast paths) ...
PLAIN = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                     max_leaves=20)
# ... and values json converts or refuses (tuples, non-string keys, other types), which go to json itself.
ODD_KEYS = st.integers() | st.floats() | st.booleans() | st.none() | TEXT
ODD = st.recursive(SCALARS | st.builds(object) | st.sampled_from([b"x", {1, 2}]),
                   lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
                   | st.dictionaries(ODD_KEYS, inner, max_size=3), max_leaves=10)


def outcome(call, *args, **kwargs):
    """A call's result, or its exception's type and message (what a caller can observe)."""
    try:
        return ("ok", call(*args, **kwargs))
    except Exception as err:  # noqa: BLE001
        return ("raised", type(err), str(err))


def same(a, b):
    """Equal outcomes, NaN included (nan != nan: compare the canonical texts of parsed values)."""
    if a[0] == b[0] == "ok":
        return json.dumps(a[1], sort_keys=True) == json.dumps(b[1], sort_keys=True) and type(a[1]) is type(b[1])
    return a == b


@settings(max_examples=400)
@given(PLAIN | ODD, st.booleans())
def test_dumps_compact_is_json_dumps(value, ascii_only):
    assert outcome(json_text.dumps_compact, value, ascii_only=ascii_only) == outcome(
        json.dumps, value, separators=(",", ":"), sort_keys=True, ensure_ascii=ascii_only, allow_nan=False)


@settings(max_examples=400)
@given(PLAIN | ODD, st.booleans())
def test_dumps_pretty_is_json_dumps_indent_2(value, sort_keys):
    assert outcome(json_text.dumps_pretty, value, sort_keys=sort_keys) == outcome(
        json.dumps, value, indent=2, ensure_ascii=False, sort_keys=sort_keys, allow_nan=False)


def test_cycles_get_jsons_error():
    loop: list = []
    loop.append(loop)
    for call in (json_text.dumps_compact, json_text.dumps_pretty):
        with pytest.raises(ValueError, match="Circular reference detected"):
            call(loop)


WHITESPACE = st.text(st.sampled_from(" \t\n\r"), max_size=3)


@st.composite
def documents(draw):
    """A document json writes, with whitespace around it, often damaged (cut, a character changed or inserted)."""
    value = draw(PLAIN)
    text = json.dumps(value, indent=draw(st.sampled_from([None, 0, 2])), ensure_ascii=draw(st.booleans()))
    text = draw(WHITESPACE) + text + draw(WHITESPACE)
    damage = draw(st.sampled_from(["none", "none", "cut", "change", "insert"]))
    if damage != "none" and text:
        at = draw(st.integers(0, len(text) - 1))
        extra = draw(st.sampled_from(list(',:[]{}"\\ \x00\ufeffeE.-+0aN') + ["NaN", "Infinity", "\ud800"]))
        text = {"cut": text[:at], "change": text[:at] + extra + text[at + 1:],
                "insert": text[:at] + extra + text[at:]}[damage]
    return text


SERDE_ONLY = ("Expecting value", "Lone leading surrogate in hex escape", "Unexpected end of hex escape")


def _lone_surrogate(value) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, list):
        return any(map(_lone_surrogate, value))
    if isinstance(value, dict):
        return any(map(_lone_surrogate, [*value, *value.values()]))
    return False


class _Met(Exception):
    """json met NaN, Infinity or -Infinity."""


def _meet(name: str) -> None:
    raise _Met(name)


def serde_refuses(data) -> bool:
    """serde_json stops where json goes on: at a NaN or ±Infinity json parses (before any error of json's), or, in
    a document json takes, at an escape json decodes to a lone surrogate."""
    try:
        json.loads(data, parse_constant=_meet)
    except _Met:
        return True
    except Exception:  # noqa: BLE001 - json refuses it too, with its own error
        return False
    text = data if isinstance(data, str) else bytes(data).decode(json.detect_encoding(data), "surrogatepass")
    raw_ones_gone = "".join("x" if "\ud800" <= c <= "\udfff" else c for c in text)  # escapes only
    return _lone_surrogate(json.loads(raw_ones_gone))


def check_loads(data) -> None:
    """json_text.loads gives json.loads' outcome, or serde's refusal where serde refuses what json takes."""
    ours = outcome(json_text.loads, data)
    if serde_refuses(data):
        assert ours[0] == "raised" and ours[1] is json.JSONDecodeError and ours[2].startswith(SERDE_ONLY), ours
    else:
        assert same(ours, outcome(json.loads, data))


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]


@settings(max_examples=600)
@given(documents(), st.sampled_from([None, *ENCODINGS]))
def test_loads_is_json_loads(text, encoding):
    data: str | bytes = text
    if encoding is not None:
        data = text.encode(encoding, "surrogatepass")
    check_loads(data)


@pytest.mark.parametrize("data", [
    "", " ", "\ufeff{}", b"\xef\xbb\xbf{}", b"1\x00", b"\x001", b"1\x00\x00\x00", b'"\xed\xa0\x80"', b"\xff",
    "[1,]", '{"a":1,}', "[1] x", "NaN", "-Infinity", "1e400", "9" * 5000, "[" * 100_000, '"\\ud800"', "\u00a01",
    '"\\ud83d\\ude00"', '"\\\\ud800"', '["\\udc00"]', '{"\\ud800": 1}', '[1, Infinity]', b'{"a": NaN}',
    "NaN".encode("utf-16"), bytearray(b"[1]"), 12, None])
def test_loads_edge_cases_are_json_loads(data):
    check_loads(data)


def test_a_syntax_error_is_jsons_own_decode_error():
    with pytest.raises(json.JSONDecodeError) as caught:
        json_text.loads('{"a" 1}')
    assert caught.type is json.JSONDecodeError
    assert str(caught.value) == "Expecting ':' delimiter: line 1 column 6 (char 5)"


def test_importing_it_leaves_json_and_re_unloaded():
    code = ("import sys; from flowctl_core import json_text as j; j.loads(b'{\"a\": [1.5, null]}'); "
            "j.dumps_pretty({'b': [1]}); j.dumps_compact({'c': 'é'}, ascii_only=True); "
            "print(sorted(m for m in ('json', 're', 'enum') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
