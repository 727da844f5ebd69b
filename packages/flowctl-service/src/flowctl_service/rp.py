"""RepoPrompt wrappers (cli-ext §14): every subcommand but prep-chat runs `rp-cli` with an argument list.

Window choice: the only window when it has no roots, else the first window with a root equal to one of the repo
root's forms (canonical path, its /tmp ↔ /private/tmp twin, and for a git worktree the main checkout). Calls that
change RepoPrompt (workspace create/switch, builder, prompt set/export, selection, chat) are only previewed under
--dry-run; the window listing they depend on still runs, since it changes nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flowctl_core.errors import FlowError, InvalidInputError, NotFoundError, os_error_text

DEFAULT_TIMEOUT = 1200
LIST_TIMEOUT = 30  # setup-review's window listing
BUILDER_TIMEOUT = 1000  # setup-review's builder call
MAX_OUTPUT = 16 * 1024 * 1024
_I64 = 2**63


def _compact(value: Any) -> str:
    """serde_json::to_string of a JSON value: sorted keys, no spaces, raw UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def rp_timeout(env: Mapping[str, str]) -> int:
    """`$FLOW_RP_TIMEOUT` seconds (a positive integer), default 1200."""
    raw = env.get("FLOW_RP_TIMEOUT", "")
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) > 0 else DEFAULT_TIMEOUT


class Runner:
    """Runs `rp-cli` for one command: where, how long, and (under --dry-run) which calls are only recorded."""

    def __init__(self, cwd: Path, env: Mapping[str, str], dry_run: bool = False) -> None:
        self.cwd, self.env, self.dry_run = cwd, env, dry_run
        self.planned: list[list[str]] = []

    def call(self, args: list[str], timeout: int | None = None) -> tuple[str, str]:
        """(stdout, stderr) of `rp-cli <args>`; FlowError `rp-cli failed: …` unless it exits 0."""
        from .commands_runner import find_program, run

        if find_program("rp-cli") is None:
            raise NotFoundError("rp-cli not found in PATH")
        limit = timeout if timeout is not None else rp_timeout(self.env)
        result = run(["rp-cli", *args], cwd=self.cwd, timeout=limit, max_output=MAX_OUTPUT)
        if result.status == "missing":
            raise NotFoundError("rp-cli not found in PATH")
        if result.status == "error":
            raise FlowError(f"rp-cli failed: {result.error}")
        if result.status == "timeout":
            raise FlowError(f"rp-cli failed: timed out after {limit}s (killed)")
        stdout, stderr = result.text(), result.text("stderr")
        if not result.passed:
            raise FlowError(f"rp-cli failed: {(stderr or stdout or 'unknown error').strip()}")
        return stdout, stderr

    def change(self, args: list[str], timeout: int | None = None) -> tuple[str, str] | None:
        """A call that changes RepoPrompt: run it, or under --dry-run only record it (None)."""
        if self.dry_run:
            self.planned.append(["rp-cli", *args])
            return None
        return self.call(args, timeout)

    def preview(self, **extra: Any) -> dict[str, Any]:
        """The --dry-run document: the calls that would run (and anything else the command would do)."""
        return {"calls": self.planned, "dry_run": True, **extra}


# ── windows and repo roots ───────────────────────────────────────────────────────────────────────────────────


def parse_windows(raw: str) -> list[Any]:
    """The window list: a JSON array, an object's `windows` array, or the synthetic single window."""
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("windows"), list):
        return data["windows"]
    if "single-window mode" in raw:
        return [{"rootFolderPaths": [], "windowID": 1}]
    raise FlowError("windows JSON parse failed")


def _as_i64(value: Any) -> int | None:
    """serde_json's `as_i64`: a JSON integer that fits in i64 (not a float, string or boolean)."""
    if isinstance(value, int) and not isinstance(value, bool) and -_I64 <= value < _I64:
        return value
    return None


def _int64(value: Any) -> int | None:
    """An i64 from a JSON integer or an integer string (window ids come both ways)."""
    if isinstance(value, str):
        body = value[1:] if value[:1] in "+-" else value
        if body.isascii() and body.isdigit() and -_I64 <= int(value) < _I64:
            return int(value)
        return None
    return _as_i64(value)


def window_id(window: Any) -> int | None:
    """The first of `windowID`, `windowId`, `id` holding an integer (or an integer string)."""
    if not isinstance(window, dict):
        return None
    for key in ("windowID", "windowId", "id"):
        if key in window:
            found = _int64(window[key])
            if found is not None:
                return found
    return None


