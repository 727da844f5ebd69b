"""YAML frontmatter of Markdown files (`skills/*/SKILL.md`): the top-level scalar keys, without a YAML library.

The document must start (after leading whitespace) with `---` and have a closing line that is exactly `---`.
Each top-level `key: value` is read in the scalar forms used in practice: plain (continued on indented lines,
folded with spaces, ` #` comments cut), 'single' and "double" quoted, and `|` / `>` block scalars with the `-` / `+`
chomping indicators. A key holding a nested mapping or sequence is reported as NESTED.
"""

from __future__ import annotations

from typing import Any, cast

NESTED = object()  # marker value of a key that holds a mapping or a sequence
_NULLS = frozenset(("~", "null", "Null", "NULL"))
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "/": "/", " ": " ", "e": "\x1b",
            "b": "\b", "a": "\a", "v": "\v", "f": "\f", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}
_HEX_WIDTH = {"x": 2, "u": 4, "U": 8}


class FrontmatterError(ValueError):
    """The frontmatter is missing or cannot be read."""


def split(text: str) -> tuple[str, str]:
    """(yaml, body): the text between the opening `---` and the next line that is exactly `---`."""
    text = text.lstrip()
    if not text.startswith("---"):
        raise FrontmatterError("document does not start with ---")
    rest = text[3:]
    s = "\n" + rest.removeprefix("\r").removeprefix("\n")
    pos = 0
    while True:
        found = s.find("\n---", pos)
        if found < 0:
            raise FrontmatterError("no closing --- delimiter found")
        after = found + 4
        if after >= len(s) or s[after] == "\n":
            return s[1:found], s[after + 1:]
        if s[after] == "\r":
            return s[1:found], s[after + 2:] if s[after + 1:after + 2] == "\n" else s[after + 1:]
        pos = after


def parse(text: str) -> dict[str, Any]:
    """The frontmatter's top-level keys: strings for scalars (`12` → "12"), None for null, NESTED otherwise."""
    yaml, _body = split(text)
    lines = yaml.replace("\r\n", "\n").split("\n")
    out: dict[str, Any] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#") or line[0] in " \t":
            i += 1
            continue
        if line.startswith("- "):
            raise FrontmatterError("frontmatter is a sequence, not a mapping")
        key, sep, value = line.partition(":")
        if not sep or (value and value[0] not in " \t"):
            raise FrontmatterError(f"line {i + 1}: expected `key: value`")
        start = i + 1
        i += 1
        more: list[str] = []
        while i < len(lines) and (not lines[i].strip() or lines[i][0] in " \t"):
            more.append(lines[i])
            i += 1
        while more and not more[-1].strip():
            more.pop()
        out[_unquote(key.strip())] = _scalar(value.strip(), more, start)
    return out


def _unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"":
        return key[1:-1]
    return key


def _scalar(value: str, more: list[str], line_no: int) -> Any:
    """The value of one top-level key from its first line and its continuation lines."""
    if value[:1] in ("|", ">"):
        return _block(value, more)
    if value[:1] in ("'", '"'):
        return _quoted(" ".join([value, *(m.strip() for m in more if m.strip())]), line_no)
    if value.startswith(("[", "{")):
        return NESTED
    if not value:
        first = next((m.strip() for m in more if m.strip()), "")
        if not first:
            return None
        if first.startswith("- ") or first == "-" or ": " in first or first.endswith(":"):
            return NESTED
    words = [_cut_comment(w.strip()) for w in [value, *more]]
    plain = " ".join(w for w in words if w)
    return None if plain in _NULLS or not plain else plain


def _cut_comment(text: str) -> str:
    if text.startswith("#"):
        return ""
    cut = text.find(" #")
    return (text[:cut] if cut >= 0 else text).rstrip()


def _quoted(text: str, line_no: int) -> str:
    quote = text[0]
    out: list[str] = []
    i = 1
    while i < len(text):
        c = text[i]
        if c == quote:
            if quote == "'" and text[i + 1:i + 2] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out)
        if c == "\\" and quote == '"' and i + 1 < len(text):
            esc = text[i + 1]
            if esc in _HEX_WIDTH:
                width = _HEX_WIDTH[esc]
                try:
                    out.append(chr(int(text[i + 2:i + 2 + width], 16)))
                except ValueError as err:
                    raise FrontmatterError(f"line {line_no}: invalid escape \\{esc}") from err
                i += 2 + width
                continue
            if esc not in _ESCAPES:
                raise FrontmatterError(f"line {line_no}: invalid escape \\{esc}")
            out.append(_ESCAPES[esc])
            i += 2
            continue
        out.append(c)
        i += 1
    raise FrontmatterError(f"line {line_no}: unterminated quoted string")


def _block(header: str, more: list[str]) -> str:
    """A `|` (literal) or `>` (folded) block scalar; clip (default), `-` (strip) or `+` (keep) the final newline."""
    if not more:
        return ""
    chomp = next((c for c in header[1:].split("#", 1)[0] if c in "+-"), "")
    indent = min(len(m) - len(m.lstrip()) for m in more if m.strip())
    rows = [m[indent:] if m.strip() else "" for m in more]
    if header[0] == "|":
        text = "\n".join(rows)
    else:
        text = ""
        for n, row in enumerate(rows):
            if not row:
                text += "\n"
            else:
                text += (" " if n and rows[n - 1] else "") + row
    return text if chomp == "-" else text + "\n"


def required_string(fields: dict[str, Any], key: str) -> str:
    """A required string key of parsed frontmatter; FrontmatterError `missing field `key`` otherwise."""
    value = fields.get(key)
    if value is None:
        raise FrontmatterError(f"missing field `{key}`")
    if value is NESTED:
        raise FrontmatterError(f"invalid type for field `{key}`: expected a string")
    return cast(str, value)
