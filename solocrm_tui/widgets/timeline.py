"""The interaction timeline rendered like a chat.

The owner's outbound entries sit on the right, inbound ones on the left, system
events are quiet centred lines, and a separator marks each new day; the newest
entry is at the bottom. Only the newest page is loaded; older pages are prepended
when the owner scrolls to the top.
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from solocrm_tui.core.records import Interaction

ICONS = {"note": "✎", "call": "☎", "email": "✉", "meeting": "◷", "message": "✆", "system": "·"}


class Bubble(Horizontal):
    """One entry: a row aligned by side, holding the speech bubble."""

    def __init__(self, entry: Interaction) -> None:
        self.side = "system" if entry.kind == "system" else ("inbound" if entry.direction == "in" else "outbound")
        super().__init__(classes=f"bubble-row {self.side}")
        self.entry = entry

    def compose(self) -> ComposeResult:
        entry, stamp = self.entry, self.entry.occurred_at.strftime("%H:%M")
        if self.side == "system":
            yield Static(f"{entry.body} · {stamp}", markup=False, classes="bubble system")
        else:
            who = "you" if self.side == "outbound" else "them"
            head = f"{ICONS.get(entry.kind, '')} {entry.kind} · {who} · {stamp}"
            yield Static(f"{head}\n{entry.body or '—'}", markup=False, classes=f"bubble {self.side}")


class DaySeparator(Static):
    def __init__(self, day: date) -> None:
        super().__init__(f"── {day:%a %d %b %Y} ──", classes="day")
        self.day = day


class Timeline(VerticalScroll):
    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False, id="timeline.down"),
        Binding("k", "scroll_up", "Up", show=False, id="timeline.up"),
        Binding("o", "older", "Older", id="timeline.older"),
    ]

    class NeedOlder(Message):
        """The owner reached the top: load the next older page."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.has_older = False
        self.waiting = False
        self.count = 0

    def show_newest(self, entries: tuple[Interaction, ...], has_older: bool) -> None:
        self.remove_children()
        self.count = 0
        self.has_older = has_older
        if not entries:
            self.mount(Static("No interactions yet — type a note below, or /call, /email …", classes="empty"))
            return
        self.mount_all(self._widgets(list(reversed(entries)), previous_day=None))
        self.count = len(entries)
        self.call_after_refresh(self.scroll_end, animate=False)

    def show_older(self, entries: tuple[Interaction, ...], has_older: bool) -> None:
        """Prepend an older page, keeping the entry the owner was looking at in place."""
        self.waiting = False
        self.has_older = has_older
        if not entries:
            return
        first = self.query(Bubble).first() if self.query(Bubble) else None
        first_day = first.entry.occurred_at.date() if first else None
        chronological = list(reversed(entries))
        widgets = self._widgets(chronological, previous_day=None)
        if first_day is not None and chronological[-1].occurred_at.date() == first_day:
            old_sep = self.query(DaySeparator).first()
            old_sep.remove()
        height_before = self.virtual_size.height
        self.mount_all(widgets, before=0)
        self.count += len(entries)
        self.call_after_refresh(lambda: self.scroll_to(y=self.virtual_size.height - height_before, animate=False))

    @staticmethod
    def _widgets(chronological: list[Interaction], previous_day: date | None) -> list:
        widgets: list = []
        for entry in chronological:
            day = entry.occurred_at.date()
            if day != previous_day:
                widgets.append(DaySeparator(day))
                previous_day = day
            widgets.append(Bubble(entry))
        return widgets

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new <= 0 < old and self.has_older:
            self.action_older()

    def action_older(self) -> None:
        if self.has_older and not self.waiting:
            self.waiting = True
            self.post_message(self.NeedOlder())
