"""Campaigns and Tickets: the two service views shown as tabs of Insights.

Each panel loads its own rows in a worker and owns its keys, so the Insights
screen only hosts them.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from solocrm_tui import paths, work
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.mail import campaigns as campaign_sending
from solocrm_tui.core.mail import settings as mail
from solocrm_tui.core.mail.templates import read_template, template_names
from solocrm_tui.core.sales import campaign_results
from solocrm_tui.core.service import tickets
from solocrm_tui.text.figures import count, money, percent
from solocrm_tui.widgets.cells import cell, cells
from solocrm_tui.work import ReportWorkerErrors


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} h" if value < 48 else f"{value / 24:.1f} d"


class CampaignsPanel(ReportWorkerErrors, Vertical):
    BINDINGS = [
        Binding("n", "new_campaign", "New campaign", id="campaigns.new"),
        Binding("S", "send_campaign", "Send", id="campaigns.send"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("", classes="panel-status", id="campaigns-status")
        table = DataTable(id="campaigns-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("Campaign", "Channel", "Started", "Targets", "Responses", "Rate", "Conversions",
                          "Revenue", "Cost/target", "Cost/conv.")
        yield table

    def on_mount(self) -> None:
        self.last_send = ""
        self.load()

    def load(self) -> None:
        now = self.app.now()
        work.load(self, lambda: campaign_results.campaign_results(now), self.show, group="campaigns-load")

    def show(self, results) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for r in results:
            table.add_row(*cells(r.name, r.channel, f"{r.started_at:%Y-%m-%d}", r.targets, r.responses,
                                 percent(r.response_rate), r.conversions, cell(money(r.revenue), justify="right"),
                                 money(r.cost_per_target, cents=True) or "—", money(r.cost_per_conversion, cents=True) or "—"), key=str(r.id))
        self.query_one("#campaigns-status", Static).update(self.last_send or (
            f" {count(len(results), 'campaign')} · conversions = orders within each campaign's attribution window · "
            "n: new campaign from a filter · S: send · /responded NAME in the composer" if results else
            " No campaigns yet — press n to create one from a customer filter (e.g. segment:\"At risk\" #newsletter)."))

    def action_new_campaign(self) -> None:
        from solocrm_tui.modals.campaign_form import CampaignForm

        self.app.push_screen(CampaignForm())  # it saves itself; DataChanged reloads this panel

    def action_send_campaign(self) -> None:
        """Ask (with the counts) before mailing anyone; the template is asked for on the first send only."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        if any(worker.group == "campaigns-send" and not worker.is_finished for worker in self.workers):
            work.toast(self.app, "a campaign is being sent: wait until it is done (the line above counts it)")
            return
        campaign_id = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        try:
            mail.required(self.app.config.mail, paths.config_path())
        except ValidationError as error:
            work.not_done(self.app, error)
            return
        work.load(self, lambda: campaign_sending.plan_campaign(campaign_id),
                  lambda plan: self.ask_template(campaign_id, plan), group="campaigns-plan")

    def ask_template(self, campaign_id: int, plan) -> None:
        """Nothing to ask when there is no one left to mail: say so in one line."""
        from solocrm_tui.modals.prompt import Prompt

        if (done := plan.nothing_left()) is not None:
            work.toast(self.app, done)
            return
        if plan.template:
            self.confirm_send(campaign_id, plan, plan.template)
            return
        folder = paths.templates_dir()
        names = ", ".join(template_names(folder)) or f"none yet: write {folder}/NAME.md"
        self.app.push_screen(Prompt(f"Template for campaign {plan.name} ({names})",
                                    check=lambda name: read_template(folder, name.strip())),
                             lambda name: name and self.confirm_send(campaign_id, plan, name.strip()))

    def confirm_send(self, campaign_id: int, plan, template: str) -> None:
        from solocrm_tui.modals.confirm import Confirm

        self.app.push_screen(Confirm(plan.question(template)),
                             lambda yes: yes and self.send(campaign_id, plan, template))

    def sent(self, name: str, report) -> None:
        """Kept above the table until the next send: the reload after it must not wipe it."""
        total = report.sent + report.pending + report.failed
        self.last_send = cell(f" Campaign {name}: sent {report.sent:,}/{total:,} · {report.line()}")
        self.query_one("#campaigns-status", Static).update(self.last_send)

    def sending(self, name: str, sent: int, total: int) -> None:
        self.query_one("#campaigns-status", Static).update(cell(f" Campaign {name}: sending {sent:,}/{total:,}…"))

    def send(self, campaign_id: int, plan, template: str) -> None:
        """In a thread worker: the UI stays live while the mails go out at the rate the server allows,
        and the status line counts them as they leave."""
        config, now, status = self.app.config, self.app.now(), self.query_one("#campaigns-status", Static)
        status.update(cell(f" Sending campaign {plan.name}: {plan.to_send:,} to go…"))
        progress = work.progress(self, lambda sent, total: self.sending(plan.name, sent, total))
        work.apply_change(
            self, lambda: campaign_sending.send_campaign(campaign_id, config.mail, paths.templates_dir(), now,
                                                         template=template, owner_name=config.owner.name,
                                                         clock=self.app.now, progress=progress),
            what=("campaigns", "interactions"), done=lambda report: report.summary(campaign_id),
            then=lambda report: self.sent(plan.name, report),
            refused=lambda _: self.load(), group="campaigns-send")


