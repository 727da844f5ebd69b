"""`hook ralph-guard`: Ralph workflow rules on PreToolUse, PostToolUse, Stop and SubagentStop (cli-ext.md §16.2).

Active only with FLOW_RALPH=1; anything else returns before stdin is read. Fixes over the reference (decisions
"hook"): the debug log is written only in Ralph mode and never to a shared /tmp file; state and log files are named
per repository and session; a file locked by another task really blocks an Edit/Write; `-h` disables the done check
only as a flag of its own; PreToolUse blocks also answer with a deny decision on stdout (see `hooks.deny`).
"""

from __future__ import annotations

import os

from . import (
    TYPE_CHECKING,
    HookContext,
    Outcome,
    deny,
    json_answer,
    repo_key,
    response_text,
    session_key,
    text_at,
)

if TYPE_CHECKING:
    from typing import Any

PROTECTED_SUFFIXES = ("ralph-guard.py", "ralph-guard", "flowctl", "/hooks/hooks.json", "/flowctl/")
LOG_MAX_BYTES = 1_048_576
# Outside Ralph mode this module must cost nothing but its import: `re` is imported, and patterns compiled (re's
# own cache), inside the functions that use them; paths are plain strings (no pathlib).
_VERDICT = r"<verdict>(SHIP|NEEDS_WORK|MAJOR_RETHINK)</verdict>"
_RECEIPT_ID = r"(?:-[a-z0-9][a-z0-9-]*[a-z0-9]|-[a-z0-9]{1,3})?"
_RECEIPT_NAMES = (
    (rf"^plan-(fn-\d+{_RECEIPT_ID})\.json$", "plan_review"),
    (rf"^impl-(fn-\d+{_RECEIPT_ID}\.\d+)\.json$", "impl_review"),
    (rf"^completion-(fn-\d+{_RECEIPT_ID})\.json$", "completion_review"),
)


def run(ctx: HookContext) -> Outcome:
    """Dispatch on the event; allow (exit 0, nothing printed) unless a rule says otherwise."""
    if ctx.env.get("FLOW_RALPH") != "1":
        return Outcome()
    guard = _Guard(ctx)
    try:
        return _dispatch(guard)
    finally:
        guard.flush_log()


def _dispatch(guard: _Guard) -> Outcome:
    guard.log(f"[{guard.env.get('FLOW_RALPH')}] Hook called")
    event = text_at(guard.data, "hook_event_name")
    tool = text_at(guard.data, "tool_name")
    guard.log(f"  -> Event: {event}, Tool: {tool}")
    if event == "PreToolUse" and tool in ("Edit", "Write"):
        return guard.protected_file() or guard.file_lock() or Outcome()
    if event in ("PreToolUse", "PostToolUse") and tool != "Bash":
        guard.log("  -> Skipping: not Bash")
        return Outcome()
    if event == "PreToolUse":
        return guard.pre_bash()
    if event == "PostToolUse":
        return guard.post_bash()
    if event in ("Stop", "SubagentStop"):
        return guard.stop()
    return Outcome()


def normalize_command(command: str) -> str:
    """Tabs to spaces, empty quote pairs removed, runs of spaces collapsed, trimmed."""
    import re

    text = command.replace("\t", " ").replace('""', "").replace("''", "")
    return re.sub(r" {2,}", " ", text).strip()


def parse_receipt_path(receipt_path: str) -> tuple[str, str]:
    """(receipt type, epic or task id) from the receipt file name; (`impl_review`, `UNKNOWN`) otherwise."""
    import re

    name = os.path.basename(receipt_path.rstrip("/"))
    for pattern, kind in _RECEIPT_NAMES:
        m = re.match(pattern, name)
        if m:
            return kind, m.group(1)
    return "impl_review", "UNKNOWN"


def is_receipt_write(command: str, receipt_path: str) -> bool:
    """True when the command redirects into the receipt's directory, a receipts/*.json file, or `cat > …receipt`."""
    receipt_dir = os.path.dirname(receipt_path)
    if not receipt_dir:
        return False
    import re

    return bool(re.search(r">\s*['\"]?" + re.escape(receipt_dir), command)
                or re.search(r">\s*['\"]?.*receipts/.*\.json", command)
                or re.search(r"(?i)cat\s*>\s*.*receipt", command))


