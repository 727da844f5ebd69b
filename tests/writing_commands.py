"""Every writing command of flowctl, as a table, and the workspace they run in (used by the --dry-run and the
I/O-fault tests).

One row per writing command: its argv (with `{E}`, `{T1}`, `{FILE}` … filled from the workspace below) and the
strings its --dry-run preview must name. Adding a writing command? Append a `DryRun(...)` row to `WRITERS` (use
the ids of `workspace()`; add state there only if your command needs it). A command with its own documented
dry-run format (restart, replay) is listed too: its answer must say `"dry_run":true` and name what it would change.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import NamedTuple

from flowctl_runner import Flowctl, init_git_repo


class DryRun(NamedTuple):
    """A writing command run with `--dry-run`: `argv` after `flowctl`, the strings its preview must contain."""

    argv: tuple[str, ...]
    names: tuple[str, ...]


E, E_DONE, E_EMPTY = "fn-1-alpha", "fn-2-beta", "fn-3-gamma"
T1, T2, T3, T4 = (f"{E}.{n}" for n in (1, 2, 3, 4))  # T1 in progress (holds src/a.py), T2 todo after T1, T3 done, T4 todo
IDS = {"E": E, "E_DONE": E_DONE, "E_EMPTY": E_EMPTY, "T1": T1, "T2": T2, "T3": T3, "T4": T4}


def row(argv: str, *names: str) -> DryRun:
    """A row from a command line (split on spaces; `{FILE}` is a Markdown file outside .flow/)."""
    return DryRun(tuple(argv.split(" ")), names)


WRITERS: list[DryRun] = [
    # -- admin, config --------------------------------------------------------------------------------------------
    row("init", '"store":"config"'),  # the workspace's config.json lacks a default key: init would add it
    row("config set memory.enabled false", '"store":"config"', '"enabled":false'),
    # -- epic -----------------------------------------------------------------------------------------------------
    row("epic create --title Delta", '"op":"create_epic"', '"op":"set_epic_spec"', "fn-4-delta"),
    row("epic plan {E} --file {FILE}", '"op":"set_epic_spec"', "# planned"),
    row("epic set-plan {E} --file {FILE}", '"op":"set_epic_spec"', "# planned"),
    row("epic review {E} ship", '"op":"update_epic"', '"plan_review":"passed"'),
    row("epic completion {E} needs_work", '"op":"update_epic"', '"completion_review":"failed"'),
    row("epic branch {E} feature/x", '"op":"update_epic"', '"branch_name":"feature/x"'),
    row("epic title {E} --title Renamed", '"op":"create_epic"', "fn-1-renamed", '"op":"remove_epic"',
        '"op":"remove_task"', '"store":"locks"'),
    row("epic title {E} --title Alpha", '"op":"update_epic"', '"title":"Alpha"'),
    row("epic close {E_EMPTY}", '"op":"update_epic"', '"status":"done"'),
    row("epic reopen {E_DONE}", '"op":"update_epic"', '"status":"open"'),
    row("epic archive {E_DONE}", '"archived":true', '"store":"archive"', '"op":"remove_epic_spec"'),
    row("epic clean", '"archived":true', '"store":"archive"', E_DONE),
    row("epic audit {E}", '"store":"reviews"', f"epic-audit-{E}-"),
    row("epic add-dep {E_EMPTY} {E}", '"op":"update_epic"', f'"depends_on_epics":["{E}"]'),
    row("epic rm-dep {E_DONE} {E}", '"op":"update_epic"', E_DONE),
    row("epic set-backend {E} --impl codex:gpt-5", '"op":"update_epic"', '"default_impl":"codex:gpt-5"'),
    row("epic auto-exec {E} --pending", '"op":"update_epic"', '"auto_execute_pending":true'),
    # -- task, dep ------------------------------------------------------------------------------------------------
    row("task create --epic {E} --title Five", '"op":"create_task"', f"{E}.5"),
    row("task spec {T4} --description {FILE}", '"op":"set_task_spec"', "# planned"),
    row("task spec {T4} --file {FILE}", '"op":"set_task_spec"', "# planned"),
    row("task reset {T3}", '"op":"update_task"', '"op":"set_task_state"', T3),
    row("task skip {T4}", '"op":"set_task_state"', '"status":"skipped"'),
    row("task split {T4} --titles A|B", '"op":"create_task"', f"{E}.5", f"{E}.6"),
    row("task set-backend {T4} --impl codex", '"op":"update_task"', '"impl":"codex"'),
    row("task set-deps {T4} --deps {T3}", '"op":"update_task"', f'"depends_on":["{T3}"]'),
    row("dep add {T4} {T3}", '"op":"update_task"', f'"depends_on":["{T3}"]'),
    row("dep rm {T2} {T1}", '"op":"update_task"', T2),
    # -- file locks -----------------------------------------------------------------------------------------------
    row("lock --task {T4} --files src/b.py", '"store":"locks"', "src/b.py"),
    row("unlock --task {T1}", '"store":"locks"', '"value":[]'),
    row("unlock --all", '"store":"locks"', '"value":[]'),
    row("heartbeat --task {T1}", '"store":"locks"', "expires_at"),
    # -- lifecycle ------------------------------------------------------------------------------------------------
    row("start {T4}", '"op":"set_task_state"', '"status":"in_progress"', '"task_started"'),
    row("done {T1} --summary shipped --evidence-json {RECEIPT}", '"status":"done"', '"store":"reviews"',
        f"impl_review-{T1}-rp.json", '"store":"locks"', '"task_completed"'),
    row("block {T4} --reason waiting", '"status":"blocked"', '"blocked_reason":"waiting"'),
    row("fail {T1}", '"status":"failed"', '"store":"locks"', '"task_failed"'),
    row("restart {T3}", '"dry_run":true', f'"would_reset":["{T3}"]'),  # its own dry-run format (cli-core §1.6)
    row("replay {E} --force", '"dry_run":true', T1, T3),  # its own dry-run format (cli-core §1.6)
    # -- reviews --------------------------------------------------------------------------------------------------
    row("parse-findings --file {REVIEW} --epic {E} --register --source impl-review", '"store":"gaps"',
        "Token logged (src/auth.py:12)", '"priority":"required"', '"source":"impl-review"'),
    # -- coordination: gap, approval, log, checkpoint, memory, outputs, scout-cache -------------------------------
    row("gap add --epic {E} --capability Billing", '"store":"gaps"', "Billing"),
    row("gap resolve --epic {E} --capability OAuth --evidence shipped", '"store":"gaps"', '"evidence":"shipped"'),
    row("approval create --task {T4} --kind generic --payload {{}}", '"store":"approvals"', '"status":"pending"'),
    row("approval approve {APPROVAL}", '"store":"approvals"', '"status":"approved"'),
    row("approval reject {APPROVAL} --reason no", '"store":"approvals"', '"status":"rejected"'),
    row("log decision --key db --value sqlite --reason small", '"store":"events"', '"type":"decision"'),
    row("checkpoint save --epic {E}", '"store":"checkpoints"', E),
    row("checkpoint restore --epic {E}", '"op":"set_task_state"', T1),  # saved before T1 was started
    row("checkpoint delete --epic {E}", '"store":"checkpoints"', '"op":"delete"'),
    row("memory init", '"store":"memory"', '"key":"stats"'),
    row("memory add pitfall Never-trust-a-cached-token", '"store":"memory"', "pitfall.md"),
    row("memory verify 1", '"store":"memory"', "last_verified"),
    row("memory inject", '"store":"memory"', '"key":"stats"', '"refs":1'),
    row("memory gc --days 0", '"dry_run":true', '"kept":'),  # gc's own dry run: the reference's stale list
    row("outputs write {T1} --file {FILE}", '"store":"outputs"', "# planned"),
    row("scout-cache set --type repo --commit abc123 --result {{}}", '"store":"scout_cache"', "abc123"),
    row("scout-cache clear", '"store":"scout_cache"', '"op":"delete"'),
    # -- the worker loop ------------------------------------------------------------------------------------------
    row("worker-phase done --task {T1} --phase 1", '"store":"phases"', f'"{T1}":["1"]'),
    row("phase next --epic {E}", '"store":"pipeline"', f'"{E}":"plan"'),
    row("phase done --epic {E} --phase plan", '"store":"pipeline"', f'"{E}":"plan_review"'),
    row("stack set --file {STACK}", '"store":"config"', '"test":"true"'),
    row("stack detect", '"dry_run":true', '"runtime":"docker"'),  # its own dry-run format (cli-ext §9)
    row("invariants init", '"store":"invariants"', "# Architecture Invariants"),
]


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under `root`: relative path -> sha256 of the bytes (`dir` for folders)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            out[os.path.relpath(os.path.join(dirpath, name), root)] = "dir"
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def build_workspace(root: Path) -> Flowctl:
    """A real repository with open, closed and empty epics, tasks in every state, a lock and a receipt file."""
    repo = init_git_repo(root)
    fc = Flowctl(repo, env={"FLOW_ACTOR": "dev@example.com"})
    fc.ok("init")
    for title in ("Alpha", "Beta", "Gamma"):
        fc.ok("epic", "create", "--title", title)
    for n in range(1, 5):
        fc.ok("task", "create", "--epic", E, "--title", f"Task {n}", *(["--deps", T1] if n == 2 else []))
    fc.ok("task", "create", "--epic", E_DONE, "--title", "Only")
    fc.ok("epic", "add-dep", E_DONE, E)
    for task in (T3, f"{E_DONE}.1"):
        fc.ok("start", task)
        fc.ok("done", task, "--summary", "ok")
    fc.ok("epic", "close", E_DONE)
    fc.ok("checkpoint", "save", "--epic", E)
    fc.ok("start", T1)
    fc.ok("lock", "--task", T1, "--files", "src/a.py")
    (repo / "plan.md").write_text("# planned\n\nbody\n")
    (repo / "receipt.json").write_text(json.dumps({"review_receipt": {"type": "impl_review", "mode": "rp"}}))
    (repo / "review.txt").write_text('<findings>[{"title": "Token logged", "severity": "P0", "file": "src/auth.py", '
                                     '"line": 12, "confidence": 0.9, "evidence": []}]</findings>')
    (repo / "stack.json").write_text('{"backend": {"test": "true"}}')
    (repo / "Dockerfile").write_text("FROM scratch\n")  # something for `stack detect` to find
    fc.ok("gap", "add", "--epic", E, "--capability", "OAuth")
    approval = fc.ok("approval", "create", "--task", T1, "--kind", "generic", "--payload", "{}", "--json")["id"]
    (repo / "approval-id.txt").write_text(approval)
    fc.ok("memory", "add", "convention", "Tabs-are-two-spaces")
    fc.ok("scout-cache", "set", "--type", "repo", "--commit", "f00d", "--result", "{}")
    config = repo / ".flow" / "config.json"
    settings = json.loads(config.read_text())
    del settings["memory"]  # so that `init` has something to upgrade
    config.write_text(json.dumps(settings, indent=2, sort_keys=True))
    return fc


def fill(argv: tuple[str, ...], workspace: Flowctl) -> list[str]:
    """The row's argv with its placeholders replaced by the workspace's ids and files."""
    names = {**IDS, "FILE": str(workspace.cwd / "plan.md"), "RECEIPT": str(workspace.cwd / "receipt.json"),
             "STACK": str(workspace.cwd / "stack.json"), "REVIEW": str(workspace.cwd / "review.txt"), "APPROVAL": (workspace.cwd / "approval-id.txt").read_text()}
    return [part.format(**names) for part in argv]


