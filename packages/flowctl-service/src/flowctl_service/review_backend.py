"""`review-backend [--compare F,..] [--epic E]`: which reviewer to use, and how review receipts agree (cli-core §3.9).

Read-only. The backend comes from `FLOW_REVIEW_BACKEND` when it is set at all, else from `review.backend` in the
config; anything but `rp`, `codex` or `none` reads as `ASK`. Receipts are the JSON files under `.flow/reviews/`
(read through the `reviews` sub-store) or the files named by `--compare`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl_core.errors import CorruptFileError, InvalidInputError, os_error_text
from flowctl_db import FlowStore

BACKENDS = ("rp", "codex", "none")
ASK = {"backend": "ASK", "source": "none"}


def backend(store: FlowStore, env: dict[str, str]) -> dict[str, str]:
    """`{"backend", "source"}`: env (`source: env`) → config (`source: config`) → `ASK` (`source: none`).

    A set but invalid `FLOW_REVIEW_BACKEND` gives ASK without looking at the config, as in the reference. A corrupt
    `config.json` is an error naming it (the reference read it as empty and answered ASK).
    """
    if "FLOW_REVIEW_BACKEND" in env:
        value = env["FLOW_REVIEW_BACKEND"].strip()
        return {"backend": value, "source": "env"} if value in BACKENDS else dict(ASK)
    if not store.exists():
        return dict(ASK)
    from flowctl_core import config as cfg

    merged, _ = cfg.deep_merge_defaults(store.config.read())
    value = cfg.get_path(merged, "review.backend")
    return {"backend": value, "source": "config"} if value in BACKENDS else dict(ASK)


def epic_receipt_names(store: FlowStore, epic_id: str) -> list[str]:
    """Names of `reviews/*.json` containing `-<epic>.`, sorted ([] when `reviews/` does not exist).

    Per-task receipts (`impl_review-<epic>.1-codex.json`) match too, exactly as in the reference.
    """
    marker = f"-{epic_id}."
    return [n for n in store.reviews.names() if marker in n and n.endswith(".json")]


def _decode(label: str, data: bytes | None) -> str:
    if data is None:
        raise InvalidInputError(f"Receipt file not found: {label}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidInputError(f"Could not read receipt: {label}: stream did not contain valid UTF-8") from err


def _receipt_summary(label: str, text: str) -> dict[str, Any]:
    """One receipt as `{"file", "id", "mode", "review", "timestamp", "verdict"}` (missing strings defaulted)."""
    from flowctl_core import payloads

    receipt = payloads.loads(text, f"Invalid receipt JSON: {label}")
    if not isinstance(receipt, dict):
        receipt = {}

    def text_of(key: str, default: str) -> str:
        value = receipt.get(key)
        return value if isinstance(value, str) else default

    return {"file": label, "mode": text_of("mode", "unknown"), "verdict": text_of("verdict", "unknown"),
            "id": text_of("id", "unknown"), "timestamp": text_of("timestamp", ""), "review": text_of("review", "")}


def _read_user_file(cwd: Path, name: str) -> bytes | None:
    """The bytes of a `--compare` file (relative to `cwd`), None when it does not exist."""
    path = cwd / name if name else None
    if path is None or not path.exists():
        return None
    try:
        return path.read_bytes()
    except OSError as err:
        raise InvalidInputError(f"Could not read receipt: {name}: {os_error_text(err)}") from err


def compare(store: FlowStore, cwd: Path, compare_files: str | None, epic_id: str | None) -> dict[str, Any] | None:
    """The receipt comparison, or None when there is nothing to compare (the caller then reports the backend).

    `--epic` (without `--compare`) collects the epic's receipts under `.flow/reviews/`; when it finds none, or
    without `--epic`, `--compare a.json,b.json` names the files (relative to the working directory).
    """
    summaries: list[dict[str, Any]] = []
    if epic_id is not None and compare_files is None:
        for name in epic_receipt_names(store, epic_id):
            label = str(store.flow_dir / "reviews" / name)
            try:
                text = store.reviews.read_text(name)
            except CorruptFileError as err:  # not UTF-8
                raise InvalidInputError(f"Could not read receipt: {label}: stream did not contain valid UTF-8") from err
            summaries.append(_receipt_summary(label, _decode(label, None) if text is None else text))
    if not summaries:
        if compare_files is None:
            return None
        summaries = [_receipt_summary(name, _decode(name, _read_user_file(cwd, name)))
                     for name in (part.strip() for part in compare_files.split(","))]
    verdicts: dict[str, str] = {}
    for summary in summaries:  # a later receipt of the same mode wins
        verdicts[summary["mode"]] = summary["verdict"]
    distinct = set(verdicts.values())
    consensus = next(iter(distinct)) if len(distinct) == 1 else None
    return {"reviews": len(summaries), "verdicts": verdicts, "consensus": consensus,
            "has_conflict": len(distinct) > 1, "details": summaries}


def compare_text(payload: dict[str, Any]) -> str:
    """Plain form of a comparison: one line per receipt, then `Consensus: V` or the disagreeing verdicts by mode."""
    lines = [f"Review Comparison ({payload['reviews']} reviews):", ""]
    lines += [f"  [{r['mode']}] verdict: {r['verdict']}  ({r['file']})" for r in payload["details"]]
    lines.append("")
    if payload["has_conflict"]:
        lines.append("CONFLICT \u2014 reviewers disagree:")
        lines += [f"  {mode}: {verdict}" for mode, verdict in sorted(payload["verdicts"].items())]
    else:
        lines.append(f"Consensus: {payload['consensus'] or ''}")
    return "\n".join(lines) + "\n"
