"""Storage: the SQLite file, its schema and migrations, change sets and undo, backups and checks.

Peewee models never leave this package; the rest of core gets frozen records."""
