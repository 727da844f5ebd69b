"""MemoryStore: the `memory/` directory (storage.md §3.16, §8.6).

Two stores live here:
* the library memory `memory/entries.jsonl` (append-only JSON lines; no CLI caller in the reference);
* the CLI "v2" memory used by `flowctl memory`: one `entries/NNN-<type>.md` file per entry, `index.jsonl`
  (rewritten whole) and `stats.json` (reference counts). Every change runs under the store lock, so concurrent
  `add`s never share an id or lose an index line.

Index lines that do not parse are kept verbatim on rewrite (the reference dropped them); a `stats.json` that does
not parse raises instead of being replaced by `{}`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flowctl_core import timefmt
from flowctl_core.errors import FlowError, InvalidInputError, NotFoundError
from flowctl_core.json_store import (
    FlowPaths,
    append_line,
    atomic_write,
    dumps_line,
    load_json_object,
    read_bytes,
    read_json_lines,
    read_text,
    remove_file,
    store_lock,
    write_json,
)

TYPES = ("pitfall", "convention", "decision")
SEVERITIES = ("critical", "high", "medium", "low")
BUG_PROBLEM_TYPES = ("build_error", "test_failure", "runtime_error", "performance_issue", "database_issue",
                     "security_issue", "logic_error")
KNOWLEDGE_PROBLEM_TYPES = ("best_practice", "documentation_gap", "workflow_issue", "developer_experience",
                           "convention", "decision")
PROBLEM_TYPES = BUG_PROBLEM_TYPES + KNOWLEDGE_PROBLEM_TYPES

TAG_PATTERNS = tuple(re.compile(p) for p in (
    r"\b(typescript|javascript|python|rust|go|java|ruby|swift)\b",
    r"\b(react|vue|angular|svelte|nextjs|django|flask|fastapi|express)\b",
    r"\b(postgres|mysql|sqlite|redis|mongodb|supabase)\b",
    r"\b(docker|kubernetes|ci|cd|github|gitlab)\b",
    r"\b(api|auth|oauth|jwt|cors|csrf|xss|sql)\b",
    r"\b(test|lint|build|deploy|migration|schema)\b",
))
MAX_AUTO_TAGS = 8
SUMMARY_CHARS = 120
STALE_DAYS = 90
_ENTRY_ID = re.compile(r"^(\d+)-")


# ---------------------------------------------------------------------------------------------------------
# Pure helpers


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
    return hashlib.sha256(content.strip().encode("utf-8")).hexdigest()[:12]


def extract_tags(content: str) -> list[str]:
    """Auto tags: known words found in the lower-cased content, deduplicated, sorted, first 8."""
    lower = content.lower()
    found = {m.group(1) for pattern in TAG_PATTERNS for m in pattern.finditer(lower)}
    return sorted(found)[:MAX_AUTO_TAGS]


def merge_tags(auto: list[str], extra: str | Iterable[str] | None) -> list[str]:
    """Auto tags followed by the extra ones (split on `,`, trimmed, lower-cased, deduplicated, order kept)."""
    tags = list(auto)
    if extra is None:
        return tags
    items = extra.split(",") if isinstance(extra, str) else list(extra)
    for item in items:
        tag = item.strip().lower()
        if tag and tag not in tags:
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


def _int_id(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _date_days_ago(days: int) -> str:
    return (timefmt.now() - timedelta(days=days)).strftime("%Y-%m-%d")


def _values_text(value: Any) -> Iterable[str]:
    """Every scalar value inside a JSON value, as text (keys are not included)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _values_text(v)
    elif isinstance(value, list):
        for v in value:
            yield from _values_text(v)
    elif isinstance(value, str):
        yield value
    elif value is not None:
        yield str(value).lower() if isinstance(value, bool) else str(value)


# ---------------------------------------------------------------------------------------------------------


