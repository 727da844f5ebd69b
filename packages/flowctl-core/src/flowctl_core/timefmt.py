"""The five timestamp formats of .flow/ files (storage.md §2.4), written with Rust's 'AutoSi' fraction rule."""

from __future__ import annotations

import time

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from datetime import datetime


def now() -> datetime:
    """Return the current time in UTC."""
    from datetime import UTC, datetime  # lazy: now_z/now_off need only time; datetime costs start-up

    return datetime.now(UTC)


def _base(dt: datetime) -> str:
    from datetime import UTC

    dt = dt.astimezone(UTC)
    return _with_fraction(dt.strftime("%Y-%m-%dT%H:%M:%S"), dt.microsecond)


def clock_base(seconds: int, micro: int = 0) -> str:
    """`_base` of a Unix time given as whole seconds and microseconds, computed without datetime."""
    return _with_fraction(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)), micro)


def _with_fraction(text: str, micro: int) -> str:
    if micro == 0:
        return text
    if micro % 1000 == 0:
        return f"{text}.{micro // 1000:03d}"
    return f"{text}.{micro:06d}"


def fmt_z(dt: datetime) -> str:
    """TS-Z: RFC 3339 with a `Z` suffix (records' created_at/updated_at/claimed_at/completed_at)."""
    return _base(dt) + "Z"


def fmt_off(dt: datetime) -> str:
    """TS-OFF: RFC 3339 with `+00:00` (events, locks, CLI output)."""
    return _base(dt) + "+00:00"


def now_z() -> str:
    """Current time as TS-Z."""
    return fmt_z_us(now_us())


def now_off() -> str:
    """Current time as TS-OFF."""
    return fmt_off_us(now_us())


def now_sec() -> str:
    """Current time as TS-SEC (`%Y-%m-%dT%H:%M:%SZ`, no fraction)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def today() -> str:
    """Current UTC date as `YYYY-MM-DD`."""
    return time.strftime("%Y-%m-%d", time.gmtime())


def epoch() -> int:
    """Current Unix time in whole seconds."""
    return int(time.time())


def parse(text: str) -> datetime:
    """Parse any RFC 3339 timestamp (0–9 fraction digits, `Z` or offset); raise ValueError if it is not one."""
    from datetime import datetime

    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        raise ValueError(f"timestamp without offset: {text}")
    return dt


# The shape flowctl and the reference write, every field in range: such a text always parses (given a day that
# exists in its month), so records are checked and compared without datetime. Anything else goes through `parse`.
# The shape is this regex (the reference writes 9 fraction digits), checked without re, whose import costs
# start-up time; the regex is the oracle of the property tests:
#   [1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]
#   (?:\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])
# Its layouts with every ASCII digit written as "d": 10 fractions (none, 1-9 digits) times 3 zones.
_PLAIN_LAYOUTS = frozenset(
    b"dddd-dd-ddTdd:dd:dd" + fraction + zone
    for fraction in (b"", *(b"." + b"d" * n for n in range(1, 10)))
    for zone in (b"Z", b"+dd:dd", b"-dd:dd")
)
# Digits become "d", the layouts' other characters stay, anything else (a "d" of the text itself too) becomes "?".
_DIGITS_AS_D = bytes(ord("d") if chr(b).isdecimal() and b < 128 else b if chr(b) in "-T:.Z+" else ord("?")
                     for b in range(256))
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _plain_shape(text: str) -> bool:
    """True when `text` has the plain shape (the regex above, in full)."""
    # bytes.translate and one set lookup check the layout: this runs for every timestamp of every record read.
    # isascii first: encode() refuses lone surrogates (and non-ASCII digits must not count as digits).
    if not (text.isascii() and text.encode().translate(_DIGITS_AS_D) in _PLAIN_LAYOUTS):
        return False
    # Every field in range: two digit strings of the same length compare as their numbers do.
    return (text[0] != "0" and "01" <= text[5:7] <= "12" and "01" <= text[8:10] <= "31" and text[11:13] <= "23"
            and text[14] <= "5" and text[17] <= "5" and (text[-1] == "Z" or (text[-5:-3] <= "23" and text[-2] <= "5")))


def _plain(text: str) -> bool:
    """True when `text` has the plain shape and names a day that exists."""
    if not _plain_shape(text):
        return False
    day = int(text[8:10])
    if day <= 28:
        return True
    year, month = int(text[0:4]), int(text[5:7])
    if month == 2 and day == 29:
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return day <= _MONTH_DAYS[month - 1]


def is_timestamp(text: object) -> bool:
    """True when `text` is a string that parses as an RFC 3339 timestamp."""
    if not isinstance(text, str) or len(text) < 20 or text[10] != "T":
        return False
    if _plain(text):
        return True
    try:
        parse(text)
    except ValueError:
        return False
    return True


def now_us() -> int:
    """Current Unix time in whole microseconds."""
    return time.time_ns() // 1000


def fmt_off_us(micros: int) -> str:
    """TS-OFF of a Unix time in microseconds."""
    return clock_base(*divmod(micros, 1_000_000)) + "+00:00"


def fmt_z_us(micros: int) -> str:
    """TS-Z of a Unix time in microseconds."""
    return clock_base(*divmod(micros, 1_000_000)) + "Z"


def epoch_us(text: str) -> int:
    """Microseconds since the Unix epoch of an RFC 3339 timestamp (fraction truncated to microseconds, as
    `parse`); ValueError when it is not one. The plain shape is computed without importing datetime."""
    if not (isinstance(text, str) and _plain(text)):
        from datetime import UTC, datetime, timedelta

        return (parse(text) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    seconds = (_days_from_civil(int(text[0:4]), int(text[5:7]), int(text[8:10])) * 86400
               + int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19]))
    rest = text[19:]
    micro = 0
    if rest.startswith("."):
        end = len(rest) - (1 if rest.endswith("Z") else 6)
        micro = int(rest[1:end][:6].ljust(6, "0"))  # truncated to microseconds, as datetime does
        rest = rest[end:]
    if rest != "Z":
        offset = int(rest[1:3]) * 3600 + int(rest[4:6]) * 60
        seconds -= offset if rest[0] == "+" else -offset
    return seconds * 1_000_000 + micro


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468

