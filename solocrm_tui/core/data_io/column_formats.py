"""How a file writes its dates and amounts, decided per column before any row is cleaned.

`03/05/1980` is March or May and `1,234` a thousand or one and a bit: one cell cannot
tell, but the column can, because a tool writes a whole column one way. So every value
of the date and amount columns is looked at once: a first part above 12 proves
day-first, a second part above 12 month-first; `12,5` or `1.234,50` proves a decimal
comma, `12.50` or `1,234.50` a decimal point. Both kinds of proof in one column is a
file error naming a line of each; a column where nothing decides asks for
`--dates dmy|mdy` or `--decimal comma|point` instead of guessing. The rows themselves are
then read with the column's order and mark (`ColumnMap.date_order` and `.decimal`).

The scan must not slow the import down: ISO dates and amounts without a mark are
skipped with a character test, and a forced `--dates`/`--decimal` skips the scan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from solocrm_tui.core.amounts import decimal_mark
from solocrm_tui.core.data_io.cells import NUMERIC_DATE, YEARLESS
from solocrm_tui.core.data_io.columns import ColumnMap
from solocrm_tui.core.data_io.reading import Undecided
from solocrm_tui.core.errors import ValidationError

DATE_FIELDS = ("birthday", "ordered_at", "occurred_at", "expected_close", "created_at", "last_activity_at")
AMOUNT_FIELDS = ("amount", "cost", "refunded", "line_price", "value", "price")
_ORDERS = {"dmy": "day-first dates", "mdy": "month-first dates"}
_MARKS = {"comma": "decimal commas", "point": "decimal points"}
_FITS, _EITHER = "fits", "either"  # a value that reads the same either way / that could be read both ways




def detect(records: Sequence[tuple[int, list[str]]], cmap: ColumnMap, headers: Sequence[str], *,
           dates: str | None = None, decimal: str | None = None) -> None:
    """Fill `cmap.date_order` and `cmap.decimal` for the file's date and amount columns."""
    for field in DATE_FIELDS:
        if field in cmap.fields:
            index = cmap.fields[field]
            order = dates or _decide(records, index, _date_order, _ORDERS, default="dmy", header=headers[index],
                                     option="dates",
                                     ask='dates like "{raw}" (line {line}) that read as day/month or month/day: '
                                         "say which with --dates dmy or --dates mdy")
            if order:
                cmap.date_order[field] = order
    for field in AMOUNT_FIELDS:
        if field in cmap.fields:
            index = cmap.fields[field]
            mark = decimal or _decide(records, index, _decimal_mark, _MARKS, default=None, header=headers[index],
                                      option="decimal",
                                      ask='amounts like "{raw}" (line {line}) that read as a thousand or as a '
                                          "decimal: say which with --decimal comma or --decimal point")
            if mark:
                cmap.decimal[field] = mark


def _decide(records: Sequence[tuple[int, list[str]]], index: int, classify: Callable[[str], str | None],
            kinds: dict[str, str], *, default: str | None, header: str, option: str, ask: str) -> str | None:
    """The one of `kinds` the column's values prove; `default` when its values read the same
    either way, None when it has none to read."""
    proof: dict[str, tuple[int, str]] = {}
    either: tuple[int, str] | None = None
    seen = False
    for line, cells in records:
        raw = cells[index].strip() if index < len(cells) else ""
        kind = classify(raw)
        if kind is None:
            continue
        seen = True
        if kind == _EITHER:
            either = either or (line, raw)
        elif kind in kinds:
            proof.setdefault(kind, (line, raw))
            if len(proof) == 2:
                (a_line, a_raw), (b_line, b_raw) = proof.values()
                a_kind, b_kind = proof
                raise ValidationError(f'the "{header}" column mixes {kinds[a_kind]} (line {a_line}: "{a_raw}") '
                                      f'with {kinds[b_kind]} (line {b_line}: "{b_raw}"): write them one way')
    if proof:
        return next(iter(proof))
    if either:
        line, raw = either
        raise Undecided(f'the "{header}" column has {ask.format(raw=raw, line=line)}', option, header, raw)
    return default if seen else None


def _date_order(raw: str) -> str | None:
    """What one date cell proves: a first part above 12 is a day, a second one above 12 too."""
    if not raw or raw[:1] == "-" or raw[4:5] == "-":  # empty, --MM-DD or ISO: nothing to decide
        return None
    if match := NUMERIC_DATE.match(raw):
        first, second, separator = int(match.group(1)), int(match.group(3)), match.group(2)
    elif match := YEARLESS.fullmatch(raw):
        first, second, separator = int(match.group(1)), int(match.group(3)), match.group(2)
    else:
        return None
    if first > 12:
        return "dmy"
    if second > 12:
        return "mdy"
    return _FITS if first == second or separator == "." else _EITHER  # dots are day-first by convention


def _decimal_mark(raw: str) -> str | None:
    return _mark_of_shape(raw.translate(_DIGITS_AS_NINE)) if "," in raw or "." in raw else None


_DIGITS_AS_NINE = str.maketrans("012345678", "999999999")


@lru_cache(maxsize=4096)
def _mark_of_shape(shape: str) -> str | None:
    """`decimal_mark` decides by where the marks stand, not by the digits: a column of
    100,000 amounts has a handful of shapes ("999,99", "9.999,99"), each decided once."""
    return decimal_mark(shape)
