"""Email templates: Markdown files in the config folder's templates/ (follow-up.md …).

The first line is `Subject: …`, the rest the body; {name}, {first_name}, {company},
{email}, {city}, {owner_name} and {signature} are filled from the customer and the
config; the `quote` template also gets {quote_number}, {quote_total} and {deal_title}. Only those plain names are filled (no {name.attr} or format specs): a template
is the owner's text, and a typo in it is one line naming the placeholder, not a mail
with a literal "{frist_name}" in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Formatter

from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.records import Customer

PLACEHOLDERS = ("name", "first_name", "company", "email", "city", "owner_name", "signature")
QUOTE_PLACEHOLDERS = ("quote_number", "quote_total", "deal_title")  # filled when a quote is mailed


@dataclass(frozen=True, slots=True)
class Filled:
    subject: str
    body: str


def template_names(folder: Path) -> list[str]:
    return sorted(path.stem for path in folder.glob("*.md")) if folder.is_dir() else []


def templates_starting(folder: Path, typed: str) -> list[str]:
    """Template names beginning with `typed` (any case), for Tab."""
    return [name for name in template_names(folder) if name.lower().startswith(typed.lower())]


def read_template(folder: Path, name: str) -> tuple[str, str]:
    """(subject, body) of templates/NAME.md, as written; unknown names list the ones there are."""
    path = folder / f"{name}.md"
    if "/" in name or name.startswith(".") or not path.is_file():
        names = template_names(folder)
        there = f"templates are {', '.join(names)}" if names else f"there are none yet: write one as {folder}/NAME.md"
        raise ValidationError(f"no template “{name}”: {there}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"template {name}: cannot read {path} ({exc})") from None
    first, _, body = text.partition("\n")
    key, colon, subject = first.partition(":")
    if not colon or key.strip().lower() != "subject":
        raise ValidationError(f"template {name}: its first line must be “Subject: …”, got “{first.strip()}”")
    return subject.strip(), body.strip("\n")


def placeholders(customer: Customer, owner_name: str, signature: str) -> dict[str, str]:
    return {"name": customer.name, "first_name": customer.name.split()[0] if customer.name.split() else "",
            "company": customer.company or "", "email": customer.email or "", "city": customer.city or "",
            "owner_name": owner_name, "signature": signature}


def fill_template(folder: Path, name: str, values: dict[str, str]) -> Filled:
    subject, body = read_template(folder, name)
    return Filled(_fill(name, subject, values), _fill(name, body, values))


def _fill(name: str, text: str, values: dict[str, str]) -> str:
    out = []
    try:
        parts = list(Formatter().parse(text))
    except ValueError as exc:
        raise ValidationError(f"template {name}: {exc} (write {{{{ and }}}} for a literal brace)") from None
    for literal, field, spec, conversion in parts:
        out.append(literal)
        if field is None:
            continue
        if field not in values or spec or conversion:
            shown = "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise ValidationError(f"template {name}: unknown placeholder {shown}; use "
                                  + ", ".join(f"{{{key}}}" for key in [*PLACEHOLDERS, *(k for k in values if k not in PLACEHOLDERS)]))
        out.append(values[field])
    return "".join(out)
