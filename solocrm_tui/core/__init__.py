"""The CRM itself, headless: no Textual, Rich or APScheduler, so the CLI, jobs and TUI share it."""
