"""The real files quoted in storage.md §3, verbatim, shared by test_records.py and test_models.py."""

from __future__ import annotations

# §3.1 — `epic create --title "Add OAuth login"`.
EPIC_CREATED = r'''{
  "id": "fn-3-add-oauth-login",
  "title": "Add OAuth login",
  "status": "open",
  "branch_name": "fn-3-add-oauth-login",
  "plan_review": "unknown",
  "completion_review": "unknown",
  "archived": false,
  "file_path": "specs/fn-3-add-oauth-login.md",
  "created_at": "2026-11-26T14:49:46.280348263Z",
  "updated_at": "2026-11-26T14:49:46.280348263Z"
}'''

# §3.1 — after plan, review, set-backend, auto-exec, add-dep.
EPIC_FULL = r'''{
  "id": "fn-3-add-oauth-login",
  "title": "Add OAuth login",
  "status": "open",
  "branch_name": "fn-3-add-oauth-login",
  "plan_review": "passed",
  "completion_review": "unknown",
  "depends_on_epics": [
    "fn-1-base"
  ],
  "default_impl": "codex:gpt-5",
  "default_review": "rp",
  "default_sync": "none",
  "auto_execute_pending": true,
  "auto_execute_set_at": "2026-11-26T14:49:46.330206124+00:00",
  "archived": false,
  "file_path": "specs/fn-3-add-oauth-login.md",
  "created_at": "2026-11-26T14:49:46.280348263Z",
  "updated_at": "2026-11-26T14:49:46.333235528Z"
}'''

# §3.2 — `task create` with every option.
TASK_FULL = r'''{
  "id": "fn-3-add-oauth-login.2",
  "epic": "fn-3-add-oauth-login",
  "title": "Wire callback handler",
  "status": "todo",
  "priority": 1,
  "domain": "backend",
  "depends_on": [
    "fn-3-add-oauth-login.1"
  ],
  "files": [
    "src/auth/callback.rs"
  ],
  "file_path": ".flow/tasks/fn-3-add-oauth-login.2.md",
  "created_at": "2026-11-26T14:49:46.304449427Z",
  "updated_at": "2026-11-26T14:49:46.304449427Z"
}'''

# §3.2 — the minimal task, built from the key list the spec gives for it.
TASK_MINIMAL = r'''{
  "id": "fn-3-add-oauth-login.1",
  "epic": "fn-3-add-oauth-login",
  "title": "Register OAuth app",
  "status": "todo",
  "domain": "general",
  "file_path": ".flow/tasks/fn-3-add-oauth-login.1.md",
  "created_at": "2026-11-26T14:49:46.294505011Z",
  "updated_at": "2026-11-26T14:49:46.294505011Z"
}'''

# §3.3 — the state files.
STATE_BLANK = r'''{
  "status": "todo",
  "retry_count": 0,
  "updated_at": "2026-11-26T14:49:46.294507275Z"
}'''

STATE_STARTED = r'''{
  "status": "in_progress",
  "assignee": "dev@example.com",
  "claimed_at": "2026-11-26T14:49:46.339379654Z",
  "retry_count": 0,
  "updated_at": "2026-11-26T14:49:46.339380675Z"
}'''

STATE_DONE = r'''{
  "status": "done",
  "assignee": "dev@example.com",
  "claimed_at": "2026-11-26T14:49:46.339379654Z",
  "completed_at": "2026-11-26T14:49:48.348195989Z",
  "evidence": {
    "commits": [
      "9f1c2ab"
    ],
    "tests": [
      "cargo test -p auth"
    ]
  },
  "duration_seconds": 2,
  "retry_count": 0,
  "updated_at": "2026-11-26T14:49:48.348195989Z"
}'''

STATE_BLOCKED = r'''{
  "status": "blocked",
  "assignee": "dev@example.com",
  "claimed_at": "2026-11-26T14:49:48.356320098Z",
  "blocked_reason": "waiting for API keys",
  "retry_count": 0,
  "updated_at": "2026-11-26T14:49:48.359376562Z"
}'''

STATE_UP_FOR_RETRY = r'''{
  "status": "up_for_retry",
  "assignee": "dev@example.com",
  "retry_count": 1,
  "updated_at": "2026-11-26T14:49:48.373100708Z"
}'''

# §3.4 — the full evidence shape as the spec prints it (arrays compact) …
EVIDENCE_FULL_AS_PRINTED = r'''{
  "commits": ["9f1c2ab", "0d4e6f1"],
  "tests": ["cargo test -p auth"],
  "prs": ["https://github.com/acme/app/pull/42"],
  "files_changed": 3,
  "insertions": 120,
  "deletions": 8,
  "review_iterations": 2,
  "workspace_changes": {
    "baseline_rev": "a1b2c3d",
    "final_rev": "0d4e6f1",
    "files_changed": 3,
    "insertions": 120,
    "deletions": 8
  }
}'''