class MemoryStore:
    """The `memory/` directory: library entries (`entries.jsonl`) and the CLI v2 store."""

    def __init__(self, paths: FlowPaths) -> None:
        self.paths = paths
        self.dir = paths.memory
        self.entries_jsonl = self.dir / "entries.jsonl"
        self.entries_dir = self.dir / "entries"
        self.index_path = self.dir / "index.jsonl"
        self.stats_path = self.dir / "stats.json"

    # -- the sub-store write interface (called by the service's ChangesApplier) ----------------------------
    # Keys: "index" (index.jsonl, a list of entry objects or raw bytes of unparseable lines kept verbatim),
    # "stats" (stats.json), "entries/<file>" (one entry's Markdown). `append` adds a library line.
    def put(self, key: str, value: Any) -> None:
        """Replace one memory file: `index`, `stats` or `entries/<file>`."""
        if key == "index":
            self._save_index(value)
        elif key == "stats":
            write_json(self.stats_path, value, sort_keys=True)
        else:
            atomic_write(self._entry_file(key), value)

    def delete(self, key: str) -> None:
        """Remove one memory file (`entries/<file>`, `index` or `stats`)."""
        path = {"index": self.index_path, "stats": self.stats_path}.get(key) or self._entry_file(key)
        remove_file(path)

    def _entry_file(self, key: str) -> Path:
        name = key.removeprefix("entries/")
        path = self.entry_path({"file": name})
        if not key.startswith("entries/") or path is None:
            raise ValueError(f"not a memory file key: {key!r}")
        self.ensure_dirs()
        return path

    # -- library memory (entries.jsonl) --------------------------------------------------------------------
    def append(self, entry: dict[str, Any], key: str = "") -> None:
        """Append one entry to `entries.jsonl` as a single whole line."""
        append_line(self.entries_jsonl, dumps_line(entry))

    def read_all(self) -> list[Any]:
        """Every parseable line of `entries.jsonl`, in file order."""
        return read_json_lines(self.entries_jsonl)

    def search(self, query: str) -> list[Any]:
        """Library entries any of whose values contains `query` (case-insensitive; keys are not searched)."""
        needle = query.lower()
        return [e for e in self.read_all() if any(needle in text.lower() for text in _values_text(e))]

    # -- v2: files -----------------------------------------------------------------------------------------
    def ensure_dirs(self) -> None:
        """Create `memory/` and `memory/entries/` if missing."""
        self.entries_dir.mkdir(parents=True, exist_ok=True)

    def init(self) -> list[str]:
        """Create the v2 layout; return the names of the files created (`index.jsonl`, `stats.json`)."""
        created = []
        with store_lock(self.paths.root):
            self.ensure_dirs()
            if not self.index_path.exists():
                atomic_write(self.index_path, b"")
                created.append("index.jsonl")
            if not self.stats_path.exists():
                write_json(self.stats_path, {}, sort_keys=True)
                created.append("stats.json")
        return created

    def _index_lines(self) -> list[dict[str, Any] | bytes]:
        """Index lines in order: parsed objects, or the raw bytes of a line that does not parse as one."""
        data = read_bytes(self.index_path)
        out: list[dict[str, Any] | bytes] = []
        for line in (data or b"").split(b"\n"):
            if not line.strip():
                continue
            try:
                parsed = parse_line(line)
            except ValueError:
                out.append(line)
                continue
            out.append(parsed)
        return out

    def _save_index(self, lines: list[dict[str, Any] | bytes]) -> None:
        parts = [dumps_line(item).encode("utf-8") if isinstance(item, dict) else item + b"\n" for item in lines]
        atomic_write(self.index_path, b"".join(parts))

    def index(self) -> list[dict[str, Any]]:
        """Every parseable index entry in file order."""
        return [item for item in self._index_lines() if isinstance(item, dict)]

    def entry_path(self, entry: dict[str, Any]) -> Path | None:
        """The entry's content file, or None when its `file` is missing or not a plain file name."""
        name = entry.get("file")
        if not isinstance(name, str) or not name or name != Path(name).name or name.startswith("."):
            return None
        return self.entries_dir / name

    def content(self, entry: dict[str, Any]) -> str:
        """The entry file's text ('' when missing or unreadable, as the reference does)."""
        path = self.entry_path(entry)
        if path is None:
            return ""
        try:
            text = read_text(path)
        except FlowError:
            return ""
        return text or ""

    def stats(self) -> dict[str, Any]:
        """`stats.json` as stored ({} when missing; CorruptFileError when it does not parse)."""
        return load_json_object(self.stats_path)

    def refs(self, entry_id: Any, stats: dict[str, Any] | None = None) -> int:
        """The reference count of an entry id (0 when absent)."""
        stats = self.stats() if stats is None else stats
        record = stats.get(str(_int_id(entry_id)))
        value = record.get("refs") if isinstance(record, dict) else None
        return _int_id(value)

    def _next_id(self) -> int:
        """Largest numeric prefix among files in `entries/` (any extension) plus one."""
        best = 0
        try:
            names = [p.name for p in self.entries_dir.iterdir()]
        except (FileNotFoundError, NotADirectoryError):
            names = []
        for name in names:
            m = _ENTRY_ID.match(name)
            if m and m.group(1).isascii():
                best = max(best, int(m.group(1)))
        return best + 1

    # -- v2: commands --------------------------------------------------------------------------------------
    @staticmethod
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
        content = content.strip()
        if not content:
            raise InvalidInputError("Content cannot be empty")
        return type_name, content

    def add(self, entry_type: str, content: str, module: str | None = None, severity: str | None = None,
            problem_type: str | None = None, tags: str | Iterable[str] | None = None) -> dict[str, Any]:
        """Add an entry; return `{file, id, module?, severity?, problem_type?, tags, track, type}` or
        `{"id": <existing>, "duplicate": true}` when the same content is already stored."""
        type_name, content = self.validate_add(entry_type, content, severity, problem_type)
        digest = content_hash(content)
        all_tags = merge_tags(extract_tags(content), tags)
        track = derive_track(problem_type, type_name)
        with store_lock(self.paths.root):
            lines = self._index_lines()
            for item in lines:
                if isinstance(item, dict) and item.get("hash") == digest:
                    return {"id": _int_id(item.get("id")), "duplicate": True}
            self.ensure_dirs()
            entry_id = self._next_id()
            file_name = entry_file_name(entry_id, type_name)
            atomic_write(self.entries_dir / file_name, content)
            today = timefmt.today()
            record: dict[str, Any] = {"id": entry_id, "type": type_name, "summary": summary_of(content),
                                      "tags": all_tags, "hash": digest, "created": today, "last_verified": today,
                                      "file": file_name, "track": track}
            optional = {"module": module, "severity": severity, "problem_type": problem_type}
            record.update({k: v for k, v in optional.items() if v is not None})
            lines.append(record)
            self._save_index(lines)
        out: dict[str, Any] = {"file": file_name, "id": entry_id}
        out.update({k: v for k, v in optional.items() if v is not None})
        out.update({"tags": all_tags, "track": track, "type": type_name})
        return out

    def read(self, entry_type: str | None = None) -> list[dict[str, Any]]:
        """`memory read`: entries (optionally of one type) with their content; an unknown type raises."""
        type_name = None
        if entry_type is not None:
            type_name = normalize_type(entry_type)
            if type_name is None:
                raise InvalidInputError(invalid_type_message(entry_type))
        return [{"id": e.get("id"), "type": e.get("type"), "summary": e.get("summary"),
                 "tags": e.get("tags", []), "created": e.get("created", ""), "content": self.content(e)}
                for e in self.index() if type_name is None or e.get("type") == type_name]

    def record_refs(self, entry_ids: Iterable[Any]) -> dict[str, Any]:
        """Increment `refs` and set `last_ref` (TS-SEC) for each id in `stats.json`; return the new stats."""
        ids = [str(_int_id(i)) for i in entry_ids]
        if not ids:
            return self.stats()
        with store_lock(self.paths.root):
            stats = self.stats()
            now = timefmt.now_sec()
            for eid in ids:
                record = stats.get(eid)
                if not isinstance(record, dict):
                    record = stats[eid] = {"refs": 0, "last_ref": ""}
                record["refs"] = _int_id(record.get("refs")) + 1
                record["last_ref"] = now
            write_json(self.stats_path, stats, sort_keys=True)
        return stats

    def inject(self, entry_type: str | None = None, tags: str | Iterable[str] | None = None,
               full: bool = False) -> dict[str, Any]:
        """`memory inject`: filter, bump refs of every returned entry, return `{level, entries, count}`."""
        type_name = normalize_type(entry_type) if entry_type is not None else None  # invalid → no filter
        wanted = merge_tags([], tags)
        index = self.index()
        if not index:
            return {"count": 0, "entries": [], "level": "L1"}

        def keep(e: dict[str, Any]) -> bool:
            if type_name is not None and e.get("type") != type_name:
                return False
            if wanted:
                have = [t.lower() for t in e.get("tags") or [] if isinstance(t, str)]
                return any(t in have for t in wanted)
            return True

        chosen = [e for e in index if keep(e)]
        level = "L2" if (type_name or wanted) else ("L3" if full else "L1")
        self.record_refs(e.get("id") for e in chosen)
        entries = []
        for e in chosen:
            item = {"id": e.get("id"), "type": e.get("type"), "summary": e.get("summary"), "tags": e.get("tags", [])}
            if level != "L1":
                item["content"] = self.content(e)
            entries.append(item)
        return {"count": len(entries), "entries": entries, "level": level}

    def overview(self, module: str | None = None, track: str | None = None,
                 entry_type: str | None = None) -> dict[str, Any]:
        """`memory list`: filtered entries with refs/staleness, per-type counts, total and total refs."""
        type_name = normalize_type(entry_type) if entry_type is not None else None
        stats = self.stats()
        cutoff = _date_days_ago(STALE_DAYS)
        counts: dict[str, int] = {}
        items = []
        for e in self.index():
            if ((type_name is not None and e.get("type") != type_name)
                    or (module is not None and e.get("module") != module)
                    or (track is not None and e.get("track") != track)):
                continue
            kind = e.get("type") if isinstance(e.get("type"), str) else "unknown"
            counts[kind] = counts.get(kind, 0) + 1
            verified = e.get("last_verified", e.get("created"))
            verified = verified if isinstance(verified, str) else ""
            item = {"id": e.get("id"), "type": e.get("type"), "summary": e.get("summary"),
                    "tags": e.get("tags", []), "created": e.get("created", ""), "last_verified": verified,
                    "stale": verified < cutoff, "refs": self.refs(e.get("id"), stats)}
            item.update({k: e[k] for k in ("module", "severity", "problem_type", "track") if k in e})
            items.append(item)
        total_refs = sum(_int_id(v.get("refs")) for v in stats.values() if isinstance(v, dict))
        return {"counts": counts, "index": items, "total": len(items), "total_refs": total_refs}

    def search_v2(self, pattern: str, module: str | None = None, entry_type: str | None = None,
                  severity: str | None = None, track: str | None = None) -> list[dict[str, Any]]:
        """`memory search`: case-insensitive regex over summary, then tags, then the entry's content."""
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except re.error as err:
            raise InvalidInputError(f"Invalid regex pattern: {err}") from err
        type_name = normalize_type(entry_type) if entry_type is not None else None  # invalid → no filter
        filters = {"type": type_name, "module": module, "severity": severity, "track": track}
        matches = []
        for e in self.index():
            if any(want is not None and e.get(key) != want for key, want in filters.items()):
                continue
            summary = e.get("summary")
            tags = e.get("tags") if isinstance(e.get("tags"), list) else []
            content = self.content(e)
            hit = (isinstance(summary, str) and regex.search(summary) is not None) \
                or any(isinstance(t, str) and regex.search(t) for t in tags) \
                or regex.search(content) is not None
            if hit:
                item = {"id": e.get("id"), "type": e.get("type"), "summary": summary,
                        "tags": e.get("tags", []), "content": content}
                item.update({k: e[k] for k in ("module", "severity", "problem_type", "track") if k in e})
                matches.append(item)
        return matches

    def verify(self, entry_id: int) -> dict[str, Any]:
        """Set `last_verified` to today on the entry; return `{id, last_verified}`; NotFoundError if absent."""
        with store_lock(self.paths.root):
            lines = self._index_lines()
            for item in lines:
                if isinstance(item, dict) and _int_id(item.get("id")) == entry_id and "id" in item:
                    today = timefmt.today()
                    item["last_verified"] = today
                    self._save_index(lines)
                    return {"id": entry_id, "last_verified": today}
        raise NotFoundError(f"Entry #{entry_id} not found")

    def gc(self, days: int = STALE_DAYS, dry_run: bool = False) -> dict[str, Any]:
        """Remove entries with 0 refs created more than `days` ago (or only list them with `dry_run`)."""
        cutoff = _date_days_ago(days)
        with store_lock(self.paths.root):
            lines = self._index_lines()
            stats = self.stats()
            stale: list[dict[str, Any]] = []
            keep: list[dict[str, Any] | bytes] = []
            for item in lines:
                if isinstance(item, dict):
                    created = item.get("created")
                    created = created if isinstance(created, str) else "9999-99-99"
                    if self.refs(item.get("id"), stats) == 0 and created < cutoff:
                        stale.append(item)
                        continue
                keep.append(item)
            kept = sum(1 for item in keep if isinstance(item, dict))
            if dry_run:
                return {"count": len(stale), "dry_run": True, "kept": kept,
                        "stale": [{"id": s.get("id"), "summary": s.get("summary"), "type": s.get("type")}
                                  for s in stale]}
            for s in stale:
                path = self.entry_path(s)
                if path is not None:
                    remove_file(path)
                stats.pop(str(_int_id(s.get("id"))), None)
            self._save_index(keep)
            write_json(self.stats_path, stats, sort_keys=True)
        return {"kept": kept, "removed": len(stale)}


def parse_line(line: bytes) -> dict[str, Any]:
    """Parse one index line into an object; ValueError when it is not a JSON object."""
    try:
        value = json.loads(line)
    except RecursionError as err:
        raise ValueError("nested too deeply") from err
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value
