"""Epic/task identifiers: grammar, parsing, slugs, allocation helpers and the standard validation messages.

Grammar (storage.md §4.1): ``fn-<N>[-<suffix>][.<M>]``. Ids are compared as plain strings everywhere; nothing here
normalises them. A valid id only ever contains ``[a-z0-9.-]`` with at most one ``.``, which is what makes it safe
to use as a file name under ``.flow/`` (see :func:`check_safe_id`).
"""

from __future__ import annotations

from flowctl_core.errors import InvalidInputError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    import re
    from typing import Any, NamedTuple

# Epic and task numbers are u32 in the reference; larger numbers make the id invalid.
_U32_MAX = 0xFFFFFFFF

# The characters of a suffix. The reference's regex
#   fn-([0-9]+)(?:-[a-z0-9][a-z0-9-]*[a-z0-9]|-[a-z0-9]{1,3})?(?:\.([0-9]+))?
# allows exactly a non-empty run of these that neither starts nor ends with a dash. It is checked with string
# methods because importing re costs start-up time (the regex itself is the oracle of the property tests).
_SUFFIX_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-"


if TYPE_CHECKING:

    class ParsedId(NamedTuple):
        """Components of a valid id: epic number, optional suffix (without its dash), optional task number."""

        epic: int
        suffix: str | None
        task: int | None

else:  # the same tuple without typing.NamedTuple or collections.namedtuple (both cost start-up time)

    class ParsedId(tuple):
        """Components of a valid id: epic number, optional suffix (without its dash), optional task number."""

        __slots__ = ()

        def __new__(cls, epic, suffix, task):
            return tuple.__new__(cls, (epic, suffix, task))

        def __getnewargs__(self):  # copy and pickle call __new__ with the three fields
            return tuple(self)

        def __repr__(self):
            return f"ParsedId(epic={self[0]!r}, suffix={self[1]!r}, task={self[2]!r})"

        epic = property(lambda self: self[0], doc="The epic number N.")
        suffix = property(lambda self: self[1], doc="The suffix after ``fn-N-`` (without its dash), or None.")
        task = property(lambda self: self[2], doc="The task number M, or None for an epic id.")


def _number(text: str) -> int | None:
    """A non-empty run of ASCII digits as a u32, else None."""
    # More than 10 significant digits overflows u32 anyway; checked first because int() refuses >4300 digits.
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > 10:
        return None
    number = int(text)
    return number if number <= _U32_MAX else None


def parse_id(s: object) -> ParsedId | None:
    """Parse an epic or task id; None when it does not match the grammar or a number overflows u32."""
    if not isinstance(s, str) or not s.startswith("fn-"):
        return None
    head, dot, task_text = s[3:].partition(".")
    epic_text, dash, suffix = head.partition("-")
    epic = _number(epic_text)
    if epic is None:
        return None
    # str.strip with a character set leaves "" exactly when every character is in the set.
    if dash and (not suffix or suffix[0] == "-" or suffix[-1] == "-" or suffix.strip(_SUFFIX_CHARS)):
        return None
    task: int | None = None
    if dot:
        task = _number(task_text)
        if task is None:
            return None
    return ParsedId(epic, suffix or None, task)


def is_epic_id(s: object) -> bool:
    """True for a valid id without a task part (``fn-1``, ``fn-1-add-auth``)."""
    p = parse_id(s)
    return p is not None and p.task is None


def is_task_id(s: object) -> bool:
    """True for a valid id with a task part (``fn-1.2``, ``fn-1-add-auth.2``)."""
    p = parse_id(s)
    return p is not None and p.task is not None


def _require_task(t: object) -> ParsedId:
    p = parse_id(t)
    if p is None:
        raise InvalidInputError(f"invalid ID: {t}")
    if p.task is None:
        raise InvalidInputError(f"invalid ID: not a task ID: {t}")
    return p


def epic_id_from_task(t: str) -> str:
    """The epic id of a task id: everything before the last ``.`` (``fn-5-x7k.3`` -> ``fn-5-x7k``)."""
    _require_task(t)
    return t.rsplit(".", 1)[0]


def task_number(t: str) -> int:
    """The task number M of a task id ``...<M>``; InvalidInputError for anything else."""
    task = _require_task(t).task
    return 0 if task is None else task  # _require_task refused ids without a task part


def epic_number(e: str) -> int:
    """The epic number N of an epic or task id ``fn-N...``; InvalidInputError when invalid."""
    p = parse_id(e)
    if p is None:
        raise InvalidInputError(f"invalid ID: {e}")
    return p.epic


