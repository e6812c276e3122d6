"""Small dialogs that dismiss with a value; the caller persists it."""
