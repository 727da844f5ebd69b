"""Property-based tests (hypothesis): ids and slugs, record round trips, the DAG, the state machine."""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from flowctl_core import dag, ids, records, state_machine, timefmt
from flowctl_core.errors import DependencyError
from flowctl_core.json_store import dumps_pretty

settings.register_profile("flowctl", max_examples=300, deadline=None)
settings.load_profile("flowctl")

u32 = st.integers(min_value=0, max_value=0xFFFFFFFF)
titles = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


# ── ids and slugs ────────────────────────────────────────────────────────────────────────────────────────────────────

@given(u32, titles)
def test_a_new_epic_id_parses_back_to_its_number(number: int, title: str) -> None:
    epic_id = ids.new_epic_id(number, title)
    parsed = ids.parse_id(epic_id)
    assert parsed is not None and parsed.epic == number and parsed.task is None
    assert ids.is_epic_id(epic_id) and not ids.is_task_id(epic_id)


@given(u32, titles, u32)
def test_a_task_id_round_trips_through_its_epic(number: int, title: str, task: int) -> None:
    epic_id = ids.new_epic_id(number, title)
    task_id = ids.new_task_id(epic_id, task)
    assert ids.is_task_id(task_id)
    assert ids.epic_id_from_task(task_id) == epic_id
    assert ids.task_number(task_id) == task and ids.epic_number(task_id) == number


@given(titles)
def test_a_slug_is_url_safe_short_and_stable(title: str) -> None:
    slug = ids.slugify(title)
    if slug is None:
        return
    assert 0 < len(slug) <= 40
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert not slug.startswith("-") and not slug.endswith("-") and "--" not in slug
    assert ids.slugify(slug) == slug  # a slug is its own slug


@given(st.text(max_size=30))
def test_parse_id_never_raises_and_accepts_only_the_grammar(text: str) -> None:
    parsed = ids.parse_id(text)
    if parsed is not None:
        assert text.startswith("fn-") and text.isascii()


# The grammar as the reference's regex (ASCII digits only; fullmatch, as `$` would match before a final "\n"):
# the oracle for parse_id, which checks it with string methods to keep re out of start-up.
ID_RE = re.compile(r"fn-([0-9]+)(?:-[a-z0-9][a-z0-9-]*[a-z0-9]|-[a-z0-9]{1,3})?(?:\.([0-9]+))?")


def parse_id_oracle(s: str) -> tuple[int, str | None, int | None] | None:
    """What parse_id answers, by the regex: its groups, the suffix between them, u32 numbers only."""
    m = ID_RE.fullmatch(s)
    if m is None:
        return None
    if any(g is not None and len(g.lstrip("0")) > 10 for g in m.group(1, 2)):  # int() refuses >4300 digits
        return None
    epic = int(m.group(1))
    task = None if m.group(2) is None else int(m.group(2))
    if epic > 0xFFFFFFFF or (task is not None and task > 0xFFFFFFFF):
        return None
    suffix = s[m.end(1) + 1 : m.start(2) - 1 if task is not None else len(s)]
    return (epic, suffix or None, task)


def mutated(draw: st.DrawFn, text: str, alphabet: str) -> str:
    """`text`, or `text` with one character changed, inserted or deleted (a near miss of a valid text)."""
    edit = draw(st.sampled_from(["none", "none", "change", "insert", "delete"]))
    if edit == "none" or not text:
        return text
    at = draw(st.integers(min_value=0, max_value=len(text) - (edit != "insert")))
    char = draw(st.sampled_from(alphabet))
    if edit == "change":
        return text[:at] + char + text[at + 1 :]
    if edit == "insert":
        return text[:at] + char + text[at:]
    return text[:at] + text[at + 1 :]


ID_ALPHABET = "0123456789abcxyz-.٣\nA_ /"
id_tokens = st.sampled_from(["fn-", "-", "-", "-", ".", "0", "1", "7", "9", "4294967295", "00000000000", "a", "k",
                             "z", "ab", "abcd", "٣", "\n", "A", "_", " ", "/", "\x00"])
id_numbers = st.sampled_from(["0", "1", "7", "42", "01", "002", "4294967295", "4294967296", "00000000004294967295",
                              "99999999999", "٣"])


