"""Messages shared by several screens and widgets.

Workers never touch widgets: they return data, and these messages carry "something
changed" between the composer, the modals and whichever screen is showing.
"""

from __future__ import annotations

from textual.message import Message
from textual.worker import Worker


class DataChanged(Message):
    """Customer data changed (None: possibly many customers); visible screens reload."""

    def __init__(self, customer_id: int | None = None) -> None:
        super().__init__()
        self.customer_id = customer_id


class ReportWorkerErrors:
    """Mixin for screens and widgets that run workers: worker state messages do not
    bubble, so hand failures to the app's single error policy."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.report_failed_worker(event)  # type: ignore[attr-defined]
