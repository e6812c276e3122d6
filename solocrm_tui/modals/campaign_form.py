"""New campaign: name, channel, cost, attribution window and the customer filter
whose matches become the (frozen) target list."""

from __future__ import annotations

from solocrm_tui.core import validate
from solocrm_tui.core.amounts import parse_amount
from solocrm_tui.core.contacts.search import parse_filter
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales.campaign_results import campaign_results
from solocrm_tui.core.sales.campaigns import create_campaign
from solocrm_tui.core.storage.records import Campaign
from solocrm_tui.modals.form import FormScreen, check_fields

FIELDS = (("name", "Name *", ""), ("channel", "Channel", "email"), ("cost", "Cost", "0"),
          ("attribution_days", "Attribution window (days)", "30"),
          ("filter", 'Targets: customer filter (e.g. segment:"At risk" #newsletter; empty = everyone)', ""))


def _days(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 365:
        raise ValidationError("the attribution window is 1 to 365 days")
    return int(text)


CHECKS = {"name": lambda v: validate.text(v, "campaign name", required=True),
          "channel": lambda v: validate.text(v, "channel") or "email",
          "cost": lambda v: parse_amount(v or "0"), "attribution_days": _days,
          "filter": lambda v: (parse_filter(v), v)[1]}


def _checked(values: dict[str, str]) -> tuple[dict, dict[str, str]]:
    return check_fields(values, CHECKS)


class CampaignForm(FormScreen):
    SAVE_BUTTON = ("Create (ctrl+s)", "primary")

    def __init__(self) -> None:
        super().__init__("New campaign", [(key, label) for key, label, _ in FIELDS],
                         {key: default for key, _, default in FIELDS})

    def validate(self, values: dict[str, str]) -> dict[str, str]:
        return _checked(values)[1]

    def save(self, values: dict[str, str]) -> None:
        fields, now, currency = _checked(values)[0], self.app.now(), self.app.config.currency

        def write() -> tuple[Campaign, int]:
            campaign = create_campaign(fields["name"], now, channel=fields["channel"], cost=fields["cost"],
                                       currency=currency, target_filter=fields["filter"],
                                       attribution_days=fields["attribution_days"])
            return campaign, next((r.targets for r in campaign_results(now) if r.id == campaign.id), 0)

        self.persist(write, what="campaigns", undo_as=f"creating campaign {values['name']}",
                     done=lambda made: f"campaign {made[0].name} created with {made[1]} targets")
