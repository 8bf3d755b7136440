"""A motion or order as a PDF on California pleading paper (CRC 2.100-2.119 layout).

Letter pages with lines numbered 1 to 28 on the left (24 pt apart), a double rule left of
the text and a single rule right of it; the body is double-spaced on those lines; the
footer holds the page number and, under a rule, the document's short title.
"""

from __future__ import annotations

import datetime as dt
import re

from fpdf import FPDF

from cmr_reason.reasoner.filing.pdf_base import SANS, SERIF, UnicodePDF, printable, stamp
from cmr_reason.reasoner.filing.pleading_markup import Pleading, indent_of, runs

PAGE_W, PAGE_H = 612.0, 792.0
TOP = 72.0  # top of numbered line 1
LINE = 24.0  # one numbered line (double spacing of 12 pt text)
LINES = 28
LEFT, RIGHT = 79.0, 552.0  # text edges
RULE_LEFT, RULE_RIGHT = 66.0, 558.0
INDENT = 36.0
SPLIT = 330.0  # the caption's ")" column, and where signatures start
FONT = SERIF  # Times's widths


class _PleadingPages(UnicodePDF):
    """Pages with the pleading-paper furniture drawn by ``header`` and ``footer``."""

    def __init__(self, footer_title: str, banner: str) -> None:
        super().__init__(orientation="P", unit="pt", format="letter")
        self.footer_title = footer_title
        self.banner = banner
        self.first_page = 1  # several pleadings in one file: each numbers its pages from 1
        self.set_margins(LEFT, TOP, PAGE_W - RIGHT)
        self.set_auto_page_break(True, margin=PAGE_H - (TOP + LINES * LINE))

    def header(self) -> None:
        self.set_draw_color(0)
        self.set_line_width(0.6)
        self.line(RULE_LEFT, 0, RULE_LEFT, PAGE_H)
        self.line(RULE_LEFT + 3, 0, RULE_LEFT + 3, PAGE_H)
        self.set_line_width(0.4)
        self.line(RULE_RIGHT, 0, RULE_RIGHT, PAGE_H)
        self.set_font(FONT, "", 12)
        edge = 30 + 28 - self.c_margin  # right-aligned as a 28 pt cell at x 30 would be
        for number in range(1, LINES + 1):
            label = str(number)
            baseline = _baseline(TOP + (number - 1) * LINE, LINE, 12)
            self.text(edge - _width(self, label, False, 12), baseline, label)
        if self.banner:
            self.set_xy(LEFT, 34)
            self.set_font(SANS, "B", 9)
            self.set_text_color(170, 0, 0)
            self.cell(RIGHT - LEFT, 12, printable(self.banner), align="C")
            self.set_text_color(0)
        self.set_xy(LEFT, TOP)
        self.set_font(FONT, "", 12)

    def footer(self) -> None:
        bottom = TOP + LINES * LINE
        self.set_font(FONT, "", 11)
        self.set_xy(LEFT, bottom + 4)
        self.cell(RIGHT - LEFT, 12, f"- {self.page_no() - self.first_page + 1} -", align="C")
        self.set_line_width(0.6)
        self.line(LEFT, bottom + 19, RIGHT, bottom + 19)
        self.set_font(FONT, "", 8)
        self.set_xy(LEFT, bottom + 21)
        self.cell(RIGHT - LEFT, 10, printable(self.footer_title), align="C")


