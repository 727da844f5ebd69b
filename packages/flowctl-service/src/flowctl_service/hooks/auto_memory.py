"""`hook auto-memory` (Stop): turn a session's learnings into memory entries (cli-ext.md §16.1).

The assistant's text is read from the transcript, summarised by `gemini -p` (10 s) or, failing that, by four
patterns, and each learning is added as a v2 memory entry (`memory.add_entry`, deduplicated by content). Fixes
over the reference (decisions "hook"): Claude Code's transcript lines (`type: assistant`, `role` inside `message`)
are read; cuts never split a character; entries go where `memory list/search/inject` read them, not into legacy
`*.md` files through a `memory add --type` call that the CLI rejected.
"""

from __future__ import annotations

from . import TYPE_CHECKING, HookContext, Outcome, find_program, text_at

if TYPE_CHECKING:
    from typing import Any

GEMINI_TIMEOUT_SECONDS = 10.0  # the Stop hook's budget in hooks.json is 45 s
MIN_TEXT_BYTES = 200
MIN_PATTERN_BYTES = 100
SPLIT_ABOVE_BYTES = 50_000
KEEP_EACH_END_BYTES = 25_000
MAX_CONTENT_BYTES = 200
MAX_ENTRIES = 5
MAX_GEMINI_OUTPUT = 256 * 1024  # five one-sentence learnings fit many times over
TYPES = ("pitfall", "convention", "decision")

SUMMARIZE_PROMPT = """Analyze this AI coding session transcript and extract the most important learnings.

Output ONLY a JSON array of objects, each with "type" and "content" fields. No markdown, no explanation.

Types:
- "pitfall": things that went wrong, bugs found, things to avoid
- "convention": project patterns discovered, coding conventions learned
- "decision": architectural or design decisions made and why

Rules:
- Max 5 entries (only the most important)
- Each "content" should be one concise sentence (under 150 chars)
- Skip trivial things (file reads, git commands, routine operations)
- Focus on what would help a FUTURE session avoid mistakes or follow decisions
- If nothing important happened, return empty array: []

Example output:
[{"type":"pitfall","content":"Django select_related needed on UserProfile queries to avoid N+1"},\
{"type":"decision","content":"Chose per-epic review mode over per-task for faster Ralph runs"}]

Transcript:
"""

PATTERNS = (
    (r"(?i)(?:decided|chose|chose to|went with|using .+ instead of|switched to)\s+(.{20,150})", "decision"),
    (r"(?i)(?:found that|discovered|turns out|learned that|realized)\s+(.{20,150})", "convention"),
    (r"(?i)(?:don'?t|avoid|careful with|gotcha|warning|bug:|issue:|never)\s+(.{20,150})", "pitfall"),
    (r"(?i)(?:fixed by|solved by|the (?:issue|problem|bug) was|root cause)\s+(.{20,150})", "pitfall"),
)


def run(ctx: HookContext) -> Outcome:
    """Capture up to five learnings; always allow. stderr says how many were captured and how."""
    flow = ctx.flow_dir()
    if flow is None:
        return Outcome()
    data = ctx.payload()
    from flowctl_core import config as cfg
    from flowctl_core.errors import InvalidInputError
    from flowctl_db import FlowStore

    from .. import memory

    store = FlowStore(flow)
    if not cfg.memory_auto(store.config.read()):
        return Outcome()
    try:
        memory.require_enabled(store)
    except InvalidInputError:  # entries of a disabled memory could not be read back by any memory command
        return Outcome()
    text = read_transcript(text_at(data, "transcript_path"))
    if len(text.encode("utf-8")) < MIN_TEXT_BYTES:
        return Outcome()
    notes: list[str] = []
    learnings, method = summarize_with_gemini(text, ctx, notes), "gemini"
    if not learnings:
        learnings, method = extract_by_pattern(text), "pattern"
    saved = 0
    mutations: list[Any] = []
    for kind, content in learnings:
        try:
            added = memory.add_entry(store, "auto-memory", kind, content, dry_run=ctx.dry_run)
        except InvalidInputError:  # e.g. a blank learning from gemini: skip it, keep the others
            continue
        if not added.get("duplicate"):
            saved += 1
            mutations += added.get("changes", {}).get("mutations", []) if ctx.dry_run else []
    stdout = ""
    if ctx.dry_run:  # each preview was computed alone: ids in it may repeat (nothing was written in between)
        from . import dumps

        stdout = dumps({"changes": {"mutations": mutations}, "dry_run": True}) + "\n"
    elif saved:
        notes.append(f"auto-memory: captured {saved} entries via {method}")
    return Outcome(stdout=stdout, stderr="".join(n + "\n" for n in notes))