class GuardState:
    """What one session has done so far (the reference's fields; missing or corrupt → defaults)."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        data = data if isinstance(data, dict) else {}
        chats = data.get("chats_sent")
        self.chats_sent = chats if isinstance(chats, int) and not isinstance(chats, bool) and chats >= 0 else 0
        self.last_verdict = _opt_str(data.get("last_verdict"))
        self.window = _opt_str(data.get("window"))
        self.tab = _opt_str(data.get("tab"))
        self.chat_send_succeeded = data.get("chat_send_succeeded") is True
        self.codex_review_succeeded = data.get("codex_review_succeeded") is True
        done = data.get("flowctl_done_called")
        self.flowctl_done_called = {x for x in done if isinstance(x, str)} if isinstance(done, list) else set()

    def to_json(self) -> dict[str, Any]:
        """The stored form (written with sorted keys)."""
        return {"chats_sent": self.chats_sent, "last_verdict": self.last_verdict, "window": self.window,
                "tab": self.tab, "chat_send_succeeded": self.chat_send_succeeded,
                "flowctl_done_called": sorted(self.flowctl_done_called),
                "codex_review_succeeded": self.codex_review_succeeded}


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class _Guard:
    """One invocation in Ralph mode: the payload, the session's files, and the rules."""

    def __init__(self, ctx: HookContext) -> None:
        self.ctx = ctx
        self.env = ctx.env
        self.data = ctx.payload()
        self.session = text_at(self.data, "session_id") or "unknown"
        self.command = normalize_command(text_at(self.data, "tool_input", "command"))
        self.receipt_path = self.env.get("REVIEW_RECEIPT_PATH", "")
        run_dir = self.env.get("RUN_DIR", "")
        self.run_dir = run_dir if run_dir and os.path.isdir(run_dir) else None
        self.stem = f"ralph-guard-{repo_key(ctx.cwd)}-{session_key(self.session)}"
        self.log_lines: list[str] = []

    # -- files ---------------------------------------------------------------------------------------------
    def state_file(self) -> str:
        """`<RUN_DIR or TMPDIR>/ralph-guard-<repo>-<session>.json`."""
        return os.path.join(self.run_dir or self.ctx.temp_dir(), f"{self.stem}.json")

    def log(self, line: str) -> None:
        """Note a debug line; `flush_log` writes this call's lines at once."""
        self.log_lines.append(line)

    def flush_log(self) -> None:
        """Append the lines to `$RUN_DIR/guard-debug.log`, else to this session's log in the temp dir (best effort)."""
        from flowctl_core.errors import FlowError
        from flowctl_db import session_files

        if self.ctx.dry_run or not self.log_lines:
            return
        path = (os.path.join(self.run_dir, "guard-debug.log") if self.run_dir
                else os.path.join(self.ctx.temp_dir(), f"{self.stem}.log"))
        try:  # one append (one fsync) per call, not one per line
            session_files.append_log(path, "\n".join(self.log_lines), LOG_MAX_BYTES)
        except (FlowError, OSError):
            pass

    def load_state(self) -> GuardState:
        import json

        from flowctl_db import session_files

        text = session_files.read_text(self.state_file())
        try:
            return GuardState(json.loads(text) if text else None)
        except ValueError:
            return GuardState()

    def save_state(self, state: GuardState) -> None:
        from flowctl_core.errors import FlowError
        from flowctl_db import session_files

        from . import dumps

        if self.ctx.dry_run:
            return
        try:
            session_files.write_text(self.state_file(), dumps(state.to_json()))
        except (FlowError, OSError):
            pass  # the state only remembers; a temp dir that cannot be written must not break the session

    # -- Edit / Write ----------------------------------------------------------------------------------------
    def protected_file(self) -> Outcome | None:
        """Block edits of Ralph's own tooling (ralph-guard, flowctl, hooks.json)."""
        path = text_at(self.data, "tool_input", "file_path")
        if not path or not path.endswith(PROTECTED_SUFFIXES):
            return None
        name = os.path.basename(path.rstrip("/")) or path
        return deny(f"BLOCKED: Cannot modify protected file '{name}'. Ralph must not edit its own workflow tooling "
                    "(ralph-guard, flowctl, hooks). If the guard is blocking incorrectly, report the bug instead of "
                    "bypassing it.")

    def file_lock(self) -> Outcome | None:
        """Teams mode: take a write lock on the file for FLOW_TASK_ID; block when another task holds it."""
        path = text_at(self.data, "tool_input", "file_path")
        task = self.env.get("FLOW_TASK_ID", "")
        if self.env.get("FLOW_TEAMS") != "1" or not path or not task:
            return None
        root = _repo_root(self.ctx.cwd)
        if not os.path.isdir(os.path.join(root, ".flow")):
            return None
        from flowctl_db import FlowStore

        from .. import file_locks

        rel = _relative_to(path, root)
        store = FlowStore(os.path.join(root, ".flow"))
        if self.ctx.dry_run:  # look, do not take: other tasks' write locks on the file
            holders = file_locks.lock_check(store, rel).get("locks") or []
            others = [h["task_id"] for h in holders if h.get("task_id") != task]
            owner = others[0] if others else None
        else:
            conflicts = file_locks.lock(store, task, rel)["already_locked"]
            owners = (conflicts[0].get("owners") or ["another task"]) if conflicts else [None]
            owner = owners[0].rsplit("(", 1)[0] if owners[0] else None  # "fn-1.2(write)" → "fn-1.2"
        if owner is None:
            return None
        return deny(f"BLOCKED: File '{rel}' is locked by task '{owner}'. Your task ({task}) does not own this file. "
                    "Request access via 'Need file access:' protocol message or work on your own files.")

    # -- PreToolUse (Bash) -----------------------------------------------------------------------------------
    def pre_bash(self) -> Outcome:
        """The checks of §16.2 in order; the first that fails blocks."""
        reason = self._pre_reason()
        return deny(reason) if reason else Outcome()

    def _pre_reason(self) -> str | None:
        import re

        cmd = self.command
        if "chat-send" in cmd:
            if re.search(r"chat-send.*--json", cmd):
                return "BLOCKED: Do not use --json with chat-send. It suppresses the review text. Remove --json flag."
            if "--new-chat" in cmd and self.load_state().chats_sent > 0:
                return ("BLOCKED: Do not use --new-chat for re-reviews. Stay in the same chat so reviewer has "
                        "context. Remove --new-chat flag.")
        if re.search(r"\bcodex\b", cmd):
            if not re.search(r"flowctl\s+codex|FLOWCTL.*codex", cmd):
                if re.search(r"\bcodex\s+exec\b", cmd):
                    return ("BLOCKED: Do not call 'codex exec' directly. Use 'flowctl codex impl-review' or "
                            "'flowctl codex plan-review' to ensure proper receipt handling and session continuity.")
                if re.search(r"\bcodex\s+review\b", cmd):
                    return ("BLOCKED: Do not call 'codex review' directly. Use 'flowctl codex impl-review' or "
                            "'flowctl codex plan-review'.")
            if re.search(r"--last\b", cmd):
                return ("BLOCKED: Do not use '--last' with codex. Session continuity is managed via session_id in "
                        "receipts.")
        if "setup-review" in cmd:
            for flag in ("--repo-root", "--summary"):
                if flag not in cmd:
                    return (f"BLOCKED: setup-review requires {flag} flag. "
                            'Use: setup-review --repo-root "$REPO_ROOT" --summary "..."')
        if "select-add" in cmd and "--window" not in cmd:
            return 'BLOCKED: select-add requires --window flag. Use: select-add --window "$W" --tab "$T" <path>'
        # `-h` only as a flag of its own: the reference's bare substring test let `flowctl done fn-1-fix-hooks.1` by
        if _is_done_call(cmd) and not re.search(r"(?:^|\s)(?:--help|-h)(?:\s|$)", cmd):
            if not re.search(r"--evidence-json|--evidence", cmd):
                return ("BLOCKED: flowctl done requires --evidence-json flag. You must capture commit SHAs and test "
                        "commands. Use: flowctl done <task> --summary-file <s.md> --evidence-json <e.json>")
            if not re.search(r"--summary-file|--summary", cmd):
                return ("BLOCKED: flowctl done requires --summary-file flag. You must write a done summary. "
                        "Use: flowctl done <task> --summary-file <s.md> --evidence-json <e.json>")
        if self.receipt_path and is_receipt_write(cmd, self.receipt_path):
            return self._receipt_reason(cmd)
        return None

    def _receipt_reason(self, cmd: str) -> str | None:
        import re

        state = self.load_state()
        if not state.chat_send_succeeded and not state.codex_review_succeeded:
            return ("BLOCKED: Cannot write receipt before review completes. You must run 'flowctl rp chat-send' or "
                    "'flowctl codex impl-review/plan-review' and receive a review response before writing the "
                    "receipt.")
        if '"id"' not in cmd and "'id'" not in cmd:
            return ("BLOCKED: Receipt JSON is missing required 'id' field. Receipt must include: "
                    '{"type":"...","id":"<TASK_OR_EPIC_ID>",...} Copy the exact command from the prompt template.')
        if (("completion_review" in cmd or "completion-" in self.receipt_path)
                and '"verdict"' not in cmd and "'verdict'" not in cmd):
            return ("BLOCKED: Receipt JSON is missing required 'verdict' field. Completion review receipts must "
                    'include: {"verdict":"SHIP",...} Copy the exact command from the prompt template.')
        if "impl_review" in cmd:
            m = re.search(r'"id"\s*:\s*"([^"]+)"', cmd)
            if m and m.group(1) not in state.flowctl_done_called:
                task = m.group(1)
                return (f"BLOCKED: Cannot write impl receipt for {task} - flowctl done was not called. You MUST run "
                        f"'flowctl done {task} --evidence ...' BEFORE writing the receipt. The task is NOT complete "
                        "until flowctl done succeeds.")
        return None

    # -- PostToolUse (Bash) ----------------------------------------------------------------------------------
    def post_bash(self) -> Outcome:
        """Track reviews, done calls and receipt writes; answer with a hint or a block decision when due."""
        import re

        cmd, text = self.command, response_text(self.data)
        state = self.load_state()
        changed = False
        if "chat-send" in cmd:
            if "Chat Send" in text and '{"chat": null}' not in text:
                state.chats_sent += 1
                state.chat_send_succeeded = changed = True
            elif '{"chat": null}' in text or '{"chat":null}' in text:
                state.chat_send_succeeded = False
                changed = True
        verdict = re.search(_VERDICT, text)
        if ("flowctl" in cmd and "codex" in cmd and verdict
                and any(k in cmd for k in ("impl-review", "plan-review", "completion-review"))):
            state.codex_review_succeeded = True
            state.last_verdict = verdict.group(1)
            changed = True
        if _is_done_call(cmd):
            self.log(f"  -> flowctl done detected in: {cmd[:100]}...")
            m = re.search(r"\bdone\s+([a-zA-Z0-9][a-zA-Z0-9._-]*)", cmd)
            if m:
                lower = text.lower()
                self.log(f"  -> Extracted task_id: {m.group(1)}, response has 'status': {'status' in lower}")
                if any(word in lower for word in ("status", "done", "updated", "completed")):
                    state.flowctl_done_called.add(m.group(1))
                    changed = True
                    self.log(f"  -> Added {m.group(1)} to flowctl_done_called: {sorted(state.flowctl_done_called)}")
        if self.receipt_path and is_receipt_write(cmd, self.receipt_path):
            state.chat_send_succeeded = state.codex_review_succeeded = False
            changed = True
        if "setup-review" in cmd:
            window = re.search(r"W=(\d+)", text)
            tab = re.search(r"(?i)T=([A-F0-9-]+)", text)
            if window:
                state.window = window.group(1)
            if tab:
                state.tab = tab.group(1)
            changed = True
        answer = None
        if verdict:
            state.last_verdict = verdict.group(1)
            changed = True
            answer = self._verdict_answer(verdict.group(1), state)
        elif "chat-send" in cmd and "Chat Send" in text and re.search(
                r"(?i)\bLGTM\b|\bLooks good\b|\bApproved\b|\bNo issues\b", text):
            answer = _context(
                "WARNING: Reviewer responded with informal approval (LGTM/Looks good) but did NOT use the required "
                "<verdict>SHIP</verdict> tag. This means your review prompt was incorrect. You MUST use "
                "/flow-code:impl-review skill which has the correct prompt format. Do NOT improvise review prompts. "
                "Re-invoke the skill and try again.")
        if changed:
            self.save_state(state)
        if answer is not None:
            return answer
        if ('{"chat":' in text or '{"chat": ' in text) and "null" in text:
            return json_answer({"decision": "block",
                                "reason": 'ERROR: chat-send returned {"chat": null} which means --json was used. '
                                          "This suppresses the review text. Re-run without --json flag."})
        return Outcome()

    def _verdict_answer(self, verdict: str, state: GuardState) -> Outcome | None:
        path = self.receipt_path
        if verdict == "SHIP":
            if path and not os.path.exists(path) and state.chat_send_succeeded:
                kind, item = parse_receipt_path(path)
                command = (f"mkdir -p \"$(dirname '{path}')\"\nts=\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"\n"
                           f"cat > '{path}' <<EOF\n"
                           f'{{"type":"{kind}","id":"{item}","mode":"rp","verdict":"SHIP","timestamp":"$ts"}}\nEOF')
                return _context(f"IMPORTANT: SHIP verdict received. You MUST now write the receipt. "
                                f"Run this command:\n{command}")
            return None
        if _memory_enabled(self.ctx.cwd):
            return _context(
                "MEMORY: Review returned NEEDS_WORK. After fixing, consider if any lessons are GENERALIZABLE (apply "
                "beyond this task). If so, capture with:\nflowctl memory add --type <type> \"<one-line lesson>\"\n"
                "Types: pitfall (gotchas/mistakes), convention (patterns to follow), decision (architectural "
                "choices)\nSkip: task-specific fixes, typos, style issues, or 'fine as-is' explanations.")
        return None

    # -- Stop / SubagentStop ---------------------------------------------------------------------------------
    def stop(self) -> Outcome:
        """Refuse to stop while the review receipt is missing; otherwise forget the session's state."""
        if self.data.get("stop_hook_active") is True:
            return Outcome()
        path = self.receipt_path
        if path and not os.path.exists(path):
            kind, item = parse_receipt_path(path)
            skill, desc = {"impl_review": ("/flow-code:impl-review", "implementation review"),
                           "completion_review": ("/flow-code:epic-review", "epic completion review")}.get(
                kind, ("/flow-code:plan-review", "plan review"))
            return json_answer({"decision": "block", "reason": (
                f"Cannot stop: {desc} not completed.\nYou MUST invoke `{skill} {item}` to complete the review.\n"
                "The skill writes the receipt on SHIP verdict.\n"
                "Do NOT write the receipt manually - that skips the actual review.")})
        from flowctl_db import session_files

        if not self.ctx.dry_run:
            session_files.remove(self.state_file())
        return Outcome()


