"""Pilot tests of the Campaigns and Tickets tabs of Insights: a campaign created from a
filter with the form, a response recorded from the composer, and a ticket opened from
the composer, set pending, closed with a satisfaction score and opened with enter.
"""

from __future__ import annotations

import asyncio
import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Label, Static, TabbedContent

from solocrm_tui.core.contacts import customers
from solocrm_tui.core.sales import campaigns
from solocrm_tui.core.sales.campaign_results import campaign_results
from solocrm_tui.core.service import tickets
from solocrm_tui.core.storage.models import CampaignTarget
from solocrm_tui.modals.campaign_form import CampaignForm
from solocrm_tui.modals.prompt import Prompt
from solocrm_tui.screens.customer import CustomerScreen
from solocrm_tui.screens.insights import InsightsScreen
from solocrm_tui.widgets.composer import ComposerLog
from solocrm_tui.widgets.service_panels import TicketsPanel
from tests.conftest import Mailbox, serving_smtp

from .conftest import Notes, settle, wait_until

SIZE = (120, 35)
D = timedelta(days=1)






@pytest.fixture
def people(db_path, now) -> dict[str, int]:
    return {
        "ann": customers.create_customer(now - 30 * D, name="Ann Archer", email="ann@example.com",
                                         tags=["newsletter"]).id,
        "ben": customers.create_customer(now - 30 * D, name="Ben Baker", tags=["newsletter", "vip"]).id,
        "cleo": customers.create_customer(now - 30 * D, name="Cleo Cole", tags=["vip"]).id,
    }


def write_template(name: str, text: str) -> None:
    folder = Path(os.environ["SOLOCRM_CONFIG"]).parent / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(text, encoding="utf-8")


def mailing_app(make_app, port: int):
    """The app on Insights, sending through the test's SMTP server on `port`."""
    from solocrm_tui.config import Config
    from solocrm_tui.core.mail.settings import MailSettings

    mail = MailSettings(host="127.0.0.1", port=port, security="none", from_address="me@shop.example")
    return make_app("insights", config=Config(mail=mail))


def insights(app) -> InsightsScreen:
    screen = app.screen
    assert isinstance(screen, InsightsScreen)
    return screen


async def go_to_tab(pilot, tab: str) -> None:
    screen = insights(pilot.app)
    tabs = screen.query_one("#insights-tabs", TabbedContent)
    for _ in range(len(InsightsScreen.TABS)):
        if tabs.active == tab:
            break
        await pilot.press("right_square_bracket")
        await settle(pilot)
    assert tabs.active == tab


def table_rows(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def targets(campaign_id: int) -> dict[int, tuple]:
    T = CampaignTarget
    rows = T.select(T.customer, T.responded_at, T.converted_at).where(T.campaign == campaign_id).tuples()
    return {cid: (responded, converted) for cid, responded, converted in rows}


async def send(pilot, text: str) -> str:
    """Type one composer line and return the answer shown in the composer log."""
    field = pilot.app.screen.query_one("#composer-input", Input)
    if pilot.app.focused is not field:
        await pilot.press("slash")
    assert pilot.app.focused is field
    field.value = text
    await pilot.press("enter")
    await settle(pilot)
    return pilot.app.screen.query_one(ComposerLog).items[-1][0]


async def test_campaign_form_refuses_a_superscript_digit_in_one_line(make_app, people):
    """'²' is a digit to str.isdigit() but not to int(): typed in the window field it
    must be the field's error, not a crash."""
    app = make_app("insights")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to_tab(pilot, "campaigns")
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        await pilot.press(*"Spring mail")
        days = form.query_one("#field-attribution_days", Input)
        days.value = ""
        days.focus()
        await pilot.press("²")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and app.is_running
        assert str(form.query_one("#error-attribution_days", Label).visual) == "the attribution window is 1 to 365 days"
        assert campaigns.list_campaigns() == []


async def test_new_campaign_form_validates_then_creates_from_the_filter(make_app, people, now):
    app = make_app("insights")
    notes = Notes()
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        await go_to_tab(pilot, "campaigns")
        screen = insights(app)
        table = screen.query_one("#campaigns-table", DataTable)
        assert app.focused is table
        assert table.row_count == 0
        assert "No campaigns yet" in str(screen.query_one("#campaigns-status", Static).visual)

        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CampaignForm)
        assert app.focused is form.query_one("#field-name", Input)
        await pilot.press("enter")  # submit with an empty name
        await settle(pilot)
        assert app.screen is form
        assert str(form.query_one("#error-name", Label).visual) == "campaign name is required"
        assert campaigns.list_campaigns() == []

        form.query_one("#field-name", Input).value = "Winter mail"
        form.query_one("#field-cost", Input).value = "12.50"
        form.query_one("#field-filter", Input).value = "#newsletter"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, InsightsScreen)

        c = campaigns.find_campaign("winter mail")
        assert (c.name, c.channel, str(c.cost), c.target_filter, c.attribution_days, c.started_at) == (
            "Winter mail", "email", "12.50", "#newsletter", 30, now)
        assert set(targets(c.id)) == {people["ann"], people["ben"]}
        assert "campaign Winter mail created with 2 targets" in notes.texts()
        assert notes.texts("error") == []  # saved once: by the form, not again by whoever opened it
        rows = table_rows(table)
        assert len(rows) == 1
        assert rows[0][:6] == ["Winter mail", "email", f"{now:%Y-%m-%d}", "2", "0", "0%"]
        assert "6.25" in rows[0][8]  # cost per target

        # a duplicate name is refused with an error toast and creates nothing
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        await pilot.press(*"WINTER MAIL", "ctrl+s")
        await settle(pilot)
        assert any("already exists" in t for t in notes.texts("error"))
        assert [x.name for x in campaigns.list_campaigns()] == ["Winter mail"]
        assert app.screen is form  # still open, the message under the name
        assert str(form.query_one("#error-name", Label).visual) == 'a campaign called "WINTER MAIL" already exists'
        assert app.focused is form.query_one("#field-name", Input)


