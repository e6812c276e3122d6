"""A deal on the pipeline board, and a stage column that mounts its cards lazily."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from solocrm_tui.core.sales.board import Card, Column
from solocrm_tui.text.figures import day, money
from solocrm_tui.widgets.cells import cell

CHUNK = 40  # cards mounted at a time; more are mounted as the selection moves down


class DealCard(Static):
    def __init__(self, card: Card, today: date) -> None:
        self.card = card
        deal = card.deal
        close = ""
        if deal.expected_close:
            late = "!" if deal.expected_close < today else ""
            close = f" · {day(deal.expected_close, today, weekday=False)}{late}"
        stale = f" · ⚠ {card.idle_days}d idle" if card.stale else ""
        lines = f" · {card.lines} line{'' if card.lines == 1 else 's'}" if card.lines else ""
        text = Text("\n").join([cell(deal.title), cell(f"{deal.customer_name} · {money(deal.value, compact=True)} · "
                                                        f"{deal.probability}%{lines}{close}{stale}")])
        super().__init__(text, classes="deal-card" + (" stale" if card.stale else ""))


class StageColumn(Vertical):
    def __init__(self, stage: str) -> None:
        super().__init__(classes="stage-column", id=f"col-{stage}")
        self.stage = stage
        self.column: Column | None = None
        self.today = date.min
        self.mounted_cards = 0

    def compose(self) -> ComposeResult:
        yield Static(self.stage.capitalize(), classes="stage-header")
        # not focusable: a focused scroll view would take ↑/↓ (scroll) from the board's card selection
        yield VerticalScroll(classes="stage-cards", can_focus=False)

    def show(self, column: Column, today: date, show_at_least: int = 0) -> None:
        self.column, self.today = column, today
        self.show_header()
        scroll = self.query_one(".stage-cards", VerticalScroll)
        scroll.remove_children()
        self.mounted_cards = 0
        self.ensure_mounted(max(CHUNK, show_at_least))

    def on_resize(self) -> None:
        self.show_header()

    def show_header(self) -> None:
        """Count, total and weighted value on two lines, or on three where a column is too
        narrow for "total · weighted value" (four columns at 80): never cut."""
        header = self.query_one(".stage-header", Static)
        if self.column is None:
            return
        total, weighted = money(self.column.total, compact=True), f"weighted {money(self.column.weighted, compact=True)}"
        room = header.content_region.width or self.size.width - 4  # before the header is laid out: borders, padding
        values = f"{total} · {weighted}" if len(total) + 3 + len(weighted) <= room else f"{total}\n{weighted}"
        header.update(f"{self.stage.capitalize()} · {len(self.column.cards)}\n{values}")

    def ensure_mounted(self, count: int) -> None:
        """Mount cards up to `count` (virtualisation in chunks for columns with thousands)."""
        if self.column is None:
            return
        target = min(len(self.column.cards), count)
        if target <= self.mounted_cards:
            return
        new = [DealCard(card, self.today) for card in self.column.cards[self.mounted_cards:target]]
        self.query_one(".stage-cards", VerticalScroll).mount_all(new)
        self.mounted_cards = target

    def card_widget(self, index: int) -> DealCard | None:
        if self.column is None or not self.column.cards:
            return None
        self.ensure_mounted(index + CHUNK // 2)
        cards = self.query(DealCard)
        return cards[index] if index < len(cards) else None
