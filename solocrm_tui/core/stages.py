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
