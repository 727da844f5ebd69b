"""The review loop of the plugin's review skills, end to end in a real git repository.

A task is completed with a codex receipt (archived by `done`), a second reviewer's receipt lands next to it,
`review-backend --epic` compares them, the disagreeing reviewer's output goes through `parse-findings --register`
(as `skills/_shared/rp-review-protocol.md` calls it), the registered gaps hold `epic close`, and resolving them
lets the epic close. Every step checks both the output and the files under `.flow/`.
"""

from __future__ import annotations

import json

REVIEW_RESPONSE = """### Code Quality

- **Severity**: Critical — the callback trusts `state`.

<findings>
[
  {"title": "OAuth state not checked", "severity": "P0", "file": "src/oauth/callback.py", "line": 31,
   "why_it_matters": "login CSRF", "confidence": 0.92, "autofix_class": "gated_auto",
   "evidence": ["callback() never reads session['state']"]},
  {"title": "Token refresh has no jitter", "severity": "P1", "file": "src/oauth/refresh.py", "line": 12,
   "confidence": 0.7, "autofix_class": "manual", "evidence": ["sleep(60)"],},
  {"title": "Docstring typo", "severity": "P3", "file": "src/oauth/__init__.py", "line": 1, "confidence": 0.9,
   "evidence": []}
]
</findings>

<verdict>NEEDS_WORK</verdict>
"""


def test_review_loop(initialized_flowctl):
    f = initialized_flowctl
    epic = f.ok("epic", "create", "--title", "Add OAuth login", "--json")["id"]
    task = f.ok("task", "create", "--epic", epic, "--title", "Callback", "--json")["id"]
    f.ok("config", "set", "review.backend", "codex")
    assert f.ok("review-backend") == "codex\n"

    f.ok("start", task, "--json")
    receipt = {"type": "impl_review", "id": task, "mode": "codex", "verdict": "SHIP",
               "timestamp": "2026-11-26T10:00:00Z", "review": "<verdict>SHIP</verdict>"}
    f.ok("done", task, "--summary", "Callback wired", "--evidence",
         json.dumps({"commits": ["a1b2c3d"], "tests": [], "prs": [], "review_receipt": receipt}), "--json")
    reviews = f.flow / "reviews"
    assert json.loads((reviews / f"impl_review-{task}-codex.json").read_text())["verdict"] == "SHIP"

    # A second reviewer (rp) disagrees; its receipt is written where the skill writes it.
    (reviews / f"completion_review-{epic}.rp.json").write_text(json.dumps(
        {"type": "completion_review", "id": epic, "mode": "rp", "verdict": "NEEDS_WORK",
         "timestamp": "2026-11-26T10:05:00Z"}))
    comparison = f.ok("review-backend", "--epic", epic, "--json")
    assert comparison["verdicts"] == {"codex": "SHIP", "rp": "NEEDS_WORK"}
    assert (comparison["has_conflict"], comparison["consensus"], comparison["reviews"]) == (True, None, 2)

    # The skill saves the reviewer's answer and registers its findings as gaps.
    (f.cwd / "review-response.txt").write_text(REVIEW_RESPONSE)
    before = (f.flow / "gaps").exists() and sorted(p.name for p in (f.flow / "gaps").iterdir())
    preview = f.ok("--dry-run", "parse-findings", "--file", "review-response.txt", "--epic", epic, "--register",
                   "--source", "impl-review", "--json")
    assert preview["dry_run"] is True
    assert ((f.flow / "gaps").exists() and sorted(p.name for p in (f.flow / "gaps").iterdir())) == before
    result = f.ok("parse-findings", "--file", "review-response.txt", "--epic", epic, "--register",
                  "--source", "impl-review", "--json")
    assert (result["count"], result["registered"]) == (3, 2)
    stored = json.loads((f.flow / "gaps" / f"{epic}.json").read_text())
    assert [(g["id"], g["priority"], g["source"], g["resolved"]) for g in stored] == [
        (1, "required", "impl-review", False), (2, "important", "impl-review", False)]

    # The gaps hold the epic open until they are resolved.
    refused = f.fail("epic", "close", epic)
    assert "gap" in refused.error.lower()
    for gap in stored:
        f.ok("gap", "resolve", "--epic", epic, "--id", str(gap["id"]), "--evidence", "fixed in a1b2c3e", "--json")
    assert f.ok("gap", "check", "--epic", epic, "--json")["gate"] == "pass"
    f.ok("epic", "close", epic, "--json")
    assert json.loads((f.flow / "epics" / f"{epic}.json").read_text())["status"] == "done"

    # The figures see the whole loop.
    summary = f.ok("stats", "summary")
    assert (summary["done_tasks"], summary["open_epics"]) == (1, 0)
    assert f.ok("stats", "rollup")["rollups"][-1]["epics_completed"] == 1


def test_concurrent_registrations_keep_every_finding_once(initialized_flowctl):
    """Ten reviews registered at the same moment: every finding is a gap exactly once, ids distinct.

    Goes red with the store lock made a no-op (registrations overwrite each other's gap file).
    """
    f = initialized_flowctl
    epic = f.ok("epic", "create", "--title", "Racing reviews", "--json")["id"]
    racers = 10
    for i in range(racers):
        items = [{"title": f"Finding {i}-{k}", "severity": "P1", "file": f"src/m{i}.py", "line": k,
                  "confidence": 0.9, "evidence": []} for k in (1, 2)]
        items.append({"title": "Shared finding", "severity": "P0", "file": "src/shared.py", "line": 1,
                      "confidence": 0.9, "evidence": []})
        (f.cwd / f"review-{i}.txt").write_text(f"<findings>{json.dumps(items)}</findings>")
    runs = f.race(*[("parse-findings", "--file", f"review-{i}.txt", "--epic", epic, "--register", "--json")
                    for i in range(racers)])
    assert [(r.code, r.err) for r in runs] == [(0, "")] * racers
    assert all(json.loads(r.out)["registered"] == 3 for r in runs)
    stored = json.loads((f.flow / "gaps" / f"{epic}.json").read_text())
    assert sorted(g["id"] for g in stored) == list(range(1, 2 * racers + 2))
    expected = {f"Finding {i}-{k} (src/m{i}.py:{k})" for i in range(racers) for k in (1, 2)}
    assert {g["capability"] for g in stored} == expected | {"Shared finding (src/shared.py:1)"}