def is_assistant_line(event: dict[str, Any]) -> bool:
    """An assistant turn: Claude Code writes `type: assistant` with `role` inside `message`; older logs a top-level `role`."""
    message = event.get("message")
    return (event.get("role") == "assistant" or event.get("type") == "assistant"
            or (isinstance(message, dict) and message.get("role") == "assistant"))


def read_transcript(path: str) -> str:
    """The text blocks of every assistant message in the JSONL transcript, joined with newlines ('' if unreadable)."""
    if not path:
        return ""
    import json

    texts: list[str] = []
    try:
        with open(path, "rb") as f:
            for raw in f:
                if b"assistant" not in raw:  # cheap pre-filter: transcripts run to many megabytes
                    continue
                try:
                    event = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(event, dict) and is_assistant_line(event):
                    texts += _message_texts(event.get("message"))
    except OSError:
        return ""
    return "\n".join(texts)


def _message_texts(message: Any) -> list[str]:
    if not isinstance(message, dict):
        return []
    content = message.get("content")
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return []
    return [b["text"] for b in content
            if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)]


def cut_bytes(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes of the start of `text`, never splitting a character."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def _tail_bytes(text: str, limit: int) -> str:
    return text.encode("utf-8")[-limit:].decode("utf-8", "ignore")


def gemini_prompt(text: str) -> str:
    """The prompt sent to gemini: a transcript over 50,000 bytes is sent as its first and last 25,000 bytes."""
    if len(text.encode("utf-8")) > SPLIT_ABOVE_BYTES:
        text = (f"{cut_bytes(text, KEEP_EACH_END_BYTES)}\n...[truncated]...\n"
                f"{_tail_bytes(text, KEEP_EACH_END_BYTES)}")
    return SUMMARIZE_PROMPT + text


def summarize_with_gemini(text: str, ctx: HookContext, notes: list[str]) -> list[tuple[str, str]]:
    """Learnings from `gemini -p <prompt>`; [] when gemini is missing, fails, times out or answers nothing usable."""
    gemini = find_program("gemini", ctx.env)
    if gemini is None:
        return []
    from .. import commands_runner

    result = commands_runner.run([gemini, "-p", gemini_prompt(text)], cwd=ctx.cwd, timeout=GEMINI_TIMEOUT_SECONDS,
                                 env=dict(ctx.env), max_output=MAX_GEMINI_OUTPUT)
    if result.status == "timeout":
        notes.append(f"auto-memory: gemini timed out after {GEMINI_TIMEOUT_SECONDS:g}s, "
                     "falling back to pattern matching")
        return []
    if not result.passed:
        return []
    return parse_learnings(result.text())


def parse_learnings(output: str) -> list[tuple[str, str]]:
    """The outermost `[...]` of gemini's answer as (type, content) pairs: known types only, content cut, at most 5."""
    import json
    import re

    m = re.search(r"(?s)\[.*\]", output.strip())
    if not m:
        return []
    try:
        items = json.loads(m.group(0))
    except ValueError:
        return []
    out: list[tuple[str, str]] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("type") in TYPES and isinstance(item.get("content"), str):
            out.append((item["type"], cut_bytes(item["content"], MAX_CONTENT_BYTES)))
        if len(out) >= MAX_ENTRIES:
            break
    return out


def extract_by_pattern(text: str) -> list[tuple[str, str]]:
    """Lines that state a decision, a discovery or a pitfall (first 200 characters), deduplicated, at most 5."""
    if len(text.encode("utf-8")) < MIN_PATTERN_BYTES:
        return []
    import re

    patterns = [(re.compile(p), kind) for p, kind in PATTERNS]
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line in text.split("\n"):
        trimmed = line.strip()
        if len(trimmed.encode("utf-8")) < 20:
            continue
        lower = trimmed.lower()
        for pattern, kind in patterns:
            m = pattern.search(lower)
            if m:
                key = " ".join(m.group(0).strip().split())[:50]
                if key not in seen:
                    seen.add(key)
                    out.append((kind, trimmed[:200]))
            if len(out) >= MAX_ENTRIES:
                return out
    return out

