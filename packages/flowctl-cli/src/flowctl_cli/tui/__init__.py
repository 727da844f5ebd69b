"""The optional terminal UI of `flowctl watch` (Textual; the `tui` extra)."""
