"""flowctl-service: the business rules of flowctl (lifecycle, epics, tasks, dependencies) and ChangesApplier."""

__version__ = "0.1.0"
