"""Insights screen (pilot): KPI tiles with known values, the contact list ranked by value
at risk, tabs with `[`/`]`, `r` refitting in the background while the keys stay live."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from textual.widgets import DataTable, Static, TabbedContent

from solocrm_tui.core import jobs
from solocrm_tui.core.analytics import refit
from solocrm_tui.core.analytics.runs import Settings
from solocrm_tui.core.analytics.summary import (
    ChurnCandidate,
    ChurnModel,
    ClvModel,
    ClvParams,
    Forecast,
    Kpi,
    Kpis,
    ReliabilityBin,
    Summary,
)
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.storage.models import Customer
from solocrm_tui.screens.customer import CustomerScreen
from solocrm_tui.screens.insights import InsightsScreen
from solocrm_tui.text.insights import churn_leaderboard
from solocrm_tui.widgets.chart import Chart, bars, column_chart
from solocrm_tui.widgets.insight_panels import TILES, model_text, tile_text

from .conftest import Notes, settle, wait_until

SIZE = (120, 35)
D = timedelta(days=1)
TABS = ["overview", "contact", "top", "margin", "segments", "models", "campaigns", "tickets"]

# (name, orders as (ordered_at, amount), churn risk, clv): the KPIs below are worked out by hand
BOOK = [
    ("Ada Archer", [("2026-06-01 12:00", 30), ("2026-11-05 12:00", 100), ("2026-11-20 12:00", 50)], 0.6, 500.0),
    ("Bo Brandt", [("2026-10-10 12:00", 80), ("2026-10-25 12:00", 100)], 0.9, 1000.0),
    ("Cleo Carr", [("2025-11-15 12:00", 60), ("2026-07-15 12:00", 40)], 0.8, 200.0),
    ("Dan Dorn", [("2026-08-30 09:00", 70), ("2026-08-30 17:00", 30)], 0.5, 100.0),
    ("Fay Frost", [("2026-11-10 12:00", 20)], 0.1, 2000.0),
    ("Gil Lead", [], None, None),
]




@pytest.fixture
def book(db_path, now) -> dict[str, int]:
    ids = {}
    for name, orders, risk, clv in BOOK:
        cid = ids[name] = create_customer(now - 800 * D, name=name).id
        for when, amount in orders:
            add_order(cid, str(amount), now, ordered_at=datetime.fromisoformat(when))
        Customer.update(churn_risk=risk, clv=clv).where(Customer.id == cid).execute()
    return ids




def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


def table_rows(app, selector: str) -> list[tuple[str, ...]]:
    table = app.screen.query_one(selector, DataTable)
    return [tuple(str(cell).strip() for cell in table.get_row_at(i)) for i in range(table.row_count)]


def active_tab(app) -> str:
    return app.screen.query_one("#insights-tabs", TabbedContent).active


async def test_kpi_tiles_show_the_known_figures(book, make_app):
    app = make_app("insights")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InsightsScreen)
        assert isinstance(app.screen.summary, Summary)  # the child process's answer, typed
        assert text(app, "#insights-status") == " As of today 10:30 · 6 customers · models fitted never (press r)"
        assert text(app, "#kpi-revenue_month").splitlines() == [
            "[b]Revenue this month[/]", "[b]170[/]", "▲ 112% vs prev.", "▲ 183% vs last year",
            "[dim]Nov 2026 to date[/]"]
        assert "[b]350[/]" in text(app, "#kpi-revenue_quarter")
        assert text(app, "#kpi-active_customers").splitlines()[1:3] == ["[b]4[/]", "▲ 100% vs prev."]
        assert text(app, "#kpi-new_customers").splitlines()[1:3] == ["[b]1[/]", "= 0% vs prev."]
        assert "[b]60%[/]" in text(app, "#kpi-repeat_purchase_rate")
        assert "[b]64[/]" in text(app, "#kpi-average_order_value")  # 64.29: a tile shows whole units
        assert "[b]86 d[/]" in text(app, "#kpi-median_days_between_purchases")
        assert "[b]50%[/]" in text(app, "#kpi-retention_rate")
        assert "[b]50%[/]" in text(app, "#kpi-churn_rate")
        assert "[b]—[/]" in text(app, "#kpi-pipeline_win_rate")
        assert app.screen.query_one("#kpi-revenue_month").has_class("up")
        assert app.screen.query_one("#kpi-churn_rate").has_class("flat")

        chart = str(app.screen.query_one("#revenue-chart", Chart).content)
        assert "█" in chart and "░" in chart  # history and forecast range
        assert chart.splitlines()[-2].startswith("11 12 01 02")  # Nov 2025 onwards
        assert "pipeline (weighted)" in text(app, "#forecast-text")
        assert "lead (6)" in str(app.screen.query_one("#stage-chart", Chart).content)


async def test_contact_tab_ranks_by_value_at_risk_and_enter_opens_the_customer(book, make_app):
    app = make_app("insights")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert active_tab(app) == "contact"
        rows = table_rows(app, "#contact-table")
        assert [r[0] for r in rows] == ["Bo Brandt", "Ada Archer", "Cleo Carr", "Dan Dorn"]  # Fay: risk 10 %
        assert rows[0] == ("Bo Brandt", "900", "90%", "1,000", "last bought 27 days ago; usually every 15 days")
        assert rows[3][1:4] == ("50", "50%", "100")
        table = app.screen.query_one("#contact-table", DataTable)
        assert app.focused is table
        await pilot.press("down")
        assert app.screen.focused_customer_id() == book["Ada Archer"]
        await pilot.press("up", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert app.screen.customer_id == book["Bo Brandt"]
        assert app.current_mode == "insights"  # pushed on the stack it was opened from
        assert sum(isinstance(s, CustomerScreen) for s in app.screen_stack) == 1
        await pilot.press("escape")
        await settle(pilot)
        assert active_tab(app) == "contact" and app.focused is table


async def test_top_tab_lists_customers_by_clv(book, make_app):
    app = make_app("insights")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert active_tab(app) == "top"
        rows = table_rows(app, "#top-table")
        assert [r[0] for r in rows] == ["Fay Frost", "Bo Brandt", "Ada Archer", "Cleo Carr", "Dan Dorn"]
        assert rows[0] == ("Fay Frost", "2,000", "20", "1", "")


async def test_brackets_cycle_through_the_tabs(book, make_app):
    app = make_app("insights")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = [active_tab(app)]
        for _ in TABS:
            await pilot.press("right_square_bracket")
            seen.append(active_tab(app))
        assert seen == TABS + ["overview"]
        await pilot.press("left_square_bracket")
        assert active_tab(app) == "tickets"
        await pilot.press("left_square_bracket")
        assert active_tab(app) == "campaigns"


async def test_r_refits_in_the_background_and_the_keys_stay_live(book, make_app, monkeypatch):
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow_refit(db_path, now, settings, as_of=None):
        calls.append((db_path, now, settings))
        started.set()
        assert release.wait(60), "the test never released the refit"
        refit.refit(now, settings)  # what the child process would do, on this thread
        return {"clv": True, "churn": True, "segments": False}

    monkeypatch.setattr(jobs, "refit_in_process", slow_refit)
    notes = Notes()
    app = make_app("insights")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        assert "models fitted never" in text(app, "#insights-status")
        await pilot.press("r")
        await wait_until(pilot, started.is_set, "the refit to start")
        assert "refitting" in text(app, "#insights-status")
        # the fit is still running: keys are handled at once
        await pilot.press("right_square_bracket")
        assert active_tab(app) == "contact"
        await pilot.press("right_square_bracket")
        assert active_tab(app) == "top"
        await pilot.press("r")
        await pilot.pause()
        assert notes.texts() == ["a refit is already running"]
        assert "refitting" in text(app, "#insights-status")
        assert len(calls) == 1

        release.set()
        await settle(pilot)
        assert notes.texts() == ["a refit is already running", "models refitted"]
        assert calls[0][0] == app.db_path and calls[0][1] == app.now()
        # the screen reloaded what the refit stored
        status = text(app, "#insights-status")
        assert "refitting" not in status and status.endswith("models fitted today 10:30")
        models = text(app, "#model-text")
        assert "no purchase figures:" in models and "no churn figure:" in models
        # five buyers are too few for any model: the hand-set CLVs are cleared, none replaces them
        # (the old run-rate extrapolated Bo's 180 over 43 days of tenure to 1,507 a year)
        assert table_rows(app, "#top-table") == []


async def test_a_failed_refit_is_an_error_toast_and_the_screen_recovers(book, make_app, monkeypatch):
    def broken(db_path, now, settings, as_of=None):
        raise RuntimeError("refit failed: disk full")

    monkeypatch.setattr(jobs, "refit_in_process", broken)
    notes = Notes()
    app = make_app("insights")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert notes.texts() == ["refit failed: disk full"]  # and not "models refitted"
        assert app.screen.refitting is False
        assert "models fitted never (press r)" in text(app, "#insights-status")
        await pilot.press("r")  # may try again
        await settle(pilot)
        assert len(notes) == 2


async def test_a_refit_that_ends_on_another_screen_still_updates_insights(book, make_app, monkeypatch):
    """DataChanged reloads the screen in view; Insights, left for Today meanwhile, reloads itself."""
    started, release = threading.Event(), threading.Event()

    def slow_refit(db_path, now, settings, as_of=None):
        started.set()
        assert release.wait(60), "the test never released the refit"
        refit.refit(now, settings)
        return {"clv": True, "churn": True, "segments": False}

    monkeypatch.setattr(jobs, "refit_in_process", slow_refit)
    notes = Notes()
    app = make_app("insights")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        insights = app.screen
        await pilot.press("r")
        await wait_until(pilot, started.is_set, "the refit to start")
        await pilot.press("1")
        await wait_until(pilot, lambda: app.current_mode == "today", "the Today screen")
        assert insights.refitting
        release.set()
        await settle(pilot)
        assert notes.texts() == ["models refitted"]
        assert insights.refitting is False
        assert str(insights.query_one("#insights-status", Static).content).endswith("models fitted today 10:30")
        assert isinstance(insights.summary, Summary) and insights.summary.clv.rule_based


async def test_buyers_too_alike_to_cluster_show_kmeans_without_a_silhouette(db_path, now, make_app):
    for i in range(25):
        add_order(create_customer(now - 400 * D, name=f"Same {i}").id, "50", now, ordered_at=now - 30 * D)
    refit.refit(now, Settings())
    app = make_app("insights")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        check, kmeans = text(app, "#kmeans-text").splitlines()
        assert check == "Checked on your book: no orders before the cut-off: not enough data"
        assert kmeans == "For comparison, KMeans on log RFM picks k=1 (silhouette —): Lost (25)"


async def test_an_empty_database_says_no_orders_yet(db_path, make_app):
    app = make_app("insights")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert text(app, "#insights-status").startswith(" No orders yet")
        assert "[b]—[/]" in text(app, "#kpi-active_customers")
        assert str(app.screen.query_one("#revenue-chart", Chart).content) == "no revenue yet"
        assert "not fitted yet" in text(app, "#model-text")
        await pilot.press("right_square_bracket")
        assert app.screen.query_one("#contact-table", DataTable).row_count == 0
        await pilot.press("enter")  # nothing to open: stays put
        assert isinstance(app.screen, InsightsScreen)


async def test_key_4_opens_insights(book, make_app):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, InsightsScreen)
        assert "[b]170[/]" in text(app, "#kpi-revenue_month")


# --- the text builders behind the panels (no terminal needed) ---------------------------------------


def test_column_chart_draws_history_and_the_forecast_inside_its_range():
    chart = column_chart([10, 20, 7.5], ["Aug", "Sep", "Oct", "Nov"], height=6, forecast=[(15, 5, 30)])
    assert chart.splitlines() == [
        "         ░░",
        "         ░░",
        "   ██    ░░",
        "   ██    ██",  # the forecast point (15 of 30) sits in the middle of its range
        "██ ██ ▄▄ ░░",
        "██ ██ ██ ░░",
        "Au Se Oc No",
        "max 30",
    ]


def test_bars_show_shares():
    assert bars([("Champions", 0.5), ("A very long segment name", 0.0)], width=10) == (
        "Champions          █████····· 50.0%\n"
        "A very long segmen ··········  0.0%")


def test_tile_text_and_mood():
    text, mood = tile_text("revenue_month", "Revenue this month", "money",
                           Kpi(label="Nov 2026 to date", value=1500.0, previous=2000.0, change=-0.25,
                               last_year=1000.0, change_vs_last_year=0.5))
    assert text.splitlines() == ["[b]Revenue this month[/]", "[b]1,500[/]", "▼ 25% vs prev.", "▲ 50% vs last year",
                                 "[dim]Nov 2026 to date[/]"]
    assert mood == "down"
    assert tile_text("churn_rate", "Churn", "pct", Kpi(label="", value=0.3, previous=0.2, change=0.5))[1] == "down"
    assert tile_text("churn_rate", "Churn", "pct", Kpi(label="", value=0.1, previous=0.2, change=-0.5))[1] == "up"
    text, mood = tile_text("new_customers", "New customers", "count", Kpi(label="", value=3, previous=0, change=None))
    assert "prev. 0" in text and mood == "flat"
    assert tile_text("csat", "CSAT", "pct", None) == ("[b]CSAT[/]\n[b]—[/]\n[dim][/]", "flat")


def test_model_text_explains_which_model_is_used_and_why():
    summary = Summary(
        as_of=datetime(2026, 11, 22, 10, 30), customers=500, customers_with_orders=420,
        fitted_at=datetime(2026, 11, 22, 10, 30), kpis=Kpis(**{key: None for key, _, _ in TILES}), segments=(),
        kmeans=None, forecast=Forecast((), None, (), "", 0.0, 0.0),
        churn=ChurnModel(horizon_days=90, model="gbm", auc=0.85, brier=None, rule_based=False,
                         reason="gbm beat the recency rule",
                         candidates=(ChurnCandidate("rule_recency", 0.80, 0.15), ChurnCandidate("gbm", 0.85, None)),
                         n_train=400, n_valid=410),
        clv=ClvModel(model="bgnbd+gamma_gamma", rule_based=False, reason="", time_unit="weeks", horizon_months=12,
                     sample_size=420, params=ClvParams(r=0.243, alpha=4.414, a=0.793, b=2.426, p=6.25, q=3.74,
                                                       gamma=15.44)),
    )
    lines = model_text(summary).splitlines()
    assert lines[:3] == ["[b]Churn risk[/] = P(no purchase in the next 90 days)", "in use: [b]gbm[/]",
                         "why: gbm beat the recency rule"]
    assert "  rule_recency    0.800   0.150       —        —" in lines
    assert "▶ gbm             0.850       —       —        —" in lines
    assert "trained on 400 · validated on 410 customers" in lines
    assert "BG/NBD r=0.243 α=4.414 a=0.793 b=2.426 (weeks)" in lines
    assert "Gamma-Gamma p=6.25 q=3.74 γ=15.44" in lines
    assert lines[-1] == "last fitted: 2026-11-22 10:30:00 · 420 of 500 customers have orders"


def test_the_models_tab_shows_the_gain_interval_n_and_reliability():
    summary = Summary(
        as_of=datetime(2026, 11, 22, 10, 30), customers=500, customers_with_orders=420,
        fitted_at=datetime(2026, 11, 22, 10, 30), kpis=Kpis(**{key: None for key, _, _ in TILES}), segments=(),
        kmeans=None, forecast=Forecast((), None, (), "", 0.0, 0.0),
        churn=ChurnModel(horizon_days=90, model="rule_recency", auc=0.80, brier=0.15, rule_based=True,
                         reason="no model beat the recency rule with confidence",
                         candidates=(ChurnCandidate("rule_recency", 0.80, 0.15),
                                     ChurnCandidate("gbm", 0.82, 0.16, 0.02, -0.01, 0.05)),
                         n_train=400, n_valid=410,
                         reliability=(ReliabilityBin(0.2, 0.25, 205), ReliabilityBin(0.8, 0.78, 205))),
        clv=ClvModel(model="bgnbd+mean_spend", rule_based=False, reason="a small book", time_unit="weeks",
                     horizon_months=12, sample_size=420,
                     params=ClvParams(r=0.243, alpha=4.414, a=0.793, b=2.426, p=None, q=None, gamma=None)),
    )
    lines = model_text(summary).splitlines()
    assert "in use: [b]rule: days since last purchase (calibrated)[/]" in lines
    assert "  gbm             0.820   0.160       —        —   +0.020 (-0.010 to +0.050)" in lines
    assert "validated out of time; a model ships only if its interval is above 0" in lines
    assert "trained on 400 · validated on 410 customers" in lines
    assert "reliability on 410 customers, Brier 0.150, worst gap 5%:" in lines
    assert "  predicted  20%  80%" in lines and "  observed   25%  78%" in lines
    assert "spend: each buyer's own mean (too few repeat buyers for Gamma-Gamma)" in lines
    assert "note: a small book" in lines


def test_the_churn_leaderboard_shows_fit_time_n_and_why_a_heavy_candidate_was_cut_down():
    """Every row: AUC, Brier, fit seconds, customers fitted on, the gain interval; ▶ marks the
    candidate in use; subsampled and skipped candidates say so under the table."""
    churn = ChurnModel(horizon_days=90, model="bgnbd", auc=0.904, brier=0.115, rule_based=False,
                       reason="bgnbd beat the recency rule", n_train=95957, n_valid=98129,
                       candidates=(ChurnCandidate("rule_recency", 0.877, 0.132, fit_seconds=0.05, n=95957),
                                   ChurnCandidate("bgnbd", 0.904, 0.115, 0.027, 0.026, 0.028, 1.25, 98129),
                                   ChurnCandidate("svm", 0.86, 0.12, -0.017, -0.02, -0.015, 2.5, 3000,
                                                  "fitted on a random 3,000 of 95,957 training customers"),
                                   ChurnCandidate("knn", None, None, fit_seconds=None, n=0,
                                                  note="skipped: 400,000 customers is above the 300,000 k-NN "
                                                       "scores in time")))
    summary = Summary(as_of=datetime(2026, 11, 22, 10, 30), customers=100_000, customers_with_orders=100_000,
                      fitted_at=None, kpis=Kpis(**{key: None for key, _, _ in TILES}), segments=(), kmeans=None,
                      forecast=Forecast((), None, (), "", 0.0, 0.0), churn=churn,
                      clv=ClvModel(None, None, None, None, True, "", None))
    lines = churn_leaderboard(summary).splitlines()
    assert lines[0] == "Churn risk = P(no purchase in the next 90 days)"
    assert "  candidate         AUC   Brier   fit s        n   gain over rule (95 % interval)" in lines
    assert "  rule_recency    0.877   0.132     0.1   95,957" in lines
    assert "▶ bgnbd           0.904   0.115     1.2   98,129   +0.027 (+0.026 to +0.028)" in lines
    assert "  svm             0.860   0.120     2.5    3,000   -0.017 (-0.020 to -0.015)" in lines
    assert "  knn                 —       —       —        —" in lines
    assert "  svm: fitted on a random 3,000 of 95,957 training customers" in lines
    assert "  knn: skipped: 400,000 customers is above the 300,000 k-NN scores in time" in lines
    assert "why: bgnbd beat the recency rule" in lines


async def test_segments_tab_says_they_are_as_of_the_last_refit_and_who_bought_since(db_path, make_app, now):
    """The refit yesterday labels the demo's buyers; Hal buys after it, so his margin is in
    the book's but in no segment's."""
    from solocrm_tui.core.demo.generate import generate_demo

    generate_demo(now - D, 40)
    refit.refit(now - D, Settings())
    add_order(create_customer(now, name="Hal Hart").id, "90", now, ordered_at=now, cost="30")
    app = make_app("insights")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(TABS.index("segments")):
            await pilot.press("right_square_bracket")
        assert active_tab(app) == "segments"
        assert text(app, "#segment-note") == ("segments as of the last refit, 21 Nov 10:30; "
                                              "1 customer who bought since is in none")
