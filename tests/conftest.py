"""Fixtures for end-to-end tests: a real temporary git repository and the real flowctl executable."""

from flowctl_runner import flowctl, initialized_flowctl, repo  # noqa: F401  (pytest fixtures; flowctl_runner.py is on pytest's pythonpath)
