"""The five timestamp formats of .flow/ files (storage.md §2.4), written with Rust's 'AutoSi' fraction rule."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def _base(dt: datetime) -> str:
    dt = dt.astimezone(UTC)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    micro = dt.microsecond
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
    return fmt_z(now())


def now_off() -> str:
    """Current time as TS-OFF."""
    return fmt_off(now())


def now_sec() -> str:
    """Current time as TS-SEC (`%Y-%m-%dT%H:%M:%SZ`, no fraction)."""
    return now().strftime("%Y-%m-%dT%H:%M:%SZ")


def today() -> str:
    """Current UTC date as `YYYY-MM-DD`."""
    return now().strftime("%Y-%m-%d")


def epoch() -> int:
    """Current Unix time in whole seconds."""
    return int(time.time())


def parse(text: str) -> datetime:
    """Parse any RFC 3339 timestamp (0–9 fraction digits, `Z` or offset); raise ValueError if it is not one."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        raise ValueError(f"timestamp without offset: {text}")
    return dt


def is_timestamp(text: object) -> bool:
    """True when `text` is a string that parses as an RFC 3339 timestamp."""
    if not isinstance(text, str) or len(text) < 20 or text[10] != "T":
        return False
    try:
        parse(text)
    except ValueError:
        return False
    return True