@st.composite
def id_like(draw: st.DrawFn) -> str:
    """A free mix of id tokens, or an id built part by part then maybe one character off."""
    if draw(st.booleans()):
        start = draw(st.sampled_from(["fn-", "fn-", "fn-", "fn-1", "fn", "", "Fn-"]))
        return start + "".join(draw(st.lists(id_tokens, max_size=10)))
    text = "fn-" + draw(id_numbers)
    if draw(st.booleans()):
        text += "-" + "".join(draw(st.lists(st.sampled_from(["a", "z", "0", "9", "-", "ab", "x7k"]), min_size=1,
                                            max_size=6)))
    if draw(st.booleans()):
        text += "." + draw(id_numbers)
    return mutated(draw, text, ID_ALPHABET)


@settings(max_examples=3000)
@given(id_like())
@example("fn-1-")
@example("fn-1--a")
@example("fn-1-a-")
@example("fn-1-a--b")
@example("fn-01.002")
@example("fn-1-abcd")
@example("fn-1-ab-c.3")
@example("fn-1.2.3")
@example("fn-1\n")
@example("fn-1.2\n")
@example("fn-4294967295.4294967295")
@example("fn-4294967296")
@example("fn-1.4294967296")
@example("fn-00000000004294967295")
@example("fn-00000000000000000001")
@example("fn-" + "9" * 5000)
@example("fn-1-٣")
@example("fn-٣")
@example("fn-1.٣")
@example("fn-1-a.")
@example("fn--1")
@example("fn-1-.2")
def test_parse_id_answers_as_the_reference_regex(text: str) -> None:
    parsed = ids.parse_id(text)
    expected = parse_id_oracle(text)
    assert parsed == expected
    if parsed is not None:
        assert (parsed.epic, parsed.suffix, parsed.task) == expected


# ── timestamps: the fast check agrees with the full parse ───────────────────────────────────────────────────────────

# The plain shape as a regex: the oracle for timefmt._plain_shape, which checks it with string methods.
PLAIN_TIMESTAMP = re.compile(
    r"[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])")


def near(draw: st.DrawFn, valid: list[str], invalid: list[str]) -> str:
    """Mostly a value in range, sometimes one just outside it."""
    return draw(st.sampled_from(invalid if draw(st.integers(0, 9)) == 0 else valid))


@st.composite
def timestamp_like(draw: st.DrawFn) -> str:
    """A timestamp with its fields around their limits and a fraction of 0-10 digits, then maybe one character off."""
    year = near(draw, ["1000", "1970", "2024", "2100", "9999"], ["0999", "0000", "999", "10000", "٢026", "2٠26"])
    month = near(draw, ["01", "02", "09", "10", "12"], ["00", "13", "1", "٠١", "0٣"])
    day = near(draw, ["01", "09", "19", "28", "29", "30", "31"], ["00", "32", "3", "1٣"])
    hour = near(draw, ["00", "09", "19", "20", "23"], ["24", "2", "٣", "1٣"])
    minute, second = (near(draw, ["00", "30", "59"], ["60", "5"]) for _ in range(2))
    sep = near(draw, ["T"], ["t", " "])
    digits = draw(st.integers(min_value=0, max_value=10))
    fraction_digits = near(draw, ["1234567890"], ["12٣4567890"])[:digits]
    fraction = "" if digits == 0 and draw(st.booleans()) else "." + fraction_digits
    zone = near(draw, ["Z", "+00:00", "-23:59", "+05:30", "-00:00"],
                ["z", "+24:00", "-19:60", "", "+0530", "+05:3", "05:30", "+٠٥:30", "Z\n", "+00:00Z"])
    text = f"{year}-{month}-{day}{sep}{hour}:{minute}:{second}{fraction}{zone}"
    return mutated(draw, text, "0123456789-:T.Z+ tz\n٣٣dd?")  # "d": the letter the layout check writes digits as


@settings(max_examples=3000)
@given(timestamp_like())
@example("2026-01-01T00:00:00Z")
@example("2026-01-01T00:00:00.123456789+23:59")
@example("2026-01-01T00:00:00.1234567890Z")
@example("2026-01-01T00:00:00.Z")
@example("2026-01-01T00:00:00+00:00Z")
@example("2026-01-01T00:00:00Z+00:00")
@example("2026-01-01T00:00:00.5+00:0")
@example("2026-01-01T00:00:0Z")
@example("2026-01-01T00:00:00Z\n")
@example("٢026-01-01T00:00:00Z")
@example("2026-0٣-01T00:00:00.٣Z")  # other scripts' digits are not digits here
@example("2026-01-01T00:00:00.1\ud800Z")  # a lone surrogate cannot be encoded
@example("dddd-01-01T00:00:00Z")  # letters where the digits go
@example("2026-01-01T00:00:00.dd+00:00")
def test_the_plain_shape_check_is_the_regex(text: str) -> None:
    assert timefmt._plain_shape(text) == (PLAIN_TIMESTAMP.fullmatch(text) is not None)
    try:
        parses = timefmt.parse(text).tzinfo is not None
    except ValueError:
        parses = False
    assert timefmt._plain(text) == (PLAIN_TIMESTAMP.fullmatch(text) is not None and parses)


