"""Data in and out on the command line: import, duplicates, merge, export, forget.

Argument parsing and printing only; the work is in core (importing, merging,
duplicates, exporting, privacy). The parser registers these with `add_commands` and
dispatches through `COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from solocrm_tui import paths
from solocrm_tui.cli.common import (
    customer_id,
    id_of,
    load_config,
    open_db,
    positive,
    stdout,
)
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.text.figures import count

IMPORT_HELP = """\
File: UTF-8 CSV, with or without a BOM (Excel's "CSV UTF-8"); the delimiter (comma,
semicolon or tab) is detected. A file in another encoding is refused (guessing would
garble names) unless --encoding names it: classic Outlook for Windows and Excel's plain
"CSV" write the Windows code page, --encoding cp1252 in Western Europe (cp1250 in
Central Europe); a UTF-16 file takes --encoding utf-16. Headers are matched ignoring
case, spaces and punctuation, with common synonyms (E-mail/Mail -> email, Full name ->
name, Mobile -> phone, Customer ID -> external_id, Total/Price -> amount, Date ->
ordered_at, ...); --map "Your Column=field" overrides (field "ignore" skips a
column). For customers, unknown columns become custom fields; for orders and
interactions they are ignored.

Exports of other tools are recognised from their headers and read with that tool's
preset:
{presets}
--preset NAME forces one, --preset none reads the file with the synonyms only; --map
still wins. Google's "a ::: b" cells, labels (to tags), first/middle/last names,
addresses and year-less birthdays are understood; a Notes column becomes a note on
the timeline. Order files may list line items (one row per item, rows sharing the
order id are one order); cancelled, failed and fully refunded orders are not revenue
and are left out, partly refunded ones count what was kept. --dry-run shows the
preset, how each column is read and the first rows as they would be stored.

Matching: customers match existing ones on external id, then email, then phone, and
are updated (empty cells never erase anything); repeats inside the file are merged.
Orders, interactions and deals find their customer by customer_external_id, customer_email
or customer_phone; --create-missing adds unknown customers instead of rejecting the
rows (a row still needs an id, email or phone to tell who they are; the new customer is
named from its name column, else its email or phone, never from an id). Importing the
same file again changes nothing.

Deals (e.g. HubSpot's deals export): Record ID -> external id (a re-import updates a
changed deal), Deal Name, Deal Stage, Amount, Close Date, Create Date; the customer from
Associated Contact IDs or Associated Contact ("Ann Lee (ann@example.com)"; the first
of several). Stages: lead, qualified, proposal, negotiation, won, lost, or HubSpot's
default pipeline (Appointment Scheduled, Qualified To Buy, Presentation Scheduled,
Decision Maker Bought-In, Contract Sent, Closed Won, Closed Lost); any other is rejected.

