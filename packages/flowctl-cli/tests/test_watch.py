"""`flowctl watch`: the real Textual app driven headless by its pilot over real `.flow/` directories.

SVG snapshots of the main screens live in `snapshots/`; after a deliberate change of the screens regenerate them
with `FLOWCTL_UPDATE_SNAPSHOTS=1 pytest packages/flowctl-cli/tests/test_watch.py` and review the diff.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("textual", reason="the tui extra (textual) is not installed")

from flowctl_runner import Flowctl  # noqa: E402

from flowctl_cli.tui.watch_app import WatchApp  # noqa: E402
from flowctl_db import FlowStore  # noqa: E402

SNAPSHOTS = Path(__file__).parent / "snapshots"
SIZE = (150, 40)
E = "fn-1-add-oauth-login"
E2 = "fn-2-billing"
T_AT = "2026-11-26T14:49:46.304449Z"
NOW = datetime(2026, 11, 26, 16, 30, 0, tzinfo=UTC)


def run(coro):
    return asyncio.run(coro)


def options(app: WatchApp, list_id: str) -> list[str]:
    """Ids of the options shown in one OptionList."""
    ol = app.query_one(f"#{list_id}")
    return [ol.get_option_at_index(i).id for i in range(ol.option_count)]


def column(app: WatchApp, name: str) -> list[str]:
    return options(app, f"col-{name}-list")


async def wait_for(pilot, condition, timeout: float = 10.0) -> float:
    """Let the app run until `condition()` holds; returns the seconds it took (fails after `timeout`)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not condition():
        if loop.time() - start > timeout:
            raise AssertionError("the board did not show the change")
        await pilot.pause(0.05)
    return loop.time() - start


# ── a real workspace made by the real flowctl ─────────────────────────────────────────────────────────────────


@pytest.fixture
def board(initialized_flowctl: Flowctl) -> Flowctl:
    f = initialized_flowctl
    f.ok("epic", "create", "--title", "Add OAuth login", "--json")
    f.ok("epic", "create", "--title", "Billing", "--json")
    f.ok("task", "create", "--epic", E, "--title", "Register app", "--json")
    f.ok("task", "create", "--epic", E, "--title", "Callback", "--deps", f"{E}.1", "--json")
    f.ok("task", "create", "--epic", E, "--title", "Docs", "--json")
    f.ok("task", "create", "--epic", E, "--title", "Ship", "--deps", f"{E}.2,{E}.3", "--json")
    f.ok("task", "create", "--epic", E2, "--title", "Invoices", "--json")
    f.ok("start", f"{E}.1", "--json")
    f.ok("done", f"{E}.1", "--summary", "Registered", "--evidence-json", '{"commits":["9f1c2ab"]}', "--json")
    return f


def test_board_opens_on_a_real_flow_and_navigates(board):
    async def scenario():
        app = WatchApp(FlowStore(board.flow), interval=0.1)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.loaded)
            assert options(app, "epic-list") == [E, E2]
            assert app.current_epic == E
            assert column(app, "todo") == [f"{E}.2", f"{E}.3", f"{E}.4"]
            assert column(app, "done") == [f"{E}.1"]
            assert column(app, "progress") == column(app, "blocked") == column(app, "failed") == []
            assert str(app.query_one("#col-todo-title").render()) == "todo (3)"
            # tab from the epics to the first column, j/k move, the details follow the highlight
            await pilot.press("tab")
            assert app.focused.id == "col-todo-list"
            await pilot.press("j")
            assert app.current_task == f"{E}.2"
            meta = str(app.query_one("#meta").render())
            assert "Callback" in meta and f"depends on: {E}.1" in meta and f"dependents: {E}.4" in meta
            await pilot.press("j", "k", "down")
            assert app.current_task == f"{E}.3"
            # right arrow: next column; the done task shows its evidence and events
            await pilot.press("right", "right", "right", "right")
            assert app.focused.id == "col-done-list" and app.current_task == f"{E}.1"
            meta = str(app.query_one("#meta").render())
            assert "commits: 9f1c2ab" in meta and "summary: Registered" in meta and "completed" in meta
            spec = app.query_one("#spec")
            assert f"# {E}.1 Register app" in spec.source
            # / filters the columns, Esc clears the filter
            await pilot.press("slash")
            assert app.focused.id == "filter"
            await pilot.press(*"ship")
            assert column(app, "todo") == [f"{E}.4"] and column(app, "done") == []
            await pilot.press("escape")
            assert column(app, "todo") == [f"{E}.2", f"{E}.3", f"{E}.4"]
            # another epic, chosen in the epic list
            app.query_one("#epic-list").focus()
            await pilot.press("down")
            assert app.current_epic == E2 and column(app, "todo") == [f"{E2}.1"]
            # the other tabs and the theme
            await pilot.press("2")
            assert app.query_one("#tabs").active == "activity"
            assert app.query_one("#events").row_count > 0
            await pilot.press("3")
            assert app.query_one("#tabs").active == "graph"
            await pilot.press("t")
            assert app.theme == "textual-light"
            await pilot.press("t")
            assert app.theme == "textual-dark"
            await pilot.press("q")
        assert app.return_code == 0

    run(scenario())