@given(st.from_regex(PLAIN_TIMESTAMP, fullmatch=True))
@example("2024-02-29T00:00:00Z")  # leap year
@example("2023-02-29T00:00:00Z")  # not one
@example("1900-02-29T00:00:00Z")  # a century: not one
@example("2000-02-29T00:00:00Z")  # a fourth century: one
@example("2026-04-31T00:00:00Z")
@example("2026-12-31T23:59:59.999999+23:59")
def test_the_fast_timestamp_check_accepts_exactly_the_plain_texts_that_parse(text: str) -> None:
    try:
        parses = timefmt.parse(text).tzinfo is not None
    except ValueError:  # a day the month does not have
        parses = False
    assert timefmt._plain(text) == parses


@given(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)),
       st.sampled_from(["Z", "+00:00", "-05:30", "+23:59", "z", "", "+24:00"]),
       st.sampled_from(["", ".1", ".123", ".123456", ".1234567", ",5"]))
def test_is_timestamp_answers_as_the_full_parse_does(when: datetime, zone: str, fraction: str) -> None:
    text = when.strftime("%Y-%m-%dT%H:%M:%S") + fraction + zone
    try:
        parses = timefmt.parse(text) is not None
    except ValueError:
        parses = False
    assert timefmt.is_timestamp(text) == parses


@given(st.from_regex(PLAIN_TIMESTAMP, fullmatch=True))
@example("2026-11-26T13:57:02.127984849+00:00")  # as the reference writes it: nanoseconds, truncated like datetime
def test_epoch_us_of_the_plain_shape_is_what_datetime_computes(text: str) -> None:
    from datetime import UTC, timedelta

    if not timefmt._plain(text):
        return

    expected = (timefmt.parse(text) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    assert timefmt.epoch_us(text) == expected
    assert timefmt.epoch_us(timefmt.fmt_off_us(expected)) == expected  # and back


@given(st.integers(min_value=0, max_value=253402300799), st.integers(min_value=0, max_value=999999))
def test_the_clock_stamp_matches_the_datetime_formatting(seconds: int, micro: int) -> None:
    from datetime import UTC

    expected = timefmt.fmt_off(datetime.fromtimestamp(seconds, UTC).replace(microsecond=micro))
    assert timefmt.clock_base(seconds, micro) + "+00:00" == expected


# ── records round-trip byte for byte, unknown keys included ─────────────────────────────────────────────────────────

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**53, 2**53), st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=8)
timestamps = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 1, 1)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
task_ids = st.builds(lambda n, m: f"fn-{n}-x.{m}", u32, u32)


@st.composite
def tasks(draw: st.DrawFn) -> dict:
    task = {"id": draw(task_ids), "epic": "fn-1-x", "title": draw(titles),
            "status": draw(st.sampled_from(records.TASK_STATUSES)),
            "domain": draw(st.sampled_from(records.DOMAINS)),
            "depends_on": draw(st.lists(task_ids, max_size=3)), "files": draw(st.lists(st.text(max_size=10), max_size=3)),
            "created_at": draw(timestamps), "updated_at": draw(timestamps)}
    if draw(st.booleans()):
        task["priority"] = draw(u32)
    names = {f.name for f in records.TASK.fields}
    extras = draw(st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda k: k not in names), json_values,
                                  max_size=3))
    return {**task, **extras}


@given(tasks())
def test_a_task_record_round_trips_byte_identically(task: dict) -> None:
    first = dumps_pretty(records.normalize(records.TASK, task))
    again = dumps_pretty(records.normalize(records.TASK, json.loads(first)))
    assert again == first
    stored = json.loads(first)
    for key, value in task.items():  # nothing is lost: every known field and every unknown key survives
        if key in ("depends_on", "files") and not value:
            assert key not in stored
        else:
            assert stored[key] == value


