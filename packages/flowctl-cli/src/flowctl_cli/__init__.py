"""flowctl-cli: the `flowctl` command line."""

__version__ = "0.1.0"
# The version the reference binary reports; callers (the plugin's SessionStart hook) compare against it.
COMPAT_VERSION = "0.1.31"
