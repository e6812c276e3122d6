"""Reading a CSV file a person exported from somewhere else: encoding, delimiter, line numbers.

Files are UTF-8 (a BOM from Excel is fine); anything else is refused with the line
and byte where decoding failed, because guessing an encoding silently corrupts
names. A file in another encoding (classic Outlook for Windows and Excel's plain "CSV"
write the Windows code page, cp1252 in Western Europe) is read when the owner names
its encoding: they know where the file came from, the bytes do not. The delimiter
(`,`, `;` or tab) is sniffed, with a fallback that counts the candidates in the
header line. Every record keeps the file line it starts on, so a
rejected row can be found in the editor that made it. A quote that never closes is
refused with its line: the csv module would quietly read the rest of the file into
that one cell and the later rows would vanish from the import.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from solocrm_tui.core.errors import ValidationError

DELIMITERS = ",;\t"
MAX_CELL = 10_000  # a longer cell is rejected with its row, not the whole file
_CSV_FIELD_LIMIT = 16 * 1024 * 1024  # above this the csv module itself gives up: one file-level error
NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass(frozen=True)
class Table:
    path: Path
    delimiter: str
    headers: tuple[str, ...]
    header_line: int
    text: str

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(line the record starts on, cells) for every non-blank record after the header."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        previous, last = 0, None
        try:
            for cells in reader:
                start, previous = previous + 1, reader.line_num
                if start <= self.header_line or not any(cells):
                    continue
                if last:  # held back one record: only the last can hide an unclosed quote
                    yield last
                last = start, cells
        except csv.Error as exc:
            raise ValidationError(f"{self.path.name}: line {previous + 1} is not valid CSV: {exc}") from None
        if last:
            check_quotes_close(self.text, last[0], previous, self.delimiter, self.path.name)
            yield last


def check_file(path: Path | str) -> Path:
    """The path of an existing, non-directory file, or a one-line reason why not."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise ValidationError(f"{path} is a directory, not a CSV file")
    if not path.exists():
        raise ValidationError(f"no file at {path}")
    return path


def check_encoding(name: str) -> str:
    """The codec name if Python can decode text with it, or a one-line reason why not
    (`rot13` is a codec too, but one from text to text)."""
    try:
        b"\x00\x00\x00\x00".decode(name, errors="replace")  # an empty string is decoded without a lookup
    except LookupError:
        raise ValidationError(f'unknown encoding "{name}": use a name Python knows, such as cp1252, latin-1 '
                              "or utf-16") from None
    return name


def read_table(path: Path | str, encoding: str | None = None) -> Table:
    """The file as a table; `encoding` None means UTF-8, refusing anything else."""
    if encoding is not None:
        check_encoding(encoding)
    path = check_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from None
    text = decode(data, path.name) if encoding is None else decode_as(data, path.name, encoding)
    if not text.strip():
        raise ValidationError(f"{path.name} is empty")
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    delimiter = detect_delimiter(text)
    line, headers = _header(text, delimiter, path.name)
    return Table(path, delimiter, headers, line, text)


class Undecided(ValidationError):
    """A file or column that reads more than one way, which the owner must settle: `option`
    is the import option that answers ("encoding", "dates", "decimal"), `header` the
    column, `example` a value as written (for the encoding: the one to suggest), so an app
    can ask the question in its own words."""

    def __init__(self, message: str, option: str, header: str, example: str) -> None:
        super().__init__(message)
        self.option, self.header, self.example = option, header, example


def decode(data: bytes, name: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise Undecided(f"{name} is UTF-16, not UTF-8: save the file as UTF-8 (CSV UTF-8 in Excel), "
                        "or import with --encoding utf-16", "encoding", "", "utf-16")
    if b"\x00" in data[:4096]:
        raise ValidationError(f"{name} looks like a binary file, not a CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Undecided(f"{name} is not UTF-8: {_where(data, exc, 'utf-8')} — save it as UTF-8, or import "
                        "with --encoding cp1252 if it came from Windows (Outlook, Excel)", "encoding", "",
                        "cp1252") from None


def decode_as(data: bytes, name: str, encoding: str) -> str:
    """The text of a file in the encoding its owner named; a BOM that encoding writes
    (Excel's UTF-8 one, UTF-16's) is not part of the first header."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{name} is not {encoding}: {_where(data, exc, encoding)} "
                              "— check the file's encoding") from None
    if "\x00" in text[:4096]:
        raise ValidationError(f"{name} looks like a binary file, not a CSV text file")
    return text.removeprefix("\ufeff")


def _where(data: bytes, exc: UnicodeDecodeError, encoding: str) -> str:
    line = data[:exc.start].decode(encoding, errors="replace").count("\n") + 1
    return f"line {line} has byte 0x{data[exc.start]:02x}"


def detect_delimiter(text: str) -> str:
    sample = text[:16384]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[:sample.rindex("\n")]
    first = sample.lstrip("\r\n").splitlines()[0] if sample.strip() else ""
    try:
        found = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
        if found in first:
            return found
    except csv.Error:
        pass
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def check_quotes_close(text: str, start: int, end: int, delimiter: str, name: str) -> None:
    """Refuse the file if the record on lines `start`..`end` ends inside a quoted field.

    An open quote runs to the end of the file, so only a file's last record can be the
    one. The csv module does not tell its state at the end; but one more `"` changes
    nothing only when a quoted field is still open (it closes it), while after a
    complete record it would start a new cell or add a character.
    """
    record = "".join(io.StringIO(text, newline="").readlines()[start - 1:end])
    if _parse(record, delimiter) == _parse(record + '"', delimiter):
        raise ValidationError(f'{name}: line {start}: a quoted field never ends (unbalanced ")')


def _parse(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _header(text: str, delimiter: str, name: str) -> tuple[int, tuple[str, ...]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    try:
        for cells in reader:
            start, previous = previous + 1, reader.line_num
            if any(c.strip() for c in cells):
                check_quotes_close(text, start, previous, delimiter, name)
                return previous, tuple(c.strip() for c in cells)
    except csv.Error as exc:
        raise ValidationError(f"{name}: the header line is not valid CSV: {exc}") from None
    raise ValidationError(f"{name} is empty")


def normalise(header: str) -> str:
    """`E-Mail Address` -> `emailaddress`: case, spaces and punctuation never matter."""
    return "".join(ch for ch in header.casefold() if ch.isalnum())
