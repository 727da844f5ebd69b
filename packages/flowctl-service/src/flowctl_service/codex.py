"""The codex review wrappers (cli-ext §15.1–15.7): run `codex exec`, read its verdict, keep the receipts.

Receipts: the caller's `--receipt <path>` file (Ralph and the review skills read it there) and, when `.flow/`
exists, a copy in the review store, `reviews/<type>-<id>-codex.json`, written through the applier like every
other `.flow/` file. A failed or verdict-less review deletes both, so no stale SHIP survives.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flowctl_core import review_protocol as rp
from flowctl_core.errors import FlowError, InvalidInputError

DEFAULT_MODEL = "gpt-5.4"
DEFAULT_TIMEOUT = 600
MAX_OUTPUT = 16 * 1024 * 1024
SANDBOXES = ("read-only", "workspace-write", "danger-full-access", "auto")
EFFORTS = ("low", "medium", "high")
VERDICT_HINT = "Output your verdict as <verdict>SHIP</verdict> or <verdict>NEEDS_WORK</verdict>."
NO_VERDICT = ("Codex review completed but no verdict found in output. "
              "Expected <verdict>SHIP</verdict> or <verdict>NEEDS_WORK</verdict>")
RESUME_FAILED = "WARNING: Codex resume failed, starting new session"

Warn = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


def pretty(value: Any) -> str:
    """serde_json::to_string_pretty of a JSON value: 2-space indent, keys sorted, raw UTF-8."""
    import json

    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


# ── running codex ────────────────────────────────────────────────────────────────────────────────────────────


def resolve_sandbox(flag: str, env: Mapping[str, str]) -> str:
    """`--sandbox` unless it is `auto`/empty, else `$CODEX_SANDBOX` unless `auto`/empty, else `read-only`."""
    value = flag.strip()
    if value and value != "auto":
        return value
    from_env = env.get("CODEX_SANDBOX", "").strip()
    if from_env and from_env != "auto":
        return from_env
    return "danger-full-access" if os.name == "nt" else "read-only"


def exec_timeout(env: Mapping[str, str]) -> int:
    """`$FLOW_CODEX_TIMEOUT` seconds (a positive integer), default 600."""
    raw = env.get("FLOW_CODEX_TIMEOUT", "")
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) > 0 else DEFAULT_TIMEOUT


def new_session_argv(model: str, effort: str, sandbox: str) -> list[str]:
    """`codex exec` for a new session; the prompt comes on stdin (`-`)."""
    return ["codex", "exec", "--model", model, "-c", f'model_reasoning_effort="{effort}"', "--sandbox", sandbox,
            "--skip-git-repo-check", "--json", "-"]


def resume_argv(session_id: str) -> list[str]:
    """`codex exec resume <session> -`."""
    return ["codex", "exec", "resume", session_id, "-"]


def usable_session(session_id: Any) -> str | None:
    """A receipt's session id when it can be passed to `codex exec resume` (a string not read as an option)."""
    return session_id if isinstance(session_id, str) and not session_id.startswith("-") else None


def parse_thread_id(output: str) -> str | None:
    """The `thread_id` of the first `{"type":"thread.started"}` JSONL line."""
    import json

    for line in output.split("\n"):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("type") == "thread.started" and isinstance(data.get("thread_id"), str):
            return data["thread_id"]
    return None


class ExecResult:
    """What one codex run left: its stdout, the session it ran in, exit code and stderr (the reference's tuple)."""

    __slots__ = ("output", "thread_id", "code", "stderr")

    def __init__(self, output: str, thread_id: str | None, code: int, stderr: str) -> None:
        self.output, self.thread_id, self.code, self.stderr = output, thread_id, code, stderr


def _run(argv: list[str], prompt: str, cwd: Path, timeout: int):  # noqa: ANN202 - a RunResult
    from .commands_runner import run

    return run(argv, cwd=cwd, timeout=timeout, max_output=MAX_OUTPUT, stdin=prompt.encode("utf-8"))


