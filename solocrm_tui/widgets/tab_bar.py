"""A one-line tab strip drawn by a single widget.

Textual's TabbedContent costs a widget per tab, per pane and per pane's content; on the
customer detail, opened many times a session, that was a third of the time to open it.
This strip only draws the labels; the screen swaps what is shown below (a
ContentSwitcher). Clicking a label chooses it, like the keys do.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

GAP = "   "


class TabBar(Static):
    active: reactive[str] = reactive("", layout=False)

    class Chosen(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, labels: dict[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.labels = dict(labels)
        self.set_reactive(TabBar.active, next(iter(self.labels)))

    @property
    def keys(self) -> list[str]:
        return list(self.labels)

    def set_label(self, key: str, label: str) -> None:
        self.labels[key] = label
        self.refresh()

    def watch_active(self) -> None:
        self.refresh()

    def render(self) -> Content:
        parts: list = []
        for key, label in self.labels.items():
            if parts:
                parts.append(GAP)
            parts.append((label, "bold $accent underline" if key == self.active else "$text-muted"))
        return Content.assemble(*parts)

    def key_at(self, x: int) -> str | None:
        """The tab whose label covers column `x`."""
        start = 0
        for key, label in self.labels.items():
            end = start + cell_len(label)
            if start <= x < end:
                return key
            start = end + len(GAP)
        return None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        key = self.key_at(offset.x) if offset is not None else None
        if key is not None:
            self.post_message(self.Chosen(key))