async def test_responded_from_the_composer_shows_in_the_campaigns_table(make_app, people, clock, now):
    c = campaigns.create_campaign("Winter mail", now - 2 * D, cost="10.00", target_filter="#newsletter")
    app = make_app("insights")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to_tab(pilot, "campaigns")
        table = insights(app).query_one("#campaigns-table", DataTable)
        assert table_rows(table)[0][3:6] == ["2", "0", "0%"]

        clock.advance(hours=1)
        app.open_customer(people["ann"])
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen) and app.screen.customer_id == people["ann"]
        answer = await send(pilot, "/responded winter mail")
        assert answer.startswith("✓") and "Winter mail" in answer, answer
        assert targets(c.id)[people["ann"]] == (now + timedelta(hours=1), None)
        assert targets(c.id)[people["ben"]] == (None, None)
        (result,) = campaign_results(clock())
        assert (result.targets, result.responses) == (2, 1)

        await pilot.press("escape", "escape")  # leave the composer, then back to where the customer was opened
        await settle(pilot)
        assert app.current_mode == "insights"
        screen = insights(app)
        assert screen.query_one("#insights-tabs", TabbedContent).active == "campaigns"
        screen.reload()
        await settle(pilot)
        assert table_rows(table)[0][:6] == ["Winter mail", "email", f"{now - 2 * D:%Y-%m-%d}", "2", "1", "50%"]


async def test_ticket_from_the_composer_pending_close_with_score_and_open(make_app, people, clock, now):
    bob_ticket = tickets.open_ticket(people["ben"], "Late parcel", now - 3 * D)
    app = make_app("insights")
    notes = Notes()
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        await go_to_tab(pilot, "tickets")
        screen = insights(app)
        table = screen.query_one("#tickets-table", DataTable)
        panel = screen.query_one(TicketsPanel)
        assert [r[1:4] for r in table_rows(table)] == [["Ben Baker", "Late parcel", "open"]]

        # /ticket on Ann's detail screen, then back to the Tickets tab
        app.open_customer(people["ann"])
        await settle(pilot)
        answer = await send(pilot, "/ticket Broken grinder")
        assert answer.startswith("✓"), answer
        (grinder,) = [t for t in tickets.customer_tickets(people["ann"])]
        assert (grinder.subject, grinder.status, grinder.opened_at) == ("Broken grinder", "open", now)
        await pilot.press("escape", "escape")  # leave the composer, then back to where the customer was opened
        await settle(pilot)
        assert app.current_mode == "insights"
        assert app.screen is screen
        screen.reload()
        await settle(pilot)
        assert [r[1:4] for r in table_rows(table)] == [["Ben Baker", "Late parcel", "open"],
                                                       ["Ann Archer", "Broken grinder", "open"]]

        # select Ann's ticket and set it pending
        table.focus()
        await pilot.press("down")
        assert panel.current().id == grinder.id
        await pilot.press("p")
        await settle(pilot)
        assert tickets.get_ticket(grinder.id).status == "pending"
        assert tickets.get_ticket(bob_ticket.id).status == "open"
        assert [r[1:4] for r in table_rows(table)][1] == ["Ann Archer", "Broken grinder", "pending"]
        assert "ticket is now pending" in notes.texts()
        assert panel.current().id == grinder.id  # the selection stays on the ticket just changed

        # close it: an invalid score is refused in the prompt, then 4
        clock.advance(hours=2)
        await pilot.press("c")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, Prompt)
        assert app.focused is prompt.query_one("#prompt-input", Input)
        await pilot.press("9", "enter")
        await settle(pilot)
        assert app.screen is prompt
        assert "1 to 5" in str(prompt.query_one("#prompt-error", Label).visual)
        assert tickets.get_ticket(grinder.id).status == "pending"
        prompt.query_one("#prompt-input", Input).value = ""
        await pilot.press("4", "enter")  # typed into the prompt, not the Insights key
        await settle(pilot)
        assert app.screen is screen
        closed = tickets.get_ticket(grinder.id)
        assert (closed.status, closed.satisfaction, closed.closed_at) == ("closed", 4, now + timedelta(hours=2))
        assert tickets.get_ticket(bob_ticket.id).status == "open"
        assert "ticket closed" in notes.texts()
        assert [r[1:4] for r in table_rows(table)] == [["Ben Baker", "Late parcel", "open"]]
        status = str(screen.query_one("#tickets-status", Static).visual)
        assert "1 open · 0 pending" in status and "CSAT 100%" in status

        # enter opens the selected ticket's customer
        assert app.focused is table
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert app.screen.customer_id == people["ben"]
        # pushed once, on the Insights stack it was opened from (Ann's detail was closed with Esc)
        assert app.current_mode == "insights"
        assert [s.customer_id for s in app.screen_stack if isinstance(s, CustomerScreen)] == [people["ben"]]


