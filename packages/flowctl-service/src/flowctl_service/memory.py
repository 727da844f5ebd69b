"""Memory v2: atomic entries with an index and reference counts (cli-ext.md §6, storage.md §3.16).

The rules live here: the enabled gate, type normalisation, tracks, tag extraction, dedup by content hash, id
allocation, staleness and garbage collection. Files are read through `store.memory` and every change is a Changes
batch committed under the store lock, so concurrent `add`s never share an id or lose an index line (the reference
kept 1–2 of 20). Each command returns the reference's JSON payload; `*_text` functions give the plain form.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from flowctl_core import config as cfg
from flowctl_core import timefmt
from flowctl_core.errors import InvalidInputError, NotFoundError
from flowctl_db import FlowStore
from flowctl_db.memory import INDEX_KEY, STATS_KEY, entry_key

TYPES = ("pitfall", "convention", "decision")
SEVERITIES = ("critical", "high", "medium", "low")
BUG_PROBLEM_TYPES = ("build_error", "test_failure", "runtime_error", "performance_issue", "database_issue",
                     "security_issue", "logic_error")
KNOWLEDGE_PROBLEM_TYPES = ("best_practice", "documentation_gap", "workflow_issue", "developer_experience",
                           "convention", "decision")
PROBLEM_TYPES = BUG_PROBLEM_TYPES + KNOWLEDGE_PROBLEM_TYPES
TAG_PATTERNS = (
    r"\b(typescript|javascript|python|rust|go|java|ruby|swift)\b",
    r"\b(react|vue|angular|svelte|nextjs|django|flask|fastapi|express)\b",
    r"\b(postgres|mysql|sqlite|redis|mongodb|supabase)\b",
    r"\b(docker|kubernetes|ci|cd|github|gitlab)\b",
    r"\b(api|auth|oauth|jwt|cors|csrf|xss|sql)\b",
    r"\b(test|lint|build|deploy|migration|schema)\b",
)
MAX_AUTO_TAGS = 8
SUMMARY_CHARS = 120
STALE_DAYS = 90
DISABLED = "Memory not enabled. Run: flowctl config set memory.enabled true"
# Rust's `str::trim` removes the Unicode White_Space characters; Python's `str.strip()` also removes \x1c-\x1f,
# which would change the stored content and its dedup hash.
RUST_WHITESPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                   "\u200a\u2028\u2029\u202f\u205f\u3000")
_I64_MAX = 2**63 - 1


# ---------------------------------------------------------------------------------------------------------
# Pure rules


def rust_trim(text: str) -> str:
    """`str::trim` of Rust: strip Unicode White_Space at both ends."""
    return text.strip(RUST_WHITESPACE)


def normalize_type(raw: str) -> str | None:
    """Lower-case, strip all trailing `s`; the memory type it names, or None (`Pitfalls` → `pitfall`)."""
    name = raw.lower().rstrip("s")
    return name if name in TYPES else None


def invalid_type_message(raw: str) -> str:
    """The error text for an unknown memory type."""
    return f"Invalid type '{raw}'. Use: pitfall, convention, or decision"


def derive_track(problem_type: str | None, entry_type: str) -> str:
    """`bug` or `knowledge`, from the problem type if it names one, else from the entry type."""
    if problem_type in BUG_PROBLEM_TYPES:
        return "bug"
    if problem_type in KNOWLEDGE_PROBLEM_TYPES:
        return "knowledge"
    return "bug" if entry_type == "pitfall" else "knowledge"


def content_hash(content: str) -> str:
    """First 12 hex digits of the SHA-256 of the trimmed content (the dedup key)."""
    import hashlib

    return hashlib.sha256(rust_trim(content).encode("utf-8")).hexdigest()[:12]


_compiled_tags: list[Any] = []


def extract_tags(content: str) -> list[str]:
    """Auto tags: known words found in the lower-cased content, deduplicated, sorted, first 8."""
    if not _compiled_tags:
        import re

        _compiled_tags.extend(re.compile(p) for p in TAG_PATTERNS)
    lower = content.lower()
    found = {m.group(1) for pattern in _compiled_tags for m in pattern.finditer(lower)}
    return sorted(found)[:MAX_AUTO_TAGS]


def split_tags(extra: str | Iterable[str] | None) -> list[str]:
    """A `--tags` list: split on `,`, trimmed, lower-cased, empty items dropped (order and repeats kept)."""
    if extra is None:
        return []
    items = extra.split(",") if isinstance(extra, str) else list(extra)
    return [tag for tag in (rust_trim(item).lower() for item in items) if tag]


def merge_tags(auto: list[str], extra: str | Iterable[str] | None) -> list[str]:
    """Auto tags followed by the extra ones that are not already there (order kept)."""
    tags = list(auto)
    for tag in split_tags(extra):
        if tag not in tags:
            tags.append(tag)
    return tags


def summary_of(content: str) -> str:
    """The first line of the (trimmed) content, at most 120 characters."""
    first = content.split("\n", 1)[0]
    if first.endswith("\r"):
        first = first[:-1]
    return first[:SUMMARY_CHARS]


def entry_file_name(entry_id: int, entry_type: str) -> str:
    """`NNN-<type>.md` with the id zero-padded to at least three digits."""
    return f"{entry_id:03d}-{entry_type}.md"


def int_id(value: Any) -> int:
    """serde's `as_i64().unwrap_or(0)`: the integer, or 0 for anything else (bools included)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _I64_MAX else 0


