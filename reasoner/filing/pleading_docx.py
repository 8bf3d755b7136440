"""A motion or order as an editable DOCX: the office's lawyers revise it before filing.

Letter pages, Times New Roman 12, the caption as a borderless three-column table (parties,
``)`` column, case and title), a double-spaced body, the signature on the right half, and a
footer with the page number and the short title. Pleading-paper line numbers are left to
the office's own Word template; the PDF has them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from copy import deepcopy
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Inches, Length, Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree

from cmr_reason.reasoner.filing.pleading_markup import Pleading, indent_of, runs
from cmr_reason.reasoner.filing.stable_zip import stabilise

FONT = "Times New Roman"


# The paragraph styles every pleading uses, added to each document by ``_styled``: a
# paragraph names its style rather than carrying its own spacing (one attribute in place of
# several elements a paragraph, which a file of thousands of motions felt).
SINGLE = {0: "Pleading Single", 6: "Pleading Single 6", 12: "Pleading Single 12"}
DOUBLE, DOUBLE_INDENTED = "Pleading Double", "Pleading Double Indented"


# WordprocessingML names, and the parts of a paragraph this module writes. The body's
# paragraphs are built as lxml elements in the order the schema gives (pPr: pStyle, keepNext,
# ind, jc; a run: rPr, then its text): python-docx searches for each child's place as it
# adds it, and a file of thousands of motions spent most of its time there.
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_BREAKS = re.compile(r"(\t|\n)")


def _paragraph(
    parent: Any, style: str, left_twips: int = 0, centred: bool = False,
    keep_with_next: bool = False,
) -> Any:  # fmt: skip
    """A new ``w:p`` at the end of ``parent`` in the named paragraph style."""
    para = etree.SubElement(parent, W + "p")
    props = etree.SubElement(para, W + "pPr")
    etree.SubElement(props, W + "pStyle", {W + "val": _style_id(style)})
    if keep_with_next:
        etree.SubElement(props, W + "keepNext")
    if left_twips:
        etree.SubElement(props, W + "ind", {W + "left": str(left_twips)})
    if centred:
        etree.SubElement(props, W + "jc", {W + "val": "center"})
    return para


def _run(para: Any, text: str, bold: bool = False) -> None:
    """A run of ``text`` (tabs and line breaks as Word's own elements)."""
    run = etree.SubElement(para, W + "r")
    if bold:
        etree.SubElement(etree.SubElement(run, W + "rPr"), W + "b")
    for part in _BREAKS.split(text):
        if part == "\t":
            etree.SubElement(run, W + "tab")
        elif part == "\n":
            etree.SubElement(run, W + "br")
        elif part:
            node = etree.SubElement(run, W + "t")
            node.text = part
            if part[0].isspace() or part[-1].isspace():
                node.set(_SPACE, "preserve")


def _add_runs(para: Any, text: str, bold: bool = False) -> None:
    for piece, strong in runs(text):
        _run(para, piece, strong or bold)


def _single(parent: Any, text: str = "", after: int = 0, **layout: Any) -> Any:
    """A single-spaced paragraph with ``after`` points (0, 6 or 12) after it."""
    para = _paragraph(parent, SINGLE[after], **layout)
    if text:
        _run(para, text)
    return para


def _twips(points: float) -> int:
    return round(points * 20)


def _style_id(name: str) -> str:
    """The id Word gives a style named ``name`` (python-docx's rule: spaces removed)."""
    return name.replace(" ", "")


def _add_styles(document: DocxDocument) -> None:
    """The pleading's paragraph styles, based on Normal."""
    normal = document.styles["Normal"]
    shapes: list[tuple[str, WD_LINE_SPACING, int, Length | None]] = [
        (name, WD_LINE_SPACING.SINGLE, after, None) for after, name in SINGLE.items()
    ]
    shapes += [(DOUBLE, WD_LINE_SPACING.DOUBLE, 0, None),
               (DOUBLE_INDENTED, WD_LINE_SPACING.DOUBLE, 0, Inches(0.5))]  # fmt: skip
    for name, spacing, after, indent in shapes:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        fmt = style.paragraph_format
        fmt.line_spacing_rule = spacing
        fmt.space_after = Pt(after)
        if indent is not None:
            fmt.first_line_indent = indent
        assert style.style_id == _style_id(name)


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


def _caption_table(document: DocxDocument) -> Any:
    """The caption's empty three-column table (parties, ``)`` column, case and title)."""
    table = document.add_table(rows=1, cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    cells = table.rows[0].cells
    for index, (cell, width) in enumerate(zip(cells, (3.3, 0.3, 2.9), strict=True)):
        table.columns[index].width = Inches(width)
        cell.width = Inches(width)
    border = OxmlElement("w:tcBorders")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    cells[0]._tc.get_or_add_tcPr().append(border)
    element = table._tbl
    element.getparent().remove(element)
    for cell in element.iter(W + "tc"):
        for para in cell.findall(W + "p"):
            cell.remove(para)
    return element


def _caption(body: Any, doc: Pleading, table: Any) -> None:
    for line in doc.attorney:
        _single(body, line)
    _single(body, after=12)
    for line in doc.court:
        _run(_single(body, centred=True), line, bold=True)
    _single(body, after=6)
    caption = deepcopy(table)
    body.append(caption)
    left, middle, right = caption.iter(W + "tc")
    for line in doc.parties or [""]:
        spaces, text = indent_of(line)
        _single(left, text, left_twips=_twips(3.5 * spaces))
    lines = max(len(doc.parties), 8)
    _single(middle, "\n".join(")" for _ in range(lines)))
    for line in doc.case or [""]:
        _add_runs(_single(right, after=6), line)
    _single(body, after=12)


def _body(body: Any, doc: Pleading) -> None:
    for block in doc.body:
        if block.kind in ("heading", "subheading"):
            para = _paragraph(body, DOUBLE, centred=block.kind == "heading")
            _add_runs(para, block.text, bold=True)
            continue
        para = _paragraph(body, DOUBLE if block.kind == "flush" else DOUBLE_INDENTED)
        text = f"{block.number}.\t{block.text}" if block.kind == "numbered" else block.text
        _add_runs(para, text)


def _signature(body: Any, doc: Pleading) -> None:
    _single(body, after=12)
    for line in doc.dated:
        _single(body, line, after=12)
    for line in doc.signature:
        spaces, text = indent_of(line)
        _single(body, text, left_twips=_twips(3.25 * 72 + 3.5 * spaces), keep_with_next=True)


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
    _add_styles(document)
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
    pleading). Each pleading's paragraphs and caption table are appended to the body in
    turn, before the file's closing section properties.
    """
    document = _styled()
    section = document.sections[0]
    if docs:
        _furnish(section, docs[0])
    if len(docs) > 1:
        _restart_numbering(section)
    table = _caption_table(document)
    body = document.element.body
    final = body.find(qn("w:sectPr"))
    body.remove(final)
    for n, doc in enumerate(docs):
        if n:
            body.append(_section_break(final))
        _caption(body, doc, table)
        _body(body, doc)
        _signature(body, doc)
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