def run_exec(prompt: str, *, session_id: str | None, sandbox: str, effort: str, cwd: Path,
             env: Mapping[str, str], warn: Warn = _quiet) -> ExecResult:
    """Resume `session_id` when given (falling back to a new session with a warning), else start a new session."""
    from .commands_runner import find_program

    if find_program("codex") is None:
        return ExecResult("", None, 2, "codex not found in PATH")
    timeout = exec_timeout(env)
    if session_id is not None:
        result = _run(resume_argv(session_id), prompt, cwd, timeout)
        if result.status == "missing":
            return ExecResult("", None, 2, "codex not found in PATH")
        if result.passed:
            return ExecResult(result.text(), session_id, 0, result.text("stderr"))
        if result.status != "error":  # the reference falls through silently when resume could not even start
            warn(RESUME_FAILED)
    model = env.get("FLOW_CODEX_MODEL", DEFAULT_MODEL)
    result = _run(new_session_argv(model, effort, sandbox), prompt, cwd, timeout)
    if result.status == "missing":
        return ExecResult("", None, 2, "codex not found in PATH")
    if result.status == "error":
        return ExecResult("", None, 2, f"failed to spawn codex: {result.error}")
    output = result.text()
    if result.status == "timeout":
        return ExecResult(output, None, 124, f"codex timed out after {timeout}s (killed)")
    return ExecResult(output, parse_thread_id(output), result.exit_code, result.text("stderr"))


def failure_text(result: ExecResult, fallback: str = "codex exec failed") -> str:
    """Trimmed stderr, else trimmed stdout, else `fallback` (the reference's error detail)."""
    return (result.stderr if result.stderr else result.output if result.output else fallback).strip()


# ── check ────────────────────────────────────────────────────────────────────────────────────────────────────


def check(cwd: Path) -> dict[str, Any]:
    """`{available, version}`: codex on PATH and the X.Y.Z in `codex --version` (raw text if none; None on failure)."""
    import re

    from .commands_runner import find_program, run

    if find_program("codex") is None:
        return {"available": False, "version": None}
    result = run(["codex", "--version"], cwd=cwd, timeout=30, max_output=65536)
    if result.status == "missing":
        return {"available": False, "version": None}
    if not result.passed:
        return {"available": True, "version": None}
    text = result.text().strip()
    found = re.search(r"(\d+\.\d+\.\d+)", text)
    return {"available": True, "version": found.group(1) if found else text}


def check_text(data: dict[str, Any]) -> str:
    """`codex available: <version>` or `codex not available`."""
    if not data["available"]:
        return "codex not available"
    return f"codex available: {data['version'] if data['version'] is not None else 'unknown version'}"


# ── prompts (the reference's fixed templates; sent on stdin without a final newline) ─────────────────────────────


def impl_prompt(base: str, task: str | None, focus: str | None) -> str:
    """The implementation-review prompt."""
    return (f"Review the implementation changes from branch '{base}' against HEAD.\n"
            + (f"Task: {task}\n" if task is not None else "")
            + (f"Focus areas: {focus}\n" if focus is not None else "")
            + "Focus on correctness, quality, performance, and testing.\n" + VERDICT_HINT)


def plan_prompt(epic: str, files: str, base: str) -> str:
    """The plan-review prompt."""
    return f"Review the plan for epic '{epic}' with context from files: {files}.\nBase branch: {base}.\n{VERDICT_HINT}"


def completion_prompt(epic: str, base: str) -> str:
    """The completion-review prompt."""
    return (f"Review epic '{epic}' for completion. Verify all requirements are implemented.\n"
            f"Base branch: {base}.\n{VERDICT_HINT}")


def adversarial_prompt(base: str, focus: str | None) -> str:
    """The adversarial prompt (also the codex half of cross-model)."""
    return (f"You are an adversarial code reviewer. Try to BREAK the code changed between '{base}' and HEAD.\n"
            + (f"Focus area: {focus}\n" if focus is not None else "")
            + "Look for bugs, race conditions, security vulnerabilities, edge cases, and logic errors.\n"
            + VERDICT_HINT + "\nAlso output structured JSON with your findings.")


def claude_prompt(base: str, focus: str | None) -> str:
    """The second reviewer's prompt of cross-model."""
    return (f"You are a thorough code reviewer. Review the code changed between '{base}' and HEAD.\n"
            + (f"Focus area: {focus}\n" if focus is not None else "")
            + "Analyze for correctness, security, performance, and maintainability.\n" + VERDICT_HINT
            + "\nList findings as JSON with fields: severity (critical/warning/info), category, description, file, "
              "line.")


# ── receipts ─────────────────────────────────────────────────────────────────────────────────────────────────


def existing_store(cwd: Path):  # noqa: ANN201 - FlowStore | None
    """The store of `<cwd>/.flow` when it exists (the review wrappers never create `.flow`)."""
    from flowctl_db import FlowStore, location

    flow = location.flow_dir_for(cwd)
    return FlowStore(flow) if flow.is_dir() else None


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


class ReceiptTarget:
    """Where `--receipt` points: a file in `.flow/reviews/` (written through the store) or a caller file."""

    __slots__ = ("path", "review_name")

    def __init__(self, path: Path, review_name: str | None) -> None:
        self.path, self.review_name = path, review_name


