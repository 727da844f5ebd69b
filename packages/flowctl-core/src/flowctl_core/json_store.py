"""All file I/O under .flow/: atomic writes, whole-line appends, the store lock, record files.

Rules kept here so no caller has to remember them:
* every write is atomic (unique temp file in the same directory, fsync, os.replace, fsync of the directory);
* a JSONL line is appended with one os.write on an O_APPEND descriptor, so lines never interleave or tear;
* read-modify-write sequences run under `StoreLock` (one lock file, `.flow/.lock`, never itself replaced);
* a file that does not parse raises CorruptFileError naming it; nothing treats it as empty or overwrites it.
"""

from __future__ import annotations

import os
import time
from contextvars import ContextVar

from . import json_text
from . import records as R
from .errors import (
    CorruptFileError,
    FlowError,
    InvalidInputError,
    LockTimeoutError,
    StoreIOError,
    os_error_text,
)

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time (docs/architecture.md)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    PathLike = str | os.PathLike[str]

LOCK_NAME = ".lock"

# ---------------------------------------------------------------------------------------------------------
# Serialisation (storage.md §2.1–2.3)


def dumps_pretty(obj: Any, *, sort_keys: bool = False) -> str:
    """serde_json::to_string_pretty: 2-space indent, raw UTF-8, no trailing newline."""
    return json_text.dumps_pretty(obj, sort_keys=sort_keys)


def dumps_line(obj: Any) -> str:
    """One compact sorted-key JSON document plus `\\n` (events, indexes)."""
    return json_text.dumps_compact(obj) + "\n"


# ---------------------------------------------------------------------------------------------------------
# Low-level reads and writes


_FIRST_READ = 65536  # one read() takes a whole record file; bigger files are read on in chunks


def read_bytes(path: PathLike) -> bytes | None:
    """Return the file's bytes, or None when it does not exist."""
    # os.open/os.read rather than open(): no file object and buffer per file, ~40% less per read when an
    # epic's 400 record files are loaded.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise StoreIOError(f"IO error: {path}: {os_error_text(err)}") from err
    try:
        data = os.read(fd, _FIRST_READ)
        if len(data) == _FIRST_READ:
            chunks = [data]
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            data = b"".join(chunks)
        return data
    except OSError as err:  # EISDIR on a directory, EIO, ...
        raise StoreIOError(f"IO error: {path}: {os_error_text(err)}") from err
    finally:
        os.close(fd)


def read_text(path: PathLike) -> str | None:
    """Return the file as UTF-8 text, or None when it does not exist."""
    data = read_bytes(path)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CorruptFileError(path, f"not valid UTF-8 ({err.reason} at byte {err.start})") from err


def parse_json_bytes(data: bytes, path: object) -> Any:
    """Parse JSON bytes; raise CorruptFileError naming `path` when they do not parse."""
    try:
        return json_text.loads(data)
    except UnicodeDecodeError as err:
        raise CorruptFileError(path, f"not valid UTF-8 ({err.reason})") from err
    except RecursionError as err:  # a hand-made `[[[[…` thousands deep
        raise CorruptFileError(path, "recursion limit exceeded (nested too deeply)") from err
    except ValueError as err:  # a syntax error, or a number int() refuses
        from .json_errors import parse_problem
        raise CorruptFileError(path, parse_problem(err)) from err


def load_json(path: PathLike) -> Any:
    """Parse a JSON file; None when it does not exist; CorruptFileError when it does not parse or holds `null`."""
    data = read_bytes(path)
    if data is None:
        return None
    value = parse_json_bytes(data, path)
    if value is None:  # callers read None as "no file" and would start afresh, overwriting it
        raise CorruptFileError(path, "expected a JSON document, found null")
    return value


