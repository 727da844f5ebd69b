"""`flowctl gap …` end to end: JSON (compact and not), plain text and its filter, files, errors, dry-run."""

from __future__ import annotations

import json

from flowctl_runner import Flowctl

E = "fn-1-auth-work"
LONG = "Archetype runtime inheritance limits (Claude Code loads agents as standalone .md files)"


def workspace(flowctl: Flowctl) -> Flowctl:
    flowctl.ok("epic", "create", "--title", "Auth work")
    return flowctl


def test_add_list_check_resolve_as_the_reference_prints_them(initialized_flowctl: Flowctl) -> None:
    f = workspace(initialized_flowctl)
    assert f.ok("gap", "add", "--epic", E, "--capability", "  Missing auth check  ", "--json") == {
        "created": True, "id": 1,
        "gap": {"capability": "Missing auth check", "id": 1, "priority": "required", "source": "manual",
                "status": "open"}}
    full = json.loads(f.tty("gap", "add", "--epic", E, "--title", "Optional caching", "--priority", "nice-to-have",
                            "--source", "flow-gap-analyst", "--json"))
    assert full["message"] == f"Gap 2 added to {E}" and full["success"] is True
    assert f.ok("gap", "add", "--epic", E, "--capability", "missing AUTH check", "--json")["created"] is False
    assert f.ok("gap", "add", "--epic", E, "--capability", "missing AUTH check") == (
        "Gap already exists: 1 \u2014 Missing auth check\n")
    assert f.ok("gap", "add", "--epic", E, "--capability", "Rate limiting", "--priority", "important",
                "--task", f"{E}.2") == "Gap 3 added: [important] Rate limiting\n"
    f.ok("gap", "add", "--epic", E, "--capability", LONG, "--priority", "important")
    assert json.loads((f.flow / "gaps" / f"{E}.json").read_text())[2] == {
        "id": 3, "capability": "Rate limiting", "priority": "important", "source": "manual", "resolved": False,
        "task": f"{E}.2"}

    # plain list: piped it goes through the `gap` filter (lines cut to 50 characters), on a terminal it is whole
    assert f.ok("gap", "list", "--epic", E) == (
        "  \u2717 1 [required] Missing auth check\n  \u2717 2 [nice-to-have] Optional caching\n"
        "  \u2717 3 [important] Rate limiting\n  \u2717 4 [important] Archetype runtime inheritance...\n")
    assert LONG in f.tty("gap", "list", "--epic", E)
    listed = f.ok("gap", "list", "--epic", E, "--json")
    assert listed["count"] == 4 and listed["epic"] == E and listed["gaps"][2]["task"] == f"{E}.2"
    assert f.ok("gap", "list", "--epic", E, "--status", "resolved") == f"No gaps for {E} (status=resolved)\n"

    run = f.fail("gap", "check", "--epic", E, "--json")  # the gate fails: exit 1 after printing the result
    assert [g["id"] for g in run.json["open_blocking"]] == [1, 3, 4] and run.json["gate"] == "fail"
    assert run.err == ""
    assert f.fail("gap", "check", "--epic", E).out.splitlines()[:2] == [
        f"Gap check FAIL for {E} \u2014 3 blocking gap(s):", "  \u2717 [required] Missing auth check"]
    assert LONG in f.fail("gap", "check", "--epic", E).out  # not filtered

    assert f.ok("gap", "resolve", "--epic", E, "--id", "1", "--evidence", "auth.py:42", "--json") == {
        "changed": True, "id": 1}
    assert f.ok("gap", "resolve", "--epic", E, "--capability", "  rate LIMITING ", "--evidence", "x", "--json") == {
        "capability": "  rate LIMITING ", "changed": True}
    assert f.ok("gap", "resolve", "--epic", E, "--id", "1", "--evidence", "again", "--json") == {
        "changed": False, "id": 1}
    assert f.ok("gap", "resolve", "4") == "Gap 4 resolved\n"  # positional id, no --epic, no --evidence
    stored = json.loads((f.flow / "gaps" / f"{E}.json").read_text())
    assert stored[0]["evidence"] == "auth.py:42" and stored[0]["resolved_at"].endswith("+00:00")
    assert "evidence" not in stored[3]
    assert f.ok("gap", "check", "--epic", E) == f"Gap check PASS for {E} (3 resolved, 1 non-blocking)\n"


def test_errors_use_the_core_envelope(initialized_flowctl: Flowctl) -> None:
    f = workspace(initialized_flowctl)
    f.ok("gap", "add", "--epic", E, "--capability", "A")
    for args, message in [
        (("gap", "add", "--epic", f"{E}.1", "--capability", "x"), f"Invalid epic ID: {E}.1"),
        (("gap", "list", "--epic", "../../etc"), "Invalid epic ID: ../../etc"),
        (("gap", "check", "--epic", "fn-9"), "Epic not found: fn-9"),
        (("gap", "add", "--epic", E, "--capability", "x", "--task", "../../x"), "Invalid task ID: ../../x"),
        (("gap", "add", "--epic", E, "--capability", "  "), "Capability cannot be empty"),
        (("gap", "resolve", "--epic", E, "--id", "x"), "Invalid gap ID: x"),
        (("gap", "resolve", "--epic", E, "--id", "9", "--evidence", "x"), "Gap 9 not found"),
        (("gap", "resolve", "--epic", E, "--capability", "nope"), "Gap for capability 'nope' not found"),
        (("gap", "resolve", "--epic", E), "Either --capability or --id is required"),
        (("gap", "resolve", "1", "--id", "2"), "Gap ID given twice: 1 and --id 2"),
    ]:
        run = f.fail(*args)
        assert (run.error, run.out) == (message, ""), args
    f.fail("gap", "add", "--epic", E, "--capability", "x", "--priority", "bogus", code=2)
    f.fail("gap", "list", "--epic", E, "--status", "bogus", code=2)
    f.fail("gap", "add", "--epic", E, code=2)
    assert not (f.flow / "gaps" / "x.json").exists()


def test_dry_run_previews_every_writing_subcommand(initialized_flowctl: Flowctl) -> None:
    f = workspace(initialized_flowctl)
    f.ok("gap", "add", "--epic", E, "--capability", "A")
    path = f.flow / "gaps" / f"{E}.json"
    before = path.read_bytes()
    preview = f.ok("--dry-run", "gap", "add", "--epic", E, "--capability", "B")
    [mutation] = preview["changes"]["mutations"]
    assert preview["dry_run"] is True and mutation["op"] == "put" and len(mutation["value"]) == 2
    preview = f.ok("gap", "resolve", "--epic", E, "--id", "1", "--evidence", "e", "--dry-run", "--json")
    assert preview["changes"]["mutations"][0]["value"][0]["evidence"] == "e"
    assert path.read_bytes() == before


def test_without_flow_directory(flowctl: Flowctl) -> None:
    assert flowctl.fail("gap", "list", "--epic", E).error == ".flow/ does not exist. Run 'flowctl init' first."
    assert not flowctl.flow.exists()
