"""A motion or order as an editable DOCX: the office's lawyers revise it before filing.

Letter pages, Times New Roman 12, the caption as a borderless three-column table (parties,
``)`` column, case and title), a double-spaced body, the signature on the right half, and a
footer with the page number and the short title. Pleading-paper line numbers are left to
the office's own Word template; the PDF has them.
"""

from __future__ import annotations

import datetime as dt
import io
from copy import deepcopy
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Inches, Pt, RGBColor
from docx.text.paragraph import Paragraph

from cmr_reason.reasoner.filing.pleading_markup import Pleading, indent_of, runs
from cmr_reason.reasoner.filing.stable_zip import stabilise

FONT = "Times New Roman"


def _add_runs(paragraph: Paragraph, text: str, bold: bool = False) -> None:
    for piece, strong in runs(text):
        paragraph.add_run(piece).bold = strong or bold


def _single(paragraph: Paragraph, after: float = 0) -> Paragraph:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.space_after = Pt(after)
    return paragraph


def _page_field(paragraph: Paragraph) -> None:
    """A PAGE field (Word fills in the number)."""
    run = paragraph.add_run()
    begin, code, end = (
        OxmlElement("w:fldChar"),
        OxmlElement("w:instrText"),
        OxmlElement("w:fldChar"),
    )
    begin.set(qn("w:fldCharType"), "begin")
    code.set(qn("xml:space"), "preserve")
    code.text = " PAGE "
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(code)
    run._r.append(end)


def _caption(document: DocxDocument, doc: Pleading) -> None:
    for line in doc.attorney:
        _single(document.add_paragraph(line))
    _single(document.add_paragraph(), after=12)
    for line in doc.court:
        para = _single(document.add_paragraph())
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.add_run(line).bold = True
    _single(document.add_paragraph(), after=6)
    table = document.add_table(rows=1, cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left, middle, right = table.rows[0].cells
    for index, (cell, width) in enumerate(((left, 3.3), (middle, 0.3), (right, 2.9))):
        table.columns[index].width = Inches(width)
        cell.width = Inches(width)
    left.paragraphs[0].text = ""
    for index, line in enumerate(doc.parties):
        para = left.paragraphs[0] if index == 0 else left.add_paragraph()
        _single(para)
        spaces, text = indent_of(line)
        para.paragraph_format.left_indent = Pt(3.5 * spaces)
        para.add_run(text)
    lines = max(len(doc.parties), 8)
    _single(middle.paragraphs[0]).add_run("\n".join(")" for _ in range(lines)))
    for index, line in enumerate(doc.case):
        para = right.paragraphs[0] if index == 0 else right.add_paragraph()
        _add_runs(_single(para, after=6), line)
    border = OxmlElement("w:tcBorders")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    left._tc.get_or_add_tcPr().append(border)
    _single(document.add_paragraph(), after=12)


def _body(document: DocxDocument, doc: Pleading) -> None:
    for block in doc.body:
        para = document.add_paragraph()
        para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.DOUBLE
        para.paragraph_format.space_after = Pt(0)
        if block.kind in ("heading", "subheading"):
            if block.kind == "heading":
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _add_runs(para, block.text, bold=True)
            continue
        if block.kind != "flush":
            para.paragraph_format.first_line_indent = Inches(0.5)
        text = f"{block.number}.\t{block.text}" if block.kind == "numbered" else block.text
        _add_runs(para, text)


def _signature(document: DocxDocument, doc: Pleading) -> None:
    _single(document.add_paragraph(), after=12)
    for line in doc.dated:
        _single(document.add_paragraph(line), after=12)
    for line in doc.signature:
        spaces, text = indent_of(line)
        para = _single(document.add_paragraph(text))
        para.paragraph_format.left_indent = Inches(3.25) + Pt(3.5 * spaces)
        para.paragraph_format.keep_with_next = True


def _furnish(section: Section, doc: Pleading) -> None:
    """The section's page, banner and footer (page number, short title)."""
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    section.left_margin = section.right_margin = Inches(1)
    section.top_margin, section.bottom_margin = Inches(1), Inches(0.75)
    if doc.banner:
        head = section.header.paragraphs[0]
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = head.add_run(doc.banner)
        run.bold = True
        run.font.color.rgb = RGBColor(0xAA, 0, 0)
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run("- ")
    _page_field(foot)
    foot.add_run(" -")
    title = section.footer.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(doc.footer).font.size = Pt(8)


def _restart_numbering(section: Section) -> None:
    """The section's pages numbered from 1 (a new pleading in a file of several)."""
    start = OxmlElement("w:pgNumType")
    start.set(qn("w:start"), "1")
    section._sectPr.append(start)


def pleading_docx(doc: Pleading, when: dt.date, author: str) -> bytes:
    """The pleading as DOCX bytes, with its times fixed to ``when``."""
    return pleadings_docx([doc], when, author, doc.footer)


def _styled() -> DocxDocument:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    return document


def _section_break(sect_pr: Any) -> Any:
    """A paragraph ending a section laid out as ``sect_pr`` (a new page, numbered from 1)."""
    paragraph, properties = OxmlElement("w:p"), OxmlElement("w:pPr")
    properties.append(deepcopy(sect_pr))
    paragraph.append(properties)
    return paragraph


def pleadings_docx(docs: list[Pleading], when: dt.date, author: str, title: str) -> bytes:
    """Several pleadings in one DOCX, each a section from a new page numbered 1.

    The sections share the first pleading's banner and footer (a file holds one kind of
    pleading). Each pleading is laid out in a scratch document and its paragraphs and
    tables moved to the end of the file's body, so a file of thousands stays linear.
    """
    document = _styled()
    section = document.sections[0]
    if docs:
        _furnish(section, docs[0])
    if len(docs) == 1:
        _caption(document, docs[0])
        _body(document, docs[0])
        _signature(document, docs[0])
    elif docs:
        _restart_numbering(section)
        body = document.element.body
        final = body.find(qn("w:sectPr"))
        scratch = _styled()
        moved: list[Any] = []
        for n, doc in enumerate(docs):
            _caption(scratch, doc)
            _body(scratch, doc)
            _signature(scratch, doc)
            laid_out = scratch.element.body
            if n:
                moved.append(_section_break(final))
            for element in list(laid_out):
                if element.tag != qn("w:sectPr"):
                    laid_out.remove(element)
                    moved.append(element)
        body.remove(final)
        for element in moved:
            body.append(element)
        body.append(final)
    stamp = dt.datetime(when.year, when.month, when.day, tzinfo=dt.UTC)
    props = document.core_properties
    props.author = props.last_modified_by = author
    props.title = title
    props.created = props.modified = stamp
    props.revision = 1
    out = io.BytesIO()
    document.save(out)
    return stabilise(out.getvalue(), when)
