"""A stateful model test: random sequences of service operations against a small in-memory model.

After every step the store must agree with the model (task ids, statuses, dependencies, claims, file locks), the
dependency graph must be acyclic with every dependency known, every file must parse, and an operation the model
says is illegal must fail with a FlowError that changes no byte on disk.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from flowctl_core import dag
from flowctl_core.errors import FlowError
from flowctl_db import FlowStore
from flowctl_service import deps, epics, file_locks, lifecycle, tasks

ACTORS = ("ana", "bo")
SATISFIED = ("done", "skipped")
FILES = ("src/a.py", "src/b.py")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".lock"}


class FlowModel(RuleBasedStateMachine):
    """The model: task id -> {status, deps, assignee}; epic ids; file -> locking task."""

    @initialize()
    def open_store(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="flowctl-model-"))
        self.store = FlowStore(self.tmp / ".flow")
        self.store.ensure_dirs()
        self.store.paths.meta.write_text('{"next_epic": 1, "schema_version": 1}')
        self.epics: list[str] = []
        self.tasks: dict[str, dict] = {}
        self.locks: dict[str, str] = {}
        self.steps = 0

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ── helpers ────────────────────────────────────────────────────────────────────────────────────────────────
    def _expect_refusal(self, call) -> None:
        """The model says this is illegal: a FlowError, and not one byte changed."""
        before = _tree(self.store.flow_dir)
        try:
            call()
        except FlowError:
            pass
        else:
            raise AssertionError("an operation the model forbids succeeded")
        assert _tree(self.store.flow_dir) == before

    def _creates_cycle(self, task: str, dep: str) -> bool:
        graph = {t: sorted(m["deps"]) for t, m in self.tasks.items()}
        return dag.would_create_cycle(graph, task, [dep]) is not None

    def _epic_tasks(self, epic: str) -> list[str]:
        return sorted(t for t in self.tasks if t.rsplit(".", 1)[0] == epic)

    # ── rules ──────────────────────────────────────────────────────────────────────────────────────────────────
    @precondition(lambda self: len(self.epics) < 3)
    @rule(title=st.sampled_from(["Auth", "Billing", "Search"]))
    def create_epic(self, title: str) -> None:
        epic_id = epics.create(self.store, "ana", title)["id"]
        assert epic_id not in self.epics
        self.epics.append(epic_id)

    @precondition(lambda self: self.epics and len(self.tasks) < 12)
    @rule(data=st.data())
    def create_task(self, data: st.DataObject) -> None:
        epic = data.draw(st.sampled_from(self.epics))
        wanted = data.draw(st.lists(st.sampled_from(self._epic_tasks(epic) or ["-"]), unique=True, max_size=2))
        wanted = [d for d in wanted if d != "-"]
        task_id = tasks.create(self.store, "ana", epic, "Work", deps=",".join(wanted) or None)["id"]
        assert task_id not in self.tasks and task_id.startswith(epic + ".")
        self.tasks[task_id] = {"status": "todo", "deps": set(wanted), "assignee": None}

    @precondition(lambda self: len(self.tasks) >= 2)
    @rule(data=st.data())
    def add_dependency(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from(sorted(self.tasks)))
        dep = data.draw(st.sampled_from(self._epic_tasks(task.rsplit(".", 1)[0])))
        if dep == task or self._creates_cycle(task, dep):
            self._expect_refusal(lambda: deps.add(self.store, "ana", task, dep))
            return
        deps.add(self.store, "ana", task, dep)
        self.tasks[task]["deps"].add(dep)

    @precondition(lambda self: any(m["deps"] for m in self.tasks.values()))
    @rule(data=st.data())
    def remove_dependency(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from(sorted(t for t, m in self.tasks.items() if m["deps"])))
        dep = data.draw(st.sampled_from(sorted(self.tasks[task]["deps"])))
        deps.remove(self.store, "ana", task, dep)
        self.tasks[task]["deps"].discard(dep)

    @precondition(lambda self: self.tasks)
    @rule(data=st.data(), actor=st.sampled_from(ACTORS))
    def start(self, data: st.DataObject, actor: str) -> None:
        task = data.draw(st.sampled_from(sorted(self.tasks)))
        m = self.tasks[task]
        deps_ok = all(self.tasks[d]["status"] in SATISFIED for d in m["deps"])
        mine = m["assignee"] in (None, actor)
        allowed = deps_ok and ((m["status"] in ("todo", "in_progress") and mine) or m["status"] == "up_for_retry")
        if not allowed:
            self._expect_refusal(lambda: lifecycle.start(self.store, task, actor))
            return
        lifecycle.start(self.store, task, actor)
        if m["status"] == "up_for_retry" or m["assignee"] is None:
            m["assignee"] = actor
        m["status"] = "in_progress"

    @precondition(lambda self: self.tasks)
    @rule(data=st.data(), actor=st.sampled_from(ACTORS))
    def done(self, data: st.DataObject, actor: str) -> None:
        task = data.draw(st.sampled_from(sorted(self.tasks)))
        m = self.tasks[task]
        if m["status"] != "in_progress" or m["assignee"] not in (None, actor):
            self._expect_refusal(lambda: lifecycle.done(self.store, task, actor, summary="ok"))
            return
        lifecycle.done(self.store, task, actor, summary="ok")
        m["status"] = "done"
        self.locks = {f: t for f, t in self.locks.items() if t != task}

    @precondition(lambda self: self.tasks)
    @rule(data=st.data())
    def block(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from(sorted(self.tasks)))
        if self.tasks[task]["status"] == "done":
            self._expect_refusal(lambda: lifecycle.block(self.store, task, "waiting"))
            return
        lifecycle.block(self.store, task, "waiting")
        self.tasks[task]["status"] = "blocked"

    @precondition(lambda self: self.tasks)
    @rule(data=st.data())
    def fail(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from(sorted(self.tasks)))
        if self.tasks[task]["status"] != "in_progress":
            self._expect_refusal(lambda: lifecycle.fail(self.store, task, reason="broke"))
            return
        result = lifecycle.fail(self.store, task, reason="broke")
        assert result["status"] == "failed"  # no max_retries configured: a failure is final
        self.tasks[task]["status"] = "failed"
        # §6.5: dependents that are satisfied (done, skipped), already failed, or still running are left alone.
        untouched = {"in_progress", "done", "skipped", "failed", "upstream_failed"}
        marked = [t for t in self._downstream(task) if self.tasks[t]["status"] not in untouched]
        for dependent in marked:
            self.tasks[dependent]["status"] = "upstream_failed"
        assert sorted(result.get("upstream_failed", [])) == sorted(marked)
        self.locks = {f: t for f, t in self.locks.items() if t != task}

    @precondition(lambda self: self.tasks)
    @rule(data=st.data())
    def restart(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from(sorted(self.tasks)))
        chain = [task, *self._downstream(task)]
        if any(self.tasks[t]["status"] == "in_progress" for t in chain):
            self._expect_refusal(lambda: lifecycle.restart(self.store, task))
            return
        reset = [t for t in chain if self.tasks[t]["status"] != "todo"]
        assert lifecycle.restart(self.store, task)["reset"] == reset
        for t in reset:  # a todo task keeps its claim and its locks: restart leaves it alone
            self.tasks[t].update(status="todo", assignee=None)
        self.locks = {f: t for f, t in self.locks.items() if t not in reset}

    @precondition(lambda self: self.tasks)
    @rule(data=st.data())
    def skip(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from(sorted(self.tasks)))
        if self.tasks[task]["status"] == "done":
            self._expect_refusal(lambda: tasks.skip(self.store, "ana", task))
            return
        tasks.skip(self.store, "ana", task)
        self.tasks[task]["status"] = "skipped"

    @precondition(lambda self: self.tasks and len(self.tasks) < 12)
    @rule(data=st.data(), chain=st.booleans())
    def split(self, data: st.DataObject, chain: bool) -> None:
        task = data.draw(st.sampled_from(sorted(self.tasks)))
        m = self.tasks[task]
        if m["status"] in ("done", "skipped"):
            self._expect_refusal(lambda: tasks.split(self.store, "ana", task, "One|Two"))
            return
        created = tasks.split(self.store, "ana", task, "One|Two", chain=chain)["split_into"]
        assert len(created) == 2 and not set(created) & set(self.tasks)
        for i, sub in enumerate(created):
            sub_deps = {created[i - 1]} if chain and i > 0 else set(m["deps"])
            self.tasks[sub] = {"status": "todo", "deps": sub_deps, "assignee": None}
        replacement = set(created[-1:] if chain else created)
        for other, om in self.tasks.items():
            if task in om["deps"] and other != task:
                om["deps"] = (om["deps"] - {task}) | replacement
        m["status"] = "skipped"

    @precondition(lambda self: self.tasks)
    @rule(data=st.data(), file=st.sampled_from(FILES))
    def lock(self, data: st.DataObject, file: str) -> None:
        task = data.draw(st.sampled_from(sorted(self.tasks)))
        holder = self.locks.get(file)
        result = file_locks.lock(self.store, task, file)
        if holder not in (None, task):  # reported as already locked by its holder, never taken over
            assert result["locked"] == [] and result["already_locked"][0]["file"] == file
            return
        assert result["locked"] == [file]
        self.locks[file] = task

    @precondition(lambda self: self.locks)
    @rule(data=st.data())
    def unlock(self, data: st.DataObject) -> None:
        file = data.draw(st.sampled_from(sorted(self.locks)))
        file_locks.unlock(self.store, self.locks.pop(file), file)

    def _downstream(self, task: str) -> list[str]:
        graph = [{"id": t, "depends_on": sorted(m["deps"])} for t, m in self.tasks.items()]
        return dag.transitive_dependents(graph, task)

    # ── invariants ─────────────────────────────────────────────────────────────────────────────────────────────
    @invariant()
    def store_agrees_with_the_model(self) -> None:
        if not hasattr(self, "store"):
            return
        self.steps += 1
        stored = {t["id"]: t for t in self.store.list_tasks()}
        assert sorted(stored) == sorted(self.tasks)
        for task_id, m in self.tasks.items():
            t = stored[task_id]
            assert t["status"] == m["status"], (task_id, t["status"], m)
            assert set(t.get("depends_on", [])) == m["deps"], task_id
            state = self.store.get_state(task_id) or {}
            if m["status"] == "in_progress":
                assert state.get("assignee") == m["assignee"]
            if m["status"] == "done":
                assert state.get("completed_at")
        held = {e["file_path"]: e["task_id"] for e in self.store.locks.list()}
        assert held == self.locks
        graph = [{"id": t, "depends_on": sorted(m["deps"])} for t, m in self.tasks.items()]
        assert dag.TaskDag(graph).find_cycle() is None
        assert not (self.store.paths.journal).exists()


FlowModel.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
test_flow_model = FlowModel.TestCase
