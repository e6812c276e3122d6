"""Money as people type it (`1,200.50`, `1200,50`, `€2.5k`) -> an exact Decimal, and back.

The composer, the CLI and the importers all read amounts, so one parser decides what
is accepted. Floats never appear: totals and CLV are summed from these Decimals. A
comma is a thousands separator before groups of three digits and a decimal comma
(European style) only when exactly two digits follow a single comma, so `1,200` is
twelve hundred and `1200,50` is twelve hundred and a half: nothing is guessed. A file
column tells more than one cell (`decimal_mark`): an import that saw `12,5` or
`1.234,50` in a column reads the whole column with `decimal="comma"`, so its `1.000`
is a thousand; there digits may also be grouped with spaces (`1 234,50`), as many
languages do (a typed `1 200` stays refused: the composer splits words on spaces).

Shown, money reads one way everywhere (format_money): thousands separators, whole units
unless the exact amount matters (an order, a deal: then always cents), the currency
code where the figure stands alone, and `10.3k` only where a narrow column forces it.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from solocrm_tui.core.errors import ValidationError

USAGE = "use 1200, 1200.50, 1,200.50, 1200,50, €1200 or 2.5k"
CURRENCY_SYMBOLS = "€$£"
LIMIT = Decimal(10) ** 12
CENT = Decimal("0.01")

_PLAIN = re.compile(r"(\d+)(?:\.(\d+))?")
_GROUPED = re.compile(r"(\d{1,3}(?:,\d{3})+)(?:\.(\d+))?")
_DECIMAL_COMMA = re.compile(r"(\d+),(\d{2})")
_WITH_MARK = {"comma": re.compile(r"(\d{1,3}(?:[. ]\d{3})+|\d+)(?:,(\d+))?"),
              "point": re.compile(r"(\d{1,3}(?:[, ]\d{3})+|\d+)(?:\.(\d+))?")}
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


def parse_amount(text: str, decimal: str | None = None) -> Decimal:
    """Parse a non-negative amount with at most 2 decimals, returned rounded to cents;
    `decimal` ("comma" or "point") is the mark the amount's column was found to use."""
    number = _strip_symbol(text.strip().translate(_SPACES))
    if not number:
        raise ValidationError(f"missing amount: {USAGE}")
    if number.startswith("-"):
        raise ValidationError(f'amount can\'t be negative, got "{text.strip()}"')
    thousands = number[-1:] in ("k", "K")
    if thousands:
        number = number[:-1]
    whole, fraction = _split_number(number, text, decimal)
    value = Decimal(f"{whole}.{fraction or 0}") * (1000 if thousands else 1)
    if value > LIMIT:  # first: quantize() raises InvalidOperation beyond 28 digits
        raise ValidationError(f'amount "{text.strip()}" is too large (at most 1,000,000,000,000)')
    if (len(fraction or "") > 2 and not thousands) or value != value.quantize(CENT):
        raise ValidationError(f'amount "{text.strip()}" has more than 2 decimals')
    return value.quantize(CENT)


def format_money(value: Decimal | float | int | None, *, cents: bool = False, compact: bool = False,
                 currency: str | None = None) -> str:
    """`7,804`, `6,432.00 EUR`, `10.3k`; empty for no value.

    The choice is the caller's per column, never per value, so a column never mixes
    `31.62` with `2,820` or `7,804` with `10.3k`: compact scales everything from a
    thousand up, so a compact column reads `840`, `7.8k`, `10.3k`, `1.2M`.
    """
    if value is None:
        return ""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    if compact:
        text = _compact(amount)
    elif cents:
        text = f"{amount.quantize(CENT, ROUND_HALF_UP):,.2f}"
    else:
        text = f"{amount.quantize(Decimal(1), ROUND_HALF_UP):,.0f}"
    if text in ("-0", "-0.00"):
        text = text[1:]
    return f"{text} {currency}" if currency else text


def _compact(amount: Decimal) -> str:
    tenth = Decimal("0.1")
    if abs(amount) < 1000:
        return f"{amount.quantize(Decimal(1), ROUND_HALF_UP):,.0f}"
    thousands = (amount / 1000).quantize(tenth, ROUND_HALF_UP)
    if abs(thousands) < 1000:
        return f"{thousands:,.1f}k"
    return f"{(amount / 1_000_000).quantize(tenth, ROUND_HALF_UP):,.1f}M"


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


def decimal_mark(text: str) -> str | None:
    """What one amount proves about its column's decimal mark: "comma" (`12,5`, `1.234,50`,
    `1.234.567`), "point" (`12.50`, `1,234.50`, `1,234,567`), "either" (`1,234` and `1.234`:
    a thousand or a decimal) or None (no mark at all)."""
    number = _strip_symbol(text.strip().translate(_SPACES)).rstrip("kK")
    comma, point = number.rfind(","), number.rfind(".")
    if comma < 0 and point < 0:
        return None
    if comma >= 0 and point >= 0:
        return "comma" if comma > point else "point"
    mark, at = (",", comma) if comma >= 0 else (".", point)
    if number.count(mark) > 1:
        return "point" if mark == "," else "comma"
    digits = len(number) - at - 1
    if digits == 3:
        return "either"
    if mark == ",":
        return "comma"
    return "point" if digits <= 2 else None


def _split_number(number: str, original: str, decimal: str | None = None) -> tuple[str, str | None]:
    """Return (whole digits, fraction digits or None) for one of the accepted shapes."""
    if decimal is not None:
        if match := _WITH_MARK[decimal].fullmatch(number):
            return re.sub(r"\D", "", match.group(1)), match.group(2)
        raise ValidationError(f'not an amount "{original.strip()}": this column writes amounts like '
                              f'{"1.234,50" if decimal == "comma" else "1,234.50"}')
    if match := _PLAIN.fullmatch(number):
        return match.group(1), match.group(2)
    if match := _GROUPED.fullmatch(number):
        return match.group(1).replace(",", ""), match.group(2)
    if match := _DECIMAL_COMMA.fullmatch(number):
        return match.group(1), match.group(2)
    raise ValidationError(f'not an amount "{original.strip()}": {USAGE}')
