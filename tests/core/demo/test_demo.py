"""Demo data: deterministic, and with the structure the screens and models need to find."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest

from solocrm_tui.core import validate
from solocrm_tui.core.demo.generate import generate_demo
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.stages import DEAL_STAGES
from solocrm_tui.core.storage.db import open_database
from solocrm_tui.core.storage.models import (
    Campaign,
    CampaignTarget,
    Customer,
    Deal,
    DealStageChange,
    FollowUp,
    Interaction,
    Order,
    Ticket,
    database,
)
from solocrm_tui.core.storage.records import INTERACTION_KINDS
from solocrm_tui.core.today.queue import build_queue


def _scalar(sql: str, *params):
    return database.execute_sql(sql, params).fetchone()[0]


def test_summary_matches_the_rows(demo):
    assert demo.customers == Customer.select().count() == 300
    assert demo.orders == Order.select().count() > 1000
    assert demo.interactions == Interaction.select().count()
    assert demo.deals == Deal.select().count()
    assert demo.followups == FollowUp.select().count()
    assert demo.tickets == Ticket.select().count()
    assert demo.campaign_targets == CampaignTarget.select().count()
    assert Campaign.select().count() == 1
    assert "300 customers" in demo.line()


def test_buying_behaviours(demo, now):
    counts = [c for (c,) in Customer.select(Customer.order_count).tuples()]
    assert sum(c >= 10 for c in counts) >= 30           # frequent and monthly buyers
    assert sum(c == 1 for c in counts) >= 20            # one-timers
    assert sum(c == 0 for c in counts) >= 30            # leads
    lapsed = _scalar("SELECT COUNT(*) FROM customer WHERE order_count >= 3 AND last_order_at < ?",
                     str(now - timedelta(days=120)))
    assert lapsed >= 20                                  # stopped buying 4-18 months ago
    assert _scalar("SELECT MAX(amount_cents) FROM orders") > 100_000  # rare big buyers
    first = _scalar("SELECT MIN(ordered_at) FROM orders")
    assert first < str(now - timedelta(days=600)) and _scalar("SELECT MAX(ordered_at) FROM orders") <= str(now)


def test_totals_stages_and_last_contact_are_consistent(demo, now):
    assert _scalar("SELECT COUNT(*) FROM customer c WHERE revenue_cents != "
                   "(SELECT COALESCE(SUM(amount_cents), 0) FROM orders WHERE customer_id = c.id)") == 0
    assert _scalar("SELECT COUNT(*) FROM customer WHERE (stage = 'lead') != (order_count = 0)") == 0
    stages = {s for (s,) in Customer.select(Customer.stage).distinct().tuples()}
    assert {"lead", "active", "loyal", "at_risk", "churned"} <= stages
    assert _scalar("SELECT COUNT(*) FROM customer WHERE stage = 'churned' AND last_order_at > ?",
                   str(now - timedelta(days=365))) == 0
    assert _scalar("SELECT COUNT(*) FROM customer c WHERE last_contact_at IS NOT "
                   "(SELECT MAX(occurred_at) FROM interaction WHERE customer_id = c.id AND kind != 'system')") == 0


def test_people_look_real(demo, now):
    rows = list(Customer.select(Customer.email, Customer.phone, Customer.birthday_md, Customer.source,
                                Customer.tags, Customer.city, Customer.country).tuples())
    emails = [r[0] for r in rows if r[0]]
    assert len(emails) > 250 and len({e.lower() for e in emails}) == len(emails)
    for email in emails:
        validate.email(email)
    for phone in (r[1] for r in rows if r[1]):
        validate.phone(phone)
    assert 2 <= sum(r[2] == now.strftime("%m-%d") for r in rows) <= 5
    assert len({r[3] for r in rows}) >= 5
    tags = {t for r in rows for t in r[4].split()}
    assert {"vip", "newsletter", "wholesale"} <= tags
    assert all(r[5] and r[6] for r in rows)


def test_timelines(demo):
    kinds = {(k, d) for k, d in Interaction.select(Interaction.kind, Interaction.direction).distinct().tuples()}
    for kind in INTERACTION_KINDS:
        assert any(k == kind for k, _ in kinds), kind
    for kind in ("call", "email", "meeting", "message"):
        assert (kind, "in") in kinds and (kind, "out") in kinds
    assert _scalar("SELECT MAX(n) FROM (SELECT COUNT(*) n FROM interaction GROUP BY customer_id)") >= 100
    assert _scalar("SELECT COUNT(*) FROM interaction WHERE body = ''") == 0


def test_pipeline(demo, now):
    stages = {s for (s,) in Deal.select(Deal.stage).distinct().tuples()}
    assert stages == set(DEAL_STAGES)
    recent = str(now - timedelta(days=90))
    for stage in ("won", "lost"):
        assert _scalar("SELECT COUNT(*) FROM deal WHERE stage = ? AND closed_at >= ?", stage, recent) >= 1
    assert _scalar("SELECT COUNT(*) FROM deal WHERE stage = 'lost' AND lost_reason IS NULL") == 0
    # every deal's history starts at creation and ends in its current stage
    for deal_id, stage in Deal.select(Deal.id, Deal.stage).tuples():
        history = list(DealStageChange.select(DealStageChange.from_stage, DealStageChange.to_stage)
                       .where(DealStageChange.deal == deal_id).order_by(DealStageChange.at, DealStageChange.id).tuples())
        assert history[0][0] is None and history[-1][1] == stage
        assert all(a[1] == b[0] for a, b in pairwise(history))
    stale = _scalar("SELECT COUNT(*) FROM deal WHERE stage IN ('lead','qualified','proposal','negotiation') "
                    "AND last_activity_at < ?", str(now - timedelta(days=14)))
    fresh = _scalar("SELECT COUNT(*) FROM deal WHERE stage IN ('lead','qualified','proposal','negotiation') "
                    "AND last_activity_at >= ?", str(now - timedelta(days=14)))
    assert stale >= 2 and fresh >= 2


def test_followups_tickets_and_campaign(demo, now):
    today = now.replace(hour=0, minute=0)
    tomorrow = str(today + timedelta(days=1))
    open_ = "done_at IS NULL AND "
    assert _scalar(f"SELECT COUNT(*) FROM followup WHERE {open_} due_at < ?", str(today)) >= 3
    assert _scalar(f"SELECT COUNT(*) FROM followup WHERE {open_} due_at >= ? AND due_at < ?",
                   str(today), tomorrow) >= 3
    assert _scalar(f"SELECT COUNT(*) FROM followup WHERE {open_} due_at >= ?", tomorrow) >= 5
    assert _scalar("SELECT COUNT(*) FROM followup WHERE done_at IS NOT NULL AND done_at <= ?", str(now)) >= 5
    statuses = {s for (s,) in Ticket.select(Ticket.status).distinct().tuples()}
    assert {"open", "closed"} <= statuses
    assert _scalar("SELECT COUNT(*) FROM ticket WHERE status = 'closed' AND satisfaction BETWEEN 1 AND 5") >= 2
    assert _scalar("SELECT COUNT(*) FROM campaign_target WHERE responded_at IS NOT NULL") >= 3
    assert _scalar("SELECT COUNT(*) FROM campaign_target WHERE converted_at IS NOT NULL") >= 1


def test_loading_the_demo_does_not_flood_the_owner_with_reminders(demo, now):
    """The demo's past is fiction: its overdue follow-ups were reminded when they fell due.
    Only those still to come today and later remind the owner trying the demo."""
    from solocrm_tui.core.contacts.followups import claim_due

    assert claim_due(now) == []
    later_today = claim_due(now.replace(hour=23, minute=59))
    assert later_today and all(f.due_at.date() == now.date() for f in later_today)


def test_today_has_work(demo, now):
    kinds = {i.kind for i in build_queue(now)}
    assert {"followup", "birthday", "stale_deal", "repurchase"} <= kinds


def _fingerprint():
    names = [n for (n,) in Customer.select(Customer.name).order_by(Customer.id).limit(20).tuples()]
    return names, Order.select().count(), Interaction.select().count(), _scalar("SELECT SUM(amount_cents) FROM orders")


def test_deterministic_for_a_seed(tmp_path, now):
    prints = []
    for name, seed in (("a.db", 3), ("b.db", 3), ("c.db", 4)):
        open_database(tmp_path / name)
        summary = generate_demo(now, customers=120, seed=seed)
        prints.append((summary, _fingerprint()))
    database.close()
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]


def test_refuses_a_non_empty_database_unless_forced(demo, now):
    with pytest.raises(ValidationError, match="--force"):
        generate_demo(now, customers=10, seed=7)
    assert Customer.select().count() == 300
    generate_demo(now, customers=50, seed=7, force=True)  # same seed: e-mails must still be unique
    assert Customer.select().count() == 350
    assert Campaign.select().count() == 2


@pytest.mark.parametrize("count", [0, -1, 200_001])
def test_customer_count_bounds(db_path, now, count):
    with pytest.raises(ValidationError, match="between 1 and"):
        generate_demo(now, customers=count)


def test_tiny_book(db_path, now):
    summary = generate_demo(now, customers=1, seed=0)
    assert summary.customers == 1 and Deal.select().count() >= 12
