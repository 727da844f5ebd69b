"""Diagnostic logging to stderr, configured only when asked for (structlog costs ~65 ms to import)."""

from __future__ import annotations

import os
import sys

LIBRARIES = ("flowctl_core", "flowctl_db", "flowctl_service", "flowctl_cli")


def wanted(verbosity: int, json_logs: bool) -> bool:
    """True when -v, --log-json or FLOWCTL_LOG asks for logs."""
    return verbosity > 0 or json_logs or bool(os.environ.get("FLOWCTL_LOG"))


def configure(verbosity: int, json_logs: bool) -> None:
    """Send the libraries' stdlib logging to stderr through structlog (JSON lines when piped or --log-json)."""
    import logging

    import structlog

    env = os.environ.get("FLOWCTL_LOG", "").strip().lower()
    if env == "json":
        json_logs = True
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    if env in ("debug", "info", "warning", "error"):
        level = getattr(logging, env.upper())
    as_json = json_logs or not sys.stderr.isatty()
    handler = logging.StreamHandler(sys.stderr)  # stdout belongs to the command's payload
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name,
                           structlog.stdlib.ExtraAdder(), structlog.processors.TimeStamper(fmt="iso", utc=True)],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.dict_tracebacks if as_json else structlog.dev.set_exc_info,
                    structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer(colors=False)],
    ))
    for name in LIBRARIES:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
