"""`solocrm campaign send ID`: mail a campaign's frozen targets through [mail], once each.

Safe to run again after a crash or alongside another run: see core/mail/campaigns.py
for how rows are claimed and what "resent after a crash" means.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from solocrm_tui import paths
from solocrm_tui.cli.common import id_of, load_config, open_db
from solocrm_tui.core.errors import ValidationError


def per_minute(text: str) -> int:
    """--rate N/min (or just N): how many mails a minute the server is given at most."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:/\s*min)?\s*", text)
    if not match or int(match[1]) < 1:
        raise argparse.ArgumentTypeError(f"--rate takes mails per minute, e.g. 60/min, got “{text}”")
    return int(match[1])


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    campaign = command("campaign", "send a campaign's emails to its targets (opted-out and address-less skipped)")
    campaign.add_argument("action", choices=("send",))
    campaign.add_argument("campaign", type=id_of("campaign"), metavar="ID")
    campaign.add_argument("--template", metavar="NAME", help="templates/NAME.md, named on the first send and kept")
    campaign.add_argument("--rate", type=per_minute, metavar="N/min", help="send at most N mails a minute")
    campaign.add_argument("--dry-run", metavar="DIR", help="write each message as DIR/<customer id>.eml; send nothing")


def cmd_campaign(args, now: datetime) -> int:
    from solocrm_tui.core.mail.campaigns import send_campaign
    from solocrm_tui.core.mail.settings import required

    config = load_config()
    settings = required(config.mail, paths.config_path())
    if args.dry_run is not None and not args.dry_run.strip():
        raise ValidationError("--dry-run needs a folder to write the messages into")
    open_db(args, create=False)
    report = send_campaign(args.campaign, settings, paths.templates_dir(), now, template=args.template,
                           owner_name=config.owner.name, per_minute=args.rate,
                           dry_run=Path(args.dry_run) if args.dry_run else None,
                           clock=lambda: datetime.now().replace(microsecond=0))
    print(report.summary(args.campaign) + (f" (messages in {args.dry_run})" if args.dry_run else ""))
    return 0 if not report.failed_now else 1


COMMANDS = {"campaign": cmd_campaign}