# ── slugs ──────────────────────────────────────────────────────────────────────────────────────────────────────────
#
# Decision D-2: reproduce the reference's own transliteration table (core/id.rs) rather than NFKD, so a title yields
# the same new epic id as the Rust binary. Non-ASCII characters absent from the table are dropped. The table is built
# on first use to keep module import cheap.

_TRANSLIT: dict[str, str] | None = None

# (first code point, last code point, step, replacement); later rows never override earlier ones (first match wins,
# like the reference's match arms).
# fmt: off
_TRANSLIT_ROWS: tuple[tuple[int, int, int, str], ...] = (
    (0x00C0, 0x00C5, 1, "A"), (0x00E0, 0x00E5, 1, "a"),
    (0x00C7, 0x00C7, 1, "C"), (0x00E7, 0x00E7, 1, "c"),
    (0x00D0, 0x00D0, 1, "D"), (0x00F0, 0x00F0, 1, "d"),
    (0x00C8, 0x00CB, 1, "E"), (0x00E8, 0x00EB, 1, "e"),
    (0x00CC, 0x00CF, 1, "I"), (0x00EC, 0x00EF, 1, "i"),
    (0x00D1, 0x00D1, 1, "N"), (0x00F1, 0x00F1, 1, "n"),
    (0x00D2, 0x00D6, 1, "O"), (0x00D8, 0x00D8, 1, "O"),
    (0x00F2, 0x00F6, 1, "o"), (0x00F8, 0x00F8, 1, "o"),
    (0x00D9, 0x00DC, 1, "U"), (0x00F9, 0x00FC, 1, "u"),
    (0x00DD, 0x00DD, 1, "Y"), (0x00FD, 0x00FD, 1, "y"), (0x00FF, 0x00FF, 1, "y"),
    (0x00C6, 0x00C6, 1, "A"), (0x00E6, 0x00E6, 1, "a"),
    (0x0152, 0x0152, 1, "O"), (0x0153, 0x0153, 1, "o"),
    (0x0100, 0x0104, 2, "A"), (0x0101, 0x0105, 2, "a"),
    (0x0106, 0x010C, 2, "C"), (0x0107, 0x010D, 2, "c"),
    (0x010E, 0x0110, 2, "D"), (0x010F, 0x0111, 2, "d"),
    (0x0112, 0x011A, 2, "E"), (0x0113, 0x011B, 2, "e"),
    (0x011C, 0x0122, 2, "G"), (0x011D, 0x0123, 2, "g"),
    (0x0124, 0x0126, 2, "H"), (0x0125, 0x0127, 2, "h"),
    (0x0128, 0x0130, 2, "I"), (0x0129, 0x0131, 2, "i"),
    (0x0134, 0x0134, 1, "J"), (0x0135, 0x0135, 1, "j"),
    (0x0136, 0x0136, 1, "K"), (0x0137, 0x0137, 1, "k"),
    (0x0139, 0x0141, 2, "L"), (0x013A, 0x0142, 2, "l"),
    (0x0143, 0x0147, 2, "N"), (0x0144, 0x0148, 2, "n"),
    (0x014C, 0x0150, 2, "O"), (0x014D, 0x0151, 2, "o"),
    (0x0154, 0x0158, 2, "R"), (0x0155, 0x0159, 2, "r"),
    (0x015A, 0x0160, 2, "S"), (0x015B, 0x0161, 2, "s"),
    (0x0162, 0x0166, 2, "T"), (0x0163, 0x0167, 2, "t"),
    (0x0168, 0x0172, 2, "U"), (0x0169, 0x0173, 2, "u"),
    (0x0174, 0x0174, 1, "W"), (0x0175, 0x0175, 1, "w"),
    (0x0176, 0x0178, 2, "Y"), (0x0177, 0x0177, 1, "y"),
    (0x0179, 0x017D, 2, "Z"), (0x017A, 0x017E, 2, "z"),
)
# fmt: on


def _translit_table() -> dict[str, str]:
    global _TRANSLIT
    if _TRANSLIT is None:
        table: dict[str, str] = {}
        for first, last, step, repl in _TRANSLIT_ROWS:
            for cp in range(first, last + 1, step):
                table.setdefault(chr(cp), repl)
        _TRANSLIT = table
    return _TRANSLIT


# After transliteration the text is pure ASCII, so the reference's Unicode \w / \s reduce to these ASCII classes.
# (Python's own \s would also match \x1c-\x1f, which the reference does not treat as whitespace.)
_SLUG_RES: tuple[re.Pattern[str], re.Pattern[str]] | None = None