def next_id(names: Iterable[str]) -> int:
    """Largest leading number of `<digits>-…` file names (any extension) plus one: the reference's id rule."""
    best = 0
    for name in names:
        dash = name.find("-")
        head = name[:dash]
        if dash > 0 and head.isascii() and head.isdigit() and int(head) <= _I64_MAX:
            best = max(best, int(head))
    return best + 1


def validate_add(entry_type: str, content: str, severity: str | None = None,
                 problem_type: str | None = None) -> tuple[str, str]:
    """Check an add's arguments in the reference order; return (normalised type, trimmed content)."""
    type_name = normalize_type(entry_type)
    if type_name is None:
        raise InvalidInputError(invalid_type_message(entry_type))
    if severity is not None and severity not in SEVERITIES:
        raise InvalidInputError(f"Invalid severity '{severity}'. Use: critical, high, medium, or low")
    if problem_type is not None and problem_type not in PROBLEM_TYPES:
        raise InvalidInputError(f"Invalid problem-type '{problem_type}'. Use one of: {', '.join(PROBLEM_TYPES)}")
    content = rust_trim(content)
    if not content:
        raise InvalidInputError("Content cannot be empty")
    return type_name, content


def date_days_ago(days: int) -> str:
    """Today minus `days` as `YYYY-MM-DD`; far past/future bounds when the date would leave the calendar."""
    try:
        return (timefmt.now() - timedelta(days=days)).strftime("%Y-%m-%d")
    except OverflowError:
        return "0000-00-00" if days > 0 else "9999-99-99"


def refs_of(stats: dict[str, Any], entry_id: Any) -> int:
    """The reference count of an entry id in `stats.json` (0 when absent)."""
    record = stats.get(str(int_id(entry_id)))
    return int_id(record.get("refs")) if isinstance(record, dict) else 0


def bump_refs(stats: dict[str, Any], entry_ids: Iterable[Any], now: str) -> dict[str, Any]:
    """A copy of `stats` with `refs + 1` and `last_ref = now` for each id (other keys kept)."""
    out = dict(stats)
    for eid in entry_ids:
        key = str(int_id(eid))
        record = out.get(key)
        record = dict(record) if isinstance(record, dict) else {"refs": 0, "last_ref": ""}
        record["refs"] = int_id(record.get("refs")) + 1
        record["last_ref"] = now
        out[key] = record
    return out


