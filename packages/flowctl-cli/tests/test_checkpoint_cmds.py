"""`flowctl checkpoint …` end to end: the file, a restore of the whole epic (D-9), delete, errors, dry-run."""

from __future__ import annotations

import json

from flowctl_runner import Flowctl

E = "fn-1-auth-work"
T1, T2, T3 = f"{E}.1", f"{E}.2", f"{E}.3"


def workspace(f: Flowctl) -> Flowctl:
    f.ok("epic", "create", "--title", "Auth work")
    f.ok("task", "create", "--epic", E, "--title", "Login")
    f.ok("task", "create", "--epic", E, "--title", "Logout", "--deps", T1)
    f.ok("start", T1)
    return f


def files(f: Flowctl) -> dict[str, bytes]:
    root = f.flow.resolve()
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".lock" and not p.name.startswith("checkpoint-")
            and p.name != "events.jsonl"}


def test_save_writes_the_reference_layout_plus_specs(initialized_flowctl: Flowctl) -> None:
    f = workspace(initialized_flowctl)
    path = f.flow / ".state" / f"checkpoint-{E}.json"
    out = f.ok("checkpoint", "save", "--epic", E, "--json")
    assert out == {"checkpoint": str(path), "epic": E, "size_bytes": path.stat().st_size}
    text = path.read_text()
    assert not text.endswith("\n")
    doc = json.loads(text)
    assert text == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
    assert sorted(doc) == ["epic", "epic_spec", "tasks", "timestamp"]
    assert doc["epic"]["id"] == E and doc["epic_spec"].startswith(f"# {E} Auth work\n")
    assert [sorted(t) for t in doc["tasks"]] == [["spec", "state", "task"]] * 2
    first = doc["tasks"][0]
    assert (first["task"]["id"], first["task"]["status"], first["state"]["status"]) == (T1, "in_progress",
                                                                                          "in_progress")
    assert first["spec"].startswith(f"# {T1} Login\n")
    assert f.ok("checkpoint", "save", "--epic", E).startswith(f"Checkpoint saved for {E} (")
    full = json.loads(f.tty("checkpoint", "save", "--epic", E, "--json"))
    assert full["message"] == f"Checkpoint saved for {E}" and full["success"] is True


def test_restore_brings_back_the_whole_epic(initialized_flowctl: Flowctl) -> None:
    f = workspace(initialized_flowctl)
    f.ok("checkpoint", "save", "--epic", E)
    saved = files(f)
    f.ok("done", T1, "--summary", "finished")  # state and spec change
    (f.flow / "specs" / f"{E}.md").write_text("# replaced\n")
    f.ok("task", "create", "--epic", E, "--title", "Later")
    f.ok("start", T2)
    f.ok("epic", "set-backend", E, "--impl", "codex")
    (f.flow / ".state" / "tasks" / f"{T2}.state.json").unlink()
    out = f.ok("checkpoint", "restore", "--epic", E, "--json")
    assert out == {"epic": E, "restored_from": str(f.flow / ".state" / f"checkpoint-{E}.json")}
    now = files(f)
    later = {k: now.pop(k) for k in list(now) if T3 in k}
    assert now == saved  # epic, spec, definitions, specs and states byte for byte
    assert json.loads(later[f".state/tasks/{T3}.state.json"])["status"] == "todo"  # created after: reset
    assert f.ok("show", T1, "--json")["status"] == "in_progress"
    assert f.ok("checkpoint", "restore", "--epic", E) == f"Checkpoint restored for {E}\n"
    assert files(f) == {**saved, **later}  # a second restore changes nothing


def test_restore_of_a_reference_checkpoint_restores_states(initialized_flowctl: Flowctl) -> None:
    f = workspace(initialized_flowctl)
    f.ok("checkpoint", "save", "--epic", E)
    path = f.flow / ".state" / f"checkpoint-{E}.json"
    doc = json.loads(path.read_text())
    del doc["epic_spec"]
    for entry in doc["tasks"]:
        del entry["spec"]
    path.write_text(json.dumps(doc, indent=2, sort_keys=True))
    f.ok("done", T1, "--summary", "finished")
    spec = (f.flow / "tasks" / f"{T1}.md").read_text()
    f.ok("checkpoint", "restore", "--epic", E)
    assert f.ok("show", T1, "--json")["status"] == "in_progress"
    assert (f.flow / "tasks" / f"{T1}.md").read_text() == spec  # no spec in the file: the spec is left alone


def test_delete_errors_and_dry_run(initialized_flowctl: Flowctl) -> None:
    f = workspace(initialized_flowctl)
    assert f.ok("checkpoint", "delete", "--epic", E, "--json") == {"deleted": False, "epic": E}
    assert f.ok("checkpoint", "delete", "--epic", E) == f"No checkpoint found for {E}\n"
    assert f.fail("checkpoint", "restore", "--epic", E).error == (
        f"No checkpoint found for {E}. Save one first with 'flowctl checkpoint save'.")
    assert f.fail("checkpoint", "save", "--epic", "fn-9").error == "Epic not found: fn-9"
    for args in (("save", "--epic", T1), ("restore", "--epic", "../../x"), ("delete", "--epic", "bad")):
        assert f.fail("checkpoint", *args).error == f"Invalid epic ID: {args[2]}"
    f.fail("checkpoint", "save", code=2)

    before = files(f)
    preview = f.ok("--dry-run", "checkpoint", "save", "--epic", E)
    assert preview["changes"]["mutations"][0]["store"] == "checkpoints"
    assert not (f.flow / ".state" / f"checkpoint-{E}.json").exists()
    f.ok("checkpoint", "save", "--epic", E)
    f.ok("done", T1, "--summary", "x")
    after_done = files(f)
    preview = f.ok("checkpoint", "restore", "--epic", E, "--dry-run")
    assert {m["op"] for m in preview["changes"]["mutations"]} == {"set_task_spec", "set_task_state"}
    assert files(f) == after_done and after_done != before
    assert f.ok("checkpoint", "delete", "--epic", E, "--dry-run")["changes"]["mutations"] == [
        {"key": E, "op": "delete", "store": "checkpoints"}]
    assert f.ok("checkpoint", "delete", "--epic", E, "--json") == {"deleted": True, "epic": E}
    assert not (f.flow / ".state" / f"checkpoint-{E}.json").exists()