def receipt_target(cwd: Path, receipt: str | None, store) -> ReceiptTarget | None:  # noqa: ANN001
    """Resolve `--receipt` against the working directory; refuse a path inside `.flow/` but outside `reviews/`."""
    if not receipt:
        return None
    path = cwd / receipt
    if store is not None:
        real = os.path.realpath(path)
        flow = os.path.realpath(store.flow_dir)
        if _inside(real, flow):
            reviews = os.path.realpath(store.paths.reviews)
            if os.path.dirname(real) != reviews:
                raise InvalidInputError(
                    f"Receipt path {receipt} is inside .flow/; only .flow/reviews/<name> may hold a receipt")
            return ReceiptTarget(path, os.path.basename(real))
    return ReceiptTarget(path, None)


def load_session(target: ReceiptTarget | None) -> str | None:
    """The `session_id` of an existing receipt (for re-review continuity), if it is usable."""
    import json

    if target is None:
        return None
    try:
        data = json.loads(target.path.read_bytes())
    except (OSError, ValueError):
        return None
    return usable_session(data.get("session_id")) if isinstance(data, dict) else None


def store_name(review_type: str, review_id: str) -> str | None:
    """`<type>-<id>-codex.json`, the review store's name for this review (None if the id cannot name a file)."""
    name = f"{review_type}-{review_id}-codex.json"
    if "/" in review_id or "\\" in review_id or "\0" in review_id or len(name.encode()) > 200:
        return None
    return name


def _write_receipts(store, target: ReceiptTarget | None, name: str | None, receipt: dict[str, Any] | None) -> None:  # noqa: ANN001
    """Write (receipt given) or delete (None) the caller's receipt and the store copy, under the store lock."""
    import contextlib

    from flowctl_core import changes
    from flowctl_db import caller_files

    from .applier import commit

    text = None if receipt is None else pretty(receipt) + "\n"
    batch = []
    if store is not None and name is not None:
        batch.append(changes.delete("reviews", name) if receipt is None else changes.put("reviews", name, receipt))
    if target is not None and target.review_name is not None:
        batch.append(changes.delete("reviews", target.review_name) if text is None
                     else changes.put("reviews", target.review_name, text))
    with store.lock() if store is not None and batch else contextlib.nullcontext():
        if target is not None and target.review_name is None:
            if text is None:
                caller_files.remove(target.path)
            else:
                caller_files.write_text(target.path, text)
        if batch:
            commit(store, changes.Changes(batch))


# ── impl-review / plan-review / completion-review ──────────────────────────────────────────────────────────────


def review(kind: str, *, cwd: Path, env: Mapping[str, str], subject: str | None, base: str,
           focus: str | None = None, files: str | None = None, receipt: str | None = None, sandbox: str = "auto",
           effort: str = "high", dry_run: bool = False, warn: Warn = _quiet) -> dict[str, Any]:
    """Run one review (`impl`, `plan` or `completion`) and return its JSON payload; FlowError when it fails."""
    from flowctl_core.timefmt import now_off

    if kind == "plan" and not files:
        raise InvalidInputError("plan-review requires --files argument (comma-separated CODE file paths)")
    review_type = f"{kind}_review"
    review_id = subject if subject is not None else "branch"
    sandbox = resolve_sandbox(sandbox, env)
    store = existing_store(cwd)
    target = receipt_target(cwd, receipt, store)
    session_id = load_session(target)
    if kind == "impl":
        prompt = impl_prompt(base, subject, focus)
    elif kind == "plan":
        prompt = plan_prompt(review_id, files or "", base)
    else:
        prompt = completion_prompt(review_id, base)
    name = store_name(review_type, review_id) if store is not None else None
    if dry_run:
        return _preview(prompt, session_id, sandbox, effort, env, target, name)

    result = run_exec(prompt, session_id=session_id, sandbox=sandbox, effort=effort, cwd=cwd, env=env, warn=warn)
    if result.code != 0:
        _write_receipts(store, target, name, None)
        raise FlowError(f"codex exec failed: {failure_text(result)}")
    verdict = rp.parse_verdict(result.output)
    if verdict is None:
        _write_receipts(store, target, name, None)
        raise FlowError(NO_VERDICT)
    session = result.thread_id if kind != "completion" else (result.thread_id or session_id)
    if target is not None or name is not None:
        saved: dict[str, Any] = {"id": review_id, "mode": "codex", "review": result.output, "session_id": session,
                                 "timestamp": now_off(), "type": review_type, "verdict": verdict}
        if kind != "plan":
            saved["base"] = base
        if kind == "impl" and focus is not None:
            saved["focus"] = focus
        iteration = env.get("RALPH_ITERATION", "")
        if _is_i64(iteration):
            saved["iteration"] = int(iteration)
        _write_receipts(store, target, name, saved)
    payload: dict[str, Any] = {"id": review_id, "mode": "codex", "review": result.output, "session_id": session,
                               "type": review_type, "verdict": verdict}
    if kind == "impl":
        payload["standalone"] = subject is None
    if kind == "completion":
        payload["base"] = base
    return payload


