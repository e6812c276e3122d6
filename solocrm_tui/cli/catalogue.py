"""The catalogue and quotes on the command line: `solocrm products`, `solocrm quote DEAL_ID`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from solocrm_tui import paths
from solocrm_tui.cli.common import id_of, load_config, open_db
from solocrm_tui.core.amounts import format_money
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.text.figures import count


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    catalogue = command("products", "list the product catalogue: price, cost, unit margin, units sold")
    catalogue.add_argument("--json", action="store_true", help="print one JSON object per product, as a list")
    quote = command("quote", "render a deal as a numbered quote (Markdown and PDF) and log it on the timeline")
    quote.add_argument("deal", type=id_of("deal"), metavar="DEAL_ID")
    quote.add_argument("--out", metavar="DIR", help="write the files here (default: quotes/ beside the database)")
    quote.add_argument("--mail", action="store_true",
                       help="send it to the deal's customer with the PDF attached (the newest quote if the deal "
                            "has not changed since), logged on the timeline")
    quote.add_argument("--template", metavar="NAME", help="with --mail: the covering text from templates/NAME.md "
                       "(default: templates/quote.md if there is one, else a short text)")


def cmd_products(args, now: datetime) -> int:
    """The whole catalogue, as the Products screen shows it (a CLI listing is not paged)."""
    import json

    from solocrm_tui.core.sales.products import list_products, units_sold

    open_db(args, create=False)
    catalogue = list_products(limit=-1)
    sold = units_sold([p.id for p in catalogue])
    if args.json:
        print(json.dumps([{"id": p.id, "name": p.name, "sku": p.sku, "price": _decimal(p.price),
                           "cost": _decimal(p.cost), "margin": _decimal(p.margin), "active": p.active,
                           "units_sold": sold.get(p.id, 0)} for p in catalogue], indent=2, ensure_ascii=False))
        return 0
    if not catalogue:
        print("no products yet: `solocrm import products FILE`, or n on the Products screen (5)")
        return 0
    for p in catalogue:
        figures = " · ".join(f"{label} {format_money(value, cents=True) or '—'}"
                             for label, value in (("price", p.price), ("cost", p.cost), ("margin", p.margin)))
        state = "" if p.active else " · no longer sold"
        print(f"{p.name}{f' [{p.sku}]' if p.sku else ''} · {figures} · {sold.get(p.id, 0):,} sold{state}")
    print(count(len(catalogue), "product"))
    return 0


def _decimal(value) -> str | None:
    return None if value is None else str(value)


def cmd_quote(args, now: datetime) -> int:
    from solocrm_tui.core.sales.quotes import quote_deal

    config = load_config()
    owner = config.owner
    db = open_db(args, create=False)
    folder = Path(args.out).expanduser() if args.out else paths.quotes_dir(db)
    if args.mail or args.template:
        return _mail_quote(args, now, config, folder)
    quote = quote_deal(args.deal, now, owner, folder, config_file=paths.config_path())
    print(f"quote {quote.number}: {format_money(quote.total, cents=True, currency=quote.currency)}, "
          f"valid until {quote.valid_until:%Y-%m-%d}")
    print(quote.pdf_path)
    print(quote.pdf_path.with_suffix(".md"))
    return 0


def _mail_quote(args, now: datetime, config, folder: Path) -> int:
    from solocrm_tui.core.mail.sending import send_quote
    from solocrm_tui.core.mail.settings import required

    if not args.mail:
        raise ValidationError("--template is for --mail: solocrm quote DEAL_ID --mail --template NAME")
    settings = required(config.mail, paths.config_path())
    quote, written = send_quote(args.deal, now, config.owner, settings, paths.templates_dir(), folder,
                                config_file=paths.config_path(), template=args.template)
    print(f"sent {quote.number} to {written.to} and logged")
    return 0


COMMANDS = {"products": cmd_products, "quote": cmd_quote}