def root_paths(window: Any) -> list[str]:
    """The first of `rootFolderPaths`, `rootFolders`, `rootFolderPath` that is a list (its strings) or a string."""
    if not isinstance(window, dict):
        return []
    for key in ("rootFolderPaths", "rootFolders", "rootFolderPath"):
        value = window.get(key)
        if isinstance(value, list):
            return [v for v in value if isinstance(v, str)]
        if isinstance(value, str):
            return [value]
    return []


def canonical(path: str, cwd: Path) -> str:
    """The canonical absolute path, or the path as given when it does not exist (Rust's canonicalize fallback)."""
    full = cwd / path
    return os.path.realpath(full) if os.path.exists(full) else path


def repo_root_forms(path: str, cwd: Path) -> list[str]:
    """The forms a window may list the repository under (see the module docstring), without duplicates."""
    from .commands_runner import run

    real = canonical(path, cwd)
    roots = [real]
    if real.startswith("/private/tmp/"):
        roots.append("/tmp/" + real[len("/private/tmp/"):])
    elif real.startswith("/tmp/"):
        roots.append("/private/tmp/" + real[len("/tmp/"):])
    result = run(["git", "-C", real, "rev-parse", "--git-common-dir"], cwd=cwd, timeout=30, max_output=65536)
    common = result.text().strip() if result.passed else ""
    if common and not common.startswith(".") and os.path.exists(cwd / common):
        main_repo = os.path.dirname(os.path.realpath(cwd / common))
        if main_repo != real:
            roots.append(main_repo)
            if main_repo.startswith("/private/tmp/"):
                roots.append("/tmp/" + main_repo[len("/private/tmp/"):])
    return list(dict.fromkeys(roots))


def choose_window(windows: list[Any], roots: list[str]) -> int | None:
    """The only window when it lists no roots, else the first window listing one of `roots`."""
    if len(windows) == 1 and not root_paths(windows[0]):
        found = window_id(windows[0])
        if found is not None:
            return found
    for window in windows:
        found = window_id(window)
        if found is not None and any(p in roots for p in root_paths(window)):
            return found
    return None


def list_windows(runner: Runner, timeout: int | None = None) -> list[Any]:
    """`rp-cli --raw-json -e windows`, parsed."""
    stdout, _ = runner.call(["--raw-json", "-e", "windows"], timeout)
    return parse_windows(stdout)


def windows(runner: Runner, as_json: bool) -> list[Any] | str:
    """The parsed window list (JSON mode) or rp-cli's text as it came (plain mode, not parsed)."""
    if as_json:
        return list_windows(runner)
    return runner.call(["--raw-json", "-e", "windows"])[0]


def pick_window(runner: Runner, repo_root: str) -> int:
    """The window serving `repo_root`; `No window matches repo root` otherwise."""
    roots = repo_root_forms(repo_root, runner.cwd)
    found = choose_window(list_windows(runner), roots)
    if found is None:
        raise NotFoundError("No window matches repo root")
    return found


# ── workspace and builder ───────────────────────────────────────────────────────────────────────────────────


def _name_of(path: str) -> str:
    name = Path(path).name
    return "" if name == ".." else name


def workspace_names(data: Any) -> list[str]:
    """Workspace names from a `manage_workspaces list` reply (`workspaces`, else `result`, else the value)."""
    listed = data
    if isinstance(data, dict):
        listed = data["workspaces"] if "workspaces" in data else data["result"] if "result" in data else data
    names = []
    if isinstance(listed, list):
        for item in listed:
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, dict):
                for key in ("name", "workspace", "title"):
                    if isinstance(item.get(key), str):
                        names.append(item[key])
                        break
    return names


def ensure_workspace(runner: Runner, window: int, repo_root: str) -> dict[str, Any] | None:
    """Create the workspace named after the repo root's directory if the window lacks it, then switch to it."""
    real = canonical(repo_root, runner.cwd)
    name = _name_of(real)
    w = str(window)
    stdout, _ = runner.call(["--raw-json", "-w", w, "-e", f"call manage_workspaces {_compact({'action': 'list'})}"])
    try:
        exists = name in workspace_names(json.loads(stdout))
    except ValueError:
        exists = False
    if not exists:
        payload = {"action": "create", "folder_path": real, "name": name}
        runner.change(["-w", w, "-e", f"call manage_workspaces {_compact(payload)}"])
    payload = {"action": "switch", "window_id": window, "workspace": name}
    runner.change(["-w", w, "-e", f"call manage_workspaces {_compact(payload)}"])
    return runner.preview() if runner.dry_run else None


