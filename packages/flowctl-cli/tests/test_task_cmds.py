"""`flowctl task …` end to end (cli-core.md §9)."""

from __future__ import annotations

import json

import pytest

E = "fn-1-auth"
T1, T2, T3 = (f"{E}.{i}" for i in (1, 2, 3))
MEDIUM = "Invalid task ID: {}. Expected format: fn-N.M or fn-N-slug.M"


@pytest.fixture
def ws(initialized_flowctl):
    assert initialized_flowctl.ok("epic", "create", "--title", "Auth", "--json")["id"] == E
    return initialized_flowctl


def create(flowctl, title="T", *extra):
    return flowctl.ok("task", "create", "--epic", E, "--title", title, *extra, "--json")["id"]


def events(flowctl):
    return [json.loads(line) for line in (flowctl.flow / ".state" / "events.jsonl").read_text().splitlines()]


def state(flowctl, tid):
    return json.loads((flowctl.flow / ".state" / "tasks" / f"{tid}.state.json").read_text())


def definition(flowctl, tid):
    return json.loads((flowctl.flow / "tasks" / f"{tid}.json").read_text())


# ── create ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def test_create_outputs(ws):
    assert ws.ok("task", "create", "--epic", E, "--title", "Register", "--json") == {
        "depends_on": [], "epic": E, "id": T1, "title": "Register"}
    assert ws.ok("--no-compact", "task", "create", "--epic", E, "--title", "Wire", "--deps", T1, "--json") == {
        "depends_on": [T1], "epic": E, "id": T2, "message": f"Task {T2} created", "spec_path": f".flow/tasks/{T2}.md",
        "success": True, "title": "Wire"}
    assert ws.ok("task", "create", "--epic", E, "--title", "Third") == f"Task {T3} created: Third\n"


def test_create_files_left_behind(ws, tmp_path):
    acc = tmp_path / "acc.md"
    acc.write_text("- [ ] Callback validates the state param\n")
    create(ws, "Register")
    create(ws, "Wire callback handler", "--deps", T1, "--priority", "1", "--domain", "backend",
           "--files", "src/auth/callback.rs", "--acceptance-file", str(acc))
    text = (ws.flow / "tasks" / f"{T2}.json").read_text()
    d = json.loads(text)
    assert list(d) == ["id", "epic", "title", "status", "priority", "domain", "depends_on", "files", "file_path",
                       "created_at", "updated_at"]
    assert {k: d[k] for k in list(d)[:-2]} == {
        "id": T2, "epic": E, "title": "Wire callback handler", "status": "todo", "priority": 1, "domain": "backend",
        "depends_on": [T1], "files": ["src/auth/callback.rs"], "file_path": f".flow/tasks/{T2}.md"}
    assert d["created_at"] == d["updated_at"] and d["created_at"].endswith("Z") and not text.endswith("\n")
    assert (ws.flow / "tasks" / f"{T2}.md").read_text() == (
        f"# {T2} Wire callback handler\n\n## Description\nTBD\n\n## Investigation targets\n\n## Acceptance\n"
        "- [ ] Callback validates the state param\n\n\n## Done summary\nTBD\n\n## Evidence\n- Commits:\n- Tests:\n"
        "- PRs:\n")
    assert list(state(ws, T2)) == ["status", "retry_count", "updated_at"] and state(ws, T2)["status"] == "todo"
    assert [e["type"] for e in events(ws)][-3:] == ["task.create", "task_spec.set", "task_state.set"]


def test_create_acceptance_from_stdin(ws):
    ws.ok("task", "create", "--epic", E, "--title", "S", "--acceptance-file", "-", input="- [ ] from stdin\n")
    assert "## Acceptance\n- [ ] from stdin\n" in (ws.flow / "tasks" / f"{T1}.md").read_text()


def test_create_accepts_the_old_singular_dep_flag(ws):
    # scripts/teams_e2e_test.sh calls `task create … --dep <id>`; it adds to --deps and stays out of the help
    create(ws, "A")
    create(ws, "B")
    assert ws.ok("task", "create", "--epic", E, "--title", "C", "--dep", T2, "--json")["depends_on"] == [T2]
    assert ws.ok("task", "create", "--epic", E, "--title", "D", "--deps", T1, "--dep", T2,
                 "--json")["depends_on"] == [T1, T2]
    assert "--dep " not in ws.ok("task", "create", "--help")


