"""Typed errors. Every expected failure is a FlowError whose str() is the exact user-facing message."""

from __future__ import annotations


class FlowError(Exception):
    """An expected failure; the CLI prints str(err) in the error envelope and exits with `exit_code`."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFoundError(FlowError):
    """A record (epic, task, state, approval, checkpoint …) does not exist."""


class InvalidInputError(FlowError):
    """Bad input: malformed id, bad flag value, unreadable input file."""


class InvalidTransitionError(FlowError):
    """A status change the rules do not allow."""


class DependencyError(FlowError):
    """Unsatisfied, unknown or cyclic dependency."""


class ConflictError(FlowError):
    """Another actor or holder owns what was asked for (claims, file locks, existing ids)."""


class CorruptFileError(FlowError):
    """A file under .flow/ cannot be parsed; it is reported by name and never overwritten."""

    def __init__(self, path: object, detail: str) -> None:
        self.path = str(path)
        self.detail = detail
        super().__init__(f"Corrupt file {self.path}: {detail}")


class LockTimeoutError(FlowError):
    """The .flow/ store lock could not be acquired in time."""

    def __init__(self, path: object, timeout: float) -> None:
        self.path = str(path)
        super().__init__(f"Timed out after {timeout:g}s waiting for the lock {self.path} (another flowctl is writing)")


class StoreIOError(FlowError):
    """An operating-system error while reading or writing .flow/."""


def os_error_text(err: OSError) -> str:
    """Render an OSError the way the reference prints it: '<strerror> (os error N)'."""
    if err.errno is None:
        return str(err)
    import os

    return f"{os.strerror(err.errno)} (os error {err.errno})"
