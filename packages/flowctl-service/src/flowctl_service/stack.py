"""`stack detect | set | show`: the project's tech-stack profile, the `stack` key of config.json (cli-ext §9).

Detection reads marker files at the repository root. Departures (docs/decisions.md, worker loop): it is
deterministic (a sub-directory Cargo.toml is looked for in sorted name order, not directory-listing order); a
Python or Go backend replaces a sub-directory Rust one instead of keeping its stale cargo commands (Appendix B 23);
a corrupt config.json is an error naming the file and is never replaced by `{"stack": …}`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flowctl_core import payloads
from flowctl_core.errors import InvalidInputError
from flowctl_db import FlowStore

from . import commands_runner as runner

_FRONTEND_DIRS = ("", "frontend", "client", "web", "app")
_COMPOSE = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return ""


def _exists(path: Path) -> bool:
    """Whether a marker exists (the reference tests existence only: a directory named like a marker counts)."""
    return path.exists()


def _rust(root: Path) -> tuple[Path, Path] | None:
    """(crate dir, Cargo.toml): the root's, else the first sub-directory (by name) that has one."""
    if _exists(root / "Cargo.toml"):
        return root, root / "Cargo.toml"
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return None
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and _exists(Path(entry.path) / "Cargo.toml"):
            return Path(entry.path), Path(entry.path) / "Cargo.toml"
    return None


def _backend(root: Path) -> dict[str, Any]:
    backend: dict[str, Any] = {}
    rust = _rust(root)
    if rust is not None:
        crate, cargo = rust
        prefix = "" if crate == root else f"cd {crate.name} && "
        backend = {"language": "rust", "test": f"{prefix}cargo test --all",
                   "lint": f"{prefix}cargo clippy --all-targets -- -D warnings", "typecheck": f"{prefix}cargo check"}
        text = _read(cargo)
        for name in ("actix", "axum", "rocket"):
            if name in text:
                backend["framework"] = name
                break
    root_cargo = _exists(root / "Cargo.toml")
    markers = [root / n for n in ("pyproject.toml", "requirements.txt", "setup.py")]
    has_python = any(_exists(m) for m in markers)
    if has_python and not root_cargo:
        text = _read(root / "pyproject.toml") + _read(root / "requirements.txt")
        lower = text.lower()
        manage = _exists(root / "manage.py")
        backend = {"language": "python"}  # a sub-directory crate's cargo commands do not apply (Appendix B 23)
        if manage or "django" in lower:
            backend["framework"] = "django"
            conventions = []
            if "rest_framework" in text or "djangorestframework" in text:
                conventions.append("DRF")
            if "celery" in lower:
                conventions.append("Celery")
            if conventions:
                backend["conventions"] = ", ".join(conventions)
        elif "flask" in lower:
            backend["framework"] = "flask"
        elif "fastapi" in lower:
            backend["framework"] = "fastapi"
        if "pytest" in text:
            backend["test"] = "pytest"
        elif manage:
            backend["test"] = "python manage.py test"
        if "ruff" in text:
            backend["lint"] = "ruff check"
        elif "flake8" in text:
            backend["lint"] = "flake8"
        if "mypy" in text:
            backend["typecheck"] = "mypy"
        elif "pyright" in text:
            backend["typecheck"] = "pyright"
    if _exists(root / "go.mod") and not has_python and not root_cargo:
        text = _read(root / "go.mod")
        backend = {"language": "go", "test": "go test ./...", "lint": "golangci-lint run"}
        for needle, name in (("gin-gonic", "gin"), ("labstack/echo", "echo"), ("gofiber", "fiber")):
            if needle in text:
                backend["framework"] = name
                break
    return backend


def _package_json(root: Path) -> tuple[Path, dict[str, Any]] | None:
    """The candidate package.json with the most dependencies (ties keep the earlier one); unparseable ones skipped."""
    best: tuple[Path, dict[str, Any]] | None = None
    best_count = -1
    for sub in _FRONTEND_DIRS:
        path = (root / sub / "package.json") if sub else root / "package.json"
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        count = sum(len(d) for d in (data.get("dependencies"), data.get("devDependencies")) if isinstance(d, dict))
        if count > best_count:
            best, best_count = (path, data), count
    return best


