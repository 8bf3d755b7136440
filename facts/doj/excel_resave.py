"""What Excel does to a CSV file opened and saved again: Excel-damaged files for tests and demos.

Excel reads every field of a CSV file (quoted or not) as a number, a date or text, and
saves each as it shows it (the General format):

- a number loses its leading zeros (``001001001000`` -> ``1001001000``); one of 12 or more
  digits is shown in scientific notation with six significant digits (``1.01001E+11``),
  and digits past the 15th are lost even before that;
- an 8-digit ``YYYYMMDD`` date is just a number and comes back unchanged, unless the
  column was typed as dates (``typed_dates``), as text that looks like a date
  (``2009-06-10``, ``6/10/2009``) always is: then it is written in the locale's short
  date format (``6/10/2009`` in the United States, ``10.06.2009`` in Germany);
- the file is written with the locale's list separator (``;`` in much of Europe),
  quoting only fields that hold the separator, a quote or a line break, with CRLF line
  ends, and, saved as "CSV UTF-8", a byte order mark.

Each physical line is read by itself (a DOJ file holds no line break inside a field) and
keeps its own number of fields: Excel's padding of short rows with empty trailing fields
is not imitated. Text (names, charges, ``NULL``) is kept as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cmr_reason.facts.doj import columns as col
from cmr_reason.facts.doj.excel_damage import DATE_COLUMNS
from cmr_reason.facts.errors import UserError


@dataclass(frozen=True)
class ExcelLocale:
    """A locale's list separator and short date format (day, month, year order)."""

    name: str
    separator: str
    date_order: str  # "MDY" or "DMY"
    date_separator: str
    padded: bool  # day and month written with two digits

    def date(self, value: dt.date) -> str:
        """``value`` in the locale's short date format."""
        day, month = (f"{value.day:02d}", f"{value.month:02d}") if self.padded else (
            str(value.day), str(value.month))  # fmt: skip
        first, second = (month, day) if self.date_order == "MDY" else (day, month)
        sep = self.date_separator
        return f"{first}{sep}{second}{sep}{value.year}"


#: The United States: ``,`` and ``M/D/YYYY``.
US = ExcelLocale("us", ",", "MDY", "/", padded=False)
#: The United Kingdom: ``,`` and ``DD/MM/YYYY``.
UK = ExcelLocale("uk", ",", "DMY", "/", padded=True)
#: Germany: ``;`` and ``DD.MM.YYYY``.
GERMANY = ExcelLocale("germany", ";", "DMY", ".", padded=True)
#: France: ``;`` and ``DD/MM/YYYY``.
FRANCE = ExcelLocale("france", ";", "DMY", "/", padded=True)
LOCALES = {locale.name: locale for locale in (US, UK, GERMANY, FRANCE)}

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_GENERAL_DIGITS = 11  # the General format shows whole numbers of up to 11 digits as they are
_DATE_INDEXES = frozenset(col.INDEX[name] for name in DATE_COLUMNS)


def general(value: float) -> str:
    """A number as Excel's General format shows it (and so saves it in a CSV file)."""
    if value == int(value) and abs(value) < 10**_GENERAL_DIGITS:
        return str(int(value))
    if abs(value) >= 10**_GENERAL_DIGITS:
        mantissa, exponent = f"{value:.5E}".split("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}E{sign}{abs(int(exponent)):02d}"
    return f"{value:.10g}"


def _as_date(text: str, locale: ExcelLocale) -> dt.date | None:
    """The date Excel reads in ``text`` (ISO, or slashes in the locale's order), if any."""
    found = _ISO_DATE.fullmatch(text)
    if found:
        year, month, day = (int(g) for g in found.groups())
    else:
        found = _SLASH_DATE.fullmatch(text)
        if not found:
            return None
        first, second, year = (int(g) for g in found.groups())
        month, day = (first, second) if locale.date_order == "MDY" else (second, first)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def excel_cell(text: str, locale: ExcelLocale = US, typed_date: bool = False) -> str:
    """One field as Excel saves it after reading it from a CSV file."""
    value = text.strip()
    if typed_date and len(value) == 8 and value.isdigit():
        try:
            return locale.date(dt.date(int(value[:4]), int(value[4:6]), int(value[6:])))
        except ValueError:
            return text  # not a date: Excel keeps it as the number it is (no zeros to lose)
    if _NUMBER.fullmatch(value):
        return general(float(value))
    found = _as_date(value, locale)
    return text if found is None else locale.date(found)


def resave_lines(
    lines: Iterable[str], locale: ExcelLocale = US, typed_dates: bool = False
) -> Iterator[str]:
    """Decoded physical lines of a DOJ file as Excel writes them back (CRLF line ends).

    The header line is kept as text. ``typed_dates``: the date columns of the 95-column
    layout (``PRI_DOB``, ``CYC_DATE``, ``STP_EVENT_DATE``, ``DISP_DATE``) were typed as dates.
    """
    for number, text in enumerate(lines):
        try:
            fields = next(csv.reader((text,)), [])
        except csv.Error:
            fields = [text.rstrip("\r\n")]
        if number > 0 or not col.is_header(fields):
            dated = typed_dates and len(fields) >= col.FIELD_COUNT
            fields = [
                excel_cell(f, locale, dated and i in _DATE_INDEXES) for i, f in enumerate(fields)
            ]
        if fields in ([], [""]):
            yield "\r\n"
            continue
        out = io.StringIO()
        csv.writer(out, delimiter=locale.separator, lineterminator="\r\n").writerow(fields)
        yield out.getvalue()


def resave_file(
    source: Path,
    target: Path,
    locale: ExcelLocale = US,
    *,
    typed_dates: bool = False,
    bom: bool = False,
    overwrite: bool = False,
) -> int:
    """Write ``source`` (UTF-8) to ``target`` as Excel saves it; the number of lines written.

    ``bom``: saved as "CSV UTF-8" (a byte order mark first). An existing ``target`` is
    replaced only with ``overwrite``.
    """
    try:
        handle = target.open("w" if overwrite else "x", encoding="utf-8", newline="")
    except FileExistsError:
        raise UserError(f"{target} exists; use --force to replace it") from None
    lines = 0
    with handle, source.open(encoding="utf-8-sig", newline="") as original:
        if bom:
            handle.write("\ufeff")
        for line in resave_lines(original, locale, typed_dates):
            handle.write(line)
            lines += 1
    return lines
