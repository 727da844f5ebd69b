from __future__ import annotations

import unicodedata

import pytest

from flowctl_core.errors import InvalidInputError
from flowctl_core.ids import (
    ParsedId,
    check_safe_id,
    epic_id_from_task,
    epic_number,
    invalid_any_id_message,
    invalid_epic_id_message,
    invalid_task_id_message,
    is_epic_id,
    is_task_id,
    new_epic_id,
    parse_id,
    random_suffix,
    slugify,
    sort_key_task,
    task_number,
)

# ── grammar ──────────────────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        ("fn-1", ParsedId(1, None, None)),
        ("fn-1.3", ParsedId(1, None, 3)),
        ("fn-7-x7k", ParsedId(7, "x7k", None)),
        ("fn-7-x7k.3", ParsedId(7, "x7k", 3)),
        ("fn-2-add-auth", ParsedId(2, "add-auth", None)),
        ("fn-1-add-auth.3", ParsedId(1, "add-auth", 3)),
        ("fn-5-a", ParsedId(5, "a", None)),
        ("fn-5-ab", ParsedId(5, "ab", None)),
        ("fn-1-a--b", ParsedId(1, "a--b", None)),
        ("fn-01", ParsedId(1, None, None)),
        ("fn-999.99", ParsedId(999, None, 99)),
        ("fn-1-abcd.0", ParsedId(1, "abcd", 0)),
        ("fn-4294967295", ParsedId(4294967295, None, None)),
        ("fn-1.4294967295", ParsedId(1, None, 4294967295)),
    ],
)
def test_parse_valid(s: str, expected: ParsedId) -> None:
    assert parse_id(s) == expected


@pytest.mark.parametrize(
    "s",
    [
        "",
        "fn",
        "fn-",
        "fn-1-",
        "fn-1.",
        "fn-1.x",
        "fn-1.2.3",
        "FN-1",
        "fn-1-Add",
        "fn-1-a-",
        "fn-1--a",
        "fn-1-ab_c",
        "x-1",
        " fn-1",
        "fn-1 ",
        "fn-1\n",
        "fn-1.2\n",
        "fn-١",  # Arabic-Indic digit: ASCII digits only
        "fn-1.٢",
        "fn-4294967296",  # u32 overflow
        "fn-1.4294967296",
        "fn-1/../../x",
        "../fn-1",
        "fn-1\x00",
        "fn-1..2",
    ],
)
def test_parse_invalid(s: str) -> None:
    assert parse_id(s) is None
    assert not is_epic_id(s)
    assert not is_task_id(s)


def test_parse_non_string() -> None:
    assert parse_id(None) is None
    assert parse_id(12) is None


def test_parsed_id_is_a_tuple_with_named_fields() -> None:
    import copy
    import pickle

    p = parse_id("fn-12-slug.7")
    assert p is not None
    assert (p.epic, p.suffix, p.task) == (12, "slug", 7)
    epic, suffix, task = p
    assert (epic, suffix, task) == (12, "slug", 7)
    assert p == (12, "slug", 7) and p == ParsedId(12, "slug", 7) and isinstance(p, tuple)
    assert hash(p) == hash((12, "slug", 7)) and len(p) == 3
    assert copy.copy(p) == p and pickle.loads(pickle.dumps(p)) == p
    assert repr(p) == "ParsedId(epic=12, suffix='slug', task=7)"
    with pytest.raises(AttributeError):
        p.epic = 1  # type: ignore[misc]


def test_epic_task_predicates() -> None:
    assert is_epic_id("fn-1") and is_epic_id("fn-1-add-auth")
    assert not is_epic_id("fn-1.2")
    assert is_task_id("fn-1.2") and is_task_id("fn-1-add-auth.2")
    assert not is_task_id("fn-1-add-auth")


def test_epic_id_from_task() -> None:
    assert epic_id_from_task("fn-5-x7k.3") == "fn-5-x7k"
    assert epic_id_from_task("fn-1.2") == "fn-1"
    with pytest.raises(InvalidInputError, match="not a task ID: fn-1"):
        epic_id_from_task("fn-1")
    with pytest.raises(InvalidInputError):
        epic_id_from_task("garbage.1")


