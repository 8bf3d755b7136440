"""What both PDF writers share: the bundled Unicode fonts and a fixed creation date.

The PDFs are set in Liberation Serif and Liberation Sans 2.1.5 (SIL Open Font License 1.1,
``fonts/LICENSE``), bundled with the package so every machine prints the same pages. They
have the widths of Times and Helvetica (Arial), so the pages keep their layout, and cover
the Latin scripts (Vietnamese included), Greek and Cyrillic: "NGUYỄN, THỊ" and
"NÚÑEZ, JOSÉ" print as written. A document embeds only the glyphs it uses (fpdf2 subsets
the fonts), and only of the fonts it sets. A character the fonts lack (a CJK name, an
emoji) is printed as its compatibility form where the fonts have that, else as ``?``:
never dropped silently. The CSV, XLSX and DOCX keep the text exactly as read.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from functools import cache
from importlib import resources
from pathlib import Path

from fontTools.ttLib import TTFont as FontFile
from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import TTFFont

SERIF = "LiberationSerif"
SANS = "LiberationSans"
_STYLES = {"": "Regular", "B": "Bold"}


def font_file(family: str, style: str = "") -> Path:
    """The bundled TTF file of ``family`` (:data:`SERIF` or :data:`SANS`) in ``style``."""
    fonts = resources.files("cmr_reason.reasoner") / "fonts"
    return Path(str(fonts / f"{family}-{_STYLES[style]}.ttf"))


class UnicodePDF(FPDF):
    """An FPDF that registers a bundled font the first time a document sets it."""

    def bundled_font(self, family: str, style: str = "") -> TTFFont:
        """The bundled ``family`` in ``style``, added to this document if it is not yet."""
        key = f"{family.lower()}{style}"
        if key not in self.fonts:
            self.add_font(family, style, font_file(family, style))
        font = self.fonts[key]
        assert isinstance(font, TTFFont)
        return font

    def set_font(
        self, family: str | None = None, style: str | TextEmphasis = "", size: float = 0
    ) -> None:
        """As FPDF's, after adding the bundled family's file in that style if needed."""
        if family in (SERIF, SANS) and isinstance(style, str):
            self.bundled_font(family, style.upper())
        super().set_font(family, style, size)


@cache
def _covered() -> frozenset[int]:
    """The code points every bundled font has a glyph for."""
    sets = []
    for family in (SERIF, SANS):
        for style in _STYLES:
            with FontFile(font_file(family, style), lazy=True) as font:
                sets.append(set(font.getBestCmap()))
    return frozenset(set.intersection(*sets))


def printable(text: str) -> str:
    """``text`` with each character the bundled fonts lack replaced (see the module's doc)."""
    if text.isascii():
        return text
    covered = _covered()
    if all(ord(char) in covered for char in text):
        return text
    out = []
    for char in text:
        if ord(char) in covered or char in "\n\t":
            out.append(char)
            continue
        folded = unicodedata.normalize("NFKD", char)
        kept = "".join(c for c in folded if ord(c) in covered)
        out.append(kept if kept and not unicodedata.combining(kept[0]) else "?")
    return "".join(out)


def stamp(pdf: FPDF, when: dt.date, title: str) -> None:
    """Fix the document's metadata (creation date = as-of date), so reruns give equal bytes."""
    pdf.set_creation_date(dt.datetime(when.year, when.month, when.day, tzinfo=dt.UTC))
    pdf.set_title(printable(title))
    pdf.set_creator("cmr-reason")
