"""A tab strip drawn by a single widget.

Textual's TabbedContent costs a widget per tab, per pane and per pane's content; on the
customer detail, opened many times a session, that was a third of the time to open it.
This strip only draws the labels; the screen swaps what is shown below (a
ContentSwitcher). Clicking a label chooses it, like the keys do.

Every tab stays in sight at any width: where the labels do not fit on one line they
lose their brackets ("Orders 3") and their spacing, and then wrap onto a second line
(the detail at 80 columns), rather than cutting Follow-ups and Tickets off.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

GAP = "   "
COMPACT_GAP = "  "
Rows = list[list[tuple[str, str]]]  # (key, label) per row of the strip


def _compact(label: str) -> str:
    return re.sub(r" \((\d+)\)$", r" \1", label)


def _width(row: list[tuple[str, str]], gap: str) -> int:
    return sum(cell_len(label) for _, label in row) + len(gap) * (len(row) - 1)


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
        self.refresh(layout=True)

    def watch_active(self) -> None:
        self.refresh()

    def rows(self, width: int) -> tuple[Rows, str]:
        """The labels on as few lines as fit in `width`, and the gap between them."""
        full = list(self.labels.items())
        if width <= 0 or _width(full, GAP) <= width:
            return [full], GAP
        compact = [(key, _compact(label)) for key, label in full]
        rows: Rows = [[]]
        for tab in compact:
            if rows[-1] and _width([*rows[-1], tab], COMPACT_GAP) > width:
                rows.append([])
            rows[-1].append(tab)
        return rows, COMPACT_GAP

    def get_content_height(self, _container, _viewport, width: int) -> int:
        return len(self.rows(width)[0])

    def render(self) -> Content:
        rows, gap = self.rows(self.content_region.width)
        lines = []
        for row in rows:
            parts: list = []
            for key, label in row:
                if parts:
                    parts.append(gap)
                parts.append((label, "bold $accent underline" if key == self.active else "$text-muted"))
            lines.append(Content.assemble(*parts))
        return Content("\n").join(lines)

    def on_resize(self) -> None:
        self.refresh(layout=True)

    def key_at(self, x: int, y: int = 0) -> str | None:
        """The tab whose label covers column `x` of line `y`."""
        rows, gap = self.rows(self.content_region.width)
        start = 0
        for key, label in rows[y] if 0 <= y < len(rows) else ():
            end = start + cell_len(label)
            if start <= x < end:
                return key
            start = end + len(gap)
        return None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        key = self.key_at(offset.x, offset.y) if offset is not None else None
        if key is not None:
            self.post_message(self.Chosen(key))