def _builder_expr(summary: str, response_type: str | None) -> str:
    return f"builder {_compact(summary)}" + (f" --type {response_type}" if response_type else "")


def _joined(stdout: str, stderr: str) -> str:
    return stdout + (f"\n{stderr}" if stderr else "")


def parse_tab(output: str) -> str | None:
    """The builder's tab id (`Tab: <id>`)."""
    import re

    found = re.search(r"Tab:\s*([A-Za-z0-9-]+)", output)
    return found.group(1) if found else None


def parse_chat_id(output: str) -> str | None:
    """The chat id: ``Chat: `<id>` `` or `"chat_id": "<id>"`."""
    import re

    found = re.search(r"Chat\s*:\s*`([^`]+)`", output) or re.search(r'"chat_id"\s*:\s*"([^"]+)"', output)
    return found.group(1) if found else None


def _review_fields(data: Any) -> dict[str, Any]:
    """tab, chat_id, review, file_count, total_tokens of a builder review reply ("" / 0 when absent)."""
    obj = data if isinstance(data, dict) else {}
    review = obj.get("review") if isinstance(obj.get("review"), dict) else {}
    return {
        "chat_id": review.get("chat_id") if isinstance(review.get("chat_id"), str) else "",
        "file_count": _as_i64(obj.get("file_count")) or 0,
        "review": review.get("response") if isinstance(review.get("response"), str) else "",
        "tab": obj.get("tab_id") if isinstance(obj.get("tab_id"), str) else "",
        "total_tokens": _as_i64(obj.get("total_tokens")) or 0,
    }


def builder(runner: Runner, window: int, summary: str, response_type: str | None) -> dict[str, Any]:
    """Run the context builder; `{window, tab}` or, for a JSON review reply, the review fields too."""
    args = (["--raw-json"] if response_type else []) + ["-w", str(window), "-e", _builder_expr(summary, response_type)]
    reply = runner.change(args)
    if reply is None:
        return runner.preview()
    stdout, stderr = reply
    if response_type == "review":
        try:
            data = json.loads(stdout)
        except ValueError:
            pass
        else:
            return {**_review_fields(data), "window": window}
    tab = parse_tab(_joined(stdout, stderr))
    if tab is None:
        raise FlowError("builder output missing Tab id")
    return {"tab": tab, "window": window}


def builder_text(data: dict[str, Any]) -> str:
    """`T=<tab> CHAT_ID=<chat>` (+ the review) for a review reply, else the tab id."""
    if "chat_id" in data:
        return f"T={data['tab']} CHAT_ID={data['chat_id']}\n" + (f"{data['review']}\n" if data["review"] else "")
    return f"{data['tab']}\n"


# ── prompt, selection, chat ─────────────────────────────────────────────────────────────────────────────────


def read_message(path: str, cwd: Path) -> str:
    """The message file's text; `Failed to read message file: <e>` otherwise."""
    try:
        return (cwd / path).read_bytes().decode("utf-8")
    except OSError as err:
        raise InvalidInputError(f"Failed to read message file: {os_error_text(err)}") from err
    except UnicodeDecodeError as err:
        raise InvalidInputError("Failed to read message file: stream did not contain valid UTF-8") from err


def shell_quote(text: str) -> str:
    """Single quotes around the text, `'` written as `'\\''` (rp-cli parses its `-e` line like a shell)."""
    return "''" if not text else "'" + text.replace("'", "'\\''") + "'"


def passthrough(runner: Runner, window: int, tab: str, expr: str, changes: bool) -> str | dict[str, Any]:
    """`rp-cli -w W -t T -e <expr>`'s stdout (a preview under --dry-run when the call changes something)."""
    args = ["-w", str(window), "-t", tab, "-e", expr]
    if changes:
        reply = runner.change(args)
        return runner.preview() if reply is None else reply[0]
    return runner.call(args)[0]


def prompt_set_expr(message: str) -> str:
    """`call prompt {"op":"set","text":…}`."""
    return f"call prompt {_compact({'op': 'set', 'text': message})}"


def select_add_expr(paths: list[str]) -> str:
    """`select add 'p1' 'p2'` (at least one path)."""
    if not paths:
        raise InvalidInputError("select-add requires at least one path")
    return "select add " + " ".join(shell_quote(p) for p in paths)


