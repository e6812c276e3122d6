"""Money as people type it (`1,200.50`, `1200,50`, `€2.5k`) -> an exact Decimal.

The composer, the CLI and the importers all read amounts, so one parser decides what
is accepted. Floats never appear: totals and CLV are summed from these Decimals. A
comma is a thousands separator before groups of three digits and a decimal comma
(European style) only when exactly two digits follow a single comma, so `1,200` is
twelve hundred and `1200,50` is twelve hundred and a half: nothing is guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal

from solocrm_tui.core.errors import ValidationError

USAGE = "use 1200, 1200.50, 1,200.50, 1200,50, €1200 or 2.5k"
CURRENCY_SYMBOLS = "€$£"
LIMIT = Decimal(10) ** 12
CENT = Decimal("0.01")

_PLAIN = re.compile(r"(\d+)(?:\.(\d+))?")
_GROUPED = re.compile(r"(\d{1,3}(?:,\d{3})+)(?:\.(\d+))?")
_DECIMAL_COMMA = re.compile(r"(\d+),(\d{2})")


def parse_amount(text: str) -> Decimal:
    """Parse a non-negative amount with at most 2 decimals, returned rounded to cents."""
    number = _strip_symbol(text.strip())
    if not number:
        raise ValidationError(f"missing amount: {USAGE}")
    if number.startswith("-"):
        raise ValidationError(f'amount can\'t be negative, got "{text.strip()}"')
    thousands = number[-1:] in ("k", "K")
    if thousands:
        number = number[:-1]
    whole, fraction = _split_number(number, text)
    value = Decimal(f"{whole}.{fraction or 0}") * (1000 if thousands else 1)
    if value > LIMIT:  # first: quantize() raises InvalidOperation beyond 28 digits
        raise ValidationError(f'amount "{text.strip()}" is too large (at most 1,000,000,000,000)')
    if (len(fraction or "") > 2 and not thousands) or value != value.quantize(CENT):
        raise ValidationError(f'amount "{text.strip()}" has more than 2 decimals')
    return value.quantize(CENT)


def split_amount(words: list[str]) -> tuple[Decimal, list[str]]:
    """Consume the leading amount from `words` (`1200`, `€ 1,200.50`, `2.5k €`); return the rest.

    The composer uses this for `/buy 1200 two chairs`, as dates.split_when is used for
    `/follow`: a currency symbol typed as its own word belongs to the amount.
    """
    if not words:
        raise ValidationError(f"missing amount: {USAGE}")
    size = 2 if words[0] in CURRENCY_SYMBOLS and len(words) > 1 else 1
    if len(words) > size and words[size] in CURRENCY_SYMBOLS:
        size += 1
    return parse_amount("".join(words[:size])), list(words[size:])


def _strip_symbol(text: str) -> str:
    """Drop one currency symbol before or after the number (`€1200`, `-$5`, `1200 €`)."""
    sign = "-" if text.startswith("-") else ""
    text = text.removeprefix("-").strip()
    if text[:1] in CURRENCY_SYMBOLS and text:
        text = text[1:].strip()
    elif text[-1:] in CURRENCY_SYMBOLS and text:
        text = text[:-1].strip()
    return sign + text


def _split_number(number: str, original: str) -> tuple[str, str | None]:
    """Return (whole digits, fraction digits or None) for one of the accepted shapes."""
    if match := _PLAIN.fullmatch(number):
        return match.group(1), match.group(2)
    if match := _GROUPED.fullmatch(number):
        return match.group(1).replace(",", ""), match.group(2)
    if match := _DECIMAL_COMMA.fullmatch(number):
        return match.group(1), match.group(2)
    raise ValidationError(f'not an amount "{original.strip()}": {USAGE}')