def load_json_object(path: PathLike) -> dict[str, Any]:
    """Parse a file holding one JSON object; {} when it does not exist; CorruptFileError for anything else."""
    data = load_json(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CorruptFileError(path, "expected a JSON object")
    return data


def read_json_lines(path: PathLike) -> list[Any]:
    """Parse a JSONL file, skipping blank and unparseable lines (as every reference reader does)."""
    data = read_bytes(path)
    if not data:
        return []
    out = []
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            out.append(json_text.loads(line))
        except (ValueError, RecursionError):  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            continue
    return out


def _fsync_dir(directory: PathLike) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: PathLike, data: bytes | str) -> None:
    """Replace `path` atomically: temp file in the same directory, fsync, os.replace, fsync the directory.

    A failed write removes its temp file; the old content stays in place.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    path = os.fspath(path)
    parent, name = os.path.split(path)
    parent = parent or "."
    tmp: str | None = None
    try:
        _before_write(path, "file")
        os.makedirs(parent, exist_ok=True)
        tmp = os.path.join(parent, f".{name}.{os.getpid()}.{time.monotonic_ns() % 10**9}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(data)
            while view:
                if _FAULTS:
                    _faults().stage("write", path)
                view = view[os.write(fd, view):]
            if _FAULTS:
                _faults().stage("fsync", path)
            os.fsync(fd)
        finally:
            os.close(fd)
        if _FAULTS:
            _faults().stage("replace", path)
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(parent)
    except FlowError:
        raise
    except OSError as err:
        raise StoreIOError(f"IO error: {path}: {os_error_text(err)}") from err
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    if _FAULTS:
        _faults().after_write(path)


def write_json(path: PathLike, obj: Any, *, sort_keys: bool = False, newline: bool = False) -> None:
    """Write pretty JSON atomically (no trailing newline unless asked, like the reference)."""
    atomic_write(path, dumps_pretty(obj, sort_keys=sort_keys) + ("\n" if newline else ""))


def append_line(path: PathLike, line: str) -> None:
    """Append one whole line (or several, each ending in `\\n`) with a single write on an O_APPEND descriptor
    (never torn or interleaved)."""
    if not line.endswith("\n"):
        line += "\n"
    data = line.encode("utf-8")
    path = os.fspath(path)
    try:
        _before_write(path, "append")
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            # A torn last line (hand edit, or a writer killed mid-line such as the reference's two-write append,
            # D22) would swallow this line, so start on a fresh line then. Appenders take turns (flock on the
            # file, released by close) so that the check never sees another appender's line half-way written.
            if os.name == "posix":
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + data
            if _FAULTS:
                _faults().stage("append", path)
            written = os.write(fd, data)
            if written != len(data):  # only on a full disk; never leave half a line behind silently
                raise StoreIOError(f"IO error: {path}: short write ({written} of {len(data)} bytes)")
            if _FAULTS:
                _faults().stage("fsync", path)
            os.fsync(fd)
        finally:
            os.close(fd)
    except FlowError:
        raise
    except OSError as err:
        raise StoreIOError(f"IO error: {path}: {os_error_text(err)}") from err
    if _FAULTS:
        _faults().after_write(path)


def remove_file(path: PathLike) -> bool:
    """Delete a file if present; return whether it existed."""
    path = os.fspath(path)
    try:
        if not os.path.lexists(path):
            return False
        _before_write(path, "file")
        if _FAULTS:
            _faults().stage("unlink", path)
        os.unlink(path)
    except FileNotFoundError:
        return False
    except FlowError:
        raise
    except OSError as err:
        raise StoreIOError(f"IO error: {path}: {os_error_text(err)}") from err
    if _FAULTS:
        _faults().after_write(path)
    return True


# ---------------------------------------------------------------------------------------------------------
# The undo journal of a running batch (journal.py) and the test-only fault hook (faults.py)

_JOURNAL: ContextVar[Any] = ContextVar("flowctl_journal", default=None)
# FLOWCTL_TEST_FAULTS arms crash and I/O-error injection for the crash-point and fault tests; unset, it costs one
# truthiness check per write.
_FAULTS = os.environ.get("FLOWCTL_TEST_FAULTS", "")


def _faults() -> Any:
    from . import faults

    return faults


def _before_write(path: str, kind: str) -> None:
    """Journal how to undo the coming write (inside a batch), then give the fault hook its turn."""
    journal = _JOURNAL.get()
    if journal is not None:
        try:
            journal.record(path, kind)
        except OSError as err:
            raise StoreIOError(f"IO error: {journal.path}: {os_error_text(err)}") from err
    if _FAULTS:
        _faults().before_write(path)


def journaled(flow_dir: PathLike) -> Journaled:
    """Run a batch of writes all-or-nothing: a failure rolls back at once, a crash at the next call."""
    return Journaled(flow_dir)


# The context managers here are classes, not @contextlib.contextmanager generators: importing contextlib (with
# functools and collections) costs more start-up than a hot command's own work.
class Journaled:
    """`with journaled(flow_dir):` — the undo journal of one batch of writes (hold the store lock around it)."""

    def __init__(self, flow_dir: PathLike) -> None:
        self.flow_dir = flow_dir

    def __enter__(self) -> None:
        from .journal import Journal

        self.journal = Journal(self.flow_dir)
        self.token = _JOURNAL.set(self.journal)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        _JOURNAL.reset(self.token)
        if exc_type is not None:
            self.journal.abandon()
            try:
                recover(self.flow_dir)
            except (FlowError, OSError):  # still failing (disk full): the next call rolls back
                pass
            return  # the batch's exception propagates
        try:
            self.journal.commit()
        except OSError as err:
            raise StoreIOError(f"IO error: {self.journal.path}: {os_error_text(err)}") from err


def recover(flow_dir: PathLike) -> list[str]:
    """Roll back the batch a crash left unfinished (call with the store lock held); return the restored paths."""
    from . import journal as journal_mod

    if journal_mod.pending(flow_dir) is None:
        return []

    def restore(target: str, data: bytes | None) -> None:
        if data is None:
            remove_file(target)
        else:
            atomic_write(target, data)

    token = _JOURNAL.set(None)
    try:
        restored = journal_mod.rollback(flow_dir, restore)
        write_json(FlowPaths(flow_dir).at("last_recovery"),
                   {"at": _now_text(), "outcome": "rolled back", "restored": restored}, sort_keys=True)
    except OSError as err:
        raise StoreIOError(f"IO error: {flow_dir}: {os_error_text(err)}") from err
    finally:
        _JOURNAL.reset(token)
    return restored


def _now_text() -> str:
    from .timefmt import now_off

    return now_off()


# ---------------------------------------------------------------------------------------------------------
# The store lock


# (lock path, thread id) -> [fd, depth]: re-entrant per thread. Another thread opens its own descriptor, and flock
# locks on separate descriptors exclude each other even inside one process.
_held: dict[tuple[str, int], list[int]] = {}


def lock_timeout() -> float:
    """Seconds to wait for the store lock: env FLOWCTL_LOCK_TIMEOUT (a finite number ≥ 0), default 60."""
    text = os.environ.get("FLOWCTL_LOCK_TIMEOUT", "").strip()
    if not text:
        return 60.0
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (0 <= value < float("inf")):  # nan fails every comparison: it would wait forever
        raise InvalidInputError(f"Invalid FLOWCTL_LOCK_TIMEOUT {text!r}: expected a finite number of seconds >= 0")
    return value


def store_lock(flow_dir: PathLike, timeout: float | None = None) -> StoreLock:
    """Hold the exclusive store lock `<flow_dir>/.lock` for a read-modify-write (re-entrant in-process)."""
    return StoreLock(flow_dir, timeout)


class StoreLock:
    """`with store_lock(flow_dir):` — flock on `.flow/.lock`, re-entrant per thread; taking it rolls back a batch a
    crash left unfinished."""

    def __init__(self, flow_dir: PathLike, timeout: float | None) -> None:
        self.flow_dir = flow_dir
        self.timeout = timeout

    def __enter__(self) -> None:
        from _thread import get_ident  # what threading.get_ident is, without threading's start-up cost

        flow_dir = self.flow_dir
        path = os.path.join(flow_dir, LOCK_NAME)
        # Keyed by the real file: two spellings of one .flow (the symlink and its target) are one lock, so a thread
        # never waits on itself.
        self.key = key = (os.path.realpath(path), get_ident())
        held = _held.get(key)
        if held is not None:
            held[1] += 1
            return
        timeout = lock_timeout() if self.timeout is None else self.timeout
        if _FAULTS:
            _faults().at_lock()
        try:
            import fcntl
        except ImportError:  # pragma: no cover - non-POSIX platforms fall back to filelock
            import filelock

            self.fallback = filelock.FileLock(key[0], timeout=timeout)
            try:
                self.fallback.acquire()
            except filelock.Timeout as err:
                raise LockTimeoutError(path, timeout) from err
            _held[key] = [-1, 1]
            return
        try:  # the flow directory must already exist: locking never creates .flow/ as a side effect
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise StoreIOError(f"IO error: {path}: {os_error_text(err)}") from err
        try:
            deadline = time.monotonic() + timeout
            delay = 0.001
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockTimeoutError(path, timeout) from None
                    if delay == 0.001:  # first wait only; logging is imported lazily to keep it off the fast path
                        import logging

                        logging.getLogger(__name__).info("waiting for the store lock %s", path)
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
        except BaseException:
            os.close(fd)
            raise
        _held[key] = [fd, 1]
        try:
            if os.path.exists(os.path.join(flow_dir, ".state", "journal.jsonl")):
                recover(flow_dir)  # a batch died half-way: put its files back before anyone reads or writes
        except BaseException:
            self._release()
            raise

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        held = _held[self.key]
        if held[1] > 1:
            held[1] -= 1
        else:
            self._release()

    def _release(self) -> None:
        fd = _held.pop(self.key)[0]
        if fd == -1:  # pragma: no cover - the filelock fallback
            self.fallback.release()
            return
        import fcntl

        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


# ---------------------------------------------------------------------------------------------------------
# Paths of records inside .flow/


# Longest record name: with its prefix/suffix (`checkpoint-…json`, `….state.json`) it stays under NAME_MAX (255);
# a longer one would make every stat() fail with ENAMETOOLONG instead of simply not existing.
MAX_NAME_BYTES = 200


def safe_name(name: str) -> str:
    """Refuse a record name that could escape its directory (path separators, `..`, NUL, control chars) or
    that is too long to be a file name."""
    if (not name or name.startswith(".") or "/" in name or "\\" in name
            or any(ord(c) < 32 for c in name) or name != name.strip()
            or len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES):
        raise InvalidInputError(f"Invalid ID: {name!r} cannot name a file under .flow/")
    return name


# Where each named entry lives inside .flow/ (storage.md §1.2).
_LAYOUT = {
    "root": "", "epics": "epics", "specs": "specs", "tasks": "tasks", "state": ".state", "state_tasks": ".state/tasks",
    "gaps": "gaps", "memory": "memory", "reviews": "reviews", "outputs": "outputs", "archive": ".archive",
    "meta": "meta.json", "config": "config.json", "events": ".state/events.jsonl", "locks": ".state/locks.json",
    "pipeline": ".state/pipeline.json", "phases": ".state/phases.json", "approvals": ".state/approvals.json",
    "journal": ".state/journal.jsonl",  # the undo journal of a running batch (journal.py)
    "last_recovery": ".state/last-recovery.json",  # what the last rollback after a crash restored
}
# Record kind -> (folder, file name suffix) of one record's file.
_RECORD_FILES = {
    "epic_json": ("epics", ".json"), "epic_spec": ("specs", ".md"), "task_json": ("tasks", ".json"),
    "task_spec": ("tasks", ".md"), "task_state": (".state/tasks", ".state.json"), "gaps_json": ("gaps", ".json"),
}


class FlowPaths:
    """File names inside one .flow/ directory (storage.md §1.2).

    Two forms of the same names: plain strings (`dir`, `at(name)`, `record_file(kind, id)`) for the agent-loop
    commands, and pathlib Paths (the attributes named in `_LAYOUT`, `epic_json(id)` …) for everything else.
    The Paths are built on first use because importing pathlib costs ~4 ms of every call's start-up.
    """

    if TYPE_CHECKING:  # the lazily built Path attributes (__getattr__)
        root: Path
        epics: Path
        specs: Path
        tasks: Path
        state: Path
        state_tasks: Path
        gaps: Path
        memory: Path
        reviews: Path
        outputs: Path
        archive: Path
        meta: Path
        config: Path
        events: Path
        locks: Path
        pipeline: Path
        phases: Path
        approvals: Path
        journal: Path
        last_recovery: Path

    def __init__(self, flow_dir: str | os.PathLike[str]) -> None:
        self.dir = _path_text(os.fspath(flow_dir))

    def __getattr__(self, name: str) -> Path:
        rel = _LAYOUT.get(name)
        if rel is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        from pathlib import Path

        value = Path(self.dir, rel)
        setattr(self, name, value)  # built once per store
        return value

    def at(self, name: str) -> str:
        """A named entry of `_LAYOUT` (`events`, `locks`, `state_tasks` …) as a plain string."""
        rel = _LAYOUT[name]
        return os.path.join(self.dir, rel) if rel else self.dir

    def record_file(self, kind: str, record_id: str) -> str:
        """One record's file as a plain string: kind is epic_json, epic_spec, task_json, task_spec, task_state
        or gaps_json; the id is refused when it could not name a file under .flow/."""
        folder, suffix = _RECORD_FILES[kind]
        return os.path.join(self.dir, folder, safe_name(record_id) + suffix)

    def epic_json(self, epic_id: str) -> Path:
        """`epics/<id>.json`."""
        return _as_path(self.record_file("epic_json", epic_id))

    def epic_spec(self, epic_id: str) -> Path:
        """`specs/<id>.md`."""
        return _as_path(self.record_file("epic_spec", epic_id))

    def task_json(self, task_id: str) -> Path:
        """`tasks/<id>.json`."""
        return _as_path(self.record_file("task_json", task_id))

    def task_spec(self, task_id: str) -> Path:
        """`tasks/<id>.md`."""
        return _as_path(self.record_file("task_spec", task_id))

    def task_state(self, task_id: str) -> Path:
        """`.state/tasks/<id>.state.json`."""
        return _as_path(self.record_file("task_state", task_id))

    def gaps_json(self, epic_id: str) -> Path:
        """`gaps/<epic>.json`."""
        return _as_path(self.record_file("gaps_json", epic_id))

    def checkpoint(self, epic_id: str) -> Path:
        """`.state/checkpoint-<epic>.json`."""
        return self.state / f"checkpoint-{safe_name(epic_id)}.json"


def _as_path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


def _path_text(text: str) -> str:
    """`text` spelled as pathlib would print it (no `//`, `/./`, leading `./` or trailing `/`), so that messages
    name files exactly as before; plain spellings, the usual case, skip the pathlib import."""
    if text and "//" not in text and "/./" not in text and not text.startswith("./") \
            and not (text.endswith("/") and text != "/") and not text.endswith("/."):
        return text
    from pathlib import Path

    return str(Path(text))


# ---------------------------------------------------------------------------------------------------------
# Typed records: epics, task definitions, task states, specs


def load_record(record: R.Record, path: PathLike) -> dict[str, Any] | None:
    """Read and normalise one struct-ordered record file; None when missing."""
    raw = read_bytes(path)
    if raw is None:
        return None
    # Not load_json: a file holding JSON `null` is corrupt, not missing.
    return R.normalize(record, parse_json_bytes(raw, path), path)


def _refuse_corrupt(record: R.Record, path: PathLike) -> None:
    """Raise CorruptFileError when `path` exists but holds no valid record: such a file is never overwritten."""
    load_record(record, path)


def write_record(record: R.Record, path: PathLike, data: dict[str, Any]) -> dict[str, Any]:
    """Normalise `data` and write it atomically in struct order; return what was written.

    An existing file that is corrupt is left alone and reported (CorruptFileError), never replaced.
    """
    rec = R.normalize(record, data, path)
    _refuse_corrupt(record, path)
    write_json(path, rec)
    return rec


def read_epic(paths: FlowPaths, epic_id: str) -> dict[str, Any] | None:
    """The epic record, or None when `epics/<id>.json` is missing."""
    return load_record(R.EPIC, paths.record_file("epic_json", epic_id))


def write_epic(paths: FlowPaths, epic: dict[str, Any]) -> dict[str, Any]:
    """Write `epics/<id>.json`."""
    return write_record(R.EPIC, paths.record_file("epic_json", epic["id"]), epic)


def list_epics(paths: FlowPaths) -> list[dict[str, Any]]:
    """Every epic, sorted by id string; a corrupt file raises CorruptFileError."""
    out = []
    epics_dir = paths.at("epics")
    for name in _json_names(epics_dir):
        rec = load_record(R.EPIC, os.path.join(epics_dir, name))
        if rec is not None:
            out.append(rec)
    out.sort(key=lambda e: e["id"])
    return out


def _listing(directory: str) -> list[str]:
    """The names in `directory`; [] when it does not exist or is not a directory."""
    try:
        return os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _json_names(directory: str) -> list[str]:
    return [n for n in _listing(directory) if n.endswith(".json") and not n.startswith(".")]


def read_task_definition(paths: FlowPaths, task_id: str) -> dict[str, Any] | None:
    """The task definition as stored (status as written there), or None."""
    return load_record(R.TASK, paths.record_file("task_json", task_id))


def read_state(paths: FlowPaths, task_id: str) -> dict[str, Any] | None:
    """The runtime state, or None when there is no state file (a corrupt one raises, unlike D24)."""
    return load_record(R.TASK_STATE, paths.record_file("task_state", task_id))


def read_task_status(paths: FlowPaths, task_id: str) -> str | None:
    """The task's merged status alone (state file, else definition; None when both are missing), for boards and
    counts over many tasks: a well-formed file is only parsed, anything else goes through the full record check
    (and raises CorruptFileError as usual)."""
    for record, path in ((R.TASK_STATE, paths.record_file("task_state", task_id)),
                         (R.TASK, paths.record_file("task_json", task_id))):
        raw = read_bytes(path)
        if raw is None:
            continue
        try:
            data = json_text.loads(raw)
            status = data.get("status") if isinstance(data, dict) else None
        except (ValueError, RecursionError):
            status = None
        if status not in R.TASK_STATUSES:
            status = R.normalize(record, parse_json_bytes(raw, path), path)["status"]
        found: str = status
        return found
    return None


def merge_state(task: dict[str, Any], state: dict[str, Any] | None) -> dict[str, Any]:
    """Apply the merge rule of §5.3: the state's status and updated_at override the definition's."""
    if state is not None:
        task["status"] = state["status"]
        task["updated_at"] = state["updated_at"]
    return task


def read_task(paths: FlowPaths, task_id: str) -> dict[str, Any] | None:
    """The merged task (definition + state status/updated_at), or None when the definition is missing."""
    task = read_task_definition(paths, task_id)
    if task is None:
        return None
    return merge_state(task, read_state(paths, task_id))


def task_ids_by_epic(paths: FlowPaths) -> dict[str, list[str]]:
    """Task ids grouped by epic id from ONE listing of `tasks/` (nothing is read); ids sorted per epic."""
    groups: dict[str, list[str]] = {}
    # `<epic>.<digits>.json`, hidden temp files excluded; inline, as this loop sees every name in tasks/.
    for name in _listing(paths.at("tasks")):
        if name[-5:] != ".json" or name[0] == ".":
            continue
        task_id = name[:-5]
        dot = task_id.rfind(".")
        if dot > 0 and task_id[dot + 1:].isdigit():
            groups.setdefault(task_id[:dot], []).append(task_id)
    for ids in groups.values():
        ids.sort()
    return groups


def load_tasks(paths: FlowPaths, task_ids: list[str]) -> list[dict[str, Any]]:
    """Merged tasks for the given ids, in the given order; ids whose definition vanished are skipped.

    Paths are plain strings here: building a pathlib.Path per file costs ~6 ms per 1,000 tasks.
    """
    tasks_dir = paths.at("tasks")
    state_dir = paths.at("state_tasks")
    join = os.path.join
    out = []
    for task_id in task_ids:
        path = join(tasks_dir, task_id + ".json")
        raw = read_bytes(path)
        if raw is None:
            continue
        task = R.normalize(R.TASK, parse_json_bytes(raw, path), path)
        state_path = join(state_dir, task_id + ".state.json")
        state_raw = read_bytes(state_path)
        if state_raw is not None:
            merge_state(task, R.normalize(R.TASK_STATE, parse_json_bytes(state_raw, state_path), state_path))
        out.append(task)
    return out


def task_statuses(paths: FlowPaths) -> dict[str, dict[str, str]]:
    """epic id -> {task id -> merged status}, reading each task's state file (its definition only when it has none).

    For counts (status, epics): half the reads of `list_tasks`. A corrupt state file still raises.
    """
    tasks_dir = paths.at("tasks")
    state_dir = paths.at("state_tasks")
    join = os.path.join
    out: dict[str, dict[str, str]] = {}
    for epic_id, task_ids in task_ids_by_epic(paths).items():
        statuses = out[epic_id] = {}
        for task_id in task_ids:
            state_path = join(state_dir, task_id + ".state.json")
            raw = read_bytes(state_path)
            if raw is not None:
                statuses[task_id] = R.normalize(R.TASK_STATE, parse_json_bytes(raw, state_path), state_path)["status"]
                continue
            path = join(tasks_dir, task_id + ".json")
            raw = read_bytes(path)
            if raw is not None:
                statuses[task_id] = R.normalize(R.TASK, parse_json_bytes(raw, path), path)["status"]
    return out


def list_tasks(paths: FlowPaths, epic_id: str | None = None) -> list[dict[str, Any]]:
    """Merged tasks (of one epic, or all), sorted by id string; one directory listing, linear in the count."""
    if epic_id is None:
        ids = sorted(i for group in task_ids_by_epic(paths).values() for i in group)
    else:
        prefix = epic_id + "."
        ids = sorted(n[:-5] for n in _listing(paths.at("tasks"))
                     if n.startswith(prefix) and n.endswith(".json") and n[len(prefix):-5].isdigit())
    return load_tasks(paths, ids)


def write_task_definition(paths: FlowPaths, task: dict[str, Any]) -> dict[str, Any]:
    """Write `tasks/<id>.json` the reference way: status forced to `todo`, updated_at = created_at.

    Real status lives in the state file. A legacy definition whose own status is not `todo` and that has no
    state file would lose its status, so that status is first carried into a new state file.
    """
    path = paths.record_file("task_json", task["id"])
    rec = R.normalize(R.TASK, task, path)
    path = paths.record_file("task_json", rec["id"])
    _refuse_corrupt(R.TASK, path)
    if rec.get("status", "todo") != "todo" and not os.path.exists(paths.record_file("task_state", rec["id"])):
        write_state(paths, rec["id"], {"status": rec["status"], "retry_count": 0, "updated_at": rec["updated_at"]})
    rec["status"] = "todo"
    rec["updated_at"] = rec["created_at"]
    write_json(path, rec)
    return rec


def write_state(paths: FlowPaths, task_id: str, state: dict[str, Any]) -> dict[str, Any]:
    """Write `.state/tasks/<id>.state.json` atomically in struct order."""
    return write_record(R.TASK_STATE, paths.record_file("task_state", task_id), state)


def read_spec(path: PathLike) -> str:
    """A Markdown spec verbatim; the empty string when missing."""
    text = read_text(path)
    return "" if text is None else text


def write_spec(path: PathLike, content: str) -> None:
    """Write a Markdown spec verbatim, atomically."""
    atomic_write(path, content)


def read_config(paths: FlowPaths) -> dict[str, Any]:
    """The raw config.json object ({} when missing); CorruptFileError when unparseable or not an object."""
    return load_json_object(paths.at("config"))


def write_config(paths: FlowPaths, config: dict[str, Any]) -> None:
    """Write config.json pretty with sorted keys."""
    write_json(paths.at("config"), config, sort_keys=True)


def epic_numbers(paths: FlowPaths) -> list[int]:
    """Epic numbers in use, from `epics/fn-N*.json` names (legacy `fn-N.json` counted too, unlike D30)."""
    nums = []
    for name in _json_names(paths.at("epics")):
        if not name.startswith("fn-"):
            continue
        head = name[3:-5].split("-", 1)[0]
        if head.isdigit() and head.isascii():
            nums.append(int(head))
    return nums


def task_numbers(paths: FlowPaths, epic_id: str) -> list[int]:
    """Task numbers in use in an epic, from `tasks/<epic>.<M>.json` names."""
    prefix = epic_id + "."
    out = []
    for name in _listing(paths.at("tasks")):  # one pass: a name with the epic's prefix is never a hidden temp file
        if name.startswith(prefix) and name.endswith(".json"):
            tail = name[len(prefix):-5]
            if tail.isdigit() and tail.isascii():
                out.append(int(tail))
    return out