def test_board_shows_what_another_process_changes(board):
    """Another process starts, finishes, blocks and fails tasks and locks files while the app runs."""

    async def flowctl(*args: str) -> None:
        proc = await asyncio.to_thread(board, *args, "--json")
        assert proc.code == 0, proc.err

    async def scenario():
        app = WatchApp(FlowStore(board.flow), interval=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.loaded)
            assert column(app, "progress") == []
            await flowctl("start", f"{E}.2")
            await wait_for(pilot, lambda: column(app, "progress") == [f"{E}.2"])
            assert f"{E}.2" not in column(app, "todo")
            await flowctl("block", f"{E}.3", "--reason", "waiting for keys")
            await wait_for(pilot, lambda: column(app, "blocked") == [f"{E}.3"])
            await flowctl("done", f"{E}.2", "--summary", "ok")
            await wait_for(pilot, lambda: column(app, "done") == [f"{E}.1", f"{E}.2"])
            assert column(app, "progress") == []
            assert "2/4" in str(app.query_one("#epic-list").get_option(E).prompt)  # the progress bar follows
            # the activity tab: the newest event first, then a lock taken while it shows
            await pilot.press("2")
            events = app.query_one("#events")
            assert events.get_row_at(0)[1] in ("completed", "task_completed")
            assert app.query_one("#locks").row_count == 0
            await flowctl("lock", "--task", f"{E}.4", "--files", "src/auth.py")
            await wait_for(pilot, lambda: app.query_one("#locks").row_count == 1)
            assert app.query_one("#locks").get_row_at(0)[:3] == ["src/auth.py", f"{E}.4", "write"]
            await pilot.press("1")
            # a new task created elsewhere appears in its column
            await flowctl("task", "create", "--epic", E, "--title", "Late addition")
            await wait_for(pilot, lambda: f"{E}.5" in column(app, "todo"))

    run(scenario())


def test_watch_command_errors(board):
    assert board.fail("watch", "--epic", "fn-9-nope").error == "Epic fn-9-nope not found"
    assert "--interval" in board.fail("watch", "--interval", "0").error
    assert board.fail("watch").error.startswith("flowctl watch needs a terminal")  # piped: no escape codes
    no_flow = Flowctl(board.cwd.parent)
    assert no_flow.fail("watch").code == 1


def test_watch_without_the_extra_says_how_to_install(board):
    code = ("import sys; sys.modules['textual'] = None; sys.argv = ['flowctl', 'watch']\n"
            "from flowctl_cli.main import main; main()")
    proc = subprocess.run([sys.executable, "-c", code], cwd=board.cwd, capture_output=True, text=True, timeout=60,
                          env=board.env)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "pip install 'flowctl-cli[tui]'" in proc.stderr and '"success":false' in proc.stderr


# ── SVG snapshots over a deterministic workspace ──────────────────────────────────────────────────────────────


