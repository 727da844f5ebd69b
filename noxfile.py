"""flowctl test sessions: one isolated session per package, cross-package integration, lint, and the release build."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import nox

nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"
nox.options.download_python = "never"  # never fetch interpreters from the network
nox.options.error_on_missing_interpreters = False
nox.options.error_on_external_run = True  # a tool missing from the session venv is a bug

PYTHON = os.environ.get("FLOWCTL_PYTHON", "3.11")  # the Python of the full run
PYTHONS = ["3.11", "3.12", "3.13"]  # every supported Python (pyenv provides them; nox never downloads one)
PACKAGES = ["flowctl-core", "flowctl-db", "flowctl-service", "flowctl-cli"]
IDS = [p.removeprefix("flowctl-") for p in PACKAGES]


def expose_pyenv_pythons() -> None:
    """Let pyenv's shims answer `python3.12` and `python3.13` too (`pyenv global` often selects one version only).

    The versions already selected (PYENV_VERSION, which pyenv's own shims set, or `pyenv version-name`) stay first,
    so a plain `python` is unchanged; the newest installed patch release of each supported Python is added.
    """
    if shutil.which("pyenv") is None:
        return

    def pyenv(*args: str) -> list[str]:
        run = subprocess.run(["pyenv", *args], capture_output=True, text=True, timeout=30, check=False)
        return run.stdout.split()

    selected = [v for v in os.environ.get("PYENV_VERSION", "").split(":") if v] or pyenv("version-name")[:1]
    installed = [v for v in pyenv("versions", "--bare") if v.replace(".", "").isdigit()]
    newest = [max((v for v in installed if v.startswith(py + ".")), key=lambda v: [int(n) for n in v.split(".")],
                  default="") for py in PYTHONS]
    os.environ["PYENV_VERSION"] = ":".join(dict.fromkeys(v for v in selected + newest if v))


expose_pyenv_pythons()

# The default run: every package's own tests on every supported Python (PYTHON first), integration, lint, the type
# check, and the release build with its pip install test on every supported Python.
OTHER_PYTHONS = [p for p in PYTHONS if p != PYTHON]
nox.options.sessions = (
    ["unit"] + [f"compat-{py}" for py in OTHER_PYTHONS]
    + ["integration", "lint", "typecheck"] + [f"release-{py}" for py in [PYTHON, *OTHER_PYTHONS]]
)


def sync(session: nox.Session, *args: str) -> None:
    """Install exactly what uv.lock says into this session's venv, with bytecode compiled."""
    session.run_install(
        "uv", "sync", "--locked", "--no-default-groups", *args,
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location, "UV_COMPILE_BYTECODE": "1"},
    )


def package_tests(session: nox.Session, package: str) -> None:
    """Install one package, its test group and what it declares, then run its tests."""
    # The CLI's optional terminal UI (`watch`, extra `tui`) is installed too, so its pilot tests run here.
    extras = ["--extra", "tui"] if package == "flowctl-cli" else []
    sync(session, "--package", package, "--group", "test", *extras)
    # FLOWCTL_ISOLATED=1 arms the tests asserting that the packages above this one are NOT importable.
    session.run("pytest", f"packages/{package}/tests", *session.posargs, env={"FLOWCTL_ISOLATED": "1"})


@nox.session(python=PYTHON)
@nox.parametrize("package", PACKAGES, ids=IDS)
def unit(session: nox.Session, package: str) -> None:
    """One package's own tests, with only that package and what it declares installed."""
    package_tests(session, package)


@nox.session(python=OTHER_PYTHONS)
@nox.parametrize("package", PACKAGES, ids=IDS)
def compat(session: nox.Session, package: str) -> None:
    """One package's own tests on another supported Python (`nox -s "compat-3.13(cli)"`), isolated as in `unit`."""
    package_tests(session, package)


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
    session.run("ruff", "check", "packages", "tests", "bench", "examples", "noxfile.py")
    session.run("lint-imports", "--config", "pyproject.toml")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over flowctl-core and flowctl-db (settings in pyproject.toml)."""
    sync(session, "--package", "flowctl-db")
    session.install("mypy>=2.4,<3")
    session.run("mypy")


@nox.session(python=PYTHONS)
def release(session: nox.Session) -> None:
    """Build the wheel and sdist of all four packages, check them with twine, install them with pip (tests/release)."""
    dist = os.path.join(session.create_tmp(), "dist")
    shutil.rmtree(dist, ignore_errors=True)  # only this run's artifacts
    session.run("uv", "build", "--all-packages", "--out-dir", dist, "--quiet", external=True)
    session.install("twine>=7,<8", "pytest>=8", "packaging>=24")
    session.run("twine", "check", "--strict", *sorted(glob.glob(f"{dist}/*")))
    # The install test makes clean venvs from this session's Python and installs the artifacts with plain pip.
    session.run("pytest", "tests/release", *session.posargs, env={"FLOWCTL_DIST": dist})
