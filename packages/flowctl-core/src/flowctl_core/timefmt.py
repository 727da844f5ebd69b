"""The five timestamp formats of .flow/ files (storage.md §2.4), written with Rust's 'AutoSi' fraction rule."""

from __future__ import annotations

import re
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


def _now_base() -> str:
    seconds, micro = divmod(time.time_ns() // 1000, 1_000_000)
    return clock_base(seconds, micro)


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
    return _now_base() + "Z"


def now_off() -> str:
    """Current time as TS-OFF."""
    return _now_base() + "+00:00"


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


# The shape flowctl and the reference write, with every field in range whatever the month (days up to 28): such a
# text always parses, so most records are checked without datetime. Anything else goes through `parse`.
_PLAIN_TIMESTAMP = re.compile(
    r"[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])")


def is_timestamp(text: object) -> bool:
    """True when `text` is a string that parses as an RFC 3339 timestamp."""
    if not isinstance(text, str) or len(text) < 20 or text[10] != "T":
        return False
    if _PLAIN_TIMESTAMP.fullmatch(text):
        return True
    try:
        parse(text)
    except ValueError:
        return False
    return True
