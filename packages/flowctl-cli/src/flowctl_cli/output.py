"""The only writer of stdout and of the error envelope (cli-core.md §1.3–1.4)."""

from __future__ import annotations

import sys

from flowctl_core.json_text import dumps_compact

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from typing import Any

    from .state import CliState

# Keys deleted recursively from JSON output in compact mode (after `success` is added).
COMPACT_STRIP = frozenset({
    "success", "message", "created_at", "updated_at", "spec_path", "file_path", "schema_version",
    "branch_name", "plan_review_status", "plan_reviewed_at", "completion_review_status",
    "completion_reviewed_at", "default_impl", "default_review", "default_sync",
})


class Result:
    """What a command returns: a JSON payload, its plain-text form, and how to print them.

    * `text`: the human form; None means the command prints its JSON payload even without --json.
    * `text_filter`: name of the compact text filter applied to `text` in compact mode (filters.py).
    * `raw`: print `data` as one sorted line, never stripped, no `success` (dry-run previews).
    * `json_when_piped`: print JSON whenever stdout is not a TTY (dag, estimate).
    * `text_only`: always print `text`, even with --json (cat).
    * `exit_code`: non-zero for results that report failure on stdout (validate, doctor, gap check).
    * `verbatim`: print `text` exactly, without adding a final newline (`outputs show`, another program's output).

    A plain class, not a dataclass: building a dataclass costs ~0.7 ms of start-up on every call.
    """

    __slots__ = ("data", "text", "text_filter", "raw", "json_when_piped", "text_only", "exit_code", "verbatim")

    def __init__(self, data: Any, text: str | None = None, text_filter: str | None = None, raw: bool = False,
                 json_when_piped: bool = False, text_only: bool = False, exit_code: int = 0,
                 verbatim: bool = False) -> None:
        self.data = data
        self.text = text
        self.text_filter = text_filter
        self.raw = raw
        self.json_when_piped = json_when_piped
        self.text_only = text_only
        self.exit_code = exit_code
        self.verbatim = verbatim

    def __repr__(self) -> str:
        return f"Result({self.data!r}, text={self.text!r}, exit_code={self.exit_code})"


def preview_of(data: Any) -> Result | None:
    """The raw Result of a `--dry-run` preview returned by a service call, else None (then build the normal one).

    Use it as `preview_of(data) or Result(data, text=render(data))`: the text is rendered only for a real result.
    """
    from flowctl_core.changes import is_preview

    return Result(data, raw=True) if is_preview(data) else None


def result_or_preview(data: Any, text: str | None = None, **options: Any) -> Result:
    """The Result of a writing command: its `--dry-run` Changes preview printed raw, else `Result(data, text, …)`."""
    return preview_of(data) or Result(data, text=text, **options)


def dumps(obj: Any) -> str:
    """One line, sorted keys, no spaces, raw UTF-8 (serde_json::to_string on a BTreeMap value)."""
    text = dumps_compact(obj)
    # Python writes a float's exponent as e-05/e+16 where serde_json (ryu) writes 0.00001/1e16. Such floats are
    # rare (epic audit's age_hours), so the cheap substring test keeps the common path free of any extra walk.
    if any(mark in text for mark in _EXPONENT_MARKS) and _FLOAT_EXPONENT.search(text):
        import json.encoder

        encode = json.encoder._make_iterencode(  # the pure-Python encoder is the one that accepts a float formatter
            {}, _unserialisable, json.encoder.encode_basestring, None, rust_float, ":", ",", True, False, True)
        text = "".join(encode(obj, 0))
    return text


_EXPONENT_MARKS = ("e-0", "e-1", "e-2", "e-3", "e+1", "e+2", "e+3")


class _FloatExponent:
    """Compiled on first use: `re` is not needed on the common path."""

    pattern = None

    def search(self, text: str) -> bool:
        if self.pattern is None:
            import re

            self.pattern = re.compile(r"\de[-+]\d\d")
        return self.pattern.search(text) is not None


_FLOAT_EXPONENT = _FloatExponent()


def _unserialisable(obj: Any) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def rust_float(value: float) -> str:
    """A float as serde_json prints it (ryu: shortest digits, decimal for 1e-5 <= |x| < 1e16, else `1.5e-7`)."""
    if value != value or value in (float("inf"), float("-inf")):
        return "null"
    sign, digits_text = ("-", repr(-value)) if value < 0 or repr(value).startswith("-") else ("", repr(value))
    mantissa, _, exp = digits_text.partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    if not digits:
        return f"{sign}0.0"
    k = int(exp or 0) - len(frac)  # value = int(digits) * 10**k
    stripped = digits.rstrip("0")
    k += len(digits) - len(stripped)
    digits, n = stripped, len(stripped)
    kk = n + k  # position of the decimal point relative to the first digit
    if 0 <= k and kk <= 16:
        out = digits + "0" * k + ".0"
    elif 0 < kk <= 16:
        out = f"{digits[:kk]}.{digits[kk:]}"
    elif -5 < kk <= 0:
        out = "0." + "0" * -kk + digits
    elif n == 1:
        out = f"{digits}e{kk - 1}"
    else:
        out = f"{digits[0]}.{digits[1:]}e{kk - 1}"
    return sign + out


def strip_compact(obj: Any) -> Any:
    """Remove COMPACT_STRIP keys at every level, in place (payloads can be large; a copy would double them)."""
    if isinstance(obj, dict):
        for key in COMPACT_STRIP.intersection(obj):
            del obj[key]
        for value in obj.values():
            if isinstance(value, (dict, list)):
                strip_compact(value)
    elif isinstance(obj, list):
        for value in obj:
            if isinstance(value, (dict, list)):
                strip_compact(value)
    return obj


def envelope(data: Any) -> dict[str, Any]:
    """Add `success: true`; wrap a non-object payload as `{"data": …}`."""
    if isinstance(data, dict):
        return {**data, "success": True}
    return {"data": data, "success": True}


def write_stdout(text: str) -> None:
    """Write to stdout; a closed pipe (`| head -1`) is not an error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def render(result: Result, *, as_json: bool, compact: bool) -> int:
    """Print a command result according to the output switches; return the exit code."""
    if result.raw:
        write_stdout(dumps(result.data) + "\n")
    elif not result.text_only and (
            as_json or result.text is None or (result.json_when_piped and not sys.stdout.isatty())):
        payload = envelope(result.data)
        if compact:
            payload = strip_compact(payload)
        write_stdout(dumps(payload) + "\n")
    else:
        text = result.text
        if compact and result.text_filter:
            from .filters import apply_filter

            text = apply_filter(result.text_filter, text)
            if text:
                write_stdout(text + "\n")
        elif text:
            write_stdout(text if text.endswith("\n") or result.verbatim else text + "\n")
    return result.exit_code


def finish(result: Any, state: CliState | None) -> int:
    """Print a command's Result with the invocation's switches; the exit code (both routes end here)."""
    from .state import CliState

    if isinstance(result, Result):
        if state is None:
            state = CliState.resolve(json=False, compact=False, no_compact=False, dry_run=False)
        return render(result, as_json=state.json, compact=state.compact)
    return result if isinstance(result, int) else 0


def render_error(message: str) -> None:
    """Print the error envelope on stderr (never depends on --json or compact)."""
    try:
        sys.stderr.write(dumps({"error": message, "success": False}) + "\n")
        sys.stderr.flush()
    except BrokenPipeError:
        pass


def warn(message: str) -> None:
    """A plain-text warning on stderr."""
    try:
        sys.stderr.write(message + "\n")
    except BrokenPipeError:
        pass
