"""`solocrm insights`: refit on demand and print the analytics summary (text or JSON); with
`--customers` each customer's figures, with `--backtest` the owner's own check of what the
models said at a past date against what happened."""

from __future__ import annotations

import argparse
import shutil
from datetime import datetime, timedelta

from solocrm_tui.cli.common import db_path, load_config, open_db
from solocrm_tui.core import validate
from solocrm_tui.core.analytics.hindsight import Backtest, CustomerFigures
from solocrm_tui.core.analytics.summary import Contribution, Summary
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.text.figures import count, money
from solocrm_tui.text.insights import (
    NO_FIGURE,
    TILES,
    bought_together,
    churn_leaderboard,
    forecast_words,
    kpi_value,
    model_text,
    moment,
    purchase_leaderboard,
    segment_leaderboard,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--refit", action="store_true", help="fit the models now and store the results")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="compute as if today were this date (nothing is stored)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    view = parser.add_mutually_exclusive_group()
    view.add_argument("--customers", action="store_true",
                      help="each customer's figures (as of --as-of: what the models said then; nothing is stored)")
    view.add_argument("--models", action="store_true",
                      help="every model each task tried, how it scored and which is in use (with --json: the summary)")
    view.add_argument("--backtest", action="store_true",
                      help="fit as of --as-of (default: --horizon days ago) and compare with what happened next")
    parser.add_argument("--horizon", type=int, metavar="DAYS",
                        help="days the backtest compares with (default: the churn horizon, 90)")


def _as_of(text: str | None, now: datetime) -> datetime | None:
    """The end of the given day (today: now), or the exact moment given; local time only."""
    if not text:
        return None
    try:
        day = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f'--as-of "{text}" is not a date (use YYYY-MM-DD)') from None
    if day.tzinfo is not None:
        raise ValidationError(f'--as-of "{text}" has a time zone: give a local date (YYYY-MM-DD)')
    validate.in_years(day, "--as-of", text)
    if len(text.strip()) == 10:
        return now if day.date() == now.date() else day.replace(hour=23, minute=59, second=59)
    return day


def cmd_insights(args: argparse.Namespace, now: datetime) -> int:
    from solocrm_tui.core.analytics.summary import (
        summary,  # pandas loads only for this command
    )

    config = load_config()
    open_db(args, create=False)
    as_of = _as_of(args.as_of, now)
    if as_of is not None and as_of > now:
        raise ValidationError(f"--as-of {args.as_of} is in the future")
    settings = config.analytics
    if args.backtest:
        return _backtest(args, now, as_of, settings)
    if args.customers:
        return _customers(args, now, as_of, config)
    figures = summary(now, settings, as_of=as_of, do_refit=args.refit, probabilities=config.deal_probabilities)
    print(figures.to_json(indent=2) if args.json else render_models(figures) if args.models else render(figures))
    return 0


LEADERBOARDS = (  # one section per analytics task, each a function of the Summary, printed in this order
    churn_leaderboard,
    purchase_leaderboard,
    segment_leaderboard,
)


def render_models(s: Summary) -> str:
    return "\n\n".join(section(s) for section in LEADERBOARDS)


def _customers(args: argparse.Namespace, now: datetime, as_of: datetime | None, config) -> int:
    """At a past date the figures come from a fit in the analytics child; today they are the
    stored ones (after `--refit` when asked)."""
    from solocrm_tui.core import jobs
    from solocrm_tui.core.analytics import hindsight

    if as_of is None or as_of == now:
        if args.refit:
            jobs.refit_in_process(db_path(args), now, config.analytics)
        figures = hindsight.stored_figures(now, config.analytics.churn_horizon_days)
    else:
        figures = jobs.customers_in_process(db_path(args), now, config.analytics, config.lifecycle, as_of)
    print(figures.to_json(indent=2) if args.json else render_customers(figures))
    return 0


def _backtest(args: argparse.Namespace, now: datetime, as_of: datetime | None, settings) -> int:
    from solocrm_tui.core import jobs
    from solocrm_tui.core.analytics.hindsight import check_horizon

    horizon = args.horizon or settings.churn_horizon_days
    if not 1 <= horizon <= 3650:
        raise ValidationError(f"--horizon {horizon} is not a number of days between 1 and 3650")
    if as_of is None:
        as_of = (now - timedelta(days=horizon)).replace(hour=23, minute=59, second=59, microsecond=0)
        as_of -= timedelta(days=1) if as_of + timedelta(days=horizon) > now else timedelta(0)
    check_horizon(now, as_of, horizon)
    result = jobs.backtest_in_process(db_path(args), now, settings, as_of, horizon)
    print(result.to_json(indent=2) if args.json else render_backtest(result))
    return 0


