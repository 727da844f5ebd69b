"""flowctl-core: records, ids, state machine, DAG and json_store for the .flow/ directory."""

__version__ = "0.1.0"
