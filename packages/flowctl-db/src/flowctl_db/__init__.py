"""flowctl-db: FlowStore, the entry point over one .flow/ directory, and its stores."""

from .store import FlowStore

__all__ = ["FlowStore"]
__version__ = "0.1.0"
