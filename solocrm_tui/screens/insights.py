"""Insights: KPIs with their periods, revenue with trend and forecast range, who to
contact, top customers by CLV, segments and model quality. The figures come from a child
process (jobs.summary_in_process), so pandas never loads into the app; the rest from workers.

`r` refits in a child process (jobs.refit_in_process); the screen shows progress
and stays live, then reloads.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from solocrm_tui.core import jobs
from solocrm_tui.core.analytics import attention
from solocrm_tui.core.stages import CUSTOMER_STAGES
from solocrm_tui.core.storage.db import db_call
from solocrm_tui.screens.base import CRMScreen
from solocrm_tui.text.figures import money, percent
from solocrm_tui.widgets.chart import Chart, bars, column_chart
from solocrm_tui.widgets.insight_panels import (
    TILES,
    forecast_text,
    model_text,
    tile_text,
)
from solocrm_tui.widgets.service_panels import CampaignsPanel, TicketsPanel


class InsightsScreen(CRMScreen):
    BINDINGS = [
        Binding("r", "refit", "Refit now", id="insights.refit"),
        Binding("enter", "open", "Open customer", id="insights.open"),
        Binding("left_square_bracket", "tab(-1)", "Prev tab", show=False, id="insights.prev_tab"),
        Binding("right_square_bracket", "tab(1)", "Next tab", show=False, id="insights.next_tab"),
    ]
    TABS = ("overview", "contact", "top", "segments", "models", "campaigns", "tickets")

    def __init__(self) -> None:
        super().__init__()
        self.refitting = False
        self.summary: dict | None = None

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
            with TabPane("Contact this week", id="contact"):
                yield DataTable(id="contact-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Top by CLV", id="top"):
                yield DataTable(id="top-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Segments", id="segments"):
                with VerticalScroll():
                    yield DataTable(id="segment-table", cursor_type="row", show_cursor=False)
                    yield Chart(id="segment-chart")
                    yield Static("", id="kmeans-text")
            with TabPane("Models", id="models"):
                yield VerticalScroll(Static("", id="model-text"))
            with TabPane("Campaigns", id="campaigns"):
                yield CampaignsPanel(id="campaigns-panel")
            with TabPane("Tickets", id="tickets"):
                yield TicketsPanel(id="tickets-panel")

    def on_mount(self) -> None:
        self.query_one("#contact-table", DataTable).add_columns("Customer", "Value at risk", "Risk", "CLV", "Why")
        self.query_one("#top-table", DataTable).add_columns("Customer", "CLV (12m)", "Revenue so far", "Orders", "Segment")
        self.query_one("#segment-table", DataTable).add_columns("Segment", "Size", "Revenue share", "Recency", "Purchases", "Avg spend")
        self.load()

    def on_resize(self, event) -> None:
        """Four KPI tiles a row on a wide terminal, fewer on a narrow one so they stay readable."""
        width = event.size.width
        self.query_one("#kpi-grid", Grid).styles.grid_size_columns = 4 if width >= 110 else 3 if width >= 72 else 2

    def reload(self) -> None:
        self.load()
        self.query_one(CampaignsPanel).load()
        self.query_one(TicketsPanel).load()

    @work(thread=True, exclusive=True, group="insights-load", exit_on_error=False)
    def load(self) -> None:
        app = self.app
        now = app.now()
        settings = app.config.analytics
        data = db_call(lambda: {"at_risk": attention.at_risk(now, 30), "top": attention.top_by_clv(30),
                                "stages": attention.stage_counts()})
        # pandas runs in a child process: the app never loads it (memory, and no GIL contention)
        data["summary"] = jobs.summary_in_process(app.db_path, now, settings, app.config.deal_probabilities)
        app.call_from_thread(self.show, data)

    def show(self, data: dict) -> None:
        s = self.summary = data["summary"]
        status = self.query_one("#insights-status", Static)
        if not s["customers_with_orders"]:
            status.update(" No orders yet — add orders (/buy in the composer, or `solocrm import orders`) to see insights.")
        elif not self.refitting:
            fitted = s.get("fitted_at") or "never (press r)"
            status.update(f" As of {s['as_of'][:16]} · {s['customers']:,} customers · models fitted {fitted}")
        for key, title, kind in TILES:
            text, mood = tile_text(key, title, kind, s["kpis"].get(key))
            tile = self.query_one(f"#kpi-{key}", Static)
            tile.update(text)
            tile.set_classes(f"kpi {mood}")
        months = s["forecast"]["monthly_revenue"][-18:]
        ahead = [(m["forecast"], m["low"], m["high"]) for m in s["forecast"]["next_months"]]
        labels = [m["month"][5:] for m in months] + [m["month"][5:] for m in s["forecast"]["next_months"]]
        self.query_one("#revenue-chart", Chart).update(
            column_chart([m["revenue"] for m in months], labels, forecast=ahead) if months else "no revenue yet")
        self.query_one("#forecast-text", Static).update(forecast_text(s))
        total = sum(data["stages"].values()) or 1
        order = CUSTOMER_STAGES
        self.query_one("#stage-chart", Chart).update(
            bars([(f"{k.replace('_', ' ')} ({data['stages'].get(k, 0)})", data["stages"].get(k, 0) / total) for k in order]))
        self._tables(data)
        self.query_one("#model-text", Static).update(model_text(s))

    def _tables(self, data: dict) -> None:
        now = self.app.now()
        contact = self.query_one("#contact-table", DataTable)
        contact.clear()
        for row in data["at_risk"]:
            contact.add_row(row.name, Text(money(row.value_at_risk), justify="right"), percent(row.churn_risk),
                            money(row.clv), row.reason.split("; churn")[0], key=str(row.customer_id))
        top = self.query_one("#top-table", DataTable)
        top.clear()
        for row in data["top"]:
            top.add_row(row.name, Text(money(row.clv), justify="right"), Text(money(row.revenue), justify="right"),
                        row.order_count, row.segment or "", key=str(row.customer_id))
        segments = self.query_one("#segment-table", DataTable)
        segments.clear()
        for seg in self.summary["segments"]:
            segments.add_row(seg["name"], seg["size"], f"{seg['revenue_share']:.0%}",
                             f"{seg['recency_days']:.0f} d" if seg.get("recency_days") is not None else "",
                             f"{(seg.get('frequency') or 0) + 1:.1f}", money(seg.get("monetary")))
        self.query_one("#segment-chart", Chart).update(
            bars([(s["name"], s["revenue_share"]) for s in self.summary["segments"]]))
        km = self.summary.get("kmeans")
        self.query_one("#kmeans-text", Static).update(
            f"For comparison, KMeans on log RFM picks k={km['k']} (silhouette {km['silhouette']:.2f}): "
            + ", ".join(f"{p['name']} ({p['size']})" for p in km["profile"]) if km else "")
        del now

    def focused_customer_id(self) -> int | None:
        tabs = self.query_one("#insights-tabs", TabbedContent)
        if tabs.active == "tickets":
            return self.query_one(TicketsPanel).focused_customer_id()
        table_id = {"contact": "#contact-table", "top": "#top-table"}.get(tabs.active)
        if table_id is None:
            return None
        table = self.query_one(table_id, DataTable)
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id in ("contact-table", "top-table"):
            self.app.open_customer(int(event.row_key.value))

    def action_open(self) -> None:
        cid = self.focused_customer_id()
        if cid is not None:
            self.app.open_customer(cid)

    def action_tab(self, step: int) -> None:
        tabs = self.query_one("#insights-tabs", TabbedContent)
        tabs.active = self.TABS[(self.TABS.index(tabs.active) + step) % len(self.TABS)]

    @on(TabbedContent.TabActivated)
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """Keys of a tab's panel (close ticket, new campaign) need focus inside it."""
        tables = event.pane.query(DataTable)
        if tables:
            tables.first().focus()

    def action_refit(self) -> None:
        if self.refitting:
            self.app.notify("a refit is already running")
            return
        self.refitting = True
        self.query_one("#insights-status", Static).update(" ⟳ refitting models in the background… (the app stays usable)")
        self.refit()

    @work(thread=True, exclusive=True, group="insights-refit", exit_on_error=False)
    def refit(self) -> None:
        app = self.app
        error = None
        try:
            db_call(jobs.refit_in_process, app.db_path, app.now(), app.config.analytics)
        except Exception as exc:  # noqa: BLE001 - a screen's worker errors never reach the app's toast policy
            error = str(exc) or type(exc).__name__
        finally:
            app.call_from_thread(self.refit_done, error)

    def refit_done(self, error: str | None = None) -> None:
        self.refitting = False
        if error:
            self.app.notify(error, severity="error", title="Refit failed")
        else:
            self.app.notify("models refitted")
        self.load()
