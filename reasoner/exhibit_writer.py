"""Exhibit 1 and the lists as CSV, XLSX and PDF, each with the same rows in the same order.

CSV headers are the column keys (for tools); XLSX and PDF headers are the clerk's labels.
The XLSX prints landscape, one page wide, with the header row repeated and "Page N of M".
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cmr_reason.reasoner.filing_rows import Table
from cmr_reason.reasoner.stable_zip import stabilise

CONFIDENTIAL = "CONFIDENTIAL - criminal offender record information (PC 11105, 13300 et seq.)"


def table_csv(table: Table) -> bytes:
    """The table as CSV: every column, keys as header, Unix line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow([row.get(c.key, "") for c in table.columns])
    return out.getvalue().encode("utf-8")


def table_xlsx(table: Table, heading: str, when: dt.date) -> bytes:
    """The table as an XLSX workbook of one sheet, ready to print and to filter."""
    book = Workbook()
    sheet = book.active
    sheet.title = table.name[:31]
    sheet.append([c.header for c in table.columns])
    for row in table.rows:
        sheet.append([int(row["row"]) if c.key == "row" else row.get(c.key, "")
                      for c in table.columns])  # fmt: skip
    bold = Font(bold=True)
    fill = PatternFill("solid", start_color="DDDDDD")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, column in enumerate(table.columns, start=1):
        width = max([len(column.header)] + [len(r.get(column.key, "")) for r in table.rows[:500]])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 6), 60)
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddHeader.center.text = heading
    sheet.oddFooter.left.text = CONFIDENTIAL
    sheet.oddFooter.right.text = "Page &P of &N"
    stamp = dt.datetime(when.year, when.month, when.day)
    book.properties.creator = "cmr-reason"
    book.properties.title = heading
    book.properties.created = stamp
    book.properties.modified = stamp
    out = io.BytesIO()
    book.save(out)
    return stabilise(out.getvalue(), when)