class TicketsPanel(ReportWorkerErrors, Vertical):
    BINDINGS = [
        Binding("p", "toggle_pending", "Pending/open", id="tickets.pending"),
        Binding("c", "close_ticket", "Close…", id="tickets.close"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("", classes="panel-status", id="tickets-status")
        table = DataTable(id="tickets-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("Opened", "Customer", "Subject", "Status", "Waiting", "First response")
        yield table

    def on_mount(self) -> None:
        self.rows: list = []
        self.load()

    def load(self) -> None:
        now = self.app.now()

        def read():
            rows = tickets.list_tickets()
            return rows, tickets.ticket_stats(now), tickets.first_responses([t.id for t, _ in rows])

        work.load(self, read, lambda result: self.show(*result, now), group="tickets-load")

    def show(self, rows, stats, responses, now) -> None:
        table = self.query_one(DataTable)
        selected, row = self.current(), table.cursor_row  # a reload keeps the selection (clear() resets it)
        self.rows = rows
        table.clear()
        for ticket, name in rows:
            answered = responses.get(ticket.id)
            table.add_row(*cells(f"{ticket.opened_at:%Y-%m-%d}", name, ticket.subject, ticket.status,
                                 f"{(now - ticket.opened_at).days} d",
                                 _hours((answered - ticket.opened_at).total_seconds() / 3600) if answered else "not yet"),
                          key=str(ticket.id))
        if rows:
            ids = [ticket.id for ticket, _ in rows]
            table.move_cursor(row=ids.index(selected.id) if selected and selected.id in ids else min(row, len(rows) - 1))
        csat = stats["csat"]
        self.query_one("#tickets-status", Static).update(
            f" {stats['open']} open · {stats['pending']} pending · median first response "
            f"{_hours(stats['median_first_response_hours'])} · median resolution {_hours(stats['median_resolution_hours'])}"
            f" · CSAT {percent(csat['value']) or '—'} ({csat['label']})")

    def current(self):
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row][0]

    def focused_customer_id(self) -> int | None:
        ticket = self.current()
        return ticket.customer_id if ticket else None

    @on(DataTable.RowSelected)
    def open_customer(self) -> None:
        cid = self.focused_customer_id()
        if cid is not None:
            self.app.open_customer(cid)

    def action_toggle_pending(self) -> None:
        ticket = self.current()
        if ticket is not None:
            status = "open" if ticket.status == "pending" else "pending"
            now = self.app.now()
            self.change(lambda: tickets.set_status(ticket.id, status, now), f"ticket is now {status}",
                        f"setting “{ticket.subject}” to {status}")

    def action_close_ticket(self) -> None:
        from solocrm_tui.modals.prompt import Prompt

        ticket = self.current()
        if ticket is None:
            return
        self.app.push_screen(
            Prompt(f"Close “{ticket.subject}” — satisfaction 1-5 (or - for none)", placeholder="5", check=_score),
            lambda text: text and self.close_ticket(ticket.id, _score(text)))

    def close_ticket(self, ticket_id: int, score: int | None) -> None:
        now = self.app.now()
        self.change(lambda: tickets.close_by_id(ticket_id, now, score), "ticket closed", "closing the ticket")

    def change(self, write, done: str, undo_as: str) -> None:
        """Write, then show the tickets again either way (a refused change puts the row back)."""
        work.apply_change(self, write, what="tickets", done=done, then=lambda _: self.load(),
                          refused=lambda _: self.load(), undo_as=undo_as, group="tickets-write")


def _score(text: str) -> int | None:
    text = text.strip()
    if text in ("-", ""):
        return None
    if text not in ("1", "2", "3", "4", "5"):
        raise ValidationError("satisfaction is a score from 1 to 5, or - for none")
    return int(text)