async def test_S_on_a_campaign_asks_the_template_confirms_the_counts_and_sends(make_app, people, now, smtp_server):
    from solocrm_tui.modals.confirm import Confirm

    port, mailbox = smtp_server
    write_template("winter", "Subject: Winter für {first_name}\n\nHallo!\n")
    campaigns.create_campaign("Winter [b]mail[/b]", now, target_filter="#newsletter")
    app = mailing_app(make_app, port)
    notes = Notes()
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        await go_to_tab(pilot, "campaigns")
        await pilot.press("S")
        await settle(pilot)
        assert isinstance(app.screen, Prompt)
        await pilot.press(*"nope", "enter")
        await settle(pilot)
        assert isinstance(app.screen, Prompt) and "no template “nope”" in str(
            app.screen.query_one("#prompt-error", Label).visual)
        app.screen.query_one(Input).value = ""
        await pilot.press(*"winter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert str(app.screen.query_one(Label).visual) == (
            "Send campaign Winter [b]mail[/b] with template winter: 1 will be sent, 1 skipped "
            "(0 opted out, 1 no address)?")
        await pilot.press("y")
        await settle(pilot)
        await wait_until(pilot, lambda: "sent 1/1" in str(insights(app).query_one("#campaigns-status", Static).visual),
                         "the panel showing the send")
    [(_, [to], got, _)] = mailbox
    assert (to, got["Subject"]) == ("ann@example.com", "Winter für Ann")
    assert any("sent 1, skipped 1 (opted out 0, no address 1)" in text for text in notes.texts())


class GatedMailbox(Mailbox):
    """A real server that takes each message only when the test lets one through, so
    the test decides how far a send has got."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Semaphore(0)

    async def handle_DATA(self, server, session, envelope):
        await asyncio.get_running_loop().run_in_executor(None, self.gate.acquire)
        return await super().handle_DATA(server, session, envelope)


async def test_the_campaigns_tab_shows_progress_while_sending_and_stays_usable(make_app, now):
    from solocrm_tui.modals.confirm import Confirm

    for n in range(3):
        customers.create_customer(now - 30 * D, name=f"Kunde {n}", email=f"k{n}@example.com", tags=["news"])
    customers.create_customer(now - 30 * D, name="Ohne Adresse", tags=["news"])
    campaigns.create_campaign("Winter", now, target_filter="#news")
    write_template("winter", "Subject: Winter\n\nHallo {first_name}!\n")
    mailbox = GatedMailbox()
    with serving_smtp(mailbox) as port:
        app = mailing_app(make_app, port)
        notes = Notes()
        async with app.run_test(size=SIZE, message_hook=notes) as pilot:
            await settle(pilot)
            await go_to_tab(pilot, "campaigns")
            status = insights(app).query_one("#campaigns-status", Static)
            await pilot.press("S")
            await settle(pilot)
            await pilot.press(*"winter", "enter")
            await settle(pilot)
            assert isinstance(app.screen, Confirm)
            await pilot.press("y")
            await wait_until(pilot, lambda: "sending 0/3" in str(status.visual), "the send starting")
            mailbox.gate.release()
            await wait_until(pilot, lambda: "sending 1/3" in str(status.visual), "the first mail leaving")
            tabs = insights(app).query_one("#insights-tabs", TabbedContent)
            await pilot.press("right_square_bracket")
            await wait_until(pilot, lambda: tabs.active == "tickets", "the next tab while sending")
            await pilot.press("left_square_bracket")
            await wait_until(pilot, lambda: tabs.active == "campaigns", "back to campaigns while sending")
            await pilot.press("S")  # again, while it sends: nothing to confirm, it says so
            busy = "a campaign is being sent: wait until it is done (the line above counts it)"
            await wait_until(pilot, lambda: busy in notes.texts(), "the answer to S while sending")
            assert not isinstance(app.screen, Confirm | Prompt)
            mailbox.gate.release(2)
            await wait_until(pilot, lambda: "sent 3/3" in str(status.visual), "the end of the send")
            await settle(pilot)
            await pilot.press("S")
            await settle(pilot)
            assert not isinstance(app.screen, Confirm | Prompt)
            assert notes.texts()[-1] == "campaign Winter: nothing left to send (3 sent earlier, 1 skipped)"
    assert len(mailbox) == 3