# … and as it is on disk ("on disk every array element is on its own line").
EVIDENCE_FULL = r'''{
  "commits": [
    "9f1c2ab",
    "0d4e6f1"
  ],
  "tests": [
    "cargo test -p auth"
  ],
  "prs": [
    "https://github.com/acme/app/pull/42"
  ],
  "files_changed": 3,
  "insertions": 120,
  "deletions": 8,
  "review_iterations": 2,
  "workspace_changes": {
    "baseline_rev": "a1b2c3d",
    "final_rev": "0d4e6f1",
    "files_changed": 3,
    "insertions": 120,
    "deletions": 8
  }
}'''

# §3.6, §3.7 — meta.json (43 bytes) and the default config.json (239 bytes).
META = '{\n  "next_epic": 1,\n  "schema_version": 1\n}'

CONFIG_DEFAULT = r'''{
  "memory": {
    "enabled": true
  },
  "outputs": {
    "enabled": true
  },
  "planSync": {
    "crossEpic": false,
    "enabled": true
  },
  "review": {
    "backend": null
  },
  "scouts": {
    "github": false
  },
  "stack": {}
}'''

# §3.8 — gaps/<epic>.json.
GAPS = r'''[
  {
    "id": 1,
    "capability": "Missing CSRF protection",
    "priority": "required",
    "source": "flow-gap-analyst",
    "resolved": false
  }
]'''

# §3.9 — .state/locks.json.
LOCKS = r'''[
  {
    "file_path": "src/auth/callback.rs",
    "task_id": "fn-3-add-oauth-login.2",
    "mode": "write",
    "locked_at": "2026-11-26T14:49:48.379139046+00:00"
  }
]'''

# §3.10, §3.11 — pipeline and worker phases.
PIPELINE = r'''{
  "fn-3-add-oauth-login": "work",
  "fn-4-billing": "plan"
}'''

PHASES = r'''{
  "fn-3-add-oauth-login.2": [
    "1",
    "2",
    "5"
  ]
}'''

# §3.12 — .state/approvals.json.
APPROVALS = r'''[
  {
    "created_at": 1795704588,
    "id": "apv-1a21855885f-16dc1374",
    "kind": "file_access",
    "payload": {
      "file": "src/auth.rs"
    },
    "reason": null,
    "resolved_at": null,
    "resolver": null,
    "status": "pending",
    "task_id": "fn-3-add-oauth-login.2"
  }
]'''

# §3.13 — event lines, in file order.
EVENTS = r'''{"actor":"dev@example.com","entity_id":"fn-3-add-oauth-login.1","epic_id":"fn-3-add-oauth-login","session_id":"","stream_id":"mutation:fn-3-add-oauth-login","task_id":"fn-3-add-oauth-login.1","timestamp":"2026-11-26T14:49:46.296492477+00:00","type":"task.create"}
{"actor":"dev@example.com","entity_id":"fn-3-add-oauth-login.1","epic_id":"fn-3-add-oauth-login.1","session_id":"","stream_id":"mutation:fn-3-add-oauth-login.1","task_id":"fn-3-add-oauth-login.1","timestamp":"2026-11-26T14:49:46.296531565+00:00","type":"task_spec.set"}
{"actor":"dev@example.com","entity_id":"fn-3-add-oauth-login.1","epic_id":"fn-3-add-oauth-login.1","session_id":"","stream_id":"mutation:fn-3-add-oauth-login.1","task_id":"fn-3-add-oauth-login.1","timestamp":"2026-11-26T14:49:46.296578124+00:00","type":"task_state.set"}
{"epic_id":"fn-3-add-oauth-login","stream_id":"task:fn-3-add-oauth-login.1","task_id":"fn-3-add-oauth-login.1","timestamp":"2026-11-26T14:49:46.339561955+00:00","type":"task_started"}
{"actor":"lifecycle","source_cmd":"flowctl start","stream_id":"task:fn-3-add-oauth-login.1","timestamp":"2026-11-26T14:49:46.339581644+00:00","type":"started"}
{"epic_id":"fn-3-add-oauth-login","stream_id":"task:fn-3-add-oauth-login.1","task_id":"fn-3-add-oauth-login.1","timestamp":"2026-11-26T14:49:48.348654059+00:00","type":"task_completed"}
{"actor":"lifecycle","source_cmd":"flowctl done","stream_id":"task:fn-3-add-oauth-login.1","timestamp":"2026-11-26T14:49:48.348672957+00:00","type":"completed"}
{"actor":"lifecycle","source_cmd":"flowctl block","stream_id":"task:fn-3-add-oauth-login.2","timestamp":"2026-11-26T14:49:48.359631772+00:00","type":"blocked"}
{"epic_id":"fn-3-add-oauth-login","stream_id":"task:fn-3-add-oauth-login.2","task_id":"fn-3-add-oauth-login.2","timestamp":"2026-11-26T14:49:48.373451550+00:00","type":"task_failed"}
{"actor":"lifecycle","source_cmd":"flowctl fail","stream_id":"task:fn-3-add-oauth-login.2","timestamp":"2026-11-26T14:49:48.373478650+00:00","type":"failed"}
{"epic_id":"_global","key":"review_backend","reason":"rp-cli on PATH","stream_id":"decision:_global","task_id":null,"timestamp":"2026-11-26T14:49:48.392232754+00:00","type":"decision","value":"rp"}
'''

