"""The analytics summary in words: KPI tiles, which models are in use and why, the forecast.

Shared by `solocrm insights` and the Insights screen so both say the same thing. The
functions return plain text; the screen passes its own `strong`/`quiet` styling.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from solocrm_tui.core.analytics.summary import Forecast, Kpi, Summary
from solocrm_tui.text.figures import money, percent

TILES = (  # (field of Summary.kpis, title, kind of figure)
    ("revenue_month", "Revenue this month", "money"), ("revenue_quarter", "Revenue this quarter", "money"),
    ("active_customers", "Active customers", "count"), ("new_customers", "New customers", "count"),
    ("repeat_purchase_rate", "Repeat-purchase rate", "pct"), ("average_order_value", "Avg order value", "money"),
    ("median_days_between_purchases", "Days between buys", "days"), ("retention_rate", "Retention (90d)", "pct"),
    ("churn_rate", "Churn (90d)", "pct"), ("pipeline_win_rate", "Pipeline win rate", "pct"),
    ("campaign_response_rate", "Campaign response", "pct"), ("csat", "CSAT", "pct"),
    ("loyalty_rate", "Loyalty rate", "pct"), ("gross_margin", "Margin (90d)", "money"),
)
NO_FIGURE = Kpi(label="", value=None)  # a tile's figure before it exists (customer figures need an order)


def moment(when: datetime) -> str:
    """2026-11-22 10:30:00: when the figures are as of, when the models were fitted."""
    return when.isoformat(sep=" ")


def kpi_value(value, kind: str) -> str:
    if value is None:
        return "—"
    return {"money": money(value), "count": f"{value:,.0f}", "pct": f"{value:.0%}",
            "days": f"{value:.0f} d"}[kind]


def kpi_change(change: float | None, label: str) -> str:
    if change is None:
        return ""
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    return f"{arrow} {abs(change):.0%} {label}"


def model_text(summary: Summary, strong: Callable[[str], str] = str) -> str:
    """Which churn and CLV models are in use and why; `strong` marks headings (plain by default)."""
    churn, clv = summary.churn, summary.clv
    lines = [strong("Churn risk") + f" = P(no purchase in the next {churn.horizon_days} days)"]
    if churn.model is None:
        lines.append("not fitted yet — press r to fit now")
    elif churn.model == "none":
        lines.append(f"no churn figure: {churn.reason}")
    else:
        shown = {"rule_recency": "rule: days since last purchase (calibrated)",
                 "bgnbd": "BG/NBD P(no purchase), not validated against the rule"}.get(churn.model, churn.model) \
            if churn.rule_based else churn.model
        lines.append(f"in use: {strong(shown)}")
        lines.append(f"why: {churn.reason}")
        if churn.candidates:
            lines.append("")
            lines.append(f"{'candidate':<14}{'AUC':>7}{'Brier':>8}   gain over rule (95 % interval)")
            for c in churn.candidates:
                auc = f"{c.auc:.3f}" if c.auc is not None else "—"
                brier = f"{c.brier:.3f}" if c.brier is not None else "—"
                gain = (f"{c.gain:+.3f} ({c.gain_low:+.3f} to {c.gain_high:+.3f})"
                        if None not in (c.gain, c.gain_low, c.gain_high) else "")
                lines.append(f"{c.model:<14}{auc:>7}{brier:>8}   {gain}".rstrip())
            lines.append("validated out of time; a model ships only if its interval is above 0")
        lines.append(f"trained on {churn.n_train or 0:,} · validated on {churn.n_valid or 0:,} customers")
        lines += _reliability_lines(churn)
    lines += ["", strong("Purchase prediction and CLV")]
    if clv.model is None:
        lines.append("not fitted yet")
    elif clv.model == "none" or clv.params is None:
        lines.append(f"no purchase figures: {clv.reason}")
    else:
        p = clv.params
        lines.append(f"BG/NBD r={p.r:.3f} α={p.alpha:.3f} a={p.a:.3f} b={p.b:.3f} ({clv.time_unit})")
        if p.p is not None:
            lines.append(f"Gamma-Gamma p={p.p:.2f} q={p.q:.2f} γ={p.gamma:.2f}")
        else:
            lines.append("spend: each buyer's own mean (too few repeat buyers for Gamma-Gamma)")
        lines.append(f"CLV over {clv.horizon_months} months, discounted; fitted on {clv.sample_size or 0:,} buyers; "
                     f"per-customer ranges P10–P90")
        if clv.reason:
            lines.append(f"note: {clv.reason}")
    fitted = moment(summary.fitted_at) if summary.fitted_at else "never"
    lines += ["", f"last fitted: {fitted} · {summary.customers_with_orders:,} of "
                  f"{summary.customers:,} customers have orders"]
    return "\n".join(lines)


def forecast_words(f: Forecast) -> tuple[str, str]:
    """(the next months as ranges, how far to trust them): the method that won the backtest,
    its error beside the "same as last month" answer, and how often its range held."""
    main = " · ".join(f"{m.month:%Y-%m}: {money(m.forecast)} ({money(m.low)}–{money(m.high)})"
                      for m in f.next_months)
    method = (f.method or "").replace("_", " ")
    if f.backtest_error is None:
        return main, f"{method}: {f.note}" if method else f.note
    checks = [f"{method}: {percent(f.backtest_error)} backtest error over {f.backtest_months} past months"]
    if f.method != "last_month" and "last_month" in f.backtest_errors:
        checks.append(f"last month {percent(f.backtest_errors['last_month'])}")
    if f.coverage is not None:
        checks.append(f"80% ranges held {percent(f.coverage)}")
    return main, " · ".join(checks) + f"; {f.note}"


def _reliability_lines(churn) -> list[str]:
    """Brier score and predicted vs observed churn per bin, on customers whose outcome is known."""
    if not churn.reliability:
        return []
    brier = f", Brier {churn.brier:.3f}" if churn.brier is not None else ""
    worst = max(abs(b.predicted - b.observed) for b in churn.reliability)
    return [f"reliability on {sum(b.n for b in churn.reliability):,} customers{brier}, worst gap {worst:.0%}:",
            "  predicted " + " ".join(f"{b.predicted:>4.0%}" for b in churn.reliability),
            "  observed  " + " ".join(f"{b.observed:>4.0%}" for b in churn.reliability)]


def forecast_text(summary: Summary, quiet: Callable[[str], str] = str) -> str:
    """The revenue trend, its forecast range and the weighted pipeline; `quiet` marks the footnote."""
    f = summary.forecast
    ahead, trust = forecast_words(f)
    parts = [f"trend {money(f.trend_per_month)}/month" if f.trend_per_month is not None else "no trend yet"]
    parts += [ahead] if ahead else []
    parts.append(f"pipeline (weighted): this month {money(f.pipeline_this_month)}, next {money(f.pipeline_next_month)}")
    return " · ".join(parts) + "\n" + quiet(trust)