def _pct(value) -> str:
    return "—" if value is None else f"{value:.0%}"


def render(s: Summary) -> str:
    lines = [f"Insights as of {moment(s.as_of)} · {count(s.customers, 'customer')}, {s.customers_with_orders:,} with orders",
             ""]
    for key, title, kind in TILES:
        kpi = getattr(s.kpis, key) or NO_FIGURE
        value = kpi.value
        shown = kpi_value(value, kind)
        change = kpi.change
        delta = f"  ({'+' if change >= 0 else ''}{change:.0%} vs previous)" if change is not None else ""
        lines.append(f"  {title:<24}{shown:>12}{delta}   {kpi.label}")
    lines += ["", "Segments:"]
    for seg in s.segments:
        margin = f", margin {money(seg.margin)}" if seg.margin is not None else ""
        lines.append(f"  {seg.name:<22}{seg.size:>7,}  {seg.revenue_share:6.1%} of revenue{margin}")
    if s.segment_check:
        lines.append(f"  checked on your book: {s.segment_check.note}")
    lines += _contribution(s.contribution)
    if s.bought_together:
        lines += ["", "Bought together (customers who bought X also bought Y):", *bought_together(s.bought_together, shutil.get_terminal_size().columns)]
    lines += ["", model_text(s), "", "Revenue forecast: " + ", ".join(
        f"{m.month:%Y-%m} {money(m.forecast)} ({money(m.low)}–{money(m.high)})" for m in s.forecast.next_months)
        + f" — {forecast_words(s.forecast)[1]}"]
    return "\n".join(lines)


def _contribution(c: Contribution | None) -> list[str]:
    if c is None or c.margin is None:
        return []
    missing = c.orders_without_cost
    left_out = f", {count(missing, 'order')} without a cost left out" if missing else ""
    return ["", f"Top by margin (book margin {money(c.margin)}{left_out}):"] + [
        f"  {t.name[:22]:<22}{money(t.margin):>12}  {'—' if t.share is None else format(t.share, '.1%'):>6} of margin" for t in c.top]


def _number(value, spec: str = ",.1f") -> str:
    return "—" if value is None else format(value, spec)


def render_customers(f: CustomerFigures) -> str:
    lines = [f"Customers as of {moment(f.as_of)} · churn: {f.churn_model or '—'} · purchases and CLV: "
             f"{f.clv_model or '—'} · expected purchases over {f.horizon_days} days",
             f"{'id':>7}  {'name':<24}{'stage':<10}{'segment':<20}{'churn risk':>11}{'exp. purchases':>15}{'CLV':>11}"]
    for c in f.customers:
        lines.append(f"{c.id:>7}  {c.name[:23]:<24}{c.stage:<10}{(c.segment or '—')[:19]:<20}"
                     f"{_pct(c.churn_risk):>11}{_number(c.expected_purchases, ',.2f'):>15}{money(c.clv) or '—':>11}")
    if not f.customers:
        lines.append("no figures yet: run `solocrm insights --refit`, or give --as-of a past date")
    return "\n".join(lines)


def _versus(predicted: float, actual: float) -> str:
    off = f" ({predicted / actual - 1:+.0%})" if actual else ""
    return f"predicted {money(predicted)}, actual {money(actual)}{off}"


def render_backtest(b: Backtest) -> str:
    lines = [f"Backtest: models fitted as of {moment(b.as_of)}, checked against the {b.horizon_days} days to "
             f"{b.until:%Y-%m-%d} · {b.customers:,} customers who had bought", ""]
    if not b.customers:
        return "\n".join([*lines, "no customer had bought by then: nothing to check"])
    auc = "AUC — (everyone or no one bought again)" if b.churn_auc is None else f"AUC {b.churn_auc:.3f}"
    lines += [f"  churn risk ({b.churn_model or '—'}): {auc} · Brier {_number(b.churn_brier, '.3f')} · "
              f"predicted {_pct(b.mean_churn_risk)} on average, {_pct(b.actual_churn_rate)} did not buy",
              f"  purchases ({b.clv_model or '—'}): {_versus(b.predicted_purchases, b.actual_purchases)}",
              f"  revenue: {_versus(b.predicted_revenue, b.actual_revenue)}", "",
              "  by churn-risk decile (riskiest last):",
              f"  {'decile':>6}{'customers':>11}{'risk':>7}{'did not buy':>13}{'predicted':>11}{'actual':>8}"]
    for d in b.deciles:
        lines.append(f"  {d.decile:>6}{d.customers:>11,}{_pct(d.mean_churn_risk):>7}{_pct(d.actual_churn_rate):>13}"
                     f"{d.predicted_purchases:>11,.0f}{d.actual_purchases:>8,}")
    return "\n".join(lines)


COMMANDS = {"insights": cmd_insights}