def _slug_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    global _SLUG_RES
    if _SLUG_RES is None:
        import re  # lazy: only slugify needs it, and importing re costs start-up time

        _SLUG_RES = (re.compile(r"[^A-Za-z0-9_\t\n\x0b\x0c\r \-]"), re.compile(r"[\t\n\x0b\x0c\r \-]+"))
    return _SLUG_RES


def to_ascii(text: str) -> str:
    """Map text to ASCII with the reference's transliteration table (unknown non-ASCII characters are dropped)."""
    if text.isascii():
        return text
    table = _translit_table()
    return "".join(c if c < "\x80" else table.get(c, "") for c in text)


def slugify(title: str, max_length: int = 40) -> str | None:
    """URL-safe slug of a title for epic ids (storage.md §4.2); None when nothing usable remains."""
    non_word, collapse = _slug_res()
    text = to_ascii(title).lower()
    text = non_word.sub("", text).replace("_", " ")
    slug = collapse.sub("-", text).strip("-")
    if not slug:
        return None
    if max_length > 0 and len(slug) > max_length:
        prefix = slug[:max_length]
        pos = prefix.rfind("-")
        # Cut back to the last hyphen even if a word ends exactly at the limit (reference behaviour).
        slug = (prefix[:pos] if pos >= 0 else prefix).rstrip("-")
    return slug or None


_SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def random_suffix(length: int = 3) -> str:
    """Random ``[a-z0-9]`` suffix used when a title has no slug."""
    import secrets  # lazy: only epic creation needs it

    return "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(length))


def new_epic_id(number: int, title: str) -> str:
    """``fn-<number>-<slug(title) or random 3-char suffix>``."""
    return f"fn-{number}-{slugify(title, 40) or random_suffix(3)}"


def new_task_id(epic_id: str, number: int) -> str:
    """``<epic_id>.<number>``."""
    return f"{epic_id}.{number}"


# ── standard validation messages (cli-core §1.8) ───────────────────────────────────────────────────────────────────


def invalid_epic_id_message(x: str) -> str:
    """Standard message for a malformed epic id."""
    return f"Invalid epic ID: {x}. Expected format: fn-N or fn-N-slug (e.g., fn-1, fn-1-add-auth)"


def invalid_task_id_message(x: str, variant: str = "long") -> str:
    """Standard message for a malformed task id; variant is ``long``, ``medium`` or ``short``."""
    if variant == "long":
        return f"Invalid task ID: {x}. Expected format: fn-N.M or fn-N-slug.M (e.g., fn-1.2, fn-1-add-auth.2)"
    if variant == "medium":
        return f"Invalid task ID: {x}. Expected format: fn-N.M or fn-N-slug.M"
    if variant == "short":
        return f"Invalid task ID: {x}"
    raise ValueError(f"unknown message variant: {variant!r}")


def invalid_any_id_message(x: str) -> str:
    """Standard message for a string that is neither an epic nor a task id."""
    return f"Invalid ID: {x}. Expected format: fn-N or fn-N-slug (epic), fn-N.M or fn-N-slug.M (task)"


def check_safe_id(s: object, kind: str = "any") -> str:
    """Return s if it is a valid id usable as a file name under .flow/, else raise InvalidInputError.

    kind = ``any`` | ``epic`` | ``task`` restricts the accepted form and picks the standard message.
    """
    # A grammar-valid id consists of [a-z0-9.-] only with at most one '.', so it can never contain '/', '\\',
    # '..', NUL or a newline: validating the grammar is what keeps every path inside .flow/.
    p = parse_id(s)
    if kind == "epic":
        if p is None or p.task is not None:
            raise InvalidInputError(invalid_epic_id_message(str(s)))
    elif kind == "task":
        if p is None or p.task is None:
            raise InvalidInputError(invalid_task_id_message(str(s)))
    elif p is None:
        raise InvalidInputError(invalid_any_id_message(str(s)))
    return str(s)  # parse_id accepted it, so it is a str already


# ── ordering ───────────────────────────────────────────────────────────────────────────────────────────────────────


def _field(task: Any, name: str) -> Any:
    if isinstance(task, dict):
        return task.get(name)
    return getattr(task, name, None)


def sort_key_task(task: Any) -> tuple[int, int, str]:
    """Scheduling order used by ready/next: (priority or 999, task number or 0, title)."""
    priority = _field(task, "priority")
    if priority is None:
        priority = 999
    p = parse_id(_field(task, "id"))
    number = p.task if p is not None and p.task is not None else 0
    return (priority, number, _field(task, "title") or "")