def _next_line(pdf: FPDF) -> None:
    """Move down to the top of the next numbered line."""
    used = pdf.get_y() - TOP
    steps = int(used // LINE) + (1 if used % LINE > 0.5 else 0)
    pdf.set_xy(LEFT, TOP + steps * LINE)


def _flow(pdf: FPDF, text: str, first_x: float, size: float = 12, height: float = LINE) -> None:
    """Write ``text`` with its bold runs from ``first_x``, wrapping at the margins.

    Laid out as ``FPDF.write`` lays it out (lines broken at spaces, a word too long for a
    line broken at a character, ``c_margin`` inside each edge, a page break when a line
    does not fit), but each line is measured from cached word widths and placed with
    ``FPDF.text``: ``write`` measures every partial line again, and a bulk filing of
    thousands of motions spent most of its time there.
    """
    pad = pdf.c_margin
    lines = _wrap(pdf, runs(printable(text)), size, first_x + pad, pdf.l_margin + pad,
                  pdf.w - pdf.r_margin - pad)  # fmt: skip
    y = pdf.get_y()
    current = None  # the style set last: a page break sets the header's font
    for index, line in enumerate(lines):
        if index:
            y += height
        if y + height > pdf.page_break_trigger and not pdf.in_footer:
            pdf.add_page()
            y, current = pdf.get_y(), None
        baseline = _baseline(y, height, size)
        for x, piece, bold in line:
            if bold is not current:
                pdf.set_font(FONT, "B" if bold else "", size)
                current = bold
            pdf.text(x, baseline, piece)
    pdf.set_xy(pdf.l_margin, y + height)
    pdf.set_font(FONT, "", 12)


def _baseline(top: float, height: float, size: float) -> float:
    """Where FPDF's ``cell`` puts the baseline of ``size`` text in a cell ``height`` high."""
    return top + 0.5 * height + 0.3 * size


# Widths of the words of the bundled font by (text, bold, size): the same words recur in
# every motion of a filing. Cleared when it grows large (a filing of unusual texts).
_WIDTHS: dict[tuple[str, bool, float], float] = {}


def _width(pdf: FPDF, text: str, bold: bool, size: float) -> float:
    """The width of ``text`` in ``FONT`` (bold or not) at ``size`` (a new one sets that font)."""
    key = (text, bold, size)
    found = _WIDTHS.get(key)
    if found is None:
        if len(_WIDTHS) > 500_000:
            _WIDTHS.clear()
        pdf.set_font(FONT, "B" if bold else "", size)
        found = _WIDTHS[key] = pdf.get_string_width(text)
    return found


# A line as laid out: (x, text, bold) pieces.
_Line = list[tuple[float, str, bool]]
_TOKENS = re.compile(r"\n|[^\S\n]+|[^\s]+")


def _wrap(
    pdf: FPDF, pieces: list[tuple[str, bool]], size: float, first: float, left: float,
    right: float,
) -> list[_Line]:  # fmt: skip
    """Break styled ``pieces`` into lines from ``first`` (then ``left``) to ``right``."""

    def width(token: str, bold: bool) -> float:
        return _width(pdf, token, bold, size)

    lines: list[list[tuple[str, bool, float]]] = [[]]
    starts = [first]
    x = first
    words = False  # the current line holds a word, not only spaces

    def new_line() -> None:
        nonlocal x, words
        line = lines[-1]
        while line and line[-1][0].isspace():
            line.pop()
        lines.append([])
        starts.append(left)
        x, words = left, False

    for piece, bold in pieces:
        for token in _TOKENS.findall(piece):
            if token == "\n":
                new_line()
                continue
            if token.isspace():
                if lines[-1] or len(lines) == 1:
                    lines[-1].append((token, bold, width(token, bold)))
                    x += lines[-1][-1][2]
                continue
            w = width(token, bold)
            if x + w > right and (words or (x > left and w <= right - left)):
                new_line()
            while x + w > right and len(token) > 1:  # longer than a line: break it
                cut = 1
                while cut < len(token) and x + width(token[: cut + 1], bold) <= right:
                    cut += 1
                lines[-1].append((token[:cut], bold, width(token[:cut], bold)))
                new_line()
                token = token[cut:]
                w = width(token, bold)
            lines[-1].append((token, bold, w))
            x += w
            words = True
    if not lines[-1]:
        lines.pop()
        starts.pop()
    laid_out: list[_Line] = []
    for start, tokens in zip(starts, lines, strict=True):
        line: _Line = []
        at = start
        for token, bold, w in tokens:
            if line and line[-1][2] == bold:
                line[-1] = (line[-1][0], line[-1][1] + token, bold)
            else:
                line.append((at, token, bold))
            at += w
        laid_out.append(line)
    return laid_out


def _put(
    pdf: FPDF, width: float, height: float, text: str, align: str = "L", next_line: bool = True
) -> None:
    """As ``pdf.cell(width, height, text, align=align)``, borderless, placed by ``FPDF.text``.

    Then the next line, or without ``next_line`` the right of the cell. It spares the
    cell's layout of a styled line at every call (the captions of a bulk filing).
    """
    if pdf.y + height > pdf.page_break_trigger and not pdf.in_footer:
        x = pdf.x
        pdf.add_page()
        pdf.x = x
    if text:
        wide = pdf.get_string_width(text)
        if align == "C":
            at = pdf.x + (width - wide) / 2
        elif align == "R":
            at = pdf.x + width - pdf.c_margin - wide
        else:
            at = pdf.x + pdf.c_margin
        pdf.text(at, _baseline(pdf.y, height, pdf.font_size), text)
    if next_line:
        pdf.set_xy(pdf.l_margin, pdf.y + height)
    else:
        pdf.x += width


def _caption(pdf: FPDF, doc: Pleading) -> None:
    pdf.set_font(FONT, "", 12)
    for line in doc.attorney:
        pdf.set_x(LEFT)
        _put(pdf, RIGHT - LEFT, 12, printable(line))
    _next_line(pdf)
    pdf.ln(LINE)
    pdf.set_font(FONT, "B", 12)
    for line in doc.court:
        _put(pdf, RIGHT - LEFT, 12, printable(line), align="C")
    _next_line(pdf)
    pdf.ln(LINE / 2)
    top = pdf.get_y()
    pdf.set_font(FONT, "", 12)
    for line in doc.parties:
        spaces, text = indent_of(line)
        pdf.set_x(LEFT + 3.5 * spaces)
        _put(pdf, SPLIT - LEFT, 12, printable(text))
    pdf.ln(6)
    left_bottom = pdf.get_y()
    pdf.set_left_margin(SPLIT + 14)
    pdf.set_xy(SPLIT + 14, top)
    for line in doc.case:
        _flow(pdf, line, SPLIT + 14, height=12)
        pdf.ln(6)
    pdf.set_left_margin(LEFT)
    bottom = max(left_bottom, pdf.get_y())
    pdf.set_font(FONT, "", 12)
    y = top
    while y < bottom:
        pdf.set_xy(SPLIT, y)
        _put(pdf, 10, 12, ")", next_line=False)
        y += 12
    pdf.set_line_width(0.5)
    pdf.line(LEFT, bottom, SPLIT, bottom)
    pdf.set_xy(LEFT, bottom)
    _next_line(pdf)
    pdf.ln(LINE / 2)
    _next_line(pdf)


def _body(pdf: FPDF, doc: Pleading) -> None:
    for block in doc.body:
        if block.kind in ("heading", "subheading"):
            if pdf.get_y() > TOP + (LINES - 3) * LINE:
                pdf.add_page()
            pdf.set_font(FONT, "B", 12)
            align = "C" if block.kind == "heading" else "L"
            pdf.multi_cell(RIGHT - LEFT, LINE, printable(block.text), align=align,
                           new_x="LMARGIN", new_y="NEXT")  # fmt: skip
            pdf.set_font(FONT, "", 12)
        elif block.kind == "numbered":
            _flow(pdf, f"{block.number}.  {block.text}", LEFT + INDENT)
        elif block.kind == "flush":
            _flow(pdf, block.text, LEFT)
        else:
            _flow(pdf, block.text, LEFT + INDENT)


def _signature(pdf: FPDF, doc: Pleading) -> None:
    """The date line at the left and the signature lines at the right, side by side."""
    needed = LINE / 2 + 12 * max(len(doc.signature), len(doc.dated))
    if pdf.get_y() + needed > TOP + LINES * LINE:
        pdf.add_page()
    pdf.ln(LINE / 2)
    top = pdf.get_y()
    pdf.set_font(FONT, "", 12)
    for line in doc.dated:
        _put(pdf, SPLIT - LEFT, 12, printable(line))
    pdf.set_y(top)
    for line in doc.signature:
        spaces, text = indent_of(line)
        pdf.set_x(SPLIT + 3.5 * spaces)
        _put(pdf, RIGHT - SPLIT, 12, printable(text))


def pleading_pdf(doc: Pleading, when: dt.date) -> bytes:
    """The pleading as PDF bytes (identical for identical input)."""
    return pleadings_pdf([doc], when, doc.footer)


def pleadings_pdf(docs: list[Pleading], when: dt.date, title: str) -> bytes:
    """Several pleadings in one PDF, each from a new page numbered 1, with its own footer."""
    pdf = _PleadingPages(docs[0].footer if docs else title, docs[0].banner if docs else "")
    stamp(pdf, when, title)
    for doc in docs:
        pdf.banner = doc.banner  # the header, drawn as the page is added
        pdf.add_page()  # draws the previous page's footer with the previous pleading's title
        pdf.first_page, pdf.footer_title = pdf.page_no(), doc.footer
        _caption(pdf, doc)
        _body(pdf, doc)
        _signature(pdf, doc)
    return bytes(pdf.output())
