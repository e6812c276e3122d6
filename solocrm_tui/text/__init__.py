"""Plain-text presenters shared by the CLI and the TUI: the same figures read the same way."""
