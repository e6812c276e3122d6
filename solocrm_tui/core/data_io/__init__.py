"""Data in and out: CSV import with matching and undo, and exports in every format."""