def chat_payload(message: str, mode: str, new_chat: bool, chat_name: str | None, chat_id: str | None,
                 selected_paths: list[str] | None) -> dict[str, Any]:
    """The chat_send payload (keys only when set)."""
    payload: dict[str, Any] = {"message": message, "mode": mode}
    if new_chat:
        payload["new_chat"] = True
    if chat_name is not None:
        payload["chat_name"] = chat_name
    if chat_id is not None:
        payload["chat_id"] = chat_id
    if selected_paths is not None:
        payload["selected_paths"] = selected_paths
    return payload


def chat_send(runner: Runner, window: int, tab: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Send the chat; `{stdout, chat}` (the chat id parsed from the reply) or a preview."""
    reply = runner.change(["-w", str(window), "-t", tab, "-e", f"call chat_send {_compact(payload)}"])
    if reply is None:
        return runner.preview()
    stdout, stderr = reply
    return {"chat": parse_chat_id(_joined(stdout, stderr)), "stdout": stdout}


# ── setup-review and prep-chat ───────────────────────────────────────────────────────────────────────────────


def state_file(real_root: str) -> Path:
    """`/tmp/.ralph-pick-window-<16 hex of sha256(root)>` (a fixed /tmp, as the reference; nothing reads TMPDIR)."""
    import hashlib

    return Path("/tmp") / f".ralph-pick-window-{hashlib.sha256(real_root.encode()).hexdigest()[:16]}"


def setup_review(runner: Runner, repo_root: str, summary: str, response_type: str | None,
                 create: bool) -> dict[str, Any]:
    """Pick (or with `create` open) the window, note it for ralph-guard, run the builder; `{window, tab, …}`."""
    from flowctl_db import caller_files

    real = canonical(repo_root, runner.cwd)
    roots = repo_root_forms(real, runner.cwd)
    window = choose_window(list_windows(runner, LIST_TIMEOUT), roots)
    if window is None:
        if not create:
            raise NotFoundError("No RepoPrompt window matches repo root")
        expr = f"workspace create {shell_quote(_name_of(real))} --new-window --folder-path {shell_quote(real)}"
        reply = runner.change(["--raw-json", "-e", expr])
        if reply is not None:
            try:
                data = json.loads(reply[0])
            except ValueError:
                data = None
            window = _as_i64(data.get("window_id")) if isinstance(data, dict) else None
            if window is None:
                raise FlowError("Failed to create RP window")
    marker = state_file(real)
    args = ["-w", str(window) if window is not None else "<new window>"]
    args += (["--raw-json"] if response_type else []) + ["-e", _builder_expr(summary, response_type)]
    if runner.dry_run:
        runner.change(args)
        return runner.preview(files=[{"op": "create", "path": str(marker)}], repo_root=real, window=window)
    try:
        caller_files.write_text(marker, f"{window}\n{real}\n")
    except FlowError:
        pass  # a hint for ralph-guard only; the review goes on without it (as in the reference)
    stdout, stderr = runner.call(args, BUILDER_TIMEOUT)
    if response_type == "review":
        try:
            data = json.loads(stdout)
        except ValueError as err:
            raise FlowError("Failed to parse builder review response") from err
        fields = _review_fields(data)
        if not fields["tab"]:
            raise FlowError("Builder did not return a tab id")
        return {**fields, "repo_root": real, "window": window}
    tab = parse_tab(_joined(stdout, stderr))
    if tab is None:
        raise FlowError("Builder did not return a tab id")
    return {"repo_root": real, "tab": tab, "window": window}


def setup_review_text(data: dict[str, Any]) -> str:
    """`W=<window> T=<tab>` — callers `eval` it — plus ` CHAT_ID=…` and the review for a review builder."""
    if "chat_id" in data:
        head = f"W={data['window']} T={data['tab']} CHAT_ID={data['chat_id']}\n"
        return head + (f"{data['review']}\n" if data["review"] else "")
    return f"W={data['window']} T={data['tab']}\n"


def prep_chat(cwd: Path, message_file: str, mode: str, new_chat: bool, chat_name: str | None,
              selected_paths: list[str] | None, output: str | None, dry_run: bool = False) -> dict[str, Any]:
    """The chat_send payload as text; written to `output` (no final newline) when given. No rp-cli involved."""
    from flowctl_db import caller_files

    text = _compact(chat_payload(read_message(message_file, cwd), mode, new_chat, chat_name, None, selected_paths))
    if output is None:
        return {"text": text}
    if dry_run:
        return {"dry_run": True, "files": [{"op": "create", "path": output}], "text": text}
    try:
        caller_files.write_text(cwd / output, text)
    except FlowError as err:
        raise FlowError(f"Failed to write output file: {err}") from err
    return {"text": text, "wrote": output}
