"""A filing table as a PDF for the sealed envelope: landscape, headers on every page.

Each page repeats the title, the confidentiality notice and the column headers, and ends
with "Page N of M", so a clerk can find a person on a printed page.
"""

from __future__ import annotations

import datetime as dt

from fpdf import FPDF, FontFace

from cmr_reason.reasoner.exhibit_writer import CONFIDENTIAL
from cmr_reason.reasoner.filing_rows import Table
from cmr_reason.reasoner.pdf_base import latin1, stamp

MARGIN = 30.0


class _TablePages(FPDF):
    """Landscape Letter pages with the table's heading and page numbers."""

    def __init__(self, heading: tuple[str, ...], banner: str) -> None:
        super().__init__(orientation="L", unit="pt", format="letter")
        self.heading = heading
        self.banner = banner
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 14)

    def header(self) -> None:
        self.set_font("Helvetica", "B", 11)
        self.cell(0, 14, latin1(self.heading[0]), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 8)
        for line in self.heading[1:]:
            self.cell(0, 10, latin1(line), new_x="LMARGIN", new_y="NEXT")
        if self.banner:
            self.set_font("Helvetica", "B", 8)
            self.cell(0, 10, latin1(self.banner), new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-MARGIN - 6)
        self.set_font("Helvetica", "", 7)
        self.cell(0, 10, latin1(CONFIDENTIAL), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="R")


def table_pdf(table: Table, heading: tuple[str, ...], when: dt.date, banner: str = "") -> bytes:
    """The table's printed columns as a paginated PDF."""
    columns = [c for c in table.columns if c.width > 0]
    pdf = _TablePages(heading, banner)
    stamp(pdf, when, heading[0])
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 7)
    if not table.rows:
        pdf.cell(0, 12, "No rows.")
        return bytes(pdf.output())
    with pdf.table(
        col_widths=[c.width for c in columns],
        width=pdf.epw,
        line_height=8.5,
        text_align="LEFT",
        v_align="TOP",
        padding=2,
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 225, 225)),
        repeat_headings=1,
    ) as grid:
        head = grid.row()
        for column in columns:
            head.cell(latin1(column.header))
        for row in table.rows:
            cells = grid.row()
            for column in columns:
                cells.cell(latin1(row.get(column.key, "")))
    return bytes(pdf.output())