# §3.14 — .state/checkpoint-fn-4-billing.json.
CHECKPOINT = r'''{
  "epic": {
    "archived": false,
    "branch_name": "fn-4-billing",
    "completion_review": "unknown",
    "created_at": "2026-11-26T14:49:46.289366762Z",
    "file_path": "specs/fn-4-billing.md",
    "id": "fn-4-billing",
    "plan_review": "passed",
    "status": "open",
    "title": "Billing",
    "updated_at": "2026-11-26T14:49:48.440898959Z"
  },
  "tasks": [
    {
      "state": {
        "retry_count": 0,
        "status": "todo",
        "updated_at": "2026-11-26T14:49:48.436913423Z"
      },
      "task": {
        "created_at": "2026-11-26T14:49:48.436911060Z",
        "domain": "general",
        "epic": "fn-4-billing",
        "file_path": ".flow/tasks/fn-4-billing.1.md",
        "id": "fn-4-billing.1",
        "status": "todo",
        "title": "Invoice model",
        "updated_at": "2026-11-26T14:49:48.436913423Z"
      }
    }
  ],
  "timestamp": "2026-11-26T14:49:48.443807108+00:00"
}'''

# §3.16 — memory index line (with its newline) and stats.
MEMORY_INDEX_LINE = r'''{"created":"2026-11-26","file":"001-pitfall.md","hash":"dd38051ce384","id":1,"last_verified":"2026-11-26","module":"auth","severity":"high","summary":"Always verify the OAuth state param in the auth callback; a missing CSRF check broke login","tags":["auth","csrf","oauth","login"],"track":"bug","type":"pitfall"}
'''

MEMORY_STATS = r'''{
  "1": {
    "last_ref": "2026-11-26T14:49:48Z",
    "refs": 1
  }
}'''

# §3.18 — review receipts.
RECEIPT_DONE = r'''{
  "mode": "rp",
  "timestamp": "2026-04-07T12:22:00Z",
  "type": "impl_review",
  "verdict": "SHIP"
}'''

RECEIPT_DONE_MINIMAL = '{\n  "verdict": "SHIP"\n}'

EPIC_AUDIT = r'''{
  "audit": {
    "coverage_score": null,
    "gaps": [],
    "notes": "Pending auditor agent — run agents/epic-auditor.md against this payload.",
    "recommendations": [],
    "redundancies": []
  },
  "epic": {
    "id": "fn-4-billing",
    "spec_body": "# fn-4-billing Billing\n\n## Overview\nTBD\n…## References\n- TBD\n",
    "status": "open",
    "title": "Billing"
  },
  "epic_id": "fn-4-billing",
  "generated_at": "2026-11-26T14:49:48.463178631+00:00",
  "kind": "epic-audit-payload",
  "schema_version": 1,
  "task_count": 1,
  "tasks": [
    {
      "depends_on": [],
      "domain": "general",
      "files": [],
      "id": "fn-4-billing.1",
      "status": "todo",
      "title": "Invoice model"
    }
  ]
}'''

# Codex receipts end with a newline.
RECEIPT_CODEX = r'''{
  "base": "main",
  "id": "fn-3-add-oauth-login.2",
  "mode": "codex",
  "review": "{\"type\":\"thread.started\",\"thread_id\":\"th_123\"}\nLooks fine. <verdict>SHIP</verdict>\n",
  "session_id": "th_123",
  "timestamp": "2026-11-26T14:51:52.427922564+00:00",
  "type": "impl_review",
  "verdict": "SHIP"
}
'''

# §3.20 — dry-run preview of `task create` (one compact line, spec content shortened as in the spec).
DRY_RUN_PREVIEW = r'''{"changes":{"mutations":[{"op":"create_task","task":{"created_at":"2026-11-26T14:47:35.164482929Z","domain":"general","epic":"fn-2-core-infra","file_path":".flow/tasks/fn-2-core-infra.2.md","id":"fn-2-core-infra.2","status":"todo","title":"Dry","updated_at":"2026-11-26T14:47:35.164482929Z"}},{"content":"# fn-2-core-infra.2 Dry\n\n## Description\nTBD\n…- PRs:\n","op":"set_task_spec","task_id":"fn-2-core-infra.2"},{"op":"set_task_state","state":{"retry_count":0,"status":"todo","updated_at":"2026-11-26T14:47:35.164488127Z"},"task_id":"fn-2-core-infra.2"}]},"dry_run":true}
'''

# Struct-ordered files: (name, records table name, text).
STRUCT_FILES = [
    ("epic_created", "epic", EPIC_CREATED),
    ("epic_full", "epic", EPIC_FULL),
    ("task_full", "task", TASK_FULL),
    ("task_minimal", "task", TASK_MINIMAL),
    ("state_blank", "task state", STATE_BLANK),
    ("state_started", "task state", STATE_STARTED),
    ("state_done", "task state", STATE_DONE),
    ("state_blocked", "task state", STATE_BLOCKED),
    ("state_up_for_retry", "task state", STATE_UP_FOR_RETRY),
    ("evidence_full", "evidence", EVIDENCE_FULL),
]
