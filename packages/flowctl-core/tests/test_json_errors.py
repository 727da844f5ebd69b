"""JSON syntax errors in serde_json's words and positions (each expected text is what the reference printed)."""

from __future__ import annotations

import json

import pytest

from flowctl_core import json_text
from flowctl_core.json_errors import parse_problem, serde_message

REFERENCE = {
    "{bad": "key must be a string at line 1 column 2",
    '{"a":}': "expected value at line 1 column 6",
    '{"a":1,}': "trailing comma at line 1 column 8",
    '{"a":[1,]}': "trailing comma at line 1 column 9",
    '{"a" 1}': "expected `:` at line 1 column 6",
    '{"a":1 "b":2}': "expected `,` or `}` at line 1 column 8",
    '{"a":[1 2]}': "expected `,` or `]` at line 1 column 9",
    '{"a":"x': "EOF while parsing a string at line 1 column 7",
    '{"a":1}x': "trailing characters at line 1 column 8",
    '{"a":"\\q"}': "invalid escape at line 1 column 8",
    '{"a":': "EOF while parsing a value at line 1 column 5",
    "{": "EOF while parsing an object at line 1 column 1",
    '{"a":"\x01"}': "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 7",
    '{"a":tru}': "expected ident at line 1 column 9",
    "": "EOF while parsing a value at line 1 column 0",
    '{"x": xyz}': "expected value at line 1 column 7",
    '{"x": Nope}': "expected value at line 1 column 7",
    '{"x": nul}': "expected ident at line 1 column 10",
    '{"x": trux}': "expected ident at line 1 column 10",
    '{"x": -x}': "invalid number at line 1 column 8",
    '{"x": -}': "invalid number at line 1 column 8",
}

# Documents json takes and serde_json refuses (json_text.loads refuses them too).
REFERENCE_SERDE_ONLY = {
    '{"x": NaN}': "expected value at line 1 column 7",
    '{"x": Infinity}': "expected value at line 1 column 7",
    "[Infinity]": "expected value at line 1 column 2",
    '{"x": [1, -Infinity]}': "invalid number at line 1 column 12",
    '{"x": "\\ud800"}': "unexpected end of hex escape at line 1 column 14",
    '{"x": "\\udc00"}': "lone leading surrogate in hex escape at line 1 column 13",
    '{"x": "\\ud800\\u0041"}': "lone leading surrogate in hex escape at line 1 column 19",
}


@pytest.mark.parametrize("doc", list(REFERENCE))
def test_the_message_is_the_references(doc: str) -> None:
    with pytest.raises(json.JSONDecodeError) as err:
        json.loads(doc)
    assert serde_message(err.value) == REFERENCE[doc]


@pytest.mark.parametrize("doc", list(REFERENCE_SERDE_ONLY))
def test_what_serde_refuses_is_refused_with_its_message(doc: str) -> None:
    json.loads(doc)  # json takes it
    for data in (doc, doc.encode("utf-8"), doc.encode("utf-16")):
        with pytest.raises(json.JSONDecodeError) as err:
            json_text.loads(data)
        assert parse_problem(err.value) == REFERENCE_SERDE_ONLY[doc]


def test_paired_and_escaped_backslash_surrogates_are_fine() -> None:
    doc = '["\\ud83d\\ude00", "\\\\ud800", "\\\\\\ud83d\\ude00"]'  # a pair; an escaped backslash; both
    assert json_text.loads(doc) == ["\U0001f600", "\\ud800", "\\\U0001f600"]
