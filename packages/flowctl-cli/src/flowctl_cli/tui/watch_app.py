"""The Textual app behind `flowctl watch`: board, details, activity and graph over a read-only BoardReader."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Markdown,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from flowctl_service.board import COLUMNS, BoardReader, time_left
from flowctl_service.workspace import FlowStore

# Per status: bar character (readable without colour) and style.
STATUS_LOOK: dict[str, tuple[str, str]] = {
    "done": ("█", "green"),
    "skipped": ("█", "bright_black"),
    "in_progress": ("▓", "blue"),
    "blocked": ("▒", "yellow"),
    "failed": ("✗", "red"),
    "upstream_failed": ("✗", "red"),
    "up_for_retry": ("↻", "dark_orange"),
    "todo": ("░", "bright_black"),
}
BAR_ORDER = ("done", "skipped", "in_progress", "blocked", "up_for_retry", "failed", "upstream_failed", "todo")
BAR_WIDTH = 24
TABLE_COLUMNS = {  # activity tables: (label, width); each half of a 150-cell screen holds one table
    "events": (("time", 8), ("type", 14), ("task / stream", 30), ("actor", 12)),
    "locks": (("file", 20), ("task", 22), ("mode", 8), ("pid", 6), ("expires", 8)),
    "approvals": (("id", 22), ("task", 22), ("kind", 11), ("created", 11)),
    "gaps": (("epic", 22), ("#", 3), ("capability", 26), ("priority", 10)),
}
COLUMN_IDS = ("col-todo", "col-progress", "col-blocked", "col-failed", "col-done")


def progress_bar(counts: dict[str, int], total: int, width: int = BAR_WIDTH) -> Text:
    """A bar of `width` cells split by status (largest-remainder rounding so the cells add up)."""
    bar = Text()
    if total <= 0:
        return bar.append("·" * width, style="bright_black")
    shares = [(s, counts.get(s, 0) * width / total) for s in BAR_ORDER]
    cells = {s: int(v) for s, v in shares}
    for s, _ in sorted(shares, key=lambda sv: sv[1] - int(sv[1]), reverse=True)[:width - sum(cells.values())]:
        cells[s] += 1
    for status in BAR_ORDER:
        char, style = STATUS_LOOK[status]
        bar.append(char * cells[status], style=style)
    return bar


def short_actor(actor: str | None) -> str:
    """`agent-1@example.com` -> `agent-1`."""
    return (actor or "").split("@", 1)[0]


def task_label(row: dict[str, Any]) -> Text:
    """One board card: `.12 Title` then `@assignee 5m P1` (and the status where a column holds several)."""
    number = row["id"].rsplit(".", 1)[-1]
    char, style = STATUS_LOOK.get(row["status"], ("?", ""))
    text = Text()
    text.append(f"{char} ", style=style)
    text.append(f".{number} ", style="bold")
    text.append(row["title"])
    meta = []
    if row.get("assignee"):
        meta.append(f"@{short_actor(row['assignee'])}")
    if row.get("age"):
        meta.append(row["age"])
    if row.get("priority") is not None:
        meta.append(f"P{row['priority']}")
    if row["status"] not in ("todo", "in_progress", "blocked", "done"):
        meta.append(row["status"])
    if meta:
        text.append("\n  " + "  ".join(meta), style="italic")
    return text


class WatchApp(App):
    """Live, read-only board of one `.flow/`."""

    TITLE = "flowctl watch"
    CSS = """
    #tabs { height: 1fr; }
    #epics { width: 34; border: round $primary-darken-2; }
    #epics > Label { text-style: bold; padding: 0 1; }
    #epic-list { height: 1fr; border: none; }
    #epics:focus-within { border: round $accent; }
    .column { width: 1fr; border: round $primary-darken-2; }
    .column:focus-within { border: round $accent; }
    .column > Label { width: 1fr; text-style: bold; padding: 0 1; }
    .column > OptionList { height: 1fr; border: none; }
    #details { width: 1.6fr; border: round $primary-darken-2; }
    #details:focus-within { border: round $accent; }
    #meta { padding: 0 1; }
    #events-pane { width: 1fr; }
    #events { height: 1fr; }
    #side { width: 1fr; }
    #side DataTable { height: 1fr; }
    #side Label, #events-title, #graph-title { text-style: bold; padding: 0 1; }
    #filter { dock: bottom; display: none; }
    #filter.visible { display: block; }
    #status-line { height: 1; padding: 0 1; background: $panel; }
    """
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("slash", "show_filter", "Filter"),
        Binding("escape", "hide_filter", "Clear filter", show=False),
        Binding("t", "toggle_theme", "Theme"),
        Binding("1", "tab('board')", "Board"),
        Binding("2", "tab('activity')", "Activity"),
        Binding("3", "tab('graph')", "Graph"),
        Binding("e", "toggle_epic_events", "Events: epic/all"),
        Binding("j", "cursor('down')", "Down", show=False),
        Binding("k", "cursor('up')", "Up", show=False),
        Binding("left", "column(-1)", "Left", show=False),
        Binding("right", "column(1)", "Right", show=False),
        Binding("h", "column(-1)", "Left", show=False),
        Binding("l", "column(1)", "Right", show=False),
    ]

    def __init__(self, store: FlowStore, epic: str | None = None, *, dark: bool = True, interval: float = 0.3,
                 clock: Callable[[], datetime] | None = None, label: str | None = None) -> None:
        super().__init__()
        self.reader = BoardReader(store, epic, **({"clock": clock} if clock else {}))
        self.label = label if label is not None else str(store.flow_dir)
        self.only_epic = epic
        self.interval = interval
        self.theme = "textual-dark" if dark else "textual-light"
        self.current_epic: str | None = epic
        self.current_task: str | None = None
        self.filter_text = ""
        self.epic_events_only = epic is not None
        self.graph_stale = True
        self.activity_stale = True
        self.shown_spec = ""
        self.loaded = False  # every epic's progress bar is filled (set once the background read is merged)
        self.updates = 0  # board refreshes applied after a change on disk (tests and the benchmark wait on it)

    # ── layout ───────────────────────────────────────────────────────────────────────────────────────────────

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="board", id="tabs"):
            with TabPane("Board", id="board"), Horizontal():
                with Vertical(id="epics"):
                    yield Label("Epics")
                    yield OptionList(id="epic-list")
                for (title, _), col_id in zip(COLUMNS, COLUMN_IDS, strict=True):
                    with Vertical(classes="column", id=col_id):
                        yield Label(title, id=f"{col_id}-title")
                        yield OptionList(id=f"{col_id}-list")
                with VerticalScroll(id="details"):
                    yield Static(id="meta")
                    yield Markdown(id="spec")
            with TabPane("Activity", id="activity"), Horizontal():
                with Vertical(id="events-pane"):
                    yield Label(id="events-title")
                    yield DataTable(id="events", cursor_type="row", zebra_stripes=True)
                with Vertical(id="side"):
                    yield Label("File locks held now")
                    yield DataTable(id="locks", cursor_type="row")
                    yield Label("Open approvals")
                    yield DataTable(id="approvals", cursor_type="row")
                    yield Label("Open gaps")
                    yield DataTable(id="gaps", cursor_type="row")
            with TabPane("Graph", id="graph"), VerticalScroll():
                yield Static(id="graph-title")
                yield Static(id="graph-body")
        yield Static(id="status-line")
        yield Input(placeholder="filter tasks and events (Enter keeps it, Esc clears)", id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.label
        # Fixed column widths: the tables are filled when their tab is shown, and must not reflow each time.
        for table_id, columns in TABLE_COLUMNS.items():
            table = self.query_one(f"#{table_id}", DataTable)
            for label, width in columns:
                table.add_column(label, width=width)
        # The epic on screen first; every other epic's task statuses (progress bars) are read in a thread.
        self.reader.open(defer=True)
        self.current_epic = self.reader.focus
        self.refresh_all()
        self.query_one("#epic-list", OptionList).focus()
        self.set_interval(self.interval, self.poll_changes)
        self.loaded = not self.reader.pending
        if self.reader.pending:
            self.run_worker(self._read_pending, thread=True, exclusive=True)

    def _read_pending(self) -> None:
        found = self.reader.read_pending()
        self.call_from_thread(self._merge_pending, found)

    def _merge_pending(self, found: dict[str, dict[str, str]]) -> None:
        self.reader.merge_pending(found)
        self.refresh_epics()
        self.refresh_status_line()
        self.loaded = True

    # ── refresh ──────────────────────────────────────────────────────────────────────────────────────────────

    def poll_changes(self) -> None:
        """Apply what other processes changed since the last check (cheap when nothing did)."""
        changes = self.reader.poll()
        if not any(changes.values()):
            return
        epic = self.current_epic
        touched_epic = epic is not None and any(t.startswith(epic + ".") for t in changes["tasks"] + changes["specs"])
        self.refresh_epics()
        if touched_epic or changes["epics"]:
            self.refresh_columns()
            self.refresh_details()
            self.refresh_graph()
        if changes["events"] or changes["files"]:
            self.refresh_activity()
        self.refresh_status_line()
        self.updates += 1

    def refresh_all(self) -> None:
        """Redraw every pane from the reader."""
        self.refresh_epics()
        self.refresh_columns()
        self.refresh_details()
        self.refresh_activity()
        self.refresh_graph()
        self.refresh_status_line()

    def refresh_status_line(self) -> None:
        summary = self.reader.summary()
        parts = [f"{summary['epics']} epics", f"{summary['tasks']} tasks"]
        parts += [f"{n} {s.replace('_', ' ')}" for s, n in sorted(summary["counts"].items())]
        if self.reader.pending:
            parts.append(f"counting {len(self.reader.pending)} more epics…")
        if self.filter_text:
            parts.append(f"filter: {self.filter_text!r}")
        if self.reader.errors:
            parts.append(f"unreadable: {self.reader.errors[-1]}")
        self.query_one("#status-line", Static).update(" · ".join(parts))

    def refresh_epics(self) -> None:
        epic_list = self.query_one("#epic-list", OptionList)
        options = []
        for row in self.reader.epic_rows():
            text = Text()
            text.append(row["id"], style="bold")
            if row["status"] == "done":
                text.append("  closed", style="italic")
            text.append(f"\n{row['title']}\n")
            if row["loading"]:
                text.append("counting…", style="italic")
            else:
                text.append_text(progress_bar(row["counts"], row["total"]))
                text.append(f" {row['done']}/{row['total']}")
            options.append(Option(text, id=row["id"]))
        _replace_options(epic_list, options, self.current_epic)

    def refresh_columns(self) -> None:
        if self.current_epic is None:
            return
        columns = self.reader.columns(self.current_epic, self.filter_text)
        for (title, _), col_id in zip(COLUMNS, COLUMN_IDS, strict=True):
            rows = columns[title]
            self.query_one(f"#{col_id}-title", Label).update(f"{title} ({len(rows)})")
            options = [Option(task_label(r), id=r["id"]) for r in rows]
            _replace_options(self.query_one(f"#{col_id}-list", OptionList), options, self.current_task)

    def refresh_details(self) -> None:
        meta = self.query_one("#meta", Static)
        spec = self.query_one("#spec", Markdown)
        details = self.reader.details(self.current_task) if self.current_task else None
        if details is None:
            meta.update(Text("Select a task (tab to the columns, arrows or j/k)", style="italic"))
            self.shown_spec = ""
            spec.update("")
            return
        meta.update(_details_text(details))
        if details["spec"] != self.shown_spec:  # Markdown re-renders its whole tree: only when the text changed
            self.shown_spec = details["spec"]
            spec.update(details["spec"])

    def refresh_activity(self, force: bool = False) -> None:
        """Redraw the activity tables now if their tab is showing; otherwise when it is next shown."""
        self.activity_stale = True
        if not force and self.query_one("#tabs", TabbedContent).active != "activity":
            return
        self.activity_stale = False
        events = self.query_one("#events", DataTable)
        events.clear()
        epic = self.current_epic if self.epic_events_only else None
        needle = self.filter_text.lower()
        for event in self.reader.activity(epic):
            cells = (str(event.get("timestamp", ""))[11:19], str(event.get("type", "")),
                     str(event.get("task_id") or event.get("stream_id") or ""), short_actor(str(event.get("actor") or "")))
            if needle and needle not in " ".join(cells).lower():
                continue
            events.add_row(*cells)
        now = self.reader.clock()
        locks = self.query_one("#locks", DataTable)
        locks.clear()
        for lock in self.reader.locks:
            locks.add_row(lock["file_path"], lock["task_id"], lock["mode"], str(lock.get("holder_pid") or ""),
                          time_left(lock.get("expires_at"), now))
        approvals = self.query_one("#approvals", DataTable)
        approvals.clear()
        for approval in self.reader.approvals:
            approvals.add_row(approval["id"], approval["task_id"], approval["kind"],
                              datetime.fromtimestamp(approval["created_at"], UTC).strftime("%m-%d %H:%M"))
        gaps = self.query_one("#gaps", DataTable)
        gaps.clear()
        for gap in self.reader.open_gaps():
            gaps.add_row(gap["epic"], str(gap["id"]), gap["capability"], gap["priority"])
        label = f"Events of {epic} (e: every epic)" if epic else "Events of every epic (e: this epic only)"
        self.query_one("#events-title", Label).update(label)

    def refresh_graph(self, force: bool = False) -> None:
        """Redraw the graph now if its tab is showing; otherwise when it is next shown."""
        from flowctl_core.errors import FlowError

        self.graph_stale = True
        if not force and self.query_one("#tabs", TabbedContent).active != "graph":
            return
        self.graph_stale = False
        title = self.query_one("#graph-title", Static)
        body = self.query_one("#graph-body", Static)
        if self.current_epic is None:
            title.update("No epic")
            body.update("")
            return
        try:
            graph = self.reader.graph(self.current_epic)
        except FlowError as err:
            title.update(f"{self.current_epic}: {err}")
            body.update("")
            return
        title.update(Text.assemble((f"{self.current_epic}   ", "bold"), ("★ critical path   ", "bold red"),
                                   ("▶ ready   ", "bold blue"), "← depends on"))
        body.update(_graph_text(graph))

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # Hidden tabs are redrawn when shown: a change on disk costs only what is on screen.
        if event.pane.id == "graph" and self.graph_stale:
            self.refresh_graph(force=True)
        elif event.pane.id == "activity" and self.activity_stale:
            self.refresh_activity(force=True)

    # ── events from widgets ──────────────────────────────────────────────────────────────────────────────────

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        option_id = event.option.id
        if event.option_list.id == "epic-list":
            if option_id != self.current_epic:
                self.current_epic = self.reader.focus = option_id
                self.current_task = None
                self.refresh_columns()
                self.refresh_details()
                self.refresh_graph()
                if self.epic_events_only:
                    self.refresh_activity()
        elif option_id != self.current_task:
            self.current_task = option_id
            self.refresh_details()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.refresh_columns()
        self.refresh_activity()
        self.refresh_status_line()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#filter", Input).remove_class("visible")
        self.focus_next()

    # ── actions ──────────────────────────────────────────────────────────────────────────────────────────────

    def action_show_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("visible")
        box.focus()

    def action_hide_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("visible")
        if box.value:
            box.value = ""  # fires Input.Changed, which redraws
        if box.has_focus:
            self.query_one("#epic-list", OptionList).focus()

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab

    def action_toggle_epic_events(self) -> None:
        self.epic_events_only = not self.epic_events_only or self.only_epic is not None
        self.refresh_activity()

    def action_cursor(self, direction: str) -> None:
        focused = self.focused
        if isinstance(focused, (OptionList, DataTable)):
            getattr(focused, f"action_cursor_{direction}")()

    def action_column(self, step: int) -> None:
        """Move the focus to the next board list left or right (epics, then the five columns)."""
        order = ["epic-list", *(f"{c}-list" for c in COLUMN_IDS)]
        focused = self.focused
        if focused is None or focused.id not in order:
            return
        target = self.query_one(f"#{order[(order.index(focused.id) + step) % len(order)]}", OptionList)
        target.focus()
        if target.highlighted is None and target.option_count:
            target.highlighted = 0


def _replace_options(option_list: OptionList, options: list[Option], keep: str | None) -> None:
    """Show `options`, touching the list as little as possible (redrawing lists is the costly part of a refresh):
    unchanged lists are left alone, changed labels replaced in place, and only a new set of ids rebuilds the list;
    the highlight stays on the same id while it is there."""
    old_ids = [option_list.get_option_at_index(i).id for i in range(option_list.option_count)]
    ids = [o.id for o in options]
    if ids == old_ids:
        for option in options:
            if option_list.get_option(option.id).prompt != option.prompt:
                option_list.replace_option_prompt(option.id, option.prompt)
        return
    old = option_list.highlighted_option.id if option_list.highlighted_option is not None else None
    option_list.clear_options()
    option_list.add_options(options)
    for wanted in (keep, old):
        if wanted in ids:
            option_list.highlighted = ids.index(wanted)
            return
    if option_list.has_focus and options:
        option_list.highlighted = 0


def _details_text(details: dict[str, Any]) -> Text:
    char, style = STATUS_LOOK.get(details["status"], ("?", ""))
    text = Text()
    text.append(f"{details['id']}\n", style="bold")
    text.append(f"{details['title']}\n")
    text.append(f"{char} {details['status']}", style=style)
    if details.get("assignee"):
        text.append(f"  @{details['assignee']}  claimed {details['age']} ago")
    if details.get("priority") is not None:
        text.append(f"  P{details['priority']}")
    text.append("\n")
    for key, label in (("blocked_reason", "blocked"), ("failure_reason", "failed"), ("summary", "summary")):
        if details.get(key):
            text.append(f"{label}: {details[key]}\n", style="italic")
    text.append("depends on: ", style="bold")
    text.append(", ".join(details["depends_on"]) or "—")
    text.append("\ndependents: ", style="bold")
    text.append(", ".join(details["dependents"]) or "—")
    evidence = details.get("evidence") or {}
    if evidence:
        text.append("\nevidence:", style="bold")
        for key, value in evidence.items():
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            text.append(f"\n  {key}: {shown}")
    if details.get("files"):
        text.append("\nfiles: ", style="bold")
        text.append(", ".join(details["files"]))
    text.append("\nevents:", style="bold")
    for event in details["events"][:20]:
        text.append(f"\n  {str(event.get('timestamp', ''))[:19]}  {event.get('type', '')}")
    if not details["events"]:
        text.append(" —")
    return text


def _graph_text(graph: dict[str, Any]) -> Text:
    """The epic's waves top-down: one line per task with its marks, status and dependencies."""
    critical = set(graph["critical_path"])
    ready = set(graph["ready"])
    deps: dict[str, list[str]] = {}
    for dep, task in graph["edges"]:
        deps.setdefault(task, []).append(dep)
    by_layer: dict[int, list[dict[str, Any]]] = {}
    for node in graph["nodes"]:
        by_layer.setdefault(node["layer"], []).append(node)
    epic_prefix = graph["epic"] + "."
    text = Text()
    for layer in sorted(by_layer):
        text.append(f"wave {layer}\n", style="bold underline")
        for node in by_layer[layer]:
            char, style = STATUS_LOOK.get(node["status"], ("?", ""))
            text.append("★ " if node["id"] in critical else "  ", style="bold red")
            text.append("▶ " if node["id"] in ready else "  ", style="bold blue")
            text.append(f"{char} ", style=style)
            name = node["id"].removeprefix(epic_prefix)
            text.append(f".{name} " if name != node["id"] else f"{name} ",
                        style="bold red" if node["id"] in critical else "bold")
            text.append(f"{node['title']}  ")
            text.append(f"[{node['status']}]", style=style)
            if deps.get(node["id"]):
                shown = [d.removeprefix(epic_prefix) for d in deps[node["id"]]]
                text.append("  ← " + " ".join(f".{d}" if not d.startswith("fn-") else d for d in shown),
                            style="italic")
            text.append("\n")
    return text
