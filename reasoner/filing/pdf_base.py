"""What both PDF writers share: text the built-in fonts can show, and a fixed creation date.

The PDFs use fpdf2's built-in Times and Helvetica, which cover Latin-1 only: other
characters are folded to their closest Latin-1 form (``é`` stays, ``—`` becomes ``--``,
``Ł`` becomes ``L``) and anything left becomes ``?``. The CSV, XLSX and DOCX keep the text
exactly as read.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from fpdf import FPDF

_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
    "\u2014": "--", "\u2026": "...", "\u00a0": " ", "\u2022": "-",
})  # fmt: skip


def latin1(text: str) -> str:
    """``text`` reduced to characters the built-in PDF fonts can show."""
    text = text.translate(_FOLD)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode()
            out.append(base or "?")
    return "".join(out)


def stamp(pdf: FPDF, when: dt.date, title: str) -> None:
    """Fix the document's metadata (creation date = as-of date), so reruns give equal bytes."""
    pdf.set_creation_date(dt.datetime(when.year, when.month, when.day, tzinfo=dt.UTC))
    pdf.set_title(latin1(title))
    pdf.set_creator("cmr-reason")
