"""Insights: KPIs with their periods, revenue with trend and forecast range, who to
contact, top customers by CLV and by margin, segments and model quality. The figures come from a child
process (jobs.summary_in_process) as a Summary, so pandas never loads into the app; the
contact and top lists straight from the database, without waiting for the figures.

`r` refits in a child process (jobs.refit_in_process); the screen shows progress
and stays live, then reloads.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from solocrm_tui import work
from solocrm_tui.config import Analytics
from solocrm_tui.core import jobs
from solocrm_tui.core.analytics import attention
from solocrm_tui.core.analytics.attention import AtRisk, TopCustomer
from solocrm_tui.core.analytics.summary import Summary
from solocrm_tui.core.errors import CRMError
from solocrm_tui.core.sales import margin
from solocrm_tui.core.sales.margin import CustomerMargin, Margin
from solocrm_tui.core.stages import CUSTOMER_STAGES
from solocrm_tui.screens.base import CRMScreen
from solocrm_tui.text.figures import count, due, money, percent
from solocrm_tui.text.insights import (
    bought_together,
    segment_note,
    segmentation_leaderboard,
)
from solocrm_tui.text.visible import visible
from solocrm_tui.widgets.cells import cell, cells
from solocrm_tui.widgets.chart import Chart, bars, column_chart
from solocrm_tui.widgets.insight_panels import (
    TILES,
    forecast_text,
    model_text,
    tile_text,
)
from solocrm_tui.widgets.row_table import RowTable
from solocrm_tui.widgets.service_panels import CampaignsPanel, TicketsPanel

# who to contact, top by CLV, top by margin and the book's margin, customers per stage
Lists = tuple[list[AtRisk], list[TopCustomer], list[CustomerMargin], Margin, dict[str, int]]
TABLES = {"contact": "#contact-table", "top": "#top-table", "margin": "#margin-table"}  # tabs listing customers


def refit_models(db_path: Path, now: datetime, settings: Analytics) -> dict[str, bool]:
    """The child process says in one line why a fit failed (disk full, database gone):
    something for the owner to act on, so it is refused like a bad value, not reported as a bug."""
    try:
        return jobs.refit_in_process(db_path, now, settings)
    except RuntimeError as error:
        raise CRMError(str(error)) from error


BOUGHT_TOGETHER_PADDING = 4  # the tab's padding and the overview's scrollbar


class InsightsScreen(CRMScreen):
    BINDINGS = [
        Binding("r", "refit", "Refit now", id="insights.refit"),
        Binding("enter", "open", "Open customer", id="insights.open"),
        Binding("left_square_bracket", "tab(-1)", "Prev tab", show=False, id="insights.prev_tab"),
        Binding("right_square_bracket", "tab(1)", "Next tab", show=False, id="insights.next_tab"),
    ]
    TABS = ("overview", "contact", "top", "margin", "segments", "models", "campaigns", "tickets")

    def __init__(self) -> None:
        super().__init__()
        self.refitting = False
        self.summary: Summary | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("Computing insights…", id="insights-status")
        with TabbedContent(id="insights-tabs"):
            with TabPane("Overview", id="overview"):
                with VerticalScroll():
                    with Grid(id="kpi-grid"):
                        for key, _, _ in TILES:
                            yield Static("…", id=f"kpi-{key}", classes="kpi")
                    yield Static("Monthly revenue (░ = forecast range)", classes="section-title")
                    yield Chart(id="revenue-chart")
                    yield Static("", id="forecast-text")
                    yield Static("Customers by stage", classes="section-title")
                    yield Chart(id="stage-chart")
                    yield Static("Bought together", id="bought-together-title", classes="section-title")
                    yield Static("", id="bought-together", markup=False)  # product names are the owner's text
            with TabPane("Contact", id="contact"):
                yield RowTable(id="contact-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Top CLV", id="top"):
                yield RowTable(id="top-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Top margin", id="margin"):
                yield Static("", id="margin-note")
                yield RowTable(id="margin-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Segments", id="segments"):
                with VerticalScroll():
                    yield Static("", id="segment-note")
                    yield DataTable(id="segment-table", cursor_type="row", show_cursor=False)
                    yield Chart(id="segment-chart")
                    yield Static("", id="kmeans-text")
                    yield Static("", id="segment-lab-text", markup=False)
            with TabPane("Models", id="models"):
                yield VerticalScroll(Static("", id="model-text"))
            with TabPane("Campaigns", id="campaigns"):
                yield CampaignsPanel(id="campaigns-panel")
            with TabPane("Tickets", id="tickets"):
                yield TicketsPanel(id="tickets-panel")

    def on_mount(self) -> None:
        self.query_one("#contact-table", DataTable).add_columns("Customer", "Value at risk", "Risk", "CLV", "Why")
        self.query_one("#top-table", DataTable).add_columns("Customer", "CLV (12m)", "Revenue so far", "Orders", "Segment")
        self.query_one("#margin-table", DataTable).add_columns("Customer", "Margin", "Share", "Margin rate", "No cost")
        self.query_one("#segment-table", DataTable).add_columns("Segment", "Size", "Revenue share", "Recency", "Purchases",
                                                                "Avg spend", "Margin")
        self.load()

    def on_resize(self, event) -> None:
        """Four KPI tiles a row on a wide terminal, fewer on a narrow one so they stay readable;
        the product pairs take the new width."""
        width = event.size.width
        self.query_one("#kpi-grid", Grid).styles.grid_size_columns = 4 if width >= 110 else 3 if width >= 72 else 2
        self.show_bought_together()

    def reload(self) -> None:
        self.load()
        self.query_one(CampaignsPanel).load()
        self.query_one(TicketsPanel).load()

    def load(self) -> None:
        app = self.app
        now, db_path, settings, probabilities = app.now(), app.db_path, app.config.analytics, app.config.deal_probabilities
        work.load(self, lambda: (attention.at_risk(now, 30), attention.top_by_clv(30), margin.top_by_margin(30),
                                 margin.book_margin(), attention.stage_counts()),
                  self.show_lists, group="insights-lists")
        # pandas runs in a child process: the app never loads it (memory, and no GIL contention)
        work.load(self, lambda: jobs.summary_in_process(db_path, now, settings, probabilities), self.show_summary,
                  group="insights-summary")

    def show_lists(self, lists: Lists) -> None:
        at_risk, top, by_margin, book, stages = lists
        contact = self.query_one("#contact-table", DataTable)
        contact.clear()
        for row in at_risk:
            contact.add_row(*cells(row.name, cell(money(row.value_at_risk), justify="right"), percent(row.churn_risk),
                                   money(row.clv), row.reason.split("; churn")[0]), key=str(row.customer_id))
        table = self.query_one("#top-table", DataTable)
        table.clear()
        for row in top:
            table.add_row(*cells(row.name, cell(money(row.clv), justify="right"), cell(money(row.revenue), justify="right"),
                                 row.order_count, row.segment), key=str(row.customer_id))
        self.show_margins(by_margin, book)
        total = sum(stages.values()) or 1
        self.query_one("#stage-chart", Chart).update(
            bars([(f"{k.replace('_', ' ')} ({stages.get(k, 0)})", stages.get(k, 0) / total) for k in CUSTOMER_STAGES]))

    def show_margins(self, top: list[CustomerMargin], book: Margin) -> None:
        """Margins over the orders with a cost only; the note says how many were left out."""
        if book.margin is None:
            note = "No order has a cost yet: import a cost column, or add one to orders, to see margins."
        else:
            left_out = f"; {book.orders_without_cost:,} without one are left out" if book.orders_without_cost else ""
            note = (f"Margin {money(book.margin)} over {count(book.orders_with_cost, 'order')} with a cost{left_out}. "
                    "Share = customer margin / book margin.")
        self.query_one("#margin-note", Static).update(note)
        table = self.query_one("#margin-table", DataTable)
        table.clear()
        for row in top:
            table.add_row(*cells(row.name, cell(money(row.margin), justify="right"),
                                 f"{row.share:.1%}" if row.share is not None else "",
                                 percent(row.rate), row.orders_without_cost or ""), key=str(row.customer_id))

    def show_bought_together(self) -> None:
        """The pairs in the width the screen has (the overview scrolls vertically, so a line
        wider than the screen would be cut without an ellipsis)."""
        pairs = bought_together(self.summary.bought_together, self.size.width - BOUGHT_TOGETHER_PADDING) \
            if self.summary else []
        for part in ("#bought-together-title", "#bought-together"):
            self.query_one(part).display = bool(pairs)
        self.query_one("#bought-together", Static).update(visible("\n".join(pairs), lines=True))

    def show_summary(self, summary: Summary) -> None:
        self.summary = s = summary
        self.show_status()
        for key, title, kind in TILES:
            text, mood = tile_text(key, title, kind, getattr(s.kpis, key))
            tile = self.query_one(f"#kpi-{key}", Static)
            tile.update(text)
            tile.set_classes(f"kpi {mood}")
        months, ahead = s.forecast.monthly_revenue[-18:], s.forecast.next_months
        self.query_one("#revenue-chart", Chart).update(
            column_chart([m.revenue for m in months], [f"{m.month:%m}" for m in (*months, *ahead)],
                         forecast=[(m.forecast, m.low, m.high) for m in ahead]) if months else "no revenue yet")
        self.query_one("#forecast-text", Static).update(forecast_text(s))
        self.show_bought_together()
        note = self.query_one("#segment-note", Static)
        note.update(segment_note(s))
        note.display = bool(note.content)
        segments = self.query_one("#segment-table", DataTable)
        segments.clear()
        for seg in s.segments:
            segments.add_row(*cells(seg.name, seg.size, f"{seg.revenue_share:.0%}",
                                    f"{seg.recency_days:.0f} d" if seg.recency_days is not None else "",
                                    f"{(seg.frequency or 0) + 1:.1f}", money(seg.monetary),
                                    cell(money(seg.margin) if seg.margin is not None else "", justify="right")))
        self.query_one("#segment-chart", Chart).update(bars([(seg.name, seg.revenue_share) for seg in s.segments]))
        km = s.kmeans
        silhouette = f"{km.silhouette:.2f}" if km and km.silhouette is not None else "—"
        check = f"Checked on your book: {s.segment_check.note}\n" if s.segment_check else ""
        self.query_one("#kmeans-text", Static).update(check + (
            f"For comparison, KMeans on log RFM picks k={km.k} (silhouette {silhouette}): "
            + ", ".join(f"{p.name} ({p.size})" for p in km.profile) if km else ""))
        self.query_one("#segment-lab-text", Static).update("\n".join(segmentation_leaderboard(s.segment_lab)))
        self.query_one("#model-text", Static).update(model_text(s))

    def show_status(self) -> None:
        """What the figures are as of; a running refit keeps its progress line instead."""
        s = self.summary
        if s is None:
            return
        status = self.query_one("#insights-status", Static)
        if not s.customers_with_orders:
            status.update(" No orders yet — add orders (/buy in the composer, or `solocrm import orders`) to see insights.")
        elif not self.refitting:
            fitted = due(s.fitted_at, self.app.now()) if s.fitted_at else "never (press r)"
            status.update(f" As of {due(s.as_of, self.app.now())} · {count(s.customers, 'customer')} · models fitted {fitted}")

    def focused_customer_id(self) -> int | None:
        tabs = self.query_one("#insights-tabs", TabbedContent)
        if tabs.active == "tickets":
            return self.query_one(TicketsPanel).focused_customer_id()
        table_id = TABLES.get(tabs.active)
        if table_id is None:
            return None
        table = self.query_one(table_id, DataTable)
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        if f"#{event.data_table.id}" in TABLES.values():
            self.app.open_customer(int(event.row_key.value))

    def action_open(self) -> None:
        cid = self.focused_customer_id()
        if cid is None:
            self.cannot("no customer here: open a list tab ([ and ]) and pick a row")
        else:
            self.app.open_customer(cid)

    def action_tab(self, step: int) -> None:
        tabs = self.query_one("#insights-tabs", TabbedContent)
        tabs.active = self.TABS[(self.TABS.index(tabs.active) + step) % len(self.TABS)]

    @on(TabbedContent.TabActivated)
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """Keys of a tab's panel (close ticket, new campaign) need focus inside it; a panel
        of text and charts (Overview, Models) takes ↑↓, PgUp/PgDn, Home and End to scroll."""
        found = event.pane.query(DataTable) or event.pane.query(VerticalScroll)
        if found:
            found.first().focus()

    def action_refit(self) -> None:
        if self.refitting:
            self.app.notify("a refit is already running")
            return
        self.refitting = True
        self.query_one("#insights-status", Static).update(" ⟳ refitting models in the background… (the app stays usable)")
        app = self.app
        db_path, now, settings = app.db_path, app.now(), app.config.analytics
        work.apply_change(self, lambda: refit_models(db_path, now, settings), what="customers", done="models refitted",
                          then=self.refitted, refused=self.refit_refused, group="insights-refit")

    def refitted(self, _rule_based: dict[str, bool]) -> None:
        """DataChanged reloads the screen in view; when the owner moved on to another one,
        this screen would keep the old figures, so it reloads itself."""
        self.refitting = False
        if not self.is_active:
            self.reload()

    def refit_refused(self, _error: CRMError) -> None:
        """Nothing was stored, so the figures shown still stand: only the status line changes back."""
        self.refitting = False
        self.show_status()