def test_create_dry_run_prints_the_preview_and_writes_nothing(ws):
    run = ws("--dry-run", "task", "create", "--epic", E, "--title", "Dry")
    assert run.code == 0 and run.out.endswith("}\n") and "\n" not in run.out[:-1]
    preview = json.loads(run.out)
    assert list(preview) == ["changes", "dry_run"] and preview["dry_run"] is True
    ops = preview["changes"]["mutations"]
    assert [m["op"] for m in ops] == ["create_task", "set_task_spec", "set_task_state"]
    assert ops[0]["task"] == {**ops[0]["task"], "id": T1, "file_path": f".flow/tasks/{T1}.md", "status": "todo"}
    assert "created_at" in ops[0]["task"] and list(ops[2]["state"]) == ["retry_count", "status", "updated_at"]
    assert not (ws.flow / "tasks" / f"{T1}.json").exists()
    assert json.loads(ws("task", "create", "--epic", E, "--title", "Dry", "--dry-run", "--json").out)["dry_run"]


@pytest.mark.parametrize(("args", "message"), [
    (["--epic", "test-epic"], "Invalid epic ID: test-epic. Expected format: fn-N or fn-N-slug (e.g., fn-1, fn-1-add-auth)"),
    (["--epic", "fn-9-x"], "Epic fn-9-x not found"),
    (["--epic", E, "--deps", "fn-x"], "Invalid dependency ID: fn-x. Expected format: fn-N.M or fn-N-slug.M"),
    (["--epic", E, "--deps", "fn-3-x.1"], f"Dependency fn-3-x.1 must be within the same epic ({E})"),
    (["--epic", E, "--deps", f"{E}.7"], f"Dependency {E}.7 not found"),
    (["--epic", E, "--priority=-1"], "Invalid priority -1: priority must be a non-negative integer"),
    (["--epic", E, "--priority=-3"], "Invalid priority -3: priority must be a non-negative integer"),
    (["--epic", E, "--acceptance-file", "missing.md"],
     "Failed to read file 'missing.md': No such file or directory (os error 2)"),
])
def test_create_errors(ws, args, message):
    assert ws.fail("task", "create", "--title", "X", *args).error == message
    assert not (ws.flow / "tasks" / f"{T1}.json").exists()


def test_create_usage_errors_and_missing_flow(flowctl):
    assert flowctl.fail("task", "create", "--epic", E, "--title", "x").error == \
        ".flow/ does not exist. Run 'flowctl init' first."
    flowctl.ok("init")
    flowctl.fail("task", "create", "--epic", E, code=2)
    flowctl.fail("task", "create", "--epic", E, "--title", "x", "--domain", "weird", code=2)
    flowctl.fail("task", "create", "--epic", E, "--title", "x", "--priority", "abc", code=2)
    flowctl.fail("task", code=2)


# ── spec (and the old names) ───────────────────────────────────────────────────────────────────────────────────────


def test_spec_file_and_sections(ws, tmp_path):
    create(ws)
    spec = ws.flow / "tasks" / f"{T1}.md"
    assert ws.ok("task", "spec", T1, "--file", "-", "--json", input="# mine\n") == {"id": T1}
    assert spec.read_text() == "# mine\n"
    assert ws.ok("--no-compact", "task", "spec", T1, "--file", "-", "--json", input="x") == {
        "id": T1, "message": f"Task {T1} spec replaced", "success": True}
    create(ws)
    d = tmp_path / "d.md"
    d.write_text("## Description\n\nNew desc line\n\n")
    a = tmp_path / "a.md"
    a.write_text("- [ ] ok\n")
    assert ws.ok("task", "spec", T2, "--desc", str(d), "--acceptance", str(a)) == \
        f"Task {T2} updated: ## Description, ## Acceptance\n"
    body = (ws.flow / "tasks" / f"{T2}.md").read_text()
    assert body.startswith(f"# {T2} T\n\n## Description\nNew desc line\n## Investigation targets\n")
    assert ws.ok("task", "spec", T2, "--investigation", str(a), "--json") == {
        "id": T2, "sections": ["## Investigation targets"]}


def test_spec_old_names(ws, tmp_path):
    create(ws)
    f = tmp_path / "f.md"
    f.write_text("Described\n")
    assert ws.ok("task", "set-description", T1, "--file", str(f)) == f"Task {T1} updated: ## Description\n"
    assert ws.ok("task", "set-acceptance", T1, "--file", str(f)) == f"Task {T1} updated: ## Acceptance\n"
    assert ws.ok("task", "set-spec", T1, "--description", str(f), "--json") == {"id": T1, "sections": ["## Description"]}
    assert ws.ok("task", "set-spec", T1, "--file", str(f)) == f"Task {T1} spec replaced\n"
    assert (ws.flow / "tasks" / f"{T1}.md").read_text() == "Described\n"


