"""flowctl test sessions: one isolated session per package, cross-package integration, and lint."""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"
nox.options.download_python = "never"  # never fetch interpreters from the network
nox.options.error_on_missing_interpreters = False
nox.options.error_on_external_run = True  # a tool missing from the session venv is a bug
nox.options.sessions = ["unit", "integration", "lint"]

PYTHON = os.environ.get("FLOWCTL_PYTHON", "3.11")
PACKAGES = ["flowctl-core", "flowctl-db", "flowctl-service", "flowctl-cli"]


def sync(session: nox.Session, *args: str) -> None:
    """Install exactly what uv.lock says into this session's venv, with bytecode compiled."""
    session.run_install(
        "uv", "sync", "--locked", "--no-default-groups", *args,
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location, "UV_COMPILE_BYTECODE": "1"},
    )


@nox.session(python=PYTHON)
@nox.parametrize("package", PACKAGES, ids=[p.removeprefix("flowctl-") for p in PACKAGES])
def unit(session: nox.Session, package: str) -> None:
    """One package's own tests, with only that package and what it declares installed."""
    # The CLI's optional terminal UI (`watch`, extra `tui`) is installed too, so its pilot tests run here.
    extras = ["--extra", "tui"] if package == "flowctl-cli" else []
    sync(session, "--package", package, "--group", "test", *extras)
    # FLOWCTL_ISOLATED=1 arms the tests asserting that the packages above this one are NOT importable.
    session.run("pytest", f"packages/{package}/tests", *session.posargs, env={"FLOWCTL_ISOLATED": "1"})


@nox.session(python=PYTHON)
def integration(session: nox.Session) -> None:
    """Everything installed together: end-to-end, concurrency, reference data, import guard."""
    sync(session, "--all-packages", "--group", "dev")
    session.run("uv", "pip", "check", "--python", session.virtualenv.location)  # sibling ranges still agree
    session.run("pytest", "tests", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over every package, the tests and the tooling; the import contracts of pyproject.toml (lint-imports)."""
    sync(session, "--all-packages", "--group", "dev")  # lint-imports reads the installed packages' sources
    session.run("ruff", "check", "packages", "tests", "bench", "noxfile.py")
    session.run("lint-imports", "--config", "pyproject.toml")
