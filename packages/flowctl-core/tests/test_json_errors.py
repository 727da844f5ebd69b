"""JSON syntax errors in serde_json's words and positions (each expected text is what the reference printed)."""

from __future__ import annotations

import json

import pytest

from flowctl_core.json_errors import serde_message

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
}


@pytest.mark.parametrize("doc", list(REFERENCE))
def test_the_message_is_the_references(doc: str) -> None:
    with pytest.raises(json.JSONDecodeError) as err:
        json.loads(doc)
    assert serde_message(err.value) == REFERENCE[doc]
