"""Fixtures for end-to-end tests: a real temporary git repository and the real flowctl executable."""

from flowctl_cli.testing import fc, fci, repo  # noqa: F401  (pytest fixtures)
