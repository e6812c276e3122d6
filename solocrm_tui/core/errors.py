"""One error type for everything a user can get wrong.

The CLI prints `str(error)` as a single line and exits non-zero; the TUI shows it in
the composer log or a toast. Keeping one type means callers never need to know which
layer rejected the input.
"""


class CRMError(Exception):
    """Base for user-facing errors: the message is one readable line."""


class ValidationError(CRMError):
    """Input that cannot be accepted (bad email, negative amount, impossible date…).

    `field` names the one field the message is about, by the key the forms use
    ("email", "expected_close"), so a form shows it under that field instead of
    guessing from the wording; None when no single field is to blame.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(CRMError):
    """A customer, deal, follow-up… that does not exist (or is archived)."""


class DatabaseError(CRMError):
    """The database file cannot be used (corrupt, newer schema, unwritable)."""


class DatabaseBusy(CRMError):
    """Another writer (a second app, an import) held the database longer than the busy
    timeout: nothing was changed, and the same action can simply be tried again."""
