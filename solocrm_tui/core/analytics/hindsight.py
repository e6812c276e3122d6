"""What the models said at a past date, and how that compared with what happened next.

An owner who is asked to trust a churn risk or an expected-purchases figure should be
able to check it on their own book: fit as of a past date D (nothing after D is seen),
then compare each customer's figures with the following `horizon` days. Nothing here is
stored: today's figures stay as the last refit left them.

Runs in the analytics child process; the records cross to the CLI as JSON. The app imports
this module for the records alone, so pandas and scikit-learn load inside the functions.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from solocrm_tui.core.errors import ValidationError

if TYPE_CHECKING:
    from solocrm_tui.core.analytics.runs import Settings
    from solocrm_tui.core.contacts.lifecycle import Rules

DECILES = 10


def _number(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class CustomerFigure:
    """One customer as the models saw them at the date: None where a figure was not computed."""

    id: int
    name: str
    segment: str | None
    stage: str
    churn_risk: float | None
    p_alive: float | None
    expected_purchases: float | None
    clv: float | None


@dataclass(frozen=True)
class CustomerFigures:
    as_of: datetime
    horizon_days: int
    churn_model: str | None
    clv_model: str | None
    customers: tuple[CustomerFigure, ...]

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps({"as_of": self.as_of.isoformat(sep=" "), "horizon_days": self.horizon_days,
                           "churn_model": self.churn_model, "clv_model": self.clv_model,
                           "customers": [asdict(c) for c in self.customers]}, indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> CustomerFigures:
        data = json.loads(text)
        return cls(_moment(data["as_of"]), int(data["horizon_days"]), data["churn_model"], data["clv_model"],
                   tuple(CustomerFigure(**c) for c in data["customers"]))


@dataclass(frozen=True)
class DecileCheck:
    """Customers ranked by churn risk at the date, riskiest last, one tenth per row."""

    decile: int
    customers: int
    mean_churn_risk: float
    actual_churn_rate: float
    predicted_purchases: float
    actual_purchases: int


@dataclass(frozen=True)
class Backtest:
    """The figures at `as_of` against the `horizon_days` that followed, for customers who
    had bought by then. `churn_auc` is None when everyone (or no one) churned."""

    as_of: datetime
    until: datetime
    horizon_days: int
    customers: int
    churn_model: str | None
    clv_model: str | None
    churn_auc: float | None
    churn_brier: float | None
    mean_churn_risk: float | None
    actual_churn_rate: float | None
    predicted_purchases: float
    actual_purchases: int
    predicted_revenue: float
    actual_revenue: float
    deciles: tuple[DecileCheck, ...]

    def to_json(self, indent: int | None = None) -> str:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(as_of=self.as_of.isoformat(sep=" "), until=self.until.isoformat(sep=" "),
                    deciles=[asdict(d) for d in self.deciles])
        return json.dumps(data, indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Backtest:
        data = json.loads(text)
        data.update(as_of=_moment(data["as_of"]), until=_moment(data["until"]),
                    deciles=tuple(DecileCheck(**d) for d in data["deciles"]))
        return cls(**data)


def _fit_at(as_of: datetime, settings: Settings):
    """(orders up to the date, the refit's result as of then, the customers of then)."""
    from . import refit, store

    orders = store.load_orders(as_of)
    customers = store.load_customers(as_of)
    return orders, refit.compute(orders, customers, as_of, settings, store.load_tickets(as_of)), customers


def _model(result, kind: str) -> str | None:
    return next((run.get("parameters", {}).get("model") for run in result.runs if run["kind"] == kind), None)


def customer_figures(settings: Settings, rules: Rules, as_of: datetime) -> CustomerFigures:
    """Every customer of the book at `as_of` with the figures a refit on that day would have
    stored, and the lifecycle stage those figures and purchase days gave then."""
    from solocrm_tui.core.contacts.lifecycle import stage_for
    from solocrm_tui.core.storage.models import Customer

    orders, result, customers = _fit_at(as_of, settings)
    days = (orders.assign(day=orders["ordered_at"].dt.date).groupby("customer_id")["day"]
            .agg(lambda d: sorted(set(d))))
    names = dict(Customer.select(Customer.id, Customer.name).tuples())
    figures = result.figures
    rows = []
    for cid in customers["customer_id"].astype(int).sort_values():
        f = figures.loc[cid] if cid in figures.index else None
        risk = _number(f["churn_risk"]) if f is not None else None
        stage, _ = stage_for(days.get(cid, []), as_of.date(), rules, risk)
        rows.append(CustomerFigure(int(cid), names.get(cid, ""),
                                   f["segment"] if f is not None and isinstance(f["segment"], str) else None,
                                   stage, risk, *(_number(f[c]) if f is not None else None
                                                  for c in ("p_alive", "expected_purchases", "clv"))))
    return CustomerFigures(as_of, settings.churn_horizon_days, _model(result, "churn"), _model(result, "clv"),
                           tuple(rows))


def stored_figures(now: datetime, horizon_days: int) -> CustomerFigures:
    """Today's figures as the last refit stored them, for the customers it scored."""
    from solocrm_tui.core.storage.models import Customer as C

    query = (C.select(C.id, C.name, C.segment, C.stage, C.churn_risk, C.p_alive, C.expected_purchases, C.clv)
             .where(C.archived_at.is_null() & (C.churn_risk.is_null(False) | C.clv.is_null(False)))
             .order_by(C.id))
    runs = {kind: model for kind, model in _latest_models()}
    return CustomerFigures(now, horizon_days, runs.get("churn"), runs.get("clv"),
                           tuple(CustomerFigure(*row) for row in query.tuples()))


def _latest_models() -> list[tuple[str, str | None]]:
    from solocrm_tui.core.analytics.runs import latest_runs

    return [(kind, run["parameters"].get("model")) for kind, run in latest_runs().items()]


def check_horizon(now: datetime, as_of: datetime, horizon_days: int) -> datetime:
    """The end of the period the backtest compares with: it must be over by `now`."""
    until = as_of + timedelta(days=horizon_days)
    if until > now:
        raise ValidationError(f"--backtest needs the {horizon_days} days after {as_of:%Y-%m-%d} to have passed "
                              f"(they end {until:%Y-%m-%d}); choose an earlier --as-of")
    return until


def backtest(now: datetime, settings: Settings, as_of: datetime, horizon_days: int) -> Backtest:
    """Fit as of `as_of` with churn judged over `horizon_days`, then score it on what the
    customers who had bought by then did in the following `horizon_days` (purchase days,
    as the models count purchases, and revenue)."""
    import numpy as np
    import pandas as pd
    from sklearn.metrics import brier_score_loss, roc_auc_score

    from . import store
    from .features import purchase_occasions

    until = check_horizon(now, as_of, horizon_days)
    settings = replace(settings, churn_horizon_days=horizon_days)
    orders, result, _ = _fit_at(as_of, settings)
    figures = result.figures.loc[result.figures["churn_risk"].notna()]
    later = store.load_orders(until)
    later = later.loc[later["ordered_at"] > as_of]
    occasions = purchase_occasions(later, pd.Timestamp(until))
    bought = occasions.groupby("customer_id").size().reindex(figures.index, fill_value=0)
    spent = later.groupby("customer_id")["amount"].sum().reindex(figures.index, fill_value=0.0)
    past = purchase_occasions(orders, pd.Timestamp(as_of))
    spend_per_purchase = past.groupby("customer_id")["amount"].mean().reindex(figures.index)
    expected = figures["expected_purchases"].fillna(0.0)
    churned = (bought == 0).to_numpy()
    risk = figures["churn_risk"].to_numpy(dtype=float)
    both = 0 < churned.sum() < len(churned)
    ranked = pd.Series(risk, index=figures.index).rank(method="first")
    decile = (np.ceil(ranked / len(ranked) * DECILES).astype(int) if len(ranked) else ranked)
    deciles = tuple(
        DecileCheck(int(d), int(len(group)), float(risk[group].mean()), float(churned[group].mean()),
                    float(expected.to_numpy()[group].sum()), int(bought.to_numpy()[group].sum()))
        for d in range(1, DECILES + 1) if len(group := np.flatnonzero(decile.to_numpy() == d)))
    return Backtest(
        as_of=as_of, until=until, horizon_days=horizon_days, customers=int(len(figures)),
        churn_model=_model(result, "churn"), clv_model=_model(result, "clv"),
        churn_auc=float(roc_auc_score(churned, risk)) if both else None,
        churn_brier=float(brier_score_loss(churned, risk)) if len(risk) else None,
        mean_churn_risk=float(risk.mean()) if len(risk) else None,
        actual_churn_rate=float(churned.mean()) if len(churned) else None,
        predicted_purchases=float(expected.sum()), actual_purchases=int(bought.sum()),
        predicted_revenue=float((expected * spend_per_purchase.fillna(0.0)).sum()),
        actual_revenue=float(spent.sum()), deciles=deciles)