def _is_done_call(cmd: str) -> bool:
    return " done " in cmd and ("flowctl" in cmd or "FLOWCTL" in cmd)


def _context(text: str) -> Outcome:
    return json_answer({"hookSpecificOutput": {"hookEventName": "PostToolUse", "additionalContext": text}})


def _memory_enabled(cwd: str) -> bool:
    """`memory.enabled` is boolean true in `<cwd>/.flow/config.json` (unreadable → false, like the reference)."""
    flow = os.path.join(cwd, ".flow")
    if not os.path.isdir(flow):
        return False
    from flowctl_core.errors import FlowError
    from flowctl_db import FlowStore

    try:
        memory = FlowStore(flow).config.read().get("memory")
    except FlowError:
        return False
    return isinstance(memory, dict) and memory.get("enabled") is True


def _repo_root(cwd: str) -> str:
    """The nearest directory holding `.git` (what `git rev-parse --show-toplevel` names), else cwd."""
    here = os.path.realpath(cwd)
    while not os.path.exists(os.path.join(here, ".git")):
        parent = os.path.dirname(here)
        if parent == here:  # past the file system's root
            return cwd
        here = parent
    return here


def _relative_to(path: str, root: str) -> str:
    """`path` relative to the repository root when it lies inside it, else unchanged."""
    for base in (root, os.path.realpath(root)):
        prefix = base.rstrip("/") + "/"
        for candidate in (path, os.path.realpath(path) if os.path.isabs(path) else path):
            if candidate.startswith(prefix):
                return candidate[len(prefix):]
    return path