def _is_i64(text: str) -> bool:
    body = text[1:] if text[:1] in "+-" else text
    return body.isascii() and body.isdigit() and -2**63 <= int(text) < 2**63


def review_text(data: dict[str, Any]) -> str:
    """Plain output: codex's raw output, then `\\nVERDICT=<verdict>`."""
    return f"{data['review']}\nVERDICT={data['verdict']}\n"


def _preview(prompt: str, session_id: str | None, sandbox: str, effort: str, env: Mapping[str, str],
             target: ReceiptTarget | None, name: str | None) -> dict[str, Any]:
    """What a review would run and write, without running codex or touching a file."""
    preview: dict[str, Any] = {
        "dry_run": True, "prompt": prompt,
        "argv": new_session_argv(env.get("FLOW_CODEX_MODEL", DEFAULT_MODEL), effort, sandbox),
        "receipt": None if target is None else str(target.path),
        "store_receipt": None if name is None else f"reviews/{name}",
        "timeout": exec_timeout(env),
    }
    if session_id is not None:
        preview["resume_argv"] = resume_argv(session_id)
    return preview


# ── adversarial ──────────────────────────────────────────────────────────────────────────────────────────────


def adversarial(*, cwd: Path, env: Mapping[str, str], base: str, focus: str | None, sandbox: str, effort: str,
                dry_run: bool = False) -> dict[str, Any]:
    """Run the adversarial prompt; return `{structured?, output, verdict, base, focus}` (see adversarial_json)."""
    sandbox = resolve_sandbox(sandbox, env)
    prompt = adversarial_prompt(base, focus)
    if dry_run:
        return _preview(prompt, None, sandbox, effort, env, None, None)
    result = run_exec(prompt, session_id=None, sandbox=sandbox, effort=effort, cwd=cwd, env=env)
    if result.code != 0:
        raise FlowError(f"Adversarial review failed: {failure_text(result)}")
    return {"base": base, "focus": focus, "output": result.output,
            "structured": rp.parse_structured(result.output), "verdict": rp.parse_verdict(result.output)}


def adversarial_json(run: dict[str, Any]) -> dict[str, Any]:
    """The structured object plus base/focus, else `{verdict (or UNKNOWN), output, base, focus}`."""
    if run["structured"] is not None:
        return {**run["structured"], "base": run["base"], "focus": run["focus"]}
    return {"base": run["base"], "focus": run["focus"], "output": run["output"],
            "verdict": run["verdict"] or "UNKNOWN"}


def adversarial_text(run: dict[str, Any]) -> str:
    """The pretty structured object and `Verdict: …`, else the raw output (+ `Verdict: …` when tagged)."""
    import json

    structured = run["structured"]
    if structured is not None:
        verdict = structured.get("verdict")
        pretty = json.dumps(structured, indent=2, sort_keys=True, ensure_ascii=False)
        return f"{pretty}\n\nVerdict: {verdict if isinstance(verdict, str) else 'UNKNOWN'}\n"
    if run["verdict"] is not None:
        return f"{run['output']}\nVerdict: {run['verdict']}\n"
    return run["output"]


# ── cross-model ──────────────────────────────────────────────────────────────────────────────────────────────

CODEX_LABEL = "codex/gpt-5.4"
CLAUDE_LABEL = "claude/opus-4"
CLAUDE_PROMPT_FILE = "flowctl-cross-model-claude-prompt.txt"
CLAUDE_RESULT_FILE = "flowctl-cross-model-claude-result.json"


def temp_dir(env: Mapping[str, str]) -> Path:
    """`$TMPDIR`, else /tmp (Rust's env::temp_dir)."""
    return Path(env.get("TMPDIR") or "/tmp")


def _codex_vote(output: str) -> str:
    """The verdict tag, else the structured object's `verdict` (the reference ignored the latter)."""
    tagged = rp.parse_verdict(output)
    if tagged is not None:
        return rp.vote(tagged)
    structured = rp.parse_structured(output)
    return rp.vote(structured.get("verdict") if structured is not None else None)


