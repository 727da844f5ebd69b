"""Files outside `.flow/` that a command writes because its caller named them or the reference's layout says so:
review receipts (`--receipt`), Ralph's PAUSE/STOP sentinels, the Codex mirror of `codex sync`, `rp prep-chat -o`.

They have no owning sub-store (they are not flowctl state), but they get the same guarantees: atomic replace,
errors as FlowError naming the file.
"""

from __future__ import annotations

from pathlib import Path

from flowctl_core import json_store as js


def write_text(path: str | Path, text: str) -> None:
    """Replace the file with `text` (UTF-8) atomically, creating its directory."""
    js.atomic_write(Path(path), text)


def write_json(path: str | Path, value: object, *, newline: bool = False) -> None:
    """Replace the file with pretty JSON, keys sorted (serde_json without preserve_order)."""
    js.write_json(Path(path), value, sort_keys=True, newline=newline)


def remove(path: str | Path) -> bool:
    """Delete the file if present; return whether it existed."""
    return js.remove_file(Path(path))


def read_text(path: str | Path) -> str | None:
    """The file's text (invalid UTF-8 replaced), or None when it does not exist or cannot be read."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return data.decode("utf-8", "replace")
