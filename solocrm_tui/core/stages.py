"""The stages a customer and a deal move through, and a deal's default win probability.

Written once here because the composer, the forms, the board, the config file, the
demo and the filters all name them, and a stage spelled differently in one place
would be a stage that silently never matches.
"""

from __future__ import annotations

CUSTOMER_STAGES = ("lead", "new", "active", "loyal", "at_risk", "churned")
DEAL_STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
OPEN_DEAL_STAGES = DEAL_STAGES[:4]
CLOSED_DEAL_STAGES = DEAL_STAGES[4:]
DEFAULT_PROBABILITIES = {"lead": 10, "qualified": 25, "proposal": 50, "negotiation": 75, "won": 100, "lost": 0}

#: A customer is at risk once their odds of buying nothing in the next horizon are at
#: least the book's own (their churn risk is at or above the base rate), and churned once
#: those odds are CHURNED_ODDS times the book's. Relative, because an absolute line means
#: nothing on its own: on a music store's book 85 % of customers buy nothing in 90 days,
#: so a fixed 0.8 line called nearly everyone at risk.
AT_RISK_ODDS = 1.0
CHURNED_ODDS = 4.0
RISK_LEVELS = ("active", "at_risk", "churned")


def risk_level(churn_risk, base_rate):
    """0 active, 1 at risk, 2 churned (an index into RISK_LEVELS), from one increasing
    quantity, so a churned customer can never be likelier to buy than an at-risk one.

    Odds compared cross-multiplied, so a risk of exactly 1 needs no division; works on a
    float or element-wise on arrays (the analytics segments use the same lines)."""
    above = churn_risk * (1 - base_rate)
    return (above >= AT_RISK_ODDS * base_rate * (1 - churn_risk)) * 1 + (
        above >= CHURNED_ODDS * base_rate * (1 - churn_risk)) * 1
