"""`flowctl hook auto-memory` on Claude Code's Stop payload, with real transcripts and a fake `gemini` on PATH."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from flowctl_runner import Flowctl
from hook_support import WRAPPER_GATED, FakeProgram, alive, base, hook, plugin_root, run_wrapper

LEARNED = [
    "We decided to use file locks instead of a database for the session store here.",
    "It turns out that the config loader silently ignores unknown keys in the file.",
    "Careful with the symlinked .flow directory when copying worktrees around.",
]
GEMINI_REPLY = ('Here you go:\n[{"type":"pitfall","content":"Never call sync IO in handlers"},'
                '{"type":"bogus","content":"x"},{"type":"decision","content":"Chose JSONL for the event log"}]\n')


def claude_line(role: str, text: str, n: int) -> dict:
    """One transcript line as Claude Code writes it: `type` at the top, `role` inside `message`."""
    content = [{"type": "text", "text": text}] if role == "assistant" else text
    if role == "assistant":
        content.append({"type": "tool_use", "id": f"toolu_{n}", "name": "Bash", "input": {"command": "ls"}})
    return {"parentUuid": f"u{n - 1}", "isSidechain": False, "userType": "external", "cwd": "/repo",
            "sessionId": "s", "version": "2.1.0", "type": role, "uuid": f"u{n}",
            "timestamp": "2026-12-05T10:00:00.000Z",
            "message": {"id": f"msg_{n}", "type": "message", "role": role, "model": "claude-opus-4",
                        "content": content}}


def write_transcript(path: Path, texts: list[str], legacy: bool = False) -> Path:
    lines = []
    for n, text in enumerate(texts):
        lines.append(claude_line("user", "please continue", 2 * n))
        line = claude_line("assistant", text, 2 * n + 1)
        if legacy:  # older logs: a top-level role
            line = {"role": "assistant", "message": {"content": line["message"]["content"]}}
        lines.append(line)
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return path


@pytest.fixture
def gemini(tmp_path: Path) -> FakeProgram:
    return FakeProgram(tmp_path / "bin", "gemini")


@pytest.fixture
def fc(initialized_flowctl: Flowctl, tmp_path: Path, gemini: FakeProgram) -> Flowctl:
    initialized_flowctl.env.update({"PATH": f"{gemini.dir}{os.pathsep}{initialized_flowctl.env['PATH']}",
                                    "TMPDIR": str(tmp_path)})
    return initialized_flowctl


def stop(fc: Flowctl, transcript: Path) -> dict:
    return base("Stop", fc.cwd, transcript_path=str(transcript), stop_hook_active=False)


def entries(fc: Flowctl) -> list[tuple[str, str]]:
    data = fc.ok("memory", "read", "--json")
    return [(e["type"], e["content"]) for e in data["entries"]]


def test_gemini_learnings_become_memory_entries(fc: Flowctl, gemini: FakeProgram, tmp_path: Path) -> None:
    gemini.answer(GEMINI_REPLY)
    transcript = write_transcript(tmp_path / "t.jsonl", LEARNED)
    run = hook(fc, "auto-memory", stop(fc, transcript))
    assert (run.code, run.out, run.err) == (0, "", "auto-memory: captured 2 entries via gemini\n")
    assert entries(fc) == [("pitfall", "Never call sync IO in handlers"),
                           ("decision", "Chose JSONL for the event log")]
    [call] = gemini.calls
    assert call["argv"][0] == "-p" and len(call["argv"]) == 2 and call["stdin"] == ""
    prompt = call["argv"][1]
    assert prompt.startswith("Analyze this AI coding session transcript and extract the most important learnings.")
    assert prompt.endswith("Transcript:\n" + "\n".join(LEARNED)) and "please continue" not in prompt
    assert call["cwd"] == str(fc.cwd)
    assert not list((fc.flow / "memory").glob("*.md"))  # no legacy pitfalls.md / conventions.md / decisions.md
    # The same session again: nothing new, nothing said.
    run = hook(fc, "auto-memory", stop(fc, transcript))
    assert (run.code, run.out, run.err) == (0, "", "")
    assert len(entries(fc)) == 2


@pytest.mark.parametrize("broken", ["exit", "empty", "garbage", "missing"])
def test_pattern_fallback(fc: Flowctl, gemini: FakeProgram, tmp_path: Path, broken: str) -> None:
    if broken == "exit":
        gemini.answer(GEMINI_REPLY, exit=1)
    elif broken == "garbage":
        gemini.answer("I cannot help with that.")
    elif broken == "missing":
        (gemini.dir / "gemini").unlink()
    transcript = write_transcript(tmp_path / "t.jsonl", LEARNED)
    run = hook(fc, "auto-memory", stop(fc, transcript))
    assert (run.code, run.err) == (0, "auto-memory: captured 3 entries via pattern\n")
    assert entries(fc) == [("decision", LEARNED[0]), ("convention", LEARNED[1]), ("pitfall", LEARNED[2])]


def test_hanging_gemini_times_out_and_falls_back(fc: Flowctl, gemini: FakeProgram, tmp_path: Path) -> None:
    gemini.answer(GEMINI_REPLY, sleep=60, child=True)
    transcript = write_transcript(tmp_path / "t.jsonl", LEARNED)
    t0 = time.monotonic()
    run = hook(fc, "auto-memory", stop(fc, transcript))
    assert 9.5 < time.monotonic() - t0 < 30  # the 10 s gemini budget, well inside the Stop hook's 45 s
    assert run.code == 0 and run.err == ("auto-memory: gemini timed out after 10s, falling back to pattern matching\n"
                                         "auto-memory: captured 3 entries via pattern\n")
    assert not alive(gemini.calls[0]["pid"]) and not alive(gemini.child_pid)


def test_multibyte_content_is_cut_on_a_character(fc: Flowctl, gemini: FakeProgram, tmp_path: Path) -> None:
    long = "a" + "é" * 150  # byte 200 falls inside an é: the reference aborted with a panic
    gemini.answer(json.dumps([{"type": "pitfall", "content": long}, {"type": "convention", "content": "   "}]))
    run = hook(fc, "auto-memory", stop(fc, write_transcript(tmp_path / "t.jsonl", LEARNED)))
    assert (run.code, run.err) == (0, "auto-memory: captured 1 entries via gemini\n")
    assert entries(fc) == [("pitfall", "a" + "é" * 99)]


def test_long_transcript_sends_both_ends(fc: Flowctl, gemini: FakeProgram, tmp_path: Path) -> None:
    gemini.answer("[]")
    texts = ["FIRST " + "x" * 30_000, "MIDDLE " + "y" * 30_000, "LAST " + "z" * 30_000]
    hook(fc, "auto-memory", stop(fc, write_transcript(tmp_path / "t.jsonl", texts)))
    prompt = gemini.calls[0]["argv"][1]
    body = prompt.split("Transcript:\n", 1)[1]
    head, tail = body.split("\n...[truncated]...\n")
    assert len(head.encode()) == 25_000 and len(tail.encode()) == 25_000
    assert head.startswith("FIRST ") and tail.endswith("z" * 100) and "MIDDLE" not in body


def test_legacy_top_level_role_lines_still_count(fc: Flowctl, gemini: FakeProgram, tmp_path: Path) -> None:
    gemini.answer(GEMINI_REPLY)
    run = hook(fc, "auto-memory", stop(fc, write_transcript(tmp_path / "t.jsonl", LEARNED, legacy=True)))
    assert run.err == "auto-memory: captured 2 entries via gemini\n"


@pytest.mark.parametrize("setting", [("memory.auto", "false"), ("memory.enabled", "false")])
def test_switched_off(fc: Flowctl, gemini: FakeProgram, tmp_path: Path, setting: tuple[str, str]) -> None:
    gemini.answer(GEMINI_REPLY)
    fc.ok("config", "set", *setting, "--json")
    run = hook(fc, "auto-memory", stop(fc, write_transcript(tmp_path / "t.jsonl", LEARNED)))
    assert (run.code, run.out, run.err) == (0, "", "")
    assert gemini.calls == []


def test_nothing_to_learn(fc: Flowctl, gemini: FakeProgram, tmp_path: Path) -> None:
    short = write_transcript(tmp_path / "t.jsonl", ["Done."])
    for payload in (stop(fc, short), stop(fc, tmp_path / "missing.jsonl"), base("Stop", fc.cwd), "garbage"):
        run = hook(fc, "auto-memory", payload)
        assert (run.code, run.out, run.err) == (0, "", "")
    assert gemini.calls == []


def test_without_flow(flowctl: Flowctl, gemini: FakeProgram, tmp_path: Path) -> None:
    flowctl.env["PATH"] = f"{gemini.dir}{os.pathsep}{flowctl.env['PATH']}"
    run = hook(flowctl, "auto-memory", stop(flowctl, write_transcript(tmp_path / "t.jsonl", LEARNED)))
    assert (run.code, run.out, run.err) == (0, "", "")
    assert gemini.calls == [] and not (flowctl.cwd / ".flow").exists()


def test_corrupt_memory_index_allows_and_explains(fc: Flowctl, gemini: FakeProgram, tmp_path: Path) -> None:
    gemini.answer(GEMINI_REPLY)
    fc.ok("memory", "add", "pitfall", "An existing entry about sync IO", "--json")
    index = fc.flow / "memory" / "index.jsonl"
    index.write_text(index.read_text() + "{torn\n")
    before = index.read_bytes()
    run = hook(fc, "auto-memory", stop(fc, write_transcript(tmp_path / "t.jsonl", LEARNED)))
    assert run.code == 0 and run.out == ""
    assert run.err.startswith("flowctl hook auto-memory: Corrupt file ") and "index.jsonl" in run.err
    assert "allowed" in run.err and index.read_bytes() == before  # named, never rewritten


def test_stop_wrapper_under_sh(fc: Flowctl, gemini: FakeProgram, tmp_path: Path) -> None:
    gemini.answer(GEMINI_REPLY)
    env = {"CLAUDE_PLUGIN_ROOT": str(plugin_root(tmp_path)), "PATH": fc.env["PATH"], "TMPDIR": str(tmp_path)}
    payload = stop(fc, write_transcript(tmp_path / "t.jsonl", LEARNED))
    proc = run_wrapper(WRAPPER_GATED.replace("{name}", "auto-memory"), payload, fc.cwd, env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "auto-memory: captured 2 entries via gemini\n")


def test_dry_run_previews_the_entries(fc: Flowctl, gemini: FakeProgram, tmp_path: Path) -> None:
    gemini.answer(GEMINI_REPLY)
    before = sorted(p.name for p in (fc.flow / "memory").rglob("*"))
    run = hook(fc, "auto-memory", stop(fc, write_transcript(tmp_path / "t.jsonl", LEARNED)), None, "--dry-run")
    preview = json.loads(run.out)
    assert run.code == 0 and run.err == "" and preview["dry_run"] is True
    contents = [m["value"] for m in preview["changes"]["mutations"] if m["op"] == "put"]
    assert contents == ["Never call sync IO in handlers", "Chose JSONL for the event log"]
    assert sorted(p.name for p in (fc.flow / "memory").rglob("*")) == before