def cross_model(*, cwd: Path, env: Mapping[str, str], base: str, focus: str | None, sandbox: str, effort: str,
                dry_run: bool = False, warn: Warn = _quiet) -> dict[str, Any]:
    """Codex adversarial pass + a second review (pre-populated result file, else codex with the second prompt),
    conservative consensus, saved to `.flow/reviews/cross-model-<UTC stamp>.json`.

    Returns `{"review": <the saved document>, "saved_to": <its path>}`.
    """
    from flowctl_core.timefmt import now
    from flowctl_db import caller_files

    sandbox = resolve_sandbox(sandbox, env)
    tmp = temp_dir(env)
    prompt_path, result_path = tmp / CLAUDE_PROMPT_FILE, tmp / CLAUDE_RESULT_FILE
    second_prompt = claude_prompt(base, focus)
    if dry_run:
        preview = _preview(adversarial_prompt(base, focus), None, sandbox, effort, env, None, None)
        preview.update({"claude_prompt_path": str(prompt_path), "claude_result_path": str(result_path),
                        "store_receipt": "reviews/cross-model-<YYYYMMDD-HHMMSS>.json"})
        return preview

    first = run_exec(adversarial_prompt(base, focus), session_id=None, sandbox=sandbox, effort=effort, cwd=cwd,
                     env=env)
    if first.code == 0:
        findings, confidence = rp.parse_findings(first.output)
        codex_review = rp.model_review(env.get("FLOW_CODEX_MODEL", CODEX_LABEL), _codex_vote(first.output),
                                       findings, confidence)
    else:
        warn(f"WARNING: Codex review failed: {first.stderr.strip()}")
        codex_review = rp.abstain(CODEX_LABEL)

    try:
        caller_files.write_text(prompt_path, second_prompt)
    except FlowError:
        pass  # the prompt file is a convenience for the orchestrator; the review goes on without it
    pre_populated = caller_files.read_text(result_path) if result_path.is_file() else None
    if pre_populated is not None:
        second_review = rp.review_from_result_file(pre_populated, CLAUDE_LABEL)
        try:
            caller_files.remove(result_path)  # consumed: a later run must not reuse this verdict
        except FlowError:
            pass
    else:
        second = run_exec(second_prompt, session_id=None, sandbox=sandbox, effort=effort, cwd=cwd, env=env)
        if second.code == 0:
            findings, confidence = rp.parse_findings(second.output)
            second_review = rp.model_review(CLAUDE_LABEL, _codex_vote(second.output), findings, confidence)
        else:
            second_review = rp.abstain(CLAUDE_LABEL)

    reviews = [codex_review, second_review]
    stamp = now()
    document = {"base": base, "claude_prompt_path": str(prompt_path), "consensus": rp.consensus(reviews),
                "focus": focus, "models": reviews, "timestamp": _rfc3339(stamp), "type": "cross_model_review"}
    name = _save_cross_model(cwd, document, stamp.strftime("%Y%m%d-%H%M%S"))
    return {"review": document, "saved_to": str(cwd / ".flow" / "reviews" / name)}


def _rfc3339(stamp) -> str:  # noqa: ANN001 - a datetime
    from flowctl_core.timefmt import fmt_off

    return fmt_off(stamp)


def _save_cross_model(cwd: Path, document: dict[str, Any], stamp: str) -> str:
    """Write the review through the store (creating `.flow` like the workflow commands); a second run within the
    same second gets `-2`, `-3` … instead of overwriting the first."""
    from flowctl_core import changes

    from .applier import commit
    from .workspace import auto_store

    store = auto_store(cwd)
    text = pretty(document) + "\n"
    with store.lock():
        taken = set(store.reviews.names())
        name, n = f"cross-model-{stamp}.json", 1
        while name in taken:
            n += 1
            name = f"cross-model-{stamp}-{n}.json"
        commit(store, changes.Changes([changes.put("reviews", name, text)]))
    return name


def cross_model_text(run: dict[str, Any]) -> str:
    """The plain summary: each model's verdict, finding count and confidence, the consensus, the file."""
    data = run["review"]
    lines = ["Cross-Model Review Results", "==========================", ""]
    for n, model in enumerate(data["models"], 1):
        lines += [f"Model {n}: {model['model']} — {model['verdict']}", f"  Findings: {len(model['findings'])}",
                  f"  Confidence: {model['confidence'] * 100:.0f}%", ""]
    lines += [f"Consensus: {rp.consensus_label(data['consensus'])}", f"Review saved to: {run['saved_to']}"]
    return "\n".join(lines) + "\n"