def test_numbers() -> None:
    assert task_number("fn-3-abc.12") == 12
    assert epic_number("fn-3-abc.12") == 3
    assert epic_number("fn-10-x") == 10
    with pytest.raises(InvalidInputError):
        task_number("fn-3-abc")
    with pytest.raises(InvalidInputError):
        epic_number("bad")


# ── slugs ────────────────────────────────────────────────────────────────────────────────────────────────────────

LONG = "this is a very long title that should be truncated at a word boundary"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello World", "hello-world"),
        ("café résumé", "cafe-resume"),
        (unicodedata.normalize("NFD", "café résumé"), "cafe-resume"),
        ("Hello, World! (2024)", "hello-world-2024"),
        ("hello_world_test", "hello-world-test"),
        ("hello   ---  world", "hello-world"),
        ("", None),
        ("   ", None),
        ("---", None),
        ("---hello---", "hello"),
        (LONG, "this-is-a-very-long-title-that-should"),
        ("日本語", None),
        ("Add OAuth login", "add-oauth-login"),
    ],
)
def test_slugify_reference_vectors(title: str, slug: str | None) -> None:
    assert slugify(title) == slug
    assert slugify(title, 40) == slug


def test_slugify_truncation() -> None:
    assert slugify(LONG, 20) == "this-is-a-very-long"
    assert slugify(LONG, 0) == LONG.replace(" ", "-")
    # A word ending exactly at the limit is still cut back to the previous hyphen.
    assert slugify("abcde fghij", 11) == "abcde-fghij"
    assert slugify("abcde fghij klm", 11) == "abcde"
    # No hyphen in the prefix: hard cut.
    assert slugify("abcdefghijklmnop", 5) == "abcde"


def test_slugify_rust_table_differs_from_nfkd() -> None:
    # Decision D-2: the reference's table, not NFKD.
    assert slugify("Æther Øre Łódź Đakovo") == "ather-ore-lodz-dakovo"
    assert slugify("Œuvre ħ ı") == "ouvre-h-i"
    assert slugify("ﬁle") == "le"  # ligature dropped (NFKD would give "file")
    assert slugify("Ａbc") == "bc"  # full-width dropped
    assert slugify("x² ①") == "x"
    assert slugify("Straße") == "strae"  # ß dropped
    assert slugify("ſ ŉ Ŋ ĸ") is None


def test_slugify_latin_extended_parity_rows() -> None:
    assert slugify("ĀăĄ") == "aaa"
    assert slugify("ĒĕĖęĚ") == "eeeee"
    assert slugify("ĜğĠģ") == "gggg"
    assert slugify("ĨĩĪİı") == "iiiii"
    assert slugify("Ĳ") is None  # U+0132 not in the table
    assert slugify("ŌŏŐ") == "ooo"
    assert slugify("ŨūŲų") == "uuuu"
    assert slugify("ŹżŽ ŸŷŶ Ŵŵ") == "zzz-yyy-ww"
    assert slugify("ĹĺĽľŁł Ŀŀ") == "llllll-ll"
    assert slugify("ŠšŞşŚśŜŝ ŤťŢţŦŧ ŘřŔŕŖŗ") == "ssssssss-tttttt-rrrrrr"
    assert slugify("ĆćČčĈĉĊċ ĎďĐđ ĤĥĦħ ĴĵĶķ ŃńŅņŇň") == "cccccccc-dddd-hhhh-jjkk-nnnnnn"


def test_slugify_whitespace_classes() -> None:
    # \x1c-\x1f are whitespace for Python's \s but not for the reference: they are deleted, not separators.
    assert slugify("a\x1cb") == "ab"
    assert slugify("a\tb\nc\x0bd\x0ce\rf") == "a-b-c-d-e-f"
    # Non-ASCII whitespace is not in the table: dropped.
    assert slugify("a\u00a0b") == "ab"


def test_slug_only_id_chars() -> None:
    for title in ["Hello World", "café", "x" * 100, "a_b-c d", "!!a!!"]:
        slug = slugify(title)
        assert slug is not None
        assert is_epic_id(f"fn-1-{slug}")