def test_spec_errors(ws):
    assert ws.fail("task", "spec", "bad", "--file", "x").error == MEDIUM.format("bad")
    assert ws.fail("task", "spec", T1).error == "Requires --file, --description, --acceptance, or --investigation"
    assert ws.fail("task", "spec", T1, "--file", "x").error == f"Task {T1} not found"
    create(ws)
    assert ws.fail("task", "spec", T1, "--desc", "nope.md").error == \
        "Failed to read file 'nope.md': No such file or directory (os error 2)"


# ── reset / skip / split ───────────────────────────────────────────────────────────────────────────────────────────


def test_reset(ws):
    create(ws)
    create(ws, "Two", "--deps", T1)
    assert ws.ok("task", "reset", T1) == f"{T1} already todo\n"
    assert ws.ok("task", "reset", T1, "--json") == {"reset": []}
    assert ws.ok("--no-compact", "task", "reset", T1, "--json") == {"message": f"{T1} already todo", "reset": [],
                                                                      "success": True}
    ws.ok("start", T1)
    assert ws.fail("task", "reset", T1).error == f"Cannot reset in_progress task {T1}. Complete or block it first."
    ws.ok("done", T1, "--evidence-json", '{"commits":["abc"]}')
    ws.ok("start", T2)
    ws.ok("done", T2)
    preview = json.loads(ws("--dry-run", "task", "reset", T1, "--cascade").out)
    assert [m["op"] for m in preview["changes"]["mutations"]] == ["update_task", "set_task_spec", "set_task_state"] * 2
    assert state(ws, T1)["status"] == "done"
    assert ws.ok("task", "reset", T1, "--cascade") == f"Reset: {T1}, {T2}\n"
    assert state(ws, T1) == {"status": "todo", "retry_count": 0, "updated_at": state(ws, T1)["updated_at"]}
    assert (ws.flow / "tasks" / f"{T1}.md").read_text().endswith("## Evidence\n- Commits:\n- Tests:\n- PRs:\n")
    assert ws.fail("task", "reset", "x").error == MEDIUM.format("x")
    assert ws.fail("task", "reset", f"{E}.9").error == f"Task {E}.9 not found"


def test_reset_in_closed_epic(ws):
    create(ws)
    ws.ok("task", "skip", T1)
    ws.ok("epic", "close", E)
    assert ws.fail("task", "reset", T1).error == f"Cannot reset task in closed epic {E}"


def test_skip_persists_and_unblocks_dependents(ws):
    create(ws)
    create(ws, "Two", "--deps", T1)
    assert ws.ok("task", "skip", T1, "--reason", "obsolete") == f"Task {T1} skipped: obsolete\n"
    assert state(ws, T1)["status"] == "skipped"
    assert definition(ws, T1)["status"] == "todo"
    assert ws.ok("show", T1, "--json")["status"] == "skipped"
    assert [t["id"] for t in ws.ok("ready", "--epic", E, "--json")["ready"]] == [T2]
    assert ws.ok("task", "skip", T2, "--json") == {"id": T2, "reason": "", "status": "skipped"}
    assert ws.ok("task", "skip", T2) == f"Task {T2} skipped\n"
    assert ws.ok("--no-compact", "task", "skip", T2, "--json")["message"] == f"Task {T2} skipped"


def test_skip_dry_run_and_errors(ws):
    create(ws)
    preview = json.loads(ws("--dry-run", "task", "skip", T1).out)
    assert [m["op"] for m in preview["changes"]["mutations"]] == ["update_task", "set_task_state"]
    assert preview["changes"]["mutations"][0]["task"]["status"] == "skipped"
    assert state(ws, T1)["status"] == "todo"
    assert ws.fail("task", "skip", "bad").error == "Invalid task ID: bad"
    assert ws.fail("task", "skip", f"{E}.5").error == f"Task {E}.5 not found"
    ws.ok("start", T1)
    ws.ok("done", T1)
    assert ws.fail("task", "skip", T1).error == f"Cannot skip already-done task {T1}"