def _frontend(root: Path) -> dict[str, Any]:
    found = _package_json(root)
    if found is None:
        return {}
    path, pkg = found
    deps: dict[str, Any] = {}
    for key in ("dependencies", "devDependencies"):
        if isinstance(pkg.get(key), dict):
            deps.update(pkg[key])
    folder = path.parent
    front: dict[str, Any] = {}
    typescript = any(_exists(p) for p in (root / "tsconfig.json", folder / "tsconfig.json",
                                           folder / "tsconfig.app.json"))
    front["language"] = "typescript" if typescript else "javascript"
    for dep, name in (("react", "react"), ("vue", "vue"), ("svelte", "svelte"), ("@angular/core", "angular")):
        if dep in deps:
            front["framework"] = name
            break
    for dep, name in (("next", "nextjs"), ("nuxt", "nuxt"), ("@remix-run/react", "remix")):
        if dep in deps:
            front["meta_framework"] = name
            break
    if _exists(folder / "pnpm-lock.yaml"):
        pm = "pnpm"
    elif _exists(folder / "yarn.lock"):
        pm = "yarn"
    elif _exists(folder / "bun.lockb") or _exists(folder / "bun.lock"):
        pm = "bun"
    else:
        pm = "npm"
    prefix = "" if folder == root else f"cd {folder.relative_to(root).as_posix()} && "
    scripts = pkg.get("scripts")
    if isinstance(scripts, dict):
        if "test" in scripts:
            front["test"] = f"{prefix}{pm} test"
        if "lint" in scripts:
            front["lint"] = f"{prefix}{pm} run lint"
        check = next((k for k in ("typecheck", "type-check") if k in scripts), None)
        if check is not None:
            front["typecheck"] = f"{prefix}{pm} run {check}"
        elif typescript:
            front["typecheck"] = f"{prefix}npx tsc --noEmit"
    if "tailwindcss" in deps or _exists(root / "tailwind.config.js") or _exists(root / "tailwind.config.ts"):
        front["conventions"] = "Tailwind"
    return front


def _infra(root: Path) -> dict[str, Any]:
    infra: dict[str, Any] = {}
    if _exists(root / "Dockerfile"):
        infra["runtime"] = "docker"
    if any(_exists(root / n) for n in _COMPOSE):
        infra["compose"] = True
    if (root / "terraform").is_dir():
        infra["iac"] = "terraform"
    elif (root / "pulumi").is_dir():
        infra["iac"] = "pulumi"
    return infra


def detect_stack(root: Path) -> dict[str, Any]:
    """The stack profile of the repository at `root`: only non-empty `backend`, `frontend`, `infra` layers."""
    layers = {"backend": _backend(root), "frontend": _frontend(root), "infra": _infra(root)}
    return {name: layer for name, layer in layers.items() if layer}


def _save(store: FlowStore, stack: dict[str, Any], dry_run: bool) -> dict[str, Any] | None:
    """Put `stack` into config.json under the store lock (a corrupt file stops it); a dry run previews."""
    from flowctl_core import changes

    from .applier import commit

    with store.lock():
        config = store.config.read()  # {} when missing; CorruptFileError naming the file otherwise
        return commit(store, changes.Changes([changes.put("config", "", {**config, "stack": stack})]),
                      dry_run=dry_run)


def detect(store: FlowStore, cwd: Path, *, dry_run: bool = False) -> dict[str, Any]:
    """`stack detect`: detect and save (not with --dry-run, which shows what would be saved)."""
    stack = detect_stack(runner.repo_root(cwd))
    if not stack:
        return {"stack": {}, "message": "no stack detected"}
    if dry_run:  # the reference's own preview, plus `dry_run: true` like every other preview
        return {"stack": stack, "message": "stack auto-detected (dry-run)", "dry_run": True}
    _save(store, stack, dry_run=False)
    return {"stack": stack, "message": "stack auto-detected"}


def set_stack(store: FlowStore, raw: str, *, dry_run: bool = False) -> dict[str, Any]:
    """`stack set`: replace `config.stack` with the JSON object in `raw`."""
    stack = payloads.loads(raw, "Invalid JSON")
    if not isinstance(stack, dict):
        raise InvalidInputError("Stack config must be a JSON object")
    preview = _save(store, stack, dry_run)
    return preview if preview is not None else {"stack": stack, "message": "stack config updated"}


def show(store: FlowStore) -> dict[str, Any]:
    """`stack show`: `config.stack` ({} when missing)."""
    stack = store.config.read().get("stack", {})
    return {"stack": stack}


def pretty(value: Any) -> str:
    """serde_json's pretty form (2 spaces, sorted keys as serde_json's map order, raw UTF-8)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def detect_text(data: dict[str, Any]) -> str:
    """Plain form of `stack detect`."""
    if not data["stack"]:
        return "No stack detected."
    head = ("Detected stack (dry-run, not saved):" if data["message"].endswith("(dry-run)")
            else "Stack detected and saved:")
    return f"{head}\n{pretty(data['stack'])}"


def show_text(data: dict[str, Any]) -> str:
    """Plain form of `stack show`."""
    if data["stack"] in ({}, None):
        return "No stack configured. Use 'flowctl stack set --file <path>' to set."
    return pretty(data["stack"])
