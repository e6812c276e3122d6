"""Email from the terminal: the [mail] settings, templates, drafts, building a message,
sending it over SMTP and logging it on the customer's timeline. Headless: the TUI and
the CLI drive these functions; only the editor call needs the terminal handed over."""
