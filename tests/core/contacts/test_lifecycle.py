"""Lifecycle stages: the rules (table-driven, with each customer's own rhythm), the
churn-model refinement, and re-staging writing stage history and the timeline."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from solocrm_tui.config import Lifecycle
from solocrm_tui.core import jobs
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.lifecycle import (
    Rules,
    compute_changes,
    restage,
    stage_for,
)
from solocrm_tui.core.sales.orders import add_order, refresh_customer_totals
from solocrm_tui.core.storage.models import (
    Customer,
    Interaction,
    ModelRun,
    Order,
    StageChange,
    database,
)

NOW = datetime(2026, 11, 22, 10, 30)
TODAY = NOW.date()
D = timedelta(days=1)
DEFAULT = Rules()


def ago(*days: int) -> list[date]:
    """Purchase days `days` ago, oldest first."""
    return sorted(TODAY - n * D for n in days)


def every(gap: int, count: int, silent: int) -> list[date]:
    """`count` purchase days `gap` days apart, the last one `silent` days ago."""
    return ago(*(silent + gap * i for i in range(count)))


CASES = [
    # (name, purchase days, rules, churn risk, expected stage)
    ("lead: never bought", [], DEFAULT, None, "lead"),
    ("lead even with a risk score", [], DEFAULT, 0.95, "lead"),
    ("new: one purchase 10 days ago", ago(10), DEFAULT, None, "new"),
    ("new: one purchase exactly 30 days ago", ago(30), DEFAULT, None, "new"),
    ("one purchase 31 days ago is merely active", ago(31), DEFAULT, None, "active"),
    ("one purchase 90 days ago: still active (limit is inclusive)", ago(90), DEFAULT, None, "active"),
    ("one purchase 91 days ago: at risk", ago(91), DEFAULT, None, "at_risk"),
    ("one purchase 365 days ago: at risk", ago(365), DEFAULT, None, "at_risk"),
    ("one purchase 366 days ago: churned", ago(366), DEFAULT, None, "churned"),
    ("two purchase days, recent: active", every(30, 2, 5), DEFAULT, None, "active"),
    ("loyal: 3 monthly purchase days, last 5 days ago", every(30, 3, 5), DEFAULT, None, "loyal"),
    ("loyal: 10 weekly purchase days, last 3 days ago", every(7, 10, 3), DEFAULT, None, "loyal"),
    ("loyal_orders from Rules (4 needed, 3 made)", every(30, 3, 5), Rules(loyal_orders=4), None, "active"),
    # the rhythm rule: limits scale with the customer's own median gap
    ("weekly buyer silent 20 days is at risk (fixed rule would say active)", every(7, 10, 20), DEFAULT, None,
     "at_risk"),
    ("weekly buyer silent 14 days is still loyal (floor of 14 days)", every(7, 10, 14), DEFAULT, None, "loyal"),
    ("weekly buyer silent 30 days is at risk, not yet lost (churned floor = active_days)",
     every(7, 10, 30), DEFAULT, None, "at_risk"),
    ("weekly buyer silent 91 days is churned", every(7, 10, 91), DEFAULT, None, "churned"),
    ("quarterly buyer silent 100 days is active (fixed rule would say at risk)", every(91, 2, 100), DEFAULT,
     None, "active"),
    ("quarterly loyal buyer silent 150 days is still loyal (limit 182)", every(91, 4, 150), DEFAULT, None,
     "loyal"),
    ("quarterly buyer silent 200 days is at risk", every(91, 4, 200), DEFAULT, None, "at_risk"),
    ("quarterly buyer silent 280 days is churned (limit 273)", every(91, 4, 280), DEFAULT, None, "churned"),
    ("monthly buyer lapsed for a year: churned", every(30, 12, 365), DEFAULT, None, "churned"),
    ("churned limit is capped at 2 x churned_days", every(400, 2, 731), DEFAULT, None, "churned"),
    ("a very rare buyer within the cap is not churned", every(400, 2, 700), DEFAULT, None, "active"),
    ("rhythm factors from Rules", every(10, 5, 25), Rules(rhythm_active_factor=3.0, rhythm_churned_factor=5.0),
     None, "loyal"),
    ("a score without the book's base rate is not read against a fixed line", every(30, 2, 5), DEFAULT, 0.99,
     "active"),
    ("new means a first purchase within new_days, whatever came since", every(7, 3, 2), DEFAULT, None, "new"),
    ("new_days from Rules", ago(40), Rules(new_days=45), None, "new"),
    # fixed limits for one-time buyers come from Rules
    ("one-timer 45 days, active_days=30: at risk", ago(45), Rules(active_days=30, churned_days=60), None,
     "at_risk"),
    ("one-timer 61 days, churned_days=60: churned", ago(61), Rules(active_days=30, churned_days=60), None,
     "churned"),
    ("one-timer 200 days, active_days=365: active", ago(200), Rules(active_days=365, churned_days=730), None,
     "active"),
]


@pytest.mark.parametrize(("days", "rules", "risk", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_stage_for(days, rules, risk, expected):
    stage, reason = stage_for(days, TODAY, rules, risk)
    assert stage == expected, reason
    assert reason


RISK_CASES = [
    # (name, purchase days, churn risk, the book's base rate, expected stage)
    ("risk below the base rate: active", every(30, 2, 5), 0.80, 0.85, "active"),
    ("risk at the base rate: at risk", every(30, 2, 5), 0.85, 0.85, "at_risk"),
    ("0.8 is not at risk where 85 % of the book buys nothing (the old absolute line)", every(30, 2, 5), 0.80,
     0.85, "active"),
    ("0.7 is at risk where half the book buys again", every(30, 2, 5), 0.70, 0.50, "at_risk"),
    ("odds 4 x the book's: churned", every(30, 2, 5), 0.8 / (0.8 + 0.2 / 4 / 0.85 * 0.15) , 0.85, "churned"),
    ("a certain churner is churned", ago(100), 1.0, 0.85, "churned"),
    ("a low score keeps a long-silent buyer active: the score decides, not the days", every(30, 12, 365), 0.2,
     0.85, "loyal"),
    ("risk does not turn a new customer into at risk", ago(5), 0.99, 0.5, "new"),
    ("a base rate of 0 or 1 says nothing: the rhythm decides", ago(100), 0.99, 1.0, "at_risk"),
]


@pytest.mark.parametrize(("days", "risk", "base_rate", "expected"), [c[1:] for c in RISK_CASES],
                         ids=[c[0] for c in RISK_CASES])
def test_stage_from_the_churn_risk_against_the_book(days, risk, base_rate, expected):
    stage, reason = stage_for(days, TODAY, DEFAULT, risk, base_rate)
    assert stage == expected, reason


def test_reasons_name_the_silence_and_the_rhythm():
    assert stage_for([], TODAY, DEFAULT) == ("lead", "no purchase yet")
    assert stage_for(ago(10), TODAY, DEFAULT) == ("new", "first purchase 10 days ago")
    assert stage_for(every(7, 10, 20), TODAY, DEFAULT) == ("at_risk", "last bought 20 days ago (usually every 7 days)")
    assert stage_for(ago(120), TODAY, DEFAULT) == ("at_risk", "last bought 120 days ago (one purchase so far)")
    assert stage_for(every(30, 3, 5), TODAY, DEFAULT) == ("loyal", "3 purchases; last bought 5 days ago (usually every 30 days)")
    assert stage_for(every(30, 2, 5), TODAY, DEFAULT, 0.9, 0.85) == (
        "at_risk", "churn risk 90% (book 85%); last bought 5 days ago (usually every 30 days)")


# --- re-staging against the database ---------------------------------------------------------------


def _customer(name: str, *, archived: bool = False) -> int:
    cid = create_customer(NOW - 800 * D, name=name).id
    if archived:
        Customer.update(archived_at=NOW - D).where(Customer.id == cid).execute()
    return cid


def _orders(cid: int, *days_ago: float, amount: int = 5000) -> None:
    Order.insert_many([(cid, amount, "EUR", (NOW - d * D).replace(microsecond=0)) for d in days_ago],
                      fields=[Order.customer, Order.amount_cents, Order.currency, Order.ordered_at]).execute()


def _stage(cid: int) -> str:
    return Customer.get_by_id(cid).stage


def test_restage_writes_history_and_timeline_once_per_change(db_path):
    fresh = _customer("Fresh Fiona")
    add_order(fresh, "40", NOW, ordered_at=NOW - 5 * D)
    add_order(fresh, "10", NOW, ordered_at=NOW - 5 * D + timedelta(hours=3))  # same day: one purchase
    regular = _customer("Regular Rita")
    _orders(regular, 3, 33, 63)
    gone = _customer("Gone Gary")
    _orders(gone, 500)
    lead = _customer("Lead Lars")
    archived = _customer("Archived Anna", archived=True)
    _orders(archived, 3, 33, 63)
    future = _customer("Future Fred")
    _orders(future, -3)  # an order dated after `now` does not count yet

    assert restage(NOW, DEFAULT) == 3
    assert {cid: _stage(cid) for cid in (fresh, regular, gone, lead, archived, future)} == {
        fresh: "new", regular: "loyal", gone: "churned", lead: "lead", archived: "lead", future: "lead"}

    history = {r.customer_id: r for r in StageChange.select()}
    assert set(history) == {fresh, regular, gone}
    assert (history[fresh].from_stage, history[fresh].to_stage, history[fresh].at) == ("lead", "new", NOW)
    assert history[fresh].reason == "first purchase 5 days ago"
    assert history[regular].reason == "3 purchases; last bought 3 days ago (usually every 30 days)"
    assert history[gone].reason == "last bought 500 days ago (one purchase so far)"
    assert Customer.get_by_id(gone).stage_changed_at == NOW
    assert Customer.get_by_id(lead).stage_changed_at is None

    system = {r.customer_id: r for r in Interaction.select().where(Interaction.kind == "system")}
    assert set(system) == {fresh, regular, gone}
    assert system[fresh].body == "stage lead → new: first purchase 5 days ago"
    assert system[gone].body == "stage lead → churned: last bought 500 days ago (one purchase so far)"
    assert system[gone].occurred_at == NOW

    assert restage(NOW, DEFAULT) == 0  # idempotent
    assert StageChange.select().count() == 3
    assert Interaction.select().where(Interaction.kind == "system").count() == 3


def test_restage_follows_time_and_records_the_path(db_path):
    cid = _customer("Mia Monthly")
    _orders(cid, 5, 35, 65)
    assert restage(NOW, DEFAULT) == 1
    assert _stage(cid) == "loyal"
    assert restage(NOW + 30 * D, DEFAULT) == 0  # 35 days silent, limit 60: still loyal
    assert restage(NOW + 60 * D, DEFAULT) == 1  # 65 days > 2 x 30
    assert _stage(cid) == "at_risk"
    assert restage(NOW + 100 * D, DEFAULT) == 1  # 105 days > 3 x 30
    assert _stage(cid) == "churned"
    _orders(cid, -101)  # buys again the day after
    assert restage(NOW + 102 * D, DEFAULT) == 1
    path = [(r.from_stage, r.to_stage) for r in StageChange.select().order_by(StageChange.at, StageChange.id)]
    assert path == [("lead", "loyal"), ("loyal", "at_risk"), ("at_risk", "churned"), ("churned", "loyal")]


def test_the_stored_churn_risk_is_read_against_the_books_base_rate(db_path):
    steady, risky, back = _customer("Steady"), _customer("Risky"), _customer("Back again")
    for cid in (steady, risky, back):
        _orders(cid, 5, 35)
    _orders(back, 1)  # bought after the scores were computed: their score is stale
    ModelRun.insert(kind="churn", trained_at=NOW - D, as_of=NOW - 2 * D, sample_size=3).execute()
    for cid, risk in ((steady, 0.5), (risky, 0.8), (back, 0.99)):
        Customer.update(churn_risk=risk).where(Customer.id == cid).execute()
    changes = {cid: (old, new, reason) for cid, old, new, reason in compute_changes(NOW, DEFAULT)}
    assert changes[steady] == ("lead", "active", "last bought 5 days ago (usually every 30 days)")
    assert changes[risky] == ("lead", "at_risk",
                              "churn risk 80% (book 76%); last bought 5 days ago (usually every 30 days)")
    assert changes[back] == ("lead", "loyal", "3 purchases; last bought yesterday (usually every 17 days)")


def test_without_a_refit_the_stored_scores_are_not_read(db_path):
    cid = _customer("Risky")
    _orders(cid, 5, 35)
    Customer.update(churn_risk=0.99).where(Customer.id == cid).execute()
    assert compute_changes(NOW, DEFAULT)[0][2] == "active"


def test_rules_change_the_outcome(db_path):
    cid = _customer("Olga Once")
    _orders(cid, 100)
    assert compute_changes(NOW, DEFAULT)[0][2] == "at_risk"
    assert compute_changes(NOW, Rules(active_days=120))[0][2] == "active"
    assert compute_changes(NOW, Rules(active_days=30, churned_days=60))[0][2] == "churned"


def test_restage_job_uses_the_configured_rules(db_path):
    cid = _customer("Olga Once")
    _orders(cid, 100)
    assert jobs.restage(NOW, Lifecycle(active_days=120)) == 1
    assert _stage(cid) == "active"
    assert jobs.restage(NOW, Lifecycle()) == 1
    assert _stage(cid) == "at_risk"


def test_a_synthetic_population_lands_in_the_expected_stages(db_path):
    """Known behaviours, with noise: each group must end up (almost) entirely in its stage."""
    rng = random.Random(11)
    groups: dict[str, list[int]] = {}
    rows = []
    with database.atomic():
        for group, n in (("frequent", 120), ("lapsed", 80), ("one_timer_long_ago", 60), ("recent_first", 40),
                         ("quarterly", 60), ("lead", 40)):
            groups[group] = [Customer.insert(name=f"{group} {i}", created_at=NOW - 800 * D,
                                             updated_at=NOW - 800 * D).execute() for i in range(n)]
        for cid in groups["frequent"]:  # every 6-12 days for a year, up to last week
            t = rng.uniform(0, 6)
            while t < 365:
                rows.append((cid, t))
                t += rng.uniform(6, 12)
        for cid in groups["lapsed"]:  # monthly for a year, then silent for a year or more
            stop = rng.uniform(365, 420)
            rows += [(cid, stop + 30 * k + rng.uniform(-3, 3)) for k in range(12)]
        rows += [(cid, rng.uniform(400, 700)) for cid in groups["one_timer_long_ago"]]
        rows += [(cid, rng.uniform(0, 28)) for cid in groups["recent_first"]]
        for cid in groups["quarterly"]:  # every ~90 days for two years, last one 60-150 days ago
            last = rng.uniform(60, 150)
            rows += [(cid, last + 90 * k + rng.uniform(-5, 5)) for k in range(8)]
        Order.insert_many([(cid, 5000, "EUR", (NOW - d * D).replace(microsecond=0)) for cid, d in rows],
                          fields=[Order.customer, Order.amount_cents, Order.currency, Order.ordered_at]).execute()
        refresh_customer_totals()

    changed = restage(NOW, DEFAULT)
    assert changed == sum(len(v) for k, v in groups.items() if k != "lead")
    expected = {"frequent": "loyal", "lapsed": "churned", "one_timer_long_ago": "churned",
                "recent_first": "new", "quarterly": "loyal", "lead": "lead"}
    for group, ids in groups.items():
        stages = [s for (s,) in Customer.select(Customer.stage).where(Customer.id.in_(ids)).tuples()]
        share = stages.count(expected[group]) / len(stages)
        assert share >= 0.9, (group, {s: stages.count(s) for s in set(stages)})
    assert StageChange.select().count() == changed
    assert Interaction.select().where(Interaction.kind == "system").count() == changed
    assert restage(NOW, DEFAULT) == 0
