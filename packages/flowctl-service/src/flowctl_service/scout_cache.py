"""Scout cache: results of scout runs keyed by scout type and commit (cli-ext.md §12, storage.md §3.15).

Keys `<scout-type>:<commit>` map to collision-free file names (D8 fixed, see `flowctl_db.scout_cache`). Entries
expire (the predecessor's TTL, D8): 24 hours, 1 hour for the `no-git` commit whose content moves without a commit;
`get --ttl` overrides it. Reads create nothing; `set` creates `.flow` the way the workflow commands do.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flowctl_core.errors import CorruptFileError, InvalidInputError
from flowctl_db import FlowStore
from flowctl_db.scout_cache import file_name

from . import user_content

NO_GIT = "no-git"
DEFAULT_TTL_SECONDS = 24 * 3600
NO_GIT_TTL_SECONDS = 3600
MAX_TTL_SECONDS = 100 * 365 * 86400


def head_commit(cwd: Path) -> str:
    """`git rev-parse HEAD` in `cwd`, or `no-git` when there is none (no repository, no commit, no git)."""
    import subprocess

    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return NO_GIT
    text = proc.stdout[:1024].decode("utf-8", "replace").strip()
    return text if proc.returncode == 0 and text else NO_GIT


def cache_key(scout_type: str, commit_sha: str) -> str:
    """`<scout-type>:<commit>`."""
    return f"{scout_type}:{commit_sha}"


def _ttl(commit_sha: str, ttl_seconds: float | None) -> float:
    if ttl_seconds is None:
        return NO_GIT_TTL_SECONDS if commit_sha == NO_GIT else DEFAULT_TTL_SECONDS
    if not 0 < ttl_seconds <= MAX_TTL_SECONDS:  # also NaN
        raise InvalidInputError(f"--ttl must be a positive number of seconds up to {MAX_TTL_SECONDS}, "
                                f"got {ttl_seconds:g}")
    return ttl_seconds


def _result_value(text: str) -> Any:
    """The stored text parsed as JSON (as serde parses it: no NaN, no lone surrogate), or the text itself."""
    from flowctl_core import json_text

    try:
        return json_text.loads(text)
    except (ValueError, RecursionError):
        return text


def get(store: FlowStore, scout_type: str, commit_sha: str, ttl_seconds: float | None = None) -> dict[str, Any]:
    """`scout-cache get`: `{hit: true, key, result, text}` for a fresh entry, else `{hit: false, key[, expired]}`."""
    ttl = _ttl(commit_sha, ttl_seconds)
    key = cache_key(scout_type, commit_sha)
    name = file_name(key)
    found = store.scout_cache.read(name)
    if found is None:
        return {"hit": False, "key": key}
    data, mtime_ns = found
    if time.time() - mtime_ns / 1e9 > ttl:
        return {"expired": True, "hit": False, "key": key}
    try:
        text = user_content.decode(data)
    except user_content.ContentError as err:
        raise CorruptFileError(store.scout_cache.dir / name, str(err)) from None
    return {"hit": True, "key": key, "result": _result_value(text), "text": text}


def get_payload(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON of `scout-cache get`."""
    return {k: v for k, v in data.items() if k != "text"}


def get_text(data: dict[str, Any]) -> str:
    """Plain form of `scout-cache get`: `hit: <stored text>` or `miss`."""
    return f"hit: {data['text']}\n" if data["hit"] else "miss\n"


def read_result(result: str) -> str:
    """The `--result` value: the text itself, or the content of the file named after a leading `@`."""
    try:
        if result.startswith("@"):
            return user_content.read_text(result[1:])
        return user_content.check_size(result)
    except user_content.ContentError as err:
        raise InvalidInputError(f"Cannot read result file: {err}" if result.startswith("@")
                                else f"Failed to cache: {err}") from None


def set_(store: FlowStore, actor: str | None, scout_type: str, commit_sha: str, result: str,
         dry_run: bool = False) -> dict[str, Any]:
    """`scout-cache set`: store `result` verbatim under the key; `{key, ok: true}`."""
    from flowctl_core import changes

    from .applier import commit

    key = cache_key(scout_type, commit_sha)
    batch = changes.Changes([changes.put("scout_cache", file_name(key), result)])
    if dry_run:  # nothing is read, so no lock (and no `.flow` needed)
        return batch.preview()
    with store.lock():
        commit(store, batch, actor)
    return {"key": key, "ok": True}


def clear(store: FlowStore, actor: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """`scout-cache clear`: remove every cache file; `{cleared: N, ok: true}`."""
    from flowctl_core import changes

    from .applier import commit

    if not store.exists():  # nothing cached, and nothing to create
        return changes.Changes().preview() if dry_run else {"cleared": 0, "ok": True}
    with store.lock():
        names = store.scout_cache.names()
        batch = changes.Changes([changes.delete("scout_cache", name) for name in names])
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"cleared": len(names), "ok": True}
