"""``config.json`` semantics as pure functions on JSON values (storage.md §3.7, cli-core §3.7).

No file I/O here (json_store owns the file). Callers pass the parsed document, or None when the file is missing or
unreadable; every reader below is tolerant and falls back to the documented default.
"""

from __future__ import annotations

from typing import Any, cast

from flowctl_core.errors import InvalidInputError

# The default document written by `init` (sorted keys on disk).
DEFAULT_CONFIG: dict[str, Any] = {
    "memory": {"enabled": True},
    "outputs": {"enabled": True},
    "planSync": {"crossEpic": False, "enabled": True},
    "review": {"backend": None},
    "scouts": {"github": False},
    "stack": {},
}

# Top-level keys `doctor` accepts. D37 fix: the reference forgot `outputs` (a default key) and `max_retries`.
KNOWN_TOP_LEVEL_KEYS: frozenset[str] = frozenset(
    ("memory", "notifications", "outputs", "planSync", "review", "scouts", "stack", "max_retries")
)

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1
_U32_MAX = 2**32 - 1


def _clone(value: Any) -> Any:
    """Deep copy of a JSON value (cheaper than importing copy)."""
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    return value


def default_config() -> dict[str, Any]:
    """A fresh, independent copy of DEFAULT_CONFIG."""
    return cast("dict[str, Any]", _clone(DEFAULT_CONFIG))


def deep_merge_defaults(user: Any, defaults: Any = None) -> tuple[Any, bool]:
    """Merge `defaults` under `user` (user values win; recursion only where both are objects).

    Returns ``(merged, changed)``; changed is True iff some default key was added (the ``init`` upgrade test).
    `defaults` defaults to DEFAULT_CONFIG. Neither input is modified.
    """
    if defaults is None:
        defaults = DEFAULT_CONFIG
    if not (isinstance(user, dict) and isinstance(defaults, dict)):
        return _clone(user), False
    merged: dict[str, Any] = {}
    changed = False
    for key, dval in defaults.items():
        if key in user:
            sub, sub_changed = deep_merge_defaults(user[key], dval)
            merged[key] = sub
            changed = changed or sub_changed
        else:
            merged[key] = _clone(dval)
            changed = True
    for key, uval in user.items():
        if key not in merged:
            merged[key] = _clone(uval)
    return merged, changed


def effective_config(user: Any) -> Any:
    """What ``config get`` reads: defaults merged under the file content (None/non-object file -> treated as {})."""
    if user is None:
        user = {}
    return deep_merge_defaults(user, DEFAULT_CONFIG)[0]


_MISSING = object()


def lookup_path(cfg: Any, dotted: str) -> tuple[bool, Any]:
    """Walk a dotted key through nested objects; ``(found, value)`` so an explicit null differs from absence."""
    cur = cfg
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return False, None
        cur = cur.get(part, _MISSING)
        if cur is _MISSING:
            return False, None
    return True, cur


def get_path(cfg: Any, dotted: str) -> Any:
    """Value at a dotted key, or None when any segment is missing or not an object."""
    return lookup_path(cfg, dotted)[1]


def convert_value(text: str) -> bool | int | str:
    """``config set`` value coercion: true/false (any case) -> bool, signed 64-bit integer -> int, else the string."""
    low = text.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    # Only what Rust's i64 parser accepts: optional sign, ASCII digits, no spaces or underscores.
    digits = text[1:] if text[:1] in ("+", "-") else text
    # More than 19 significant digits is outside i64 anyway (and int() refuses over 4300 digits).
    if digits and digits.isascii() and digits.isdigit() and len(digits.lstrip("0")) <= 19:
        n = int(text)
        if _I64_MIN <= n <= _I64_MAX:
            return n
    return text


def set_path(cfg: Any, dotted: str, value: Any) -> dict[str, Any]:
    """Set a dotted key in place, creating intermediate objects; returns cfg (a new {} if cfg was None).

    D29 fix: an intermediate that holds a non-object value raises InvalidInputError instead of crashing.
    A null intermediate is replaced by an object, like the reference.
    """
    if cfg is None:
        cfg = {}
    if not isinstance(cfg, dict):
        raise InvalidInputError(f"Cannot set {dotted}: config.json is not a JSON object")
    parts = dotted.split(".")
    cur = cfg
    for i, part in enumerate(parts[:-1]):
        nxt = cur.get(part)
        if nxt is None:
            nxt = {}
            cur[part] = nxt
        elif not isinstance(nxt, dict):
            prefix = ".".join(parts[: i + 1])
            raise InvalidInputError(
                f"Cannot set {dotted}: {prefix} is not an object (it holds {_json_type(nxt)})"
            )
        cur = nxt
    cur[parts[-1]] = value
    return cfg


def _json_type(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    return "a value"


def unknown_top_level_keys(cfg: Any) -> list[str]:
    """Top-level keys `doctor` does not know, sorted (``Unknown config keys: …``)."""
    if not isinstance(cfg, dict):
        return []
    return sorted(k for k in cfg if k not in KNOWN_TOP_LEVEL_KEYS)


def _bool_at(cfg: Any, dotted: str, default: bool) -> bool:
    v = get_path(cfg, dotted)
    return v if isinstance(v, bool) else default


def max_retries(cfg: Any) -> int:
    """Top-level ``max_retries`` as a non-negative integer; 0 (no retries) when absent or not an integer >= 0."""
    v = cfg.get("max_retries") if isinstance(cfg, dict) else None
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        return 0
    return min(v, _U32_MAX)


def memory_enabled(cfg: Any) -> bool:
    """``memory.enabled``; False when absent (the memory commands and worker phase are opt-in)."""
    return _bool_at(cfg, "memory.enabled", False)


def memory_auto(cfg: Any) -> bool:
    """``memory.auto``; on unless explicitly false."""
    return get_path(cfg, "memory.auto") is not False


def outputs_enabled(cfg: Any) -> bool:
    """``outputs.enabled``; True when absent."""
    return _bool_at(cfg, "outputs.enabled", True)


def review_backend(cfg: Any) -> str | None:
    """``review.backend`` when it is a non-empty string, else None."""
    v = get_path(cfg, "review.backend")
    return v if isinstance(v, str) and v else None
