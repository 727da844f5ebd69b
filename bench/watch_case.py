"""The `watch` case of the benchmark: open time and update latency of the live board on one workspace.

    python bench/watch_case.py WORKSPACE_ROOT --spawned-at MONOTONIC [--updates 5] [--flowctl PATH]

Run by bench.py as a fresh process (so the open time includes interpreter start-up and every import, as for a
person typing `flowctl watch`). The app runs headless (Textual's pilot) at 160 x 45 cells with the default poll
interval. Figures, printed as one JSON line:

* `open_ms`: from the parent's spawn of this process (CLOCK_MONOTONIC, shared by both) to the mounted board —
  the epic list and the first open epic's columns, details and activity drawn, ready for keys;
* `loaded_ms`: until every epic's progress bar is filled too (the other epics' statuses are read in a thread);
* `open_cpu_ms`, `loaded_cpu_ms`: the CPU time this process had used by then (all threads, start-up included) —
  the wall times above stretch with the machine's load, the CPU time much less;
* `update_ms`: for each update, another process (`flowctl start <ready task>`) claims a task of the epic on
  screen; the latency runs from the state file's mtime (the moment the write landed) to the board showing the
  task in the "in progress" column;
* `poll_ms`: time spent in the app applying each of those changes (the part that blocks the UI);
* `idle_poll_ms`: one check for changes when nothing changed (median of 5), paid every interval.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    """Measure and print one JSON line."""
    p = argparse.ArgumentParser()
    p.add_argument("root")
    p.add_argument("--spawned-at", type=float, required=True)
    p.add_argument("--updates", type=int, default=5)
    p.add_argument("--flowctl", default=str(Path(sys.executable).parent / "flowctl"))
    args = p.parse_args()

    from flowctl_cli.tui.watch_app import WatchApp
    from flowctl_db import FlowStore

    root = Path(args.root)
    meta = json.loads((root / ".bench-workspace.json").read_text())
    result: dict = {"tasks": meta["total_tasks"]}

    async def scenario() -> None:
        app = WatchApp(FlowStore(root / ".flow"))
        poll_ms: list[float] = []
        applied = app.poll_changes

        def timed_poll() -> None:
            before = app.updates
            t = time.perf_counter()
            applied()
            if app.updates != before:
                poll_ms.append((time.perf_counter() - t) * 1000)

        app.poll_changes = timed_poll  # type: ignore[method-assign]
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause()
            result["open_ms"] = (time.monotonic() - args.spawned_at) * 1000
            result["open_cpu_ms"] = time.process_time() * 1000
            while not app.loaded:
                await pilot.pause(0.005)
            result["loaded_ms"] = (time.monotonic() - args.spawned_at) * 1000
            result["loaded_cpu_ms"] = time.process_time() * 1000
            idle = []
            for _ in range(5):  # a check when nothing changed: what the app pays every interval
                t = time.perf_counter()
                app.reader.poll()
                idle.append((time.perf_counter() - t) * 1000)
            result["idle_poll_ms"] = sorted(idle)[2]
            epic = app.current_epic
            todo = app.reader.statuses.get(epic, {})
            targets = [t for t in meta["ready_todo"] if t.startswith(f"{epic}.") and todo.get(t) == "todo"]
            targets = targets[: args.updates]
            progress = app.query_one("#col-progress-list")
            latencies = []
            for task in targets:
                proc = await asyncio.to_thread(
                    subprocess.run, [args.flowctl, "start", task, "--json"], cwd=root, capture_output=True,
                    timeout=60, env={**os.environ, "FLOW_ACTOR": "bench-watch@example.com"})
                if proc.returncode != 0:
                    raise RuntimeError(proc.stderr.decode())
                written = os.stat(root / ".flow" / ".state" / "tasks" / f"{task}.state.json").st_mtime
                deadline = time.monotonic() + 10
                while task not in [progress.get_option_at_index(i).id for i in range(progress.option_count)]:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{task} never appeared in progress")
                    await pilot.pause(0.005)
                latencies.append((time.time() - written) * 1000)
            result["update_ms"] = latencies
            result["poll_ms"] = poll_ms

    asyncio.run(scenario())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
