"""`plan-depth --request`: classify a planning request as quick, standard or deep (cli-ext.md §20).

Stateless: no file is read or written. Keyword matching is a case-insensitive substring test, exactly as the
reference (so `debug` counts as `bug`); a deep keyword always wins.
"""

from __future__ import annotations

from typing import Any

QUICK_KEYWORDS = ("fix", "bug", "typo", "错误", "修复")
DEEP_KEYWORDS = ("architecture", "refactor", "migration", "重构", "架构")

STEPS: dict[str, tuple[str, ...]] = {
    "quick": ("init", "write", "validate", "return"),
    "standard": ("init", "clarity", "skill-route", "research", "gap-analysis", "write", "validate"),
    "deep": ("init", "clarity", "skill-route", "research", "gap-analysis", "depth", "constraints", "dependencies",
             "risks", "write", "review", "refine", "validate", "memory", "return"),
}

# Extensions that make a bare word count as a file reference.
_CODE_EXTENSIONS = frozenset(("rs", "py", "js", "ts", "tsx", "jsx", "go", "java", "rb", "md", "json", "yaml", "yml",
                              "toml", "css", "html", "sql", "sh", "c", "cpp", "h"))


def count_file_refs(request: str) -> int:
    """Words that look like files: a path (`/` or `\\` plus a `.`) or a name ending in a known code extension."""
    count = 0
    for word in request.split():
        w = word.strip("\"'`,")
        if ("/" in w or "\\" in w) and "." in w:
            count += 1
        elif "." in w and w.rsplit(".", 1)[1] in _CODE_EXTENSIONS:
            count += 1
    return count


def classify(request: str) -> dict[str, Any]:
    """`{"depth", "steps", "step_count"}`: deep keyword → deep; quick keyword with ≤ 2 file refs → quick; else standard.

    `step_count` is the length of `steps` (the reference printed 10 for the 7 standard steps).
    """
    lower = request.lower()
    if any(k in lower for k in DEEP_KEYWORDS):
        depth = "deep"
    elif any(k in lower for k in QUICK_KEYWORDS) and count_file_refs(request) <= 2:
        depth = "quick"
    else:
        depth = "standard"
    steps = list(STEPS[depth])
    return {"depth": depth, "steps": steps, "step_count": len(steps)}


def classify_text(payload: dict[str, Any]) -> str:
    """Plain form: `depth: D`, `steps: N`, `sequence: a, b, …`."""
    return (f"depth: {payload['depth']}\nsteps: {payload['step_count']}\n"
            f"sequence: {', '.join(payload['steps'])}\n")
