"""YAML frontmatter of SKILL.md files: the scalar forms skills use, and the errors the scan reports."""

from __future__ import annotations

import pytest

from flowctl_core.frontmatter import NESTED, FrontmatterError, parse, required_string, split


def test_plain_keys_and_body():
    text = "---\nname: alpha\ndescription: Alpha skill\nextra: 1\n---\n# Body\n---\nmore\n"
    assert parse(text) == {"name": "alpha", "description": "Alpha skill", "extra": "1"}
    assert split(text) == ("name: alpha\ndescription: Alpha skill\nextra: 1", "# Body\n---\nmore\n")


@pytest.mark.parametrize("yaml_value, expected", [
    ('"Delta: quoted"', "Delta: quoted"),
    ("'it''s'", "it's"),
    (r'"tab\there \u00e9 \"q\""', 'tab\there \u00e9 "q"'),
    ("plain # a comment", "plain"),
    ("Use when 'x' or \"y\": triggers", "Use when 'x' or \"y\": triggers"),
    ("12", "12"),
    ("~", None),
    ("", None),
])
def test_scalar_forms(yaml_value, expected):
    assert parse(f"---\ndescription: {yaml_value}\n---\n")["description"] == expected


def test_multi_line_forms():
    text = ("---\n"
            "plain: first\n  second\n"
            "folded: >\n  one\n  two\n\n  three\n"
            "literal: |\n  l1\n  l2\n"
            "stripped: |-\n  s1\n"
            "quoted: \"a\n  b\"\n"
            "nested:\n  key: v\n"
            "listed:\n  - a\n"
            "flow: [a, b]\n"
            "---\n")
    assert parse(text) == {"plain": "first second", "folded": "one two\nthree\n", "literal": "l1\nl2\n",
                           "stripped": "s1", "quoted": "a b", "nested": NESTED, "listed": NESTED, "flow": NESTED}


def test_delimiters():
    assert split("  \n---\nname: x\n---") == ("name: x", "")
    assert split("---\r\nname: x\r\n---\r\nbody") == ("name: x\r", "body")
    assert parse("---\r\nname: x\r\ndescription: y\r\n---\r\n") == {"name": "x", "description": "y"}
    assert split("---\n---\nbody") == ("", "body")
    assert split("---\nname: x\n----\n--- x\n---\nbody") == ("name: x\n----\n--- x", "body")


@pytest.mark.parametrize("text, message", [
    ("no frontmatter\n", "document does not start with ---"),
    ("---\nname: x\n", "no closing --- delimiter found"),
    ("---\nname: \"open\n---\n", "unterminated quoted string"),
    ("---\n- a\n---\n", "not a mapping"),
    ("---\njust words\n---\n", "expected `key: value`"),
])
def test_errors(text, message):
    with pytest.raises(FrontmatterError, match=message):
        parse(text)


def test_required_string():
    fields = parse("---\nname: beta\nmeta:\n  a: 1\n---\n")
    assert required_string(fields, "name") == "beta"
    with pytest.raises(FrontmatterError, match="missing field `description`"):
        required_string(fields, "description")
    with pytest.raises(FrontmatterError, match="expected a string"):
        required_string(fields, "meta")