def test_split(ws):
    create(ws)
    create(ws, "Two", "--deps", T1, "--priority", "2")
    create(ws, "Three", "--deps", T2)
    out = ws.ok("task", "split", T2, "--titles", "A|B|C", "--chain")
    subs = [f"{E}.4", f"{E}.5", f"{E}.6"]
    assert out == (f"Task {T2} split into:\n  {subs[0]}\n  {subs[1]}\n  {subs[2]}\n"
                   f"Original task marked as skipped. Downstream deps updated to {subs[2]}.\n")
    assert state(ws, T2)["status"] == "skipped"
    assert [definition(ws, s)["depends_on"] for s in subs] == [[T1], [subs[0]], [subs[1]]]
    assert definition(ws, T3)["depends_on"] == [subs[2]] and definition(ws, subs[0])["priority"] == 2
    assert not (ws.flow / ".state" / "tasks" / f"{subs[0]}.state.json").exists()
    assert (ws.flow / "tasks" / f"{subs[0]}.md").read_text().startswith(f"# {subs[0]} A\n\n## Description")
    assert ws.fail("task", "split", T2, "--titles", "X|Y").error == f"Cannot split task {T2} with status 'skipped'"


def test_split_json_without_chain(ws):
    create(ws)
    create(ws, "Two", "--deps", T1)
    create(ws, "Three", "--deps", T2)
    assert ws.ok("task", "split", T2, "--titles", "A|B", "--json") == {
        "chain": False, "original": T2, "split_into": [f"{E}.4", f"{E}.5"]}
    assert definition(ws, f"{E}.5")["depends_on"] == [T1]
    assert definition(ws, T3)["depends_on"] == [f"{E}.4", f"{E}.5"]
    assert ws.fail("task", "split", T1, "--titles", "only").error == "Need at least 2 sub-task titles separated by '|'"
    assert ws.fail("task", "split", "bad", "--titles", "a|b").error == "Invalid task ID: bad"
    ws.fail("task", "split", T1, code=2)


# ── backends and set-deps ──────────────────────────────────────────────────────────────────────────────────────────


def test_backends(ws):
    create(ws)
    ws.ok("epic", "set-backend", E, "--impl", "codex:gpt-5")
    assert ws.ok("task", "set-backend", T1, "--review", "codex:o3", "--sync", "") == \
        f"Task {T1} backend specs updated: review=codex:o3, sync=null\n"
    assert ws.ok("--no-compact", "task", "set-backend", T1, "--impl", "rp", "--json") == {
        "id": T1, "impl": "rp", "message": f"Task {T1} backend specs updated: impl=rp", "review": "codex:o3",
        "success": True, "sync": None}
    ws.ok("task", "set-backend", T1, "--impl", "")
    assert ws.ok("task", "show-backend", T1) == "impl: codex:gpt-5 (epic)\nreview: codex:o3 (task)\nsync: null\n"
    assert ws.ok("task", "show-backend", T1, "--json") == {
        "epic": E, "id": T1, "impl": {"source": "epic", "spec": "codex:gpt-5"},
        "review": {"source": "task", "spec": "codex:o3"}, "sync": {"source": None, "spec": None}}
    assert ws.fail("task", "set-backend", T1).error == "At least one of --impl, --review, or --sync must be provided"
    assert ws.fail("task", "show-backend", f"{E}.4").error == f"Task {E}.4 not found"


def test_set_deps(ws):
    create(ws)
    create(ws)
    create(ws)
    assert ws.ok("task", "set-deps", T3, "--deps", f"{T1},{T2}") == f"Added dependencies to {T3}: {T1}, {T2}\n"
    assert ws.ok("task", "set-deps", T3, "--deps", T1) == "No new dependencies added (already set)\n"
    assert ws.ok("--no-compact", "task", "set-deps", T3, "--deps", T1, "--json") == {
        "added": [], "depends_on": [T1, T2], "message": f"Dependencies set for {T3}", "success": True, "task": T3}
    assert json.loads(ws("--dry-run", "task", "set-deps", T3, "--deps", T1).out) == {
        "changes": {"mutations": []}, "dry_run": True}
    assert ws.fail("task", "set-deps", T1, "--deps", T3).error == f"Dependency cycle detected: {T1} -> {T3} -> {T1}"
    assert ws.fail("task", "set-deps", T1, "--deps", ",").error == "--deps cannot be empty"
    assert ws.fail("task", "set-deps", T1, "--deps", "fn-2.1").error == (
        f"Dependencies must be within same epic. Task {T1} is in {E}, dependency fn-2.1 is in fn-2")
    assert ws.fail("task", "set-deps", T1, "--deps", f"{E}.9").error == f"Dependency {E}.9 not found"
