"""Command palette (ctrl+p): the same actions as the keys, plus jump-to-customer by name."""

from __future__ import annotations

import asyncio
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from solocrm_tui.core.contacts.search import find_by_name
from solocrm_tui.core.storage.db import db_call
from solocrm_tui.text.visible import visible
from solocrm_tui.widgets.cells import cell

ACTIONS = (
    ("Go to Today", "go('today')", "the daily follow-up queue"),
    ("Go to Customers", "go('customers')", "search and sort customers"),
    ("Go to Pipeline", "go('pipeline')", "deals by stage"),
    ("Go to Insights", "go('insights')", "KPIs, segments, churn risk"),
    ("Go to Products", "go('products')", "the catalogue: prices, costs, margins, units sold (5)"),
    ("Find anything", "screen.search", "customers by name, and every note, follow-up, deal, ticket, order (ctrl+f, /find)"),
    ("Add customer", "add_customer", "open the new-customer form"),
    ("Focus composer", "focus_composer", "type a note or a /command"),
    ("Undo the last change", "undo", "ctrl+z, same as /undo"),
    ("What can be undone", "undo_list", "the undo stack, newest first (/undo list)"),
    ("Help: keys and commands", "toggle_help", "this screen's keys, the global ones, every /command (?)"),
    ("Composer log", "show_log", "everything the composer said, to scroll back (ctrl+l, /log)"),
)


class CRMCommands(Provider):
    async def discover(self) -> Hits:
        for title, action, help_text in ACTIONS:
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in ACTIONS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.run_action, action), help=help_text)
        if len(query.strip()) >= 2:
            people = await asyncio.to_thread(db_call, find_by_name, query.strip(), 8)
            for person in people:
                label = visible(f"Open {person.name}" + (f" · {person.company}" if person.company else ""))
                yield Hit(0.9, matcher.highlight(label) if matcher.match(label) else cell(label),  # not markup
                          partial(self.app.open_customer, person.id), help="jump to customer")