Products (the catalogue; SoloCRM's export, Shopify's or WooCommerce's products file):
name, sku, price, cost, active (yes/no, or a shop's status: active, draft, archived).
A row updates the product with its SKU, else with its name in any case; the others are
added. A row without a name, with a negative price or with a SKU an earlier row had is
rejected; Shopify's image and variant rows (no name, SKU or price) are skipped.

Dates and amounts: each date column's day/month order is read from the column
(14/03/1980 is day-first, 03/14/1980 month-first; ISO 1980-03-14 always works); a column
where nothing decides stops the import and asks for --dates dmy or --dates mdy. The
same for the decimal mark of each amount column (12,5 and 1.234,50 are decimal commas,
12.50 and 1,234.50 decimal points): a column of only 1,234-style values asks for
--decimal comma or --decimal point.

Rejected rows: every bad row (bad email, negative amount, impossible date, unknown
customer, a cell over 10,000 characters, ...) is listed with its line number and
reason and left out, while the good rows ARE imported; the exit status is then 1.
Fix the rows and import the whole file again: imported rows are matched and skipped.

Mail (`solocrm import mail PATH`): an mbox file or a Maildir folder (cur/, new/, tmp/).
Messages from and to known customers (From, To, Cc matched to their email or other
emails) are logged on their timelines as emails, "in" when a customer wrote, "out" when
the owner did, once per Message-ID: the same mailbox again logs nothing. The report
names addresses nobody known has and each message it could not read.

Safety: each import is one batch that `solocrm import --undo BATCH` reverses, written
in short steps so other instances keep working; Ctrl-C or an error takes it all back,
and an import killed outright is taken back by the next import or `solocrm doctor`."""


def _import_help() -> str:
    from solocrm_tui.core.data_io.presets import PRESETS

    return IMPORT_HELP.format(presets="\n".join(f"  {p.key:<16}{p.name}: solocrm import {p.kind}" for p in PRESETS))


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    imp = command("import", "import customers, orders, interactions, deals or products from a CSV file, or mail "
                  "from a mailbox (undoable)")
    imp.formatter_class, imp.epilog = argparse.RawDescriptionHelpFormatter, _import_help()
    imp.add_argument("kind", nargs="?", choices=("customers", "orders", "interactions", "deals", "products", "mail"),
                     help="what the file holds")
    imp.add_argument("file", nargs="?", metavar="FILE", help="the CSV file (for mail: an mbox file or a Maildir folder)")
    imp.add_argument("--map", action="append", metavar="COLUMN=FIELD", help="read COLUMN as FIELD (repeatable)")
    imp.add_argument("--preset", metavar="NAME", help="read the file as this tool's export (or none); see below")
    imp.add_argument("--dates", choices=("dmy", "mdy"), help="read numeric dates day-first (dmy) or month-first (mdy)")
    imp.add_argument("--decimal", choices=("comma", "point"), help="the decimal mark of the amount columns")
    imp.add_argument("--encoding", metavar="NAME", help="the file's encoding if not UTF-8 (e.g. cp1252, utf-16)")
    imp.add_argument("--imap", action="store_true", help="mail: read the [mail] IMAP folder instead of a FILE "
                     "(only what is new since the last pull; the folder is not changed)")
    imp.add_argument("--folder", metavar="NAME", help="with --imap: this folder instead of mail.imap_folder")
    imp.add_argument("--dry-run", action="store_true", help="print the same report but change nothing")
    imp.add_argument("--create-missing", action="store_true", help="create the customers the rows name")
    imp.add_argument("--undo", metavar="BATCH", help="undo the import with this batch id")
    imp.add_argument("--force", action="store_true", help="with --undo: undo even if later changes depend on it")
    batches = command("batches", "list the imports and merges that can be undone, newest first")
    batches.add_argument("--all", action="store_true", help="also list the ones already undone")
    dup = command("duplicates", "list likely duplicate customers (same email or phone, or similar names)")
    dup.add_argument("--limit", type=positive, default=50, metavar="N", help="show at most N pairs (default 50)")
    merge = command("merge", "merge customer OTHER_ID into KEEP_ID (undoable)")
    merge.add_argument("keep", nargs="?", type=customer_id, metavar="KEEP_ID", help="the customer that stays")
    merge.add_argument("other", nargs="?", type=customer_id, metavar="OTHER_ID", help="merged into KEEP, then deleted")
    merge.add_argument("--prefer", action="append", metavar="other:FIELD,...",
                       help="take these fields from OTHER even where KEEP has a value (e.g. other:email,phone)")
    merge.add_argument("--undo", metavar="BATCH", help="undo the merge with this batch id")
    merge.add_argument("--force", action="store_true", help="with --undo: undo even if later changes depend on it")
    exp = command("export", "export data (uncapped) as CSV, JSON, vCard or iCalendar; or one customer's data")
    exp.formatter_class = argparse.RawDescriptionHelpFormatter
    exp.epilog = ("CSV cells starting with = + - @ tab or CR get a leading ' so spreadsheets never run them.\n"
                  "CSV files start with a UTF-8 BOM (Excel-friendly); CSV on stdout is plain UTF-8.\n"
                  "vcf works for customers, ics for followups (open ones); `all` writes one file per kind to -o DIR.\n"
                  "A recurring follow-up is one calendar entry with its RRULE (its next open occurrence).\n"
                  "--events writes follow-ups as events (VEVENT) for calendar apps that ignore tasks (VTODO):\n"
                  "  15 minutes at the due time with a reminder, in this machine's time zone ($TZ or\n"
                  "  /etc/localtime) with its VTIMEZONE; floating local times if the zone has no name.\n"
                  "--customer ID writes everything stored about one person as JSON (GDPR access request).")
    exp.add_argument("kind", nargs="?",
                     choices=("customers", "orders", "interactions", "followups", "products", "all", "campaign"))
    exp.add_argument("campaign", nargs="?", type=id_of("campaign"), metavar="CAMPAIGN_ID",
                     help="with `campaign`: mail-merge CSV of its targets (opted-out customers left out)")
    exp.add_argument("--format", choices=("csv", "json", "vcf", "ics"), help="default csv (json for --customer)")
    exp.add_argument("--events", action="store_true",
                     help="followups as calendar events (VEVENT) in the local time zone, not tasks; implies ics")
    exp.add_argument("-o", "--output", metavar="PATH", help="file (or directory for all); - or none for stdout")
    exp.add_argument("--customer", type=customer_id, metavar="ID", help="everything about one customer, as JSON")
    forget = command("forget", "erase a customer and everything about them (GDPR); orders stay anonymously")
    forget.add_argument("customer", type=customer_id, metavar="CUSTOMER_ID")
    forget.add_argument("--purge", action="store_true", help="delete their orders too (revenue figures drop)")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _rules_and_currency():

    config = load_config()
    return config.lifecycle, config.currency


def cmd_import(args, now: datetime) -> int:
    from solocrm_tui.core.data_io.importing import import_file
    from solocrm_tui.core.data_io.reading import check_encoding, check_file
    from solocrm_tui.core.storage.undo import undo_batch

    rules, currency = _rules_and_currency()
    if args.undo:
        if (args.kind or args.file or args.map or args.dry_run or args.preset or args.dates or args.decimal
                or args.encoding or args.imap or args.folder):
            raise ValidationError("--undo takes only a batch id (and --force)")
        open_db(args, create=False)
        result = undo_batch(args.undo, now, kind="import", force=args.force, rules=rules)
        print(f"undid import {result.batch_id}: {result.deleted:,} rows deleted, {result.restored:,} restored")
        return 0
    if args.kind == "mail":
        return _import_mail(args, now)
    if args.imap or args.folder:
        raise ValidationError("--imap and --folder are for `solocrm import mail --imap`")
    if not args.kind or not args.file:
        raise ValidationError("say what to import and from which file, e.g. `solocrm import customers people.csv`")
    check_file(args.file)
    if args.encoding:
        check_encoding(args.encoding)
    open_db(args, create=True)
    report = import_file(args.kind, args.file, now, mapping=args.map, dry_run=args.dry_run,
                         create_missing=args.create_missing, currency=currency, rules=rules, preset=args.preset,
                         dates=args.dates, decimal=args.decimal, encoding=args.encoding)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def _import_mail(args, now: datetime) -> int:
    from solocrm_tui.core.data_io.mailboxes import import_mail

    if args.map or args.preset or args.dates or args.decimal or args.encoding or args.create_missing:
        raise ValidationError("import mail takes only the mailbox and --dry-run: customers are matched by "
                              "their email addresses")
    if bool(args.file) == args.imap:
        raise ValidationError("import mail reads a mailbox PATH or the IMAP folder (--imap), "
                              + ("not both" if args.imap else "say which, e.g. `solocrm import mail ~/mail/inbox.mbox`"))
    if args.folder and not args.imap:
        raise ValidationError("--folder goes with --imap")
    if args.imap:
        from solocrm_tui.core.mail.imap import pull_folder
        from solocrm_tui.core.mail.settings import required

        settings = required(load_config().mail, paths.config_path())
        open_db(args, create=True)
        report = pull_folder(settings, now, folder=args.folder, dry_run=args.dry_run)
    else:
        open_db(args, create=True)
        report = import_mail(args.file, now, dry_run=args.dry_run)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def cmd_duplicates(args, now: datetime) -> int:
    from solocrm_tui.core.contacts.duplicates import find_duplicates

    open_db(args, create=False)
    pairs = find_duplicates()
    for pair in pairs[:args.limit]:
        print(f"#{pair.first_id} {pair.first_name}  <->  #{pair.second_id} {pair.second_name}: "
              f"{'; '.join(pair.reasons)}" + (f" ({pair.score}%)" if pair.score < 100 else ""))
    shown = min(len(pairs), args.limit)
    more = f" (showing {shown}; use --limit to see more)" if len(pairs) > shown else ""
    print(f"{count(len(pairs), 'likely duplicate pair')}{more}")
    if pairs:
        print("merge one with: solocrm merge KEEP_ID OTHER_ID")
    return 0


def cmd_merge(args, now: datetime) -> int:
    from solocrm_tui.core.contacts.merging import (
        merge_customers,
        parse_prefer,
        undo_merge,
    )

    if args.undo:
        if args.keep or args.other or args.prefer:
            raise ValidationError("--undo takes only a batch id (and --force)")
        open_db(args, create=False)
        result = undo_merge(args.undo, now, force=args.force)
        print(f"undid merge {result.batch_id}: {result.restored:,} rows restored")
        return 0
    if not args.keep or not args.other:
        raise ValidationError("merge needs two customer ids: solocrm merge KEEP_ID OTHER_ID")
    prefer = parse_prefer(args.prefer)
    open_db(args, create=False)
    result = merge_customers(args.keep, args.other, now, prefer)
    labels = {"interaction": "timeline entries", "orders": "orders", "deal": "deals", "followup": "follow-ups",
              "ticket": "tickets", "campaign_target": "campaign targets"}
    moved = ", ".join(f"{n} {labels.get(t, t)}" for t, n in result.moved.items() if n) or "nothing"
    print(f"merged customer #{result.other_id} into #{result.keep_id}: moved {moved}")
    if result.filled:
        print(f"taken from #{result.other_id}: {', '.join(result.filled)}")
    print(f"batch {result.batch_id} (undo with: solocrm merge --undo {result.batch_id})")
    return 0


def cmd_export(args, now: datetime) -> int:
    from solocrm_tui.core.data_io import exporting

    to_stdout = args.output in (None, "-")
    if args.customer is not None:
        if args.kind or args.format not in (None, "json"):
            raise ValidationError("--customer exports one person as JSON: leave out the kind and --format")
        open_db(args, create=False)
        if to_stdout:
            exporting.write_person(args.customer, stdout(), now)
        else:
            exporting.write_person_file(args.customer, Path(args.output), now)
            print(f"exported everything about customer #{args.customer} to {args.output}")
        return 0
    if not args.kind:
        raise ValidationError("say what to export: customers, orders, interactions, followups or all (or --customer ID)")
    if args.kind == "campaign" or args.campaign is not None:
        return _export_campaign(args, to_stdout)
    format_ = args.format or ("ics" if args.events and args.kind == "followups" else "csv")
    exporting.check_format(args.kind, format_, events=args.events)
    if args.kind == "all":
        if to_stdout:
            raise ValidationError("`export all` writes one file per kind: give a directory with -o DIR")
        open_db(args, create=False)
        for path, count in exporting.write_all(Path(args.output), format_, now):
            print(f"{count:>9,}  {path}")
        return 0
    open_db(args, create=False)
    zone = _event_zone() if args.events else None
    if to_stdout:
        exporting.write(args.kind, format_, stdout(), now, events=args.events, zone=zone)
    else:
        count = exporting.write_file(args.kind, format_, Path(args.output), now, events=args.events, zone=zone)
        print(f"exported {count:,} {args.kind} to {args.output}")
    return 0


def _event_zone():
    """The zone events are placed in; when it has no name the calendar gets floating times, and the user is told."""
    from solocrm_tui.core.data_io.timezones import local_zone

    zone = local_zone()
    if zone is None:
        print("solocrm: note: this machine's time zone has no name (set TZ=Area/City): "
              "event times are floating local times", file=sys.stderr)
    return zone


def _export_campaign(args, to_stdout: bool) -> int:
    from solocrm_tui.core.data_io import exporting

    if args.kind != "campaign":
        raise ValidationError(f"`export {args.kind}` takes no id (only `export campaign ID` does)")
    if args.campaign is None:
        raise ValidationError("a campaign export needs its id: solocrm export campaign ID [-o FILE]")
    if args.format not in (None, "csv"):
        raise ValidationError("a campaign exports as a mail-merge CSV only: leave out --format or use csv")
    open_db(args, create=False)
    if to_stdout:
        exporting.write_campaign(args.campaign, stdout())
    else:
        count = exporting.write_campaign_file(args.campaign, Path(args.output))
        print(f"exported {count:,} contactable targets of campaign #{args.campaign} to {args.output}")
    return 0


def cmd_forget(args, now: datetime) -> int:
    from solocrm_tui.core.contacts.customers import get_customer
    from solocrm_tui.core.contacts.privacy import forget_customer

    open_db(args, create=False)
    person = get_customer(args.customer)
    if not args.yes:
        if not sys.stdin.isatty():
            raise ValidationError(f"forget erases customer #{person.id} for good: confirm in a terminal or add --yes")
        what = "and everything about them, including their orders" if args.purge else "and everything about them"
        answer = input(f"Erase {person.name} (#{person.id}) {what}? This cannot be undone. Type yes: ")
        if answer.strip().lower() not in ("yes", "y"):
            print("nothing was erased")
            return 1
    result = forget_customer(person.id, now, purge=args.purge)
    orders = (f"{result.orders_deleted:,} orders deleted" if args.purge
              else f"{result.orders_anonymised:,} orders kept anonymously (revenue totals unchanged)")
    print(f"erased customer #{result.customer_id}: {result.rows_deleted:,} rows deleted, {orders}")
    return 0


def cmd_batches(args, now: datetime) -> int:
    from solocrm_tui.core.storage.batches import list_batches

    open_db(args, create=False)
    found = list_batches(include_undone=args.all)
    if not found:
        print("no batches to undo" if not args.all else "no batches yet")
        return 0
    for batch in found:
        state = f"undone {batch.undone_at:%Y-%m-%d %H:%M}" if batch.undone_at else \
            f"undo: solocrm {batch.kind} --undo {batch.id}"
        print(f"{batch.id}  {batch.kind:<6}  {batch.created_at:%Y-%m-%d %H:%M}  {batch.description}  ({state})")
    return 0


COMMANDS = {"import": cmd_import, "duplicates": cmd_duplicates, "merge": cmd_merge, "export": cmd_export,
            "forget": cmd_forget, "batches": cmd_batches}