def test_random_suffix_and_new_epic_id() -> None:
    for _ in range(50):
        s = random_suffix()
        assert len(s) == 3 and all(c in "abcdefghijklmnopqrstuvwxyz0123456789" for c in s)
    assert new_epic_id(3, "Add auth") == "fn-3-add-auth"
    eid = new_epic_id(3, "日本語")
    assert eid.startswith("fn-3-") and len(eid) == len("fn-3-") + 3 and is_epic_id(eid)


# ── messages ─────────────────────────────────────────────────────────────────────────────────────────────────────


def test_messages_exact() -> None:
    assert invalid_epic_id_message("x") == (
        "Invalid epic ID: x. Expected format: fn-N or fn-N-slug (e.g., fn-1, fn-1-add-auth)"
    )
    assert invalid_task_id_message("x") == (
        "Invalid task ID: x. Expected format: fn-N.M or fn-N-slug.M (e.g., fn-1.2, fn-1-add-auth.2)"
    )
    assert (
        invalid_task_id_message("x", "medium") == "Invalid task ID: x. Expected format: fn-N.M or fn-N-slug.M"
    )
    assert invalid_task_id_message("x", variant="short") == "Invalid task ID: x"
    assert invalid_any_id_message("x") == (
        "Invalid ID: x. Expected format: fn-N or fn-N-slug (epic), fn-N.M or fn-N-slug.M (task)"
    )
    with pytest.raises(ValueError):
        invalid_task_id_message("x", "tiny")


# ── path safety ──────────────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "bad",
    [
        "fn-1/../../x",
        "../fn-1",
        "fn-1\x00",
        "fn-1.2\n",
        "fn-1\\..\\x",
        "fn-1/",
        "/etc/passwd",
        "fn-1..",
        "..",
        "",
        "fn-1.2/../../../etc",
        "fn-1-../x",
    ],
)
def test_check_safe_id_rejects_traversal(bad: str) -> None:
    with pytest.raises(InvalidInputError) as ei:
        check_safe_id(bad)
    assert str(ei.value) == invalid_any_id_message(bad)


def test_check_safe_id_kinds() -> None:
    assert check_safe_id("fn-1-a.2") == "fn-1-a.2"
    assert check_safe_id("fn-1-a", kind="epic") == "fn-1-a"
    assert check_safe_id("fn-1.2", kind="task") == "fn-1.2"
    with pytest.raises(InvalidInputError, match=r"^Invalid epic ID: fn-1\.2\. "):
        check_safe_id("fn-1.2", kind="epic")
    with pytest.raises(
        InvalidInputError, match=r"^Invalid task ID: fn-1\. Expected format: fn-N.M or fn-N-slug.M \(e.g."
    ):
        check_safe_id("fn-1", kind="task")
    with pytest.raises(InvalidInputError):
        check_safe_id(None)


def test_valid_ids_never_contain_path_syntax() -> None:
    for s in ["fn-1", "fn-1-a--b.3", "fn-0000.0000", "fn-9-zz9"]:
        assert parse_id(s) is not None
        assert "/" not in s and "\\" not in s and ".." not in s and "\x00" not in s


# ── ordering ─────────────────────────────────────────────────────────────────────────────────────────────────────


def test_sort_key_task() -> None:
    tasks = [
        {"id": "fn-1.10", "title": "b", "priority": None},
        {"id": "fn-1.2", "title": "z"},
        {"id": "fn-1.3", "title": "a", "priority": 1},
        {"id": "fn-1.2", "title": "a", "priority": 999},
    ]
    ordered = sorted(tasks, key=sort_key_task)
    assert [(t["id"], t["title"]) for t in ordered] == [
        ("fn-1.3", "a"),
        ("fn-1.2", "a"),
        ("fn-1.2", "z"),
        ("fn-1.10", "b"),
    ]
    assert sort_key_task({"id": "fn-1.5", "title": "t", "priority": 0}) == (0, 5, "t")
    assert sort_key_task({"id": "bad"}) == (999, 0, "")

    class T:
        id = "fn-2.4"
        title = "x"
        priority = 3

    assert sort_key_task(T()) == (3, 4, "x")