def seed_snapshot_flow(flow: Path) -> FlowStore:
    """Two epics with every status, evidence, events, a lock, an approval and a gap, all at fixed times."""
    s = FlowStore(flow)
    s.ensure_dirs()
    s.paths.meta.write_text('{"next_epic": 3, "schema_version": 1}')
    for epic_id, title in ((E, "Add OAuth login"), (E2, "Billing")):
        s.save_epic({"id": epic_id, "title": title, "created_at": T_AT, "updated_at": T_AT})
    plan = [  # (n, title, status, deps, assignee, priority)
        (1, "Register the OAuth app", "done", [], "ada@example.com", 1),
        (2, "Callback endpoint", "in_progress", [1], "bob@example.com", 2),
        (3, "Token storage", "blocked", [1], "cy@example.com", None),
        (4, "Login button", "todo", [], None, None),
        (5, "Refresh tokens", "failed", [2], "bob@example.com", None),
        (6, "Docs", "up_for_retry", [4], None, 3),
        (7, "Legacy flow", "skipped", [], None, None),
        (8, "Ship it", "todo", [2, 3, 6], None, None),
    ]
    for n, title, status, deps, who, priority in plan:
        tid = f"{E}.{n}"
        s.save_task_definition({"id": tid, "epic": E, "title": title, "status": "todo", "priority": priority,
                                "depends_on": [f"{E}.{d}" for d in deps], "created_at": T_AT, "updated_at": T_AT})
        s.write_task_spec(tid, f"# {tid} {title}\n\n## Description\nThe **{title.lower()}** step.\n\n"
                               "## Acceptance\n- [ ] works\n- [ ] tested\n")
        state = {"status": status, "retry_count": 0, "updated_at": T_AT}
        if who:
            state |= {"assignee": who, "claimed_at": "2026-11-26T15:12:00.000000Z"}
        if status == "done":
            state |= {"evidence": {"commits": ["9f1c2ab"], "tests": ["pytest -q"]}}
        if status == "blocked":
            state |= {"blocked_reason": "waiting for the vault keys"}
        s.save_state(tid, state)
    for n in (1, 2):
        s.save_task_definition({"id": f"{E2}.{n}", "epic": E2, "title": f"Invoice step {n}", "status": "todo",
                                "depends_on": [], "created_at": T_AT, "updated_at": T_AT})
    for minute, (tid, kind) in enumerate(((f"{E}.1", "started"), (f"{E}.1", "completed"), (f"{E}.2", "started"),
                                          (f"{E}.3", "blocked"), (f"{E}.5", "failed"), (f"{E2}.1", "task.create"))):
        s.events.append({"actor": "lifecycle", "stream_id": f"task:{tid}", "task_id": tid,
                         "epic_id": tid.rsplit(".", 1)[0], "timestamp": f"2026-11-26T16:{10 + minute:02d}:00+00:00",
                         "type": kind})
    s.locks.put("", [{"file_path": "src/auth/callback.py", "task_id": f"{E}.2", "mode": "write",
                      "locked_at": T_AT, "expires_at": "2099-01-01T00:00:00+00:00"}])
    s.approvals.put("", [{"created_at": 1795704000, "id": "apv-1", "kind": "file_access",
                          "payload": {"file": "secrets.env"}, "status": "pending", "task_id": f"{E}.2"}])
    s.gaps.put(E, [{"id": 1, "capability": "Token revocation", "priority": "required", "source": "plan-review"}])
    return s


def check_snapshot(app: WatchApp, name: str) -> None:
    """Compare the screen with `snapshots/<name>.svg` (FLOWCTL_UPDATE_SNAPSHOTS=1 rewrites it)."""
    svg = app.export_screenshot(title=f"flowctl watch: {name}")
    path = SNAPSHOTS / f"{name}.svg"
    if os.environ.get("FLOWCTL_UPDATE_SNAPSHOTS") == "1" or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(svg, encoding="utf-8")
        if os.environ.get("FLOWCTL_UPDATE_SNAPSHOTS") != "1":
            pytest.fail(f"new snapshot {path.name} written; review and commit it")
        return
    if path.read_text(encoding="utf-8") != svg:
        actual = path.with_suffix(".actual.svg")
        actual.write_text(svg, encoding="utf-8")
        pytest.fail(f"screen differs from {path.name} (see {actual.name}; FLOWCTL_UPDATE_SNAPSHOTS=1 to accept)")


@pytest.fixture
def snapshot_store(tmp_path: Path) -> FlowStore:
    return seed_snapshot_flow(tmp_path / ".flow")


@pytest.mark.parametrize("screen", ["board", "details", "activity", "graph", "light", "no-color"])
def test_snapshots_of_the_main_screens(snapshot_store, screen, monkeypatch):
    if screen == "no-color":
        monkeypatch.setenv("NO_COLOR", "1")

    async def scenario():
        app = WatchApp(snapshot_store, clock=lambda: NOW, label="demo/.flow", dark=screen != "light")
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.loaded)
            if screen in ("details", "light", "no-color"):
                await pilot.press("tab", "right", "j")  # the in-progress column, its task
                assert app.current_task == f"{E}.2"
            elif screen in ("activity", "graph"):
                await pilot.press("2" if screen == "activity" else "3")
            await pilot.pause()
            check_snapshot(app, screen)

    run(scenario())


def test_the_real_command_draws_in_a_terminal_and_quits_on_q(board):
    """`flowctl watch` as a person runs it: a real pseudo-terminal, the board drawn, `q` ends it with exit 0."""
    import pty
    import select
    import time

    main, child = pty.openpty()
    proc = subprocess.Popen([board.exe, "watch"], cwd=board.cwd, stdin=child, stdout=child, stderr=child,
                            env={**board.env, "TERM": "xterm-256color", "COLUMNS": "150", "LINES": "40"},
                            start_new_session=True)
    os.close(child)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b"Epics" not in seen or E.encode() not in seen:
            assert time.monotonic() < deadline, seen[-500:]
            if select.select([main], [], [], 0.2)[0]:
                seen += os.read(main, 65536)
        os.write(main, b"q")
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([main], [], [], 0.2)[0]:
                try:
                    os.read(main, 65536)
                except OSError:
                    break
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
        os.close(main)