def _structured(entry: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """Copy the optional `module`, `severity`, `problem_type`, `track` keys into an output item."""
    for key in ("module", "severity", "problem_type", "track"):
        if key in entry:
            item[key] = entry[key]
    return item


def _show(value: Any) -> str:
    """A JSON value as Rust's `Display` of serde_json::Value prints it in `#{}` (1, "x", null)."""
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------------------------------------------------
# The gate


def require_enabled(store: FlowStore) -> None:
    """Refuse when `memory.enabled` is not boolean true in the effective config (defaults under config.json)."""
    if not cfg.memory_enabled(cfg.effective_config(store.config.read())):
        raise InvalidInputError(DISABLED)


def _normalized_filter(entry_type: str | None) -> str | None:
    """A type filter of list/search/inject: normalised; an invalid one is no filter (as the reference)."""
    return normalize_type(entry_type) if entry_type is not None else None


# ---------------------------------------------------------------------------------------------------------
# Commands


def init(store: FlowStore, actor: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """`memory init`: create an empty `index.jsonl` and a `{}` `stats.json` where missing."""
    from flowctl_core import changes

    from .applier import commit

    require_enabled(store)
    with store.lock():
        batch = changes.Changes()
        created = []
        if not store.memory.index_exists():
            batch.push(changes.put("memory", INDEX_KEY, []))
            created.append("index.jsonl")
        if not store.memory.stats_exists():
            batch.push(changes.put("memory", STATS_KEY, {}))
            created.append("stats.json")
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"created": created, "message": "Memory v2 initialized", "migrated": 0, "path": str(store.memory.dir)}


def init_text(data: dict[str, Any]) -> str:
    """Plain form of `memory init`."""
    lines = [f"Memory v2 initialized at {data['path']}"] + [f"  Created: {name}" for name in data["created"]]
    return "\n".join(lines) + "\n"


def add_entry(store: FlowStore, actor: str | None, entry_type: str, content: str, module: str | None = None,
              severity: str | None = None, problem_type: str | None = None,
              tags: str | Iterable[str] | None = None, dry_run: bool = False) -> dict[str, Any]:
    """`memory add`: store one entry unless the same content is already stored.

    Returns `{file, id, module?, problem_type?, severity?, tags, track, type}`, or
    `{duplicate: true, id: <existing>, message}` when the content is a duplicate (nothing written), or the
    Changes preview with `dry_run`. Raises InvalidInputError for a disabled memory or bad arguments.
    """
    from flowctl_core import changes

    from .applier import commit

    require_enabled(store)
    type_name, content = validate_add(entry_type, content, severity, problem_type)
    digest = content_hash(content)
    all_tags = merge_tags(extract_tags(content), tags)
    track = derive_track(problem_type, type_name)
    optional = {k: v for k, v in (("module", module), ("severity", severity), ("problem_type", problem_type))
                if v is not None}
    with store.lock():
        for entry in store.memory.index():
            if entry.get("hash") == digest:
                return {"duplicate": True, "id": int_id(entry.get("id")), "message": "Duplicate entry, skipped"}
        entry_id = next_id(store.memory.entry_names())
        file_name = entry_file_name(entry_id, type_name)
        today = timefmt.today()
        record = {"created": today, "file": file_name, "hash": digest, "id": entry_id, "last_verified": today,
                  **optional, "summary": summary_of(content), "tags": all_tags, "track": track, "type": type_name}
        batch = changes.Changes([changes.put("memory", entry_key(file_name), content),
                                 changes.append("memory", record, key=INDEX_KEY)])
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    return {"file": file_name, "id": entry_id, **optional, "summary": record["summary"], "tags": all_tags,
            "track": track, "type": type_name}


def add_text(data: dict[str, Any]) -> str:
    """Plain form of `memory add`."""
    if data.get("duplicate"):
        return f"Duplicate of entry #{data['id']}, skipped\n"
    lines = [f"Added {data['type']} #{data['id']}: {data['summary']}"]
    if data["tags"]:
        lines.append(f"  Tags: {', '.join(data['tags'])}")
    lines.append(f"  Track: {data['track']}")
    for key, label in (("module", "Module"), ("severity", "Severity"), ("problem_type", "Problem type")):
        if key in data:
            lines.append(f"  {label}: {data[key]}")
    return "\n".join(lines) + "\n"


def add_payload(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON of `memory add` as the reference prints it (without the summary used by the plain form)."""
    return {k: v for k, v in data.items() if k != "summary"}


def read(store: FlowStore, entry_type: str | None = None) -> dict[str, Any]:
    """`memory read`: entries (optionally of one type, which must be valid) with their content."""
    require_enabled(store)
    type_name = None
    if entry_type is not None:
        type_name = normalize_type(entry_type)
        if type_name is None:
            raise InvalidInputError(invalid_type_message(entry_type))
    entries = [{"content": store.memory.content(e), "created": e.get("created", ""), "id": e.get("id"),
                "summary": e.get("summary"), "tags": e.get("tags", []), "type": e.get("type")}
               for e in store.memory.index() if type_name is None or e.get("type") == type_name]
    return {"count": len(entries), "entries": entries, "type_filter": type_name}


def read_payload(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON of `memory read`."""
    return {"count": data["count"], "entries": data["entries"]}


def read_text(data: dict[str, Any]) -> str:
    """Plain form of `memory read`."""
    if not data["entries"]:
        suffix = f" of type '{data['type_filter']}'" if data["type_filter"] else ""
        return f"No memory entries{suffix}\n"
    out = []
    for e in data["entries"]:
        out.append(f"--- #{_show(e['id'])} [{_str(e['type'])}] {_str(e['created'])} ---")
        out.append(_str(e["content"]))
        tags = [t for t in e["tags"] if isinstance(t, str)] if isinstance(e["tags"], list) else []
        if tags:
            out.append(f"  Tags: {', '.join(tags)}")
        out.append("")
    out.append(f"Total: {len(data['entries'])} entries")
    return "\n".join(out) + "\n"


def list_entries(store: FlowStore, module: str | None = None, track: str | None = None,
                 entry_type: str | None = None) -> dict[str, Any]:
    """`memory list`: filtered entries with refs and staleness, per-type counts, total and total refs."""
    require_enabled(store)
    type_name = _normalized_filter(entry_type)
    index = store.memory.index()
    stats = store.memory.stats()
    cutoff = date_days_ago(STALE_DAYS)
    counts: dict[str, int] = {}
    items = []
    for position, e in enumerate(index):
        index[position] = None  # each entry is replaced by its item: 10,000 entries are never held twice
        if ((type_name is not None and e.get("type") != type_name)
                or (module is not None and e.get("module") != module)
                or (track is not None and e.get("track") != track)):
            continue
        kind = e["type"] if isinstance(e.get("type"), str) else "unknown"
        counts[kind] = counts.get(kind, 0) + 1
        verified = e["last_verified"] if "last_verified" in e else e.get("created")
        verified = verified if isinstance(verified, str) else ""
        item = {"created": e.get("created", ""), "id": e.get("id"), "last_verified": verified,
                "refs": refs_of(stats, e.get("id")), "stale": verified < cutoff, "summary": e.get("summary"),
                "tags": e.get("tags", []), "type": e.get("type")}
        items.append(_structured(e, item))
    total_refs = sum(int_id(v.get("refs")) for v in stats.values() if isinstance(v, dict))
    return {"counts": counts, "index": items, "total": len(items), "total_refs": total_refs}


def list_text(data: dict[str, Any]) -> str:
    """Plain form of `memory list` (compact mode runs the `memory` filter over it)."""
    out = [f"Memory: {data['total']} entries, {data['total_refs']} total references", ""]
    stale = 0
    for item in data["index"]:
        stale += item["stale"]
        summary = _str(item["summary"])[:70]
        marker = " [stale]" if item["stale"] else ""
        out.append(f"  #{int_id(item['id']):3d} [{_str(item['type']):<10}] refs={item['refs']:2d}  {summary}{marker}")
    out.append("")
    out.extend(f"  {kind}: {count}" for kind, count in sorted(data["counts"].items()))
    out.append(f"  Total: {data['total']}")
    if stale:
        out.append(f"  Stale: {stale} (not verified in 90+ days — run /flow-code:retro to verify)")
    return "\n".join(out) + "\n"


def compile_pattern(pattern: str) -> Any:
    """The case-insensitive regex of `memory search`; InvalidInputError for an invalid one."""
    import re

    try:
        return re.compile(pattern, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError) as err:
        raise InvalidInputError(f"Invalid regex pattern: {err}") from err


# Python's re backtracks (Rust's regex, the reference's, runs in linear time): a pattern such as `(a+)+$` can take
# hours on one line. A search is stopped after this many seconds; a real one over 10,000 entries takes well under 1.
SEARCH_SECONDS = 3.0


class _SearchTimedOut(Exception):
    """The search ran past SEARCH_SECONDS."""


def _time_out(signum: int, frame: object) -> None:
    raise _SearchTimedOut


class _Deadline:
    """`with _Deadline(s):` raises _SearchTimedOut in the block after `s` seconds (SIGALRM: re checks signals while
    it matches). Only the main thread can take signals: elsewhere, and without setitimer, there is no limit."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.previous: Any = None
        self.armed = False

    def __enter__(self) -> None:
        import signal

        if not hasattr(signal, "setitimer"):
            return
        try:
            self.previous = signal.signal(signal.SIGALRM, _time_out)
        except ValueError:  # not the main thread
            return
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            import signal

            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


def search(store: FlowStore, pattern: str, module: str | None = None, entry_type: str | None = None,
           severity: str | None = None, track: str | None = None) -> dict[str, Any]:
    """`memory search`: exact filters, then a case-insensitive regex over summary, tags, then content."""
    require_enabled(store)
    regex = compile_pattern(pattern)
    filters = [(key, want) for key, want in (("type", _normalized_filter(entry_type)), ("module", module),
                                             ("severity", severity), ("track", track)) if want is not None]
    try:
        with _Deadline(SEARCH_SECONDS):
            matches = _matching(store, regex, filters)
    except _SearchTimedOut:
        raise InvalidInputError(
            f"Invalid regex pattern: the search gave up after {SEARCH_SECONDS:g} s; the pattern backtracks too much "
            "(nested repetition such as (a+)+ or (.*)*)") from None
    return {"count": len(matches), "matches": matches, "pattern": pattern}


def _matching(store: FlowStore, regex: Any, filters: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The entries that pass the filters and whose summary, a tag or content the regex finds."""
    matches = []
    search_text = regex.search
    content_of = store.memory.content
    for e in store.memory.index():
        if filters and any(e.get(key) != want for key, want in filters):
            continue
        summary = e.get("summary")
        content = content_of(e)
        hit = isinstance(summary, str) and search_text(summary) is not None
        if not hit:
            tags = e.get("tags")
            if isinstance(tags, list):
                for tag in tags:
                    if isinstance(tag, str) and search_text(tag) is not None:
                        hit = True
                        break
        if hit or search_text(content) is not None:
            item = {"content": content, "id": e.get("id"), "summary": summary, "tags": e.get("tags", []),
                    "type": e.get("type")}
            matches.append(_structured(e, item))
    return matches


def search_text(data: dict[str, Any]) -> str:
    """Plain form of `memory search`."""
    if not data["matches"]:
        return f"No matches for '{data['pattern']}'\n"
    out = []
    for m in data["matches"]:
        meta = f"--- #{_show(m['id'])} [{_str(m['type'])}]"
        for key in ("module", "severity", "track"):
            if isinstance(m.get(key), str):
                meta += f" {key}={m[key]}"
        out.extend([meta + " ---", _str(m["content"]), ""])
    out.append(f"Found {data['count']} matches for '{data['pattern']}'")
    return "\n".join(out) + "\n"


def inject(store: FlowStore, actor: str | None = None, entry_type: str | None = None,
           tags: str | None = None, full: bool = False, dry_run: bool = False) -> dict[str, Any]:
    """`memory inject`: progressive disclosure (L1 index, L2 filtered with content, L3 everything) that counts
    one reference for every entry returned."""
    from flowctl_core import changes

    from .applier import commit

    require_enabled(store)
    type_name = _normalized_filter(entry_type)
    wanted = split_tags(tags)
    with store.lock():
        index = store.memory.index()
        if not index:
            return {"count": 0, "entries": [], "level": "L1"}
        stats = store.memory.stats()

        def keep(e: dict[str, Any]) -> bool:
            if type_name is not None and e.get("type") != type_name:
                return False
            if wanted:
                have = [t.lower() for t in e.get("tags") or [] if isinstance(t, str)] \
                    if isinstance(e.get("tags"), list) else []
                return any(t in have for t in wanted)
            return True

        chosen = [e for e in index if keep(e)]
        level = "L2" if (type_name or wanted) else ("L3" if full else "L1")
        batch = changes.Changes()
        if chosen:
            new_stats = bump_refs(stats, (e.get("id") for e in chosen), timefmt.now_sec())
            batch.push(changes.put("memory", STATS_KEY, new_stats))
        preview = commit(store, batch, actor, dry_run=dry_run)
    if preview is not None:
        return preview
    entries = []
    for e in chosen:
        item = {"id": e.get("id"), "summary": e.get("summary"), "tags": e.get("tags", []), "type": e.get("type")}
        if level != "L1":
            item["content"] = store.memory.content(e)
        entries.append(item)
    return {"count": len(entries), "entries": entries, "level": level}


def inject_text(data: dict[str, Any]) -> str:
    """Plain form of `memory inject` (an L2 filter that matched nothing prints nothing)."""
    entries = data["entries"]
    if data["level"] == "L1":
        if not entries:
            return "No memory entries\n"
        out = [f"Memory index ({len(entries)} entries):"]
        for e in entries:
            tags = [t for t in e["tags"] if isinstance(t, str)][:3] if isinstance(e["tags"], list) else []
            tag_text = f" [{','.join(tags)}]" if tags else ""
            out.append(f"  #{_show(e['id'])} [{_str(e['type'])}]{tag_text} {_str(e['summary'])[:100]}")
        out.extend(["", "Use `memory search <pattern>` for full content of specific entries."])
        return "\n".join(out) + "\n"
    out = []
    for e in entries:
        out.extend([f"--- #{_show(e['id'])} [{_str(e['type'])}] ---", _str(e["content"]), ""])
    return "\n".join(out) + "\n" if out else ""


def verify(store: FlowStore, actor: str | None, entry_id: int, dry_run: bool = False) -> dict[str, Any]:
    """`memory verify`: set `last_verified` to today on the first entry with that id."""
    from flowctl_core import changes

    from .applier import commit

    require_enabled(store)
    with store.lock():
        index = store.memory.index()
        for position, entry in enumerate(index):
            value = entry.get("id")
            if isinstance(value, int) and not isinstance(value, bool) and value == entry_id:
                today = timefmt.today()
                index[position] = {**entry, "last_verified": today}
                preview = commit(store, changes.Changes([changes.put("memory", INDEX_KEY, index)]), actor,
                                 dry_run=dry_run)
                if preview is not None:
                    return preview
                return {"id": entry_id, "last_verified": today, "message": f"Entry #{entry_id} verified"}
    raise NotFoundError(f"Entry #{entry_id} not found")


def verify_text(data: dict[str, Any]) -> str:
    """Plain form of `memory verify`."""
    return f"Entry #{data['id']} verified as still valid ({data['last_verified']})\n"


def gc(store: FlowStore, actor: str | None = None, days: int = STALE_DAYS, dry_run: bool = False) -> dict[str, Any]:
    """`memory gc`: remove entries with no reference created more than `days` ago; `dry_run` only lists them."""
    from flowctl_core import changes

    from .applier import commit

    require_enabled(store)
    cutoff = date_days_ago(days)
    with store.lock():
        index = store.memory.index()
        stats = store.memory.stats()
        stale: list[dict[str, Any]] = []
        keep: list[dict[str, Any]] = []
        for entry in index:
            created = entry.get("created")
            created = created if isinstance(created, str) else "9999-99-99"
            (stale if refs_of(stats, entry.get("id")) == 0 and created < cutoff else keep).append(entry)
        if dry_run:
            return {"count": len(stale), "days": days, "dry_run": True, "kept": len(keep),
                    "stale": [{"id": s.get("id"), "summary": s.get("summary"), "type": s.get("type")}
                              for s in stale]}
        if stale:
            batch = changes.Changes()
            for s in stale:
                if store.memory.entry_path(s) is not None:
                    batch.push(changes.delete("memory", entry_key(s["file"])))
            new_stats = dict(stats)
            for s in stale:
                new_stats.pop(str(int_id(s.get("id"))), None)
            batch.push(changes.put("memory", INDEX_KEY, keep))
            batch.push(changes.put("memory", STATS_KEY, new_stats))
            commit(store, batch, actor)
    return {"kept": len(keep), "removed": len(stale)}


def gc_payload(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON of `memory gc`."""
    return {k: v for k, v in data.items() if k != "days"}


def gc_text(data: dict[str, Any]) -> str:
    """Plain form of `memory gc` (and of its dry run)."""
    if not data.get("dry_run"):
        return f"Removed {data['removed']} stale entries, kept {data['kept']}\n"
    out = [f"Dry run: {data['count']} stale entries (0 refs, older than {data['days']} days)"]
    out.extend(f"  #{_show(s['id'])} [{_str(s['type'])}] {_str(s['summary'])[:80]}" for s in data["stale"])
    out.append(f"Would keep: {data['kept']} entries")
    return "\n".join(out) + "\n"