@given(st.builds(lambda n, t, s: {"id": f"fn-{n}-x", "title": t, "status": s, "created_at": "2026-01-01T00:00:00Z",
                                  "updated_at": "2026-01-02T00:00:00Z"}, u32, titles, st.sampled_from(("open", "done"))),
       st.dictionaries(st.sampled_from(["zeta", "legacy_note", "x-extra"]), json_values, max_size=2))
def test_an_epic_record_round_trips_byte_identically(epic: dict, extras: dict) -> None:
    first = dumps_pretty(records.normalize(records.EPIC, {**epic, **extras}))
    assert dumps_pretty(records.normalize(records.EPIC, json.loads(first))) == first
    assert all(json.loads(first)[k] == v for k, v in extras.items())


# ── the DAG agrees with brute force ──────────────────────────────────────────────────────────────────────────────────

@st.composite
def graphs(draw: st.DrawFn, acyclic: bool) -> list[dict]:
    n = draw(st.integers(1, 7))
    names = [f"fn-1-x.{i}" for i in range(1, n + 1)]
    out = []
    for i, name in enumerate(names):
        pool = names[:i] if acyclic else [m for m in names if m != name]
        deps = draw(st.lists(st.sampled_from(pool), unique=True, max_size=3)) if pool else []
        out.append({"id": name, "depends_on": deps})
    draw(st.randoms()).shuffle(out)
    return out


def _brute_force_has_cycle(graph: list[dict]) -> bool:
    """A cycle exists iff no ordering of the nodes puts every dependency before its dependent."""
    edges = [(d, t["id"]) for t in graph for d in t["depends_on"]]
    for order in itertools.permutations(t["id"] for t in graph):
        position = {tid: i for i, tid in enumerate(order)}
        if all(position[a] < position[b] for a, b in edges):
            return False
    return True


@given(graphs(acyclic=True))
def test_the_topological_order_respects_every_edge(graph: list[dict]) -> None:
    order = dag.TaskDag(graph).topological_sort()
    position = {tid: i for i, tid in enumerate(order)}
    assert sorted(order) == sorted(t["id"] for t in graph)
    for task in graph:
        for dep in task["depends_on"]:
            assert position[dep] < position[task["id"]]


@given(graphs(acyclic=False))
def test_cycle_detection_agrees_with_brute_force(graph: list[dict]) -> None:
    expected = _brute_force_has_cycle(graph)
    cycle = dag.TaskDag(graph).find_cycle()
    assert (cycle is not None) == expected
    if cycle is not None:  # the reported cycle is real: each member depends on the next one round the loop
        deps = {t["id"]: set(t["depends_on"]) for t in graph}
        assert cycle[0] == cycle[-1]
        assert all(b in deps[a] for a, b in itertools.pairwise(cycle))


@given(graphs(acyclic=True), st.data())
def test_would_create_cycle_agrees_with_brute_force(graph: list[dict], data: st.DataObject) -> None:
    names = [t["id"] for t in graph]
    task = data.draw(st.sampled_from(names))
    new_dep = data.draw(st.sampled_from(names))
    changed = [{**t, "depends_on": [*t["depends_on"], new_dep]} if t["id"] == task else t for t in graph]
    assert (dag.would_create_cycle(graph, task, [new_dep]) is not None) == _brute_force_has_cycle(changed)


# ── the state machine never takes a forbidden step ───────────────────────────────────────────────────────────────────

ALLOWED = {  # storage.md's transition table, written out independently of the implementation
    ("todo", "in_progress"), ("todo", "skipped"), ("in_progress", "done"), ("in_progress", "failed"),
    ("in_progress", "blocked"), ("failed", "up_for_retry"), ("up_for_retry", "in_progress"), ("blocked", "todo"),
    ("failed", "todo"),
}


@given(st.lists(st.sampled_from(state_machine.ALL_STATUSES), min_size=1, max_size=30))
def test_a_walk_only_takes_allowed_steps(wanted: list[str]) -> None:
    status = "todo"
    for target in wanted:
        if state_machine.can_transition(status, target):
            assert (status, target) in ALLOWED or target == "upstream_failed"
            status = target
        else:
            assert (status, target) not in ALLOWED and target != "upstream_failed"
    assert state_machine.is_valid_status(status)


def test_unknown_dependencies_are_refused_not_ignored() -> None:
    try:
        dag.TaskDag([{"id": "fn-1-x.1", "depends_on": ["fn-1-x.9"]}])
    except DependencyError as err:
        assert "fn-1-x.9" in str(err)
    else:
        raise AssertionError("an unknown dependency was accepted")
