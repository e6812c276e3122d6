"""Messages shared by several screens and widgets.

Workers never touch widgets: they return data, and these messages carry "something
changed" between the composer, the modals and whichever screen is showing.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.message import Message


class DataChanged(Message):
    """Data changed; the visible screen reloads.

    `customer_id` is the one customer concerned (None: possibly many), `what` names the
    kinds of data written ("orders", "followups", …; empty: unknown, e.g. a background job).
    """

    def __init__(self, customer_id: int | None = None, what: str | Iterable[str] = ()) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.what = frozenset((what,) if isinstance(what, str) else what)
