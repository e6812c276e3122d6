"""One error type for everything a user can get wrong.

The CLI prints `str(error)` as a single line and exits non-zero; the TUI shows it in
the composer log or a toast. Keeping one type means callers never need to know which
layer rejected the input.
"""


class CRMError(Exception):
    """Base for user-facing errors: the message is one readable line."""


class ValidationError(CRMError):
    """Input that cannot be accepted (bad email, negative amount, impossible date…)."""


class NotFound(CRMError):
    """A customer, deal, follow-up… that does not exist (or is archived)."""


class DatabaseError(CRMError):
    """The database file cannot be used (corrupt, newer schema, unwritable)."""
