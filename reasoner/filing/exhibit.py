"""Exhibit 1 and the lists as CSV, XLSX and PDF, each with the same rows in the same order.

CSV headers are the column keys (for tools); XLSX and PDF headers are the clerk's labels.
Rows are written as they come (cells in column order), so a county's exhibit is never held
twice. The XLSX holds dates as date cells (``yyyy-mm-dd``) and counts as numbers, so a clerk
can sort and filter; it has a frozen, filtered header row and readable column widths, and
prints landscape, one page wide, with the header row repeated and "Page N of M".
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cmr_reason.facts.private_files import open_private
from cmr_reason.reasoner.filing.stable_zip import stabilise_file
from cmr_reason.reasoner.filing.tables import Column

CONFIDENTIAL = "CONFIDENTIAL - criminal offender record information (PC 11105, 13300 et seq.)"
DATE_FORMAT = "yyyy-mm-dd"
FIRST_DATE = dt.date(1900, 3, 1)  # before it, Excel's day numbers are off: kept as text
MIN_WIDTH, MAX_WIDTH = 6, 60  # characters


def table_csv(columns: Sequence[Column], rows: Iterable[Sequence[str]], out: Path) -> None:
    """The table as CSV: every column, keys as header, Unix line ends."""
    with open_private(out) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([c.key for c in columns])
        writer.writerows(rows)


def read_table_csv(path: Path) -> Iterator[list[str]]:
    """The rows of a table written by :func:`table_csv` (cells in column order)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        yield from reader


def column_widths(columns: Sequence[Column], rows: Iterable[Sequence[str]]) -> list[int]:
    """Each column's width in characters: its longest cell or header, within bounds."""
    widest = [len(c.header) for c in columns]
    for row in rows:
        for index, text in enumerate(row):
            if len(text) > widest[index]:
                widest[index] = len(text)
    return [min(max(w + 2, MIN_WIDTH), MAX_WIDTH) for w in widest]


def _int(text: str) -> int | str:
    return int(text) if text.isdigit() and len(text) < 16 else text


def _date(text: str) -> dt.date | str:
    if len(text) != 10:
        return text
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return text
    return day if day >= FIRST_DATE else text


def _converters(sheet: Worksheet, columns: Sequence[Column]) -> list[Callable[[str], object]]:
    """A converter per column: text as is, counts as numbers, ISO dates as date cells."""

    def as_date(text: str) -> object:
        value = _date(text)
        if isinstance(value, str):
            return value
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_FORMAT
        return cell

    def as_text(text: str) -> object:
        return text

    kinds: dict[str, Callable[[str], object]] = {"int": _int, "date": as_date}
    return [kinds.get(c.kind, as_text) for c in columns]


def table_xlsx(
    name: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[str]],
    out: Path,
    heading: str,
    when: dt.date,
    widths: Sequence[int],
) -> None:
    """The table as an XLSX workbook of one sheet, ready to sort, filter and print."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=name[:31])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(len(columns))
    sheet.freeze_panes = "B2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddHeader.center.text = heading
    sheet.oddFooter.left.text = CONFIDENTIAL
    sheet.oddFooter.right.text = "Page &P of &N"
    bold, fill = Font(bold=True), PatternFill("solid", start_color="DDDDDD")
    wrap = Alignment(wrap_text=True, vertical="top")
    head = []
    for column in columns:
        cell = WriteOnlyCell(sheet, column.header)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        head.append(cell)
    sheet.append(head)
    convert = _converters(sheet, columns)
    count = 0
    for row in rows:
        sheet.append([f(text) for f, text in zip(convert, row, strict=True)])
        count += 1
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    stamp = dt.datetime(when.year, when.month, when.day)
    book.properties.creator = "cmr-reason"
    book.properties.title = heading
    book.properties.created = stamp
    book.properties.modified = stamp
    raw = out.with_name(out.name + ".raw")
    book.save(str(raw))
    try:
        stabilise_file(raw, out, when)
    finally:
        raw.unlink(missing_ok=True)
