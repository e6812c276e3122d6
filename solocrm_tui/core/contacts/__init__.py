"""Contacts: customers, their timeline, follow-ups, lifecycle stages, search, duplicates and privacy."""
