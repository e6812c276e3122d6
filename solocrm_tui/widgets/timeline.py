"""The interaction timeline rendered like a chat.

The owner's outbound entries sit on the right, inbound ones on the left, system
events and orders are quiet centred lines, and a separator marks each new day; the newest
entry is at the bottom. Only the newest page is loaded; older pages are prepended
when the owner scrolls to the top.

It is one line-API widget (see LineView), so opening a customer with a long history
costs the same few widgets as opening one with a single note. Each entry's lines are
cached per width, so prepending a page only wraps the new entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip

from solocrm_tui import work
from solocrm_tui.core.storage.records import Interaction
from solocrm_tui.text.figures import day as format_day
from solocrm_tui.widgets.line_view import LineView

ICONS = {"note": "✎", "call": "☎", "email": "✉", "meeting": "◷", "message": "✆", "system": "·"}
QUIET = ("system", "order")  # the app's records and the customer's orders: shown, not edited here
BUBBLE_SHARE = 0.7  # a bubble is at most this share of the width, like a chat app's
EMPTY = "No interactions yet — type a note below, or /call, /email …"
START = "── start of the history ──"


def side_of(entry: Interaction) -> str:
    return "system" if entry.kind in QUIET else ("inbound" if entry.direction == "in" else "outbound")


def mine(entry: Interaction) -> bool:
    """An entry the owner wrote: the ones ↑/↓ select, e rewrites and del deletes. Orders
    and entries are numbered apart, so only these are looked up by id."""
    return entry.kind not in QUIET


@dataclass(frozen=True)
class Block:
    """Where one day separator or entry sits: its first line and how many lines it takes."""

    kind: str  # "day", "outbound", "inbound" or "system"
    top: int
    height: int
    entry: Interaction | None = None
    day: date | None = None


class Timeline(LineView, can_focus=True):
    COMPONENT_CLASSES = {"timeline--outbound", "timeline--inbound", "timeline--system",
                         "timeline--day", "timeline--empty", "timeline--selected"}
    BINDINGS = [
        Binding("k,up", "select(-1)", "Older entry", show=False, id="timeline.up"),
        Binding("j,down", "select(1)", "Newer entry", show=False, id="timeline.down"),
        Binding("o", "older", "Older", id="timeline.older"),
    ]

    class NeedOlder(Message):
        """The owner reached the top: load the next older page."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entries: list[Interaction] = []  # oldest first
        self.blocks: list[Block] = []
        self.has_older = False
        self.waiting = False
        self.loaded = False
        self._entry_lines: dict[tuple[str, int], list[Strip]] = {}  # by (kind, id): orders have their own ids
        self._at_end = True
        self.selected: int | None = None  # the id of the highlighted entry (e edits, del deletes it)
        self.selected_is_order = False  # the highlight is on an order line (a search hit opened it)
        self._asked = False  # the pending older page was asked for with `o`, not by scrolling

    @property
    def selected_entry(self) -> Interaction | None:
        return next((e for e in self.entries if mine(e) and self.highlighted(e)), None)

    def highlighted(self, entry: Interaction) -> bool:
        """Orders and entries are numbered apart, so the id alone does not say which line it is."""
        if entry.id != self.selected:
            return False
        return entry.kind == "order" if self.selected_is_order else mine(entry)

    def action_select(self, step: int) -> None:
        """↑/↓ move between the owner's entries, newest at the bottom; past the newest,
        nothing is selected. System lines and orders are skipped."""
        ids = [e.id for e in self.entries if mine(e)]
        if not ids:
            return
        if self.selected_is_order or self.selected not in ids:
            index = len(ids) - 1 if step < 0 else None
        else:
            index = ids.index(self.selected) + step
            index = None if index >= len(ids) else max(0, index)
        self.select_entry(None if index is None else ids[index])

    def select_entry(self, entry_id: int | None, *, order: bool = False) -> None:
        """Highlight an entry, or with `order` an order line, and bring it into view (None:
        none, and the newest in view). Before the first layout it is brought into view then."""
        self.selected, self.selected_is_order = entry_id, order and entry_id is not None
        self.relayout()
        if not self._scroll_to_selected() and self.selected is None:
            self.scroll_end(animate=False, immediate=True, force=True)

    def _scroll_to_selected(self) -> bool:
        block = next((b for b in self.blocks if b.entry is not None and self.highlighted(b.entry)), None)
        if block is not None:
            self.scroll_to_region(Region(0, block.top, 1, block.height), animate=False, immediate=True)
        return block is not None

    @property
    def count(self) -> int:
        return len(self.entries)

    def show_newest(self, entries: tuple[Interaction, ...], has_older: bool) -> None:
        """Replace the timeline with the newest page (given newest first) and scroll to its end."""
        self.entries = list(reversed(entries))
        self.has_older = has_older
        self.waiting = False
        self.loaded = True
        self._entry_lines.clear()
        self.relayout()
        self.scroll_end(animate=False, immediate=True, force=True)

    def show_older(self, entries: tuple[Interaction, ...], has_older: bool) -> None:
        """Prepend an older page (given newest first), keeping the entry the owner was
        looking at in place. Asked for with `o`, the newest of the page is highlighted
        (where reading upwards goes on) and a toast says how many came."""
        self.waiting = False
        self.has_older = has_older
        asked, self._asked = self._asked, False
        height_before, y_before = len(self.lines), self.scroll_y
        self.entries[:0] = reversed(entries)
        self.relayout()
        self.scroll_to(y=y_before + len(self.lines) - height_before, animate=False, immediate=True, force=True)
        if not asked:
            return
        first = next((entry.id for entry in entries if entry.kind != "system"), None)
        if first is not None:
            self.select_entry(first)
        start = ": this is the start of the history" if not has_older else ""
        work.toast(self.app, f"{len(entries)} older {'entry' if len(entries) == 1 else 'entries'} loaded{start}")

    def on_new_width(self) -> None:
        """The highlighted entry, or else the newest one, stays in view when the width changes."""
        if not self._scroll_to_selected() and self._at_end:
            self.scroll_end(animate=False, immediate=True, force=True)

    def forget_rendering(self) -> None:
        self._entry_lines.clear()

    def build(self, width: int) -> list[Strip]:
        if not self.entries:
            self.blocks = []
            text = EMPTY if self.loaded else ""
            return [Strip.blank(width, self.base_style), self.placed(text, self._style("empty"), width, "center")]
        strips: list[Strip] = [] if self.has_older else [self.placed(START, self._style("day"), width, "center")]
        blocks: list[Block] = []
        previous_day = None
        blank = Strip.blank(width, self.base_style)
        for entry in self.entries:
            day = entry.occurred_at.date()
            if day != previous_day:
                blocks.append(Block("day", len(strips), 1, day=day))
                strips += [self.placed(f"── {format_day(day, self.app.now())} ──", self._style("day"), width, "center"), blank]
                previous_day = day
            key = (entry.kind, entry.id)
            if self.highlighted(entry):  # drawn apart so the cache keeps the plain look
                lines = self._render_entry(entry, width, self._style("selected"))
            elif (lines := self._entry_lines.get(key)) is None:
                lines = self._entry_lines[key] = self._render_entry(entry, width)
            blocks.append(Block(side_of(entry), len(strips), len(lines), entry=entry))
            strips += lines
            if side_of(entry) != "system":
                strips.append(blank)
        self.blocks = blocks
        return strips

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"timeline--{name}")

    def _render_entry(self, entry: Interaction, width: int, highlight: Style | None = None) -> list[Strip]:
        side, stamp = side_of(entry), entry.occurred_at.strftime("%H:%M")
        if side == "system":
            style = self._style("system") if highlight is None else self._style("system") + highlight
            return [self.placed(line, style, width, "center") for line in self.wrap(f"{entry.body} · {stamp}", width)]
        who = "you" if side == "outbound" else "them"
        inner = max(8, int(width * BUBBLE_SHARE)) - 2  # one cell of padding each side
        head = f"{ICONS.get(entry.kind, '')} {entry.kind} · {who} · {stamp}"
        lines = self.wrap(head, inner) + self.wrap(entry.body or "—", inner)
        bubble_width = min(width, max(cell_len(line) for line in lines) + 2)
        style, base = self._style(side), self.base_style
        if highlight is not None:
            style += highlight
        margin = width - bubble_width
        strips = []
        for number, line in enumerate(lines):
            text_style = style + Style(bold=True) if number == 0 else style
            fill = " " * (bubble_width - 1 - cell_len(line))
            bubble = [Segment(" ", style), Segment(line, text_style), Segment(fill, style)]
            outside = [Segment(" " * margin, base)]
            segments = outside + bubble if side == "outbound" else bubble + outside
            strips.append(Strip(segments, width))
        return strips

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._at_end = new >= self.max_scroll_y
        if new <= 0 < old and self.has_older:
            self.load_older()

    def action_older(self) -> None:
        """`o`: the next older page, or a word that there is none."""
        if not self.has_older:
            work.toast(self.app, "no older entries: this is the start of the history")
        elif not self.waiting:
            self._asked = True
            self.load_older()

    def load_older(self) -> None:
        if self.has_older and not self.waiting:
            self.waiting = True
            self.post_message(self.NeedOlder())
