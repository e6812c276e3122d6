"""Pipeline: a kanban of open deals with totals and the weighted forecast.

A move is drawn at once (the card jumps columns) and persisted in a worker; if the
write fails the board is reloaded from the database, so the card goes back, and the
error is shown. With no open deal the board gives way to one line saying how to add
one; `r` shows the deals won and lost lately below it (off at first, kept while the
app runs: the screen lives as long as the app) and takes the cursor there: j/k select
a closed deal, `o` reopens it, `r` again goes back to the board.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Static

from solocrm_tui import work
from solocrm_tui.core.amounts import format_money, parse_amount
from solocrm_tui.core.errors import CRMError
from solocrm_tui.core.sales import deals
from solocrm_tui.core.sales.board import RECENT_DAYS, Board, Card, Column, build_board
from solocrm_tui.core.stages import OPEN_DEAL_STAGES
from solocrm_tui.core.storage.records import Deal
from solocrm_tui.screens.base import CRMScreen
from solocrm_tui.text.figures import day, money
from solocrm_tui.widgets.cells import cell
from solocrm_tui.widgets.deal_card import DealCard, StageColumn
from solocrm_tui.widgets.phrases import Phrases

NEEDS_A_DEAL = frozenset({"column", "card", "move", "won", "lost", "edit", "open"})  # hidden while none is open
BOARD_ONLY = frozenset({"column", "move", "won", "lost", "edit"})  # resting while the cursor is in the won/lost list
NO_DEALS = ("No open deals. Press n for a new deal, or type /deal AMOUNT TITLE in the composer "
            "(on a customer, or /deal @name AMOUNT TITLE).")


class PipelineScreen(CRMScreen):
    HELP = ("Pipeline: open deals by stage, with totals and weighted totals. H and L move the "
            "selected deal a stage back or on; w marks it won, x lost (asks why). r lists the deals "
            "won and lost lately: j/k select one, o reopens it where it closed, r goes back.")
    AUTO_FOCUS = ""  # the board has no focusable widget: keys go to the screen, not the composer
    BINDINGS = [
        Binding("h,left", "column(-1)", "◀ Column", id="pipeline.left"),
        Binding("l,right", "column(1)", "Column ▶", id="pipeline.right"),
        Binding("j,down", "card(1)", "Down", show=False, id="pipeline.down"),
        Binding("k,up", "card(-1)", "Up", show=False, id="pipeline.up"),
        Binding("H,shift+left", "move(-1)", "◀ Move", id="pipeline.move_back"),
        Binding("L,shift+right", "move(1)", "Move ▶", id="pipeline.move_on"),
        Binding("w", "won", "Won", id="pipeline.won"),
        Binding("x", "lost", "Lost", id="pipeline.lost"),
        Binding("n", "new", "New deal", id="pipeline.new"),
        Binding("e", "edit", "Edit", id="pipeline.edit"),
        Binding("enter", "open", "Open customer", id="pipeline.open"),
        Binding("r", "toggle_recent", "Won/lost", id="pipeline.recent"),
        Binding("o", "reopen", "Reopen", id="pipeline.reopen"),
    ]
    READ_ON_RETURN = True

    def __init__(self) -> None:
        super().__init__()
        self.board: Board | None = None
        self.col = 0
        self.rows = [0] * len(OPEN_DEAL_STAGES)
        self.show_recent = False  # the won/lost list is shown, and the cursor is in it
        self.recent_row = 0

    def compose_body(self) -> ComposeResult:
        no_deals, recent = Static(NO_DEALS, id="pipeline-empty", markup=False), Static(id="recent")
        no_deals.display = recent.display = False  # until the board is read
        yield no_deals
        with Horizontal(id="board"):
            for stage in OPEN_DEAL_STAGES:
                yield StageColumn(stage)
        yield recent
        yield Phrases("loading the pipeline…", id="forecast")

    def on_mount(self) -> None:
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """With no open deal the footer offers only what works: a new deal, the recent ones;
        in the won/lost list, what acts on a closed deal."""
        if self.show_recent:
            return action not in BOARD_ONLY and (action not in ("card", "open", "reopen") or self.recent_deal() is not None)
        return action != "reopen" and not (action in NEEDS_A_DEAL and self.no_open_deals())

    def no_open_deals(self) -> bool:
        """The board has been read and holds no open deal."""
        return self.board is not None and not any(column.cards for column in self.board.columns)

    def reload(self) -> None:
        self.load()

    def focus_main(self) -> None:
        self.set_focus(None)

    def load(self) -> None:
        now, config = self.app.now(), self.app.config
        recent_days = RECENT_DAYS if self.show_recent else None
        work.load(self, lambda: build_board(now, config.deal_probabilities, config.today.stale_deal_days,
                                            recent_days=recent_days), self.show, group="pipeline-load")

    def show(self, board: Board, select: int | None = None) -> None:
        """Draw a board with the deal `select` (default: the one selected now) selected in the
        active column wherever the new board sorts it: after a move is saved, the reload
        sorts the column by close date, and a cursor left on the row acted on another deal."""
        if select is None and (kept := self.selected()) is not None:
            select = kept.deal.id
        self.board = board
        cards = board.columns[self.col].cards
        self.rows[self.col] = next((i for i, c in enumerate(cards) if c.deal.id == select), self.rows[self.col])
        no_deals = self.no_open_deals()
        self.query_one("#pipeline-empty").display = no_deals
        self.query_one("#board").display = not no_deals
        self.show_recent_deals(board.recent)
        today = self.app.now().date()
        for index, column in enumerate(board.columns):
            self.rows[index] = min(self.rows[index], max(0, len(column.cards) - 1))
            self.query_one(f"#col-{column.stage}", StageColumn).show(column, today, self.rows[index] + 1)
        self.query_one("#forecast", Phrases).show(*self.summary(board, no_deals))
        self.refresh_bindings()  # the keys that need a deal come and go with the deals
        self.call_after_refresh(self.highlight)

    @staticmethod
    def summary(board: Board, no_deals: bool) -> tuple[str, str, str]:
        """The forecast, the last 90 days and this month: one phrase each."""
        f = board.forecast
        forecast = ("Forecast: no open deals" if no_deals else
                    f"Forecast (weighted, by expected close): this month {money(f.this_month)} · "
                    f"next month {money(f.next_month)}")
        if f.win_rate_90d is None:
            closed = "No deals closed in the last 90 days"
        else:
            days = f" · {f.avg_days_to_close:.0f} days to close" if f.avg_days_to_close is not None else ""
            closed = f"Last 90 days: win rate {f.win_rate_90d:.0%} of {f.closed_90d}{days}"
        if f.won_this_month or f.lost_this_month:
            month = f"This month: won {f.won_this_month} ({money(f.won_value_this_month)}) · lost {f.lost_this_month}"
        else:
            month = "Nothing won or lost this month"
        return forecast, closed, month

    def show_recent_deals(self, recent: tuple[Deal, ...]) -> None:
        panel = self.query_one("#recent", Static)
        panel.display = self.show_recent
        if not self.show_recent:
            return
        self.recent_row = min(self.recent_row, max(0, len(recent) - 1))
        keys = " — j/k select, o reopens, r back to the board" if recent else ""
        lines = [Text(f"Won and lost in the last {RECENT_DAYS} days" + (keys or ": none"), style="bold")]
        now = self.app.now()
        days = [day(deal.closed_at, now, weekday=False) for deal in recent]
        width = max(map(len, days), default=0)  # `4 Nov` under `30 Nov`, so the titles line up
        for deal, closed in zip(recent, days):
            mark = "✓ won " if deal.stage == "won" else "✗ lost"
            reason = f" — {deal.lost_reason}" if deal.lost_reason else ""
            line = cell(f"{mark} {closed:>{width}}  {deal.title} · {deal.customer_name} · {money(deal.value)}{reason}")
            if deal is self.recent_deal():
                line.stylize("reverse")
            lines.append(line)
        panel.update(Text("\n").join(lines))  # one line per deal, cut by the CSS, never wrapped

    def action_toggle_recent(self) -> None:
        self.show_recent = not self.show_recent
        self.load()

    def recent_deal(self) -> Deal | None:
        """The closed deal selected in the won/lost list (None while it is hidden or empty)."""
        if not self.show_recent or self.board is None or not self.board.recent:
            return None
        return self.board.recent[min(self.recent_row, len(self.board.recent) - 1)]

    # selection --------------------------------------------------------------------------

    def selected(self) -> Card | None:
        if self.board is None:
            return None
        cards = self.board.columns[self.col].cards
        return cards[self.rows[self.col]] if cards else None

    def selected_or_say(self) -> Card | None:
        """The selected deal, or None after saying the column is empty."""
        card = self.selected()
        if card is None and self.board is not None:
            self.cannot(f"no deal in {OPEN_DEAL_STAGES[self.col]}")
        return card

    def focused_deal_id(self) -> int | None:
        if self.show_recent:
            closed = self.recent_deal()
            return closed.id if closed else None
        card = self.selected()
        return card.deal.id if card else None

    def focused_customer_id(self) -> int | None:
        if self.show_recent:
            closed = self.recent_deal()
            return closed.customer_id if closed else None
        card = self.selected()
        return card.deal.customer_id if card else None

    def highlight(self) -> None:
        for widget in self.query(DealCard):
            widget.set_class(False, "-selected")
        for index, column in enumerate(self.query(StageColumn)):
            column.set_class(index == self.col, "-active")
        widget = self.query_one(f"#col-{OPEN_DEAL_STAGES[self.col]}", StageColumn).card_widget(self.rows[self.col])
        if widget is not None and not self.show_recent:
            widget.add_class("-selected")
            widget.scroll_visible(animate=False)

    def action_column(self, step: int) -> None:
        self.col = (self.col + step) % len(OPEN_DEAL_STAGES)
        self.highlight()

    def action_card(self, step: int) -> None:
        if self.board is None:
            return
        if self.show_recent:
            self.recent_row = max(0, min(len(self.board.recent) - 1, self.recent_row + step))
            self.show_recent_deals(self.board.recent)
            return
        count = len(self.board.columns[self.col].cards)
        if count:
            self.rows[self.col] = max(0, min(count - 1, self.rows[self.col] + step))
            self.highlight()

    # changes ----------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        card = self.selected_or_say()
        target = self.col + step
        if card is None:
            return
        if target < 0:
            self.cannot(f"“{card.deal.title}” is in {card.deal.stage}, the first stage: x marks it lost")
            return
        if target >= len(OPEN_DEAL_STAGES):
            self.cannot(f"“{card.deal.title}” is in {card.deal.stage}, the last open stage: w marks it won, x lost")
            return
        stage = OPEN_DEAL_STAGES[target]
        self._move_locally(card, target, stage)
        self.persist_move(card, stage, None, done=f"moved “{card.deal.title}” to {stage}")

    def _move_locally(self, card: Card, target: int, stage: str | None) -> None:
        """Draw the move before it is saved; a failed save reloads the board."""
        assert self.board is not None
        columns = list(self.board.columns)
        source = columns[self.col]
        columns[self.col] = Column(source.stage, tuple(c for c in source.cards if c is not card))
        if stage is not None:
            prob = self.app.config.deal_probabilities.get(stage, card.deal.probability)
            moved = replace(card, deal=replace(card.deal, stage=stage, probability=prob), stale=False, idle_days=0)
            columns[target] = Column(columns[target].stage, (moved, *columns[target].cards))
            self.col = target
        self.show(replace(self.board, columns=tuple(columns)), select=card.deal.id)

    def persist_move(self, card: Card, stage: str, reason: str | None, done: str | None = None,
                     amount: str | None = None) -> None:
        """Save a move already drawn; if it is refused, the reload puts the card back. `done`
        is said once it is saved; `amount` is what a deal worth nothing was won for."""
        now, deal_id, rules = self.app.now(), card.deal.id, self.app.config.lifecycle

        def move() -> None:
            try:
                deals.move_deal(deal_id, stage, now, reason=reason, amount=amount, rules=rules)
            except CRMError as exc:
                raise CRMError(f"move not saved: {exc}") from exc

        work.apply_change(self, move, what="deals", done=done, refused=lambda _: self.reload(), group="pipeline-write",
                          undo_as=f"moving “{card.deal.title}” to {stage}")

    def action_won(self) -> None:
        """A win is an order: a deal worth nothing (no value, no lines) asks what it was won for."""
        from solocrm_tui.modals.prompt import Prompt

        card = self.selected_or_say()
        if card is None:
            return
        if card.deal.value:
            self._win(card, None)
            return
        self.app.push_screen(Prompt(f"What was “{card.deal.title}” won for?", placeholder="the amount, e.g. 1200",
                                    check=parse_amount,
                                    empty="an amount is needed — Esc cancels"),
                             lambda amount: amount and self._win(card, amount))

    def _win(self, card: Card, amount: str | None) -> None:
        self._move_locally(card, self.col, None)
        self.persist_move(card, "won", None, amount=amount)
        work.toast(self.app, f"won: {card.deal.title}")

    def action_lost(self) -> None:
        from solocrm_tui.modals.prompt import Prompt

        card = self.selected_or_say()
        if card is not None:
            self.app.push_screen(Prompt(f"Why was “{card.deal.title}” lost?", placeholder="price, timing, competitor…",
                                        empty="a reason is needed — Esc cancels"),
                                 lambda reason: reason and self._lose(card, reason))

    def _lose(self, card: Card, reason: str) -> None:
        self._move_locally(card, self.col, None)
        self.persist_move(card, "lost", reason)
        work.toast(self.app, f"lost: {card.deal.title} ({reason})")

    def action_new(self) -> None:
        from solocrm_tui.modals.deal_form import edit_deal

        card = self.selected()
        edit_deal(self.app, None, customer_name=card.deal.customer_name if card else "",
                  customer_id=card.deal.customer_id if card else None)

    def action_edit(self) -> None:
        from solocrm_tui.modals.deal_form import edit_deal

        card = self.selected_or_say()
        if card is not None:
            edit_deal(self.app, card.deal)

    def action_reopen(self) -> None:
        """Back to the stage it closed from; removing a win's order is asked first (ctrl+z
        brings the win and the order back either way)."""
        closed = self.recent_deal()
        if closed is None:
            return

        def ask(plan: deals.Reopening) -> None:
            if plan.order is None:
                self._reopen(plan)
                return
            from solocrm_tui.modals.confirm import Confirm

            removed = format_money(plan.order.amount, cents=True, currency=plan.order.currency)
            self.app.push_screen(Confirm(f"Reopening “{closed.title}” removes its order of {removed}: "
                                         f"back to {plan.stage}?"), lambda yes: yes and self._reopen(plan))

        work.load(self, lambda: deals.reopening(closed.id), ask, group="pipeline-reopen")

    def _reopen(self, plan: deals.Reopening) -> None:
        now, rules, title = self.app.now(), self.app.config.lifecycle, plan.deal.title
        work.apply_change(self, lambda: deals.reopen_deal(plan.deal.id, now, rules=rules), what="deals",
                          done=f"reopened “{title}”: back in {plan.stage}", group="pipeline-write",
                          undo_as=f"reopening “{title}”")

    def action_open(self) -> None:
        if self.show_recent:
            closed = self.recent_deal()
            if closed is not None:
                self.app.open_customer(closed.customer_id)
            return
        card = self.selected_or_say()
        if card is not None:
            self.app.open_customer(card.deal.customer_id)
