"""Dialogs: the add and edit forms save through work.apply_change themselves (form.py);
the small ones (confirm, prompt, the merge choice) dismiss with a value the caller acts on."""
