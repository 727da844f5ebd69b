"""Finding `.flow/` and linking it into the git common dir, merging a pre-existing plain one (storage.md §1.1)."""

from __future__ import annotations

import os

from flowctl_core.errors import FlowError, InvalidInputError, StoreIOError, os_error_text

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from pathlib import Path

FLOW_DIR_NAME = ".flow"


def flow_dir_for(cwd: str | os.PathLike[str]) -> Path:
    """The flow directory is always `<cwd>/.flow` (no upward search, like the reference)."""
    from pathlib import Path  # the agent-loop commands use flow_dir_text and never import pathlib

    return Path(cwd, FLOW_DIR_NAME)


def flow_dir_text(cwd: str | os.PathLike[str]) -> str:
    """`flow_dir_for` as a plain string."""
    return os.path.join(cwd, FLOW_DIR_NAME)


def git_common_dir(cwd: str | os.PathLike[str]) -> Path | None:
    """`git rev-parse --git-common-dir` joined onto cwd, or None outside a git repository."""
    import subprocess  # only init and the first workflow call link `.flow`; every other call skips this import
    from pathlib import Path

    try:
        proc = subprocess.run(["git", "rev-parse", "--git-common-dir"], cwd=cwd, capture_output=True,
                              text=True, check=False)
    except OSError:
        return None
    if proc.returncode != 0 or not proc.stdout.strip():
        return None
    return Path(cwd, proc.stdout.strip())  # a relative answer is joined without normalisation, as the reference does


def _merge_tree(src: Path, dst: Path, conflicts: list[str], plan: list[tuple[Path, Path]]) -> None:
    for entry in sorted(src.iterdir()):
        target = dst / entry.name
        if not target.exists() and not target.is_symlink():
            plan.append((entry, target))
        elif entry.is_dir() and not entry.is_symlink() and target.is_dir():
            _merge_tree(entry, target, conflicts, plan)
        elif entry.is_file() and target.is_file() and entry.read_bytes() == target.read_bytes():
            continue  # identical copy already shared
        else:
            conflicts.append(str(entry))


def ensure_flow_symlink(cwd: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """Point `<cwd>/.flow` at the shared state dir inside git (or make a plain dir); return (path, action).

    A pre-existing plain `.flow/` is merged into the shared directory; unlike the reference (D38) nothing is
    destroyed: if an entry differs from one already shared, nothing is moved and an error names the conflicts.
    """
    local = flow_dir_for(cwd)
    common = git_common_dir(cwd)
    if common is None:
        if local.is_symlink() and not local.exists():
            raise InvalidInputError(f".flow exists but is not a dir or symlink: {local}")
        local.mkdir(parents=True, exist_ok=True)
        return local, None
    shared = common / "flow-state" / "flow"
    try:
        shared.mkdir(parents=True, exist_ok=True)
        if local.is_symlink():
            if local.exists() and local.resolve() == shared.resolve():
                return local, f".flow/ → {shared}"
            local.unlink()
        elif local.is_dir():
            conflicts: list[str] = []
            plan: list[tuple[Path, Path]] = []
            _merge_tree(local, shared, conflicts, plan)
            if conflicts:
                raise InvalidInputError(
                    "Cannot move .flow/ into the shared state dir: these entries differ from the shared copy: "
                    + ", ".join(conflicts))
            for src, dst in plan:
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst) if src.stat().st_dev == dst.parent.stat().st_dev else _copy_move(src, dst)
            import shutil

            shutil.rmtree(local)
        elif local.exists():
            raise InvalidInputError(f".flow exists but is not a dir or symlink: {local}")
        os.symlink(shared, local)
    except FlowError:
        raise
    except OSError as err:
        raise StoreIOError(f"IO error: {local}: {os_error_text(err)}") from err
    return local, f".flow/ → {shared}"


def _copy_move(src: Path, dst: Path) -> None:
    import shutil

    shutil.move(str(src), str(dst))
