"""One clean DOJ line as the mutator sees it: its text, fields, field positions and kind.

The harness reads column positions from the clean file's header (the 95 DOJ column names),
so that it depends on nothing inside the reader it tests.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cached_property

#: Step types of a clean line, as the harness classifies them (the synthetic files' own).
STEP_KINDS = {
    "ARREST/DETAINED/CITED": "arrest",
    "ARREST": "arrest",
    "COURT ACTION": "court",
    "COURT": "court",
    "REGISTRATION": "registration",
    "DECEASED": "death",
}
#: Dispositions of a court row that make it a conviction row (each is validated in full).
_CONVICTED = re.compile(r"CONVICTED(?:$|[- /])")
_LINE_END = re.compile(r"\r\n|\r|\n")


def line_ends(text: str) -> int:
    """How many line ends text mode (``newline=""``) sees in ``text`` (CR LF, CR, LF)."""
    return len(_LINE_END.findall(text))


def split_line(text: str) -> tuple[str, str]:
    """A physical line's body and its line end."""
    body = text.rstrip("\r\n")
    return body, text[len(body) :]


def fields_of(text: str) -> list[str]:
    """The fields of one line read by itself, as lenient CSV reads them ([] when it cannot)."""
    try:
        return next(csv.reader([text]), [])
    except csv.Error:
        return []


def spans(text: str) -> list[tuple[int, int, bool]]:
    """``(start, end, quoted)`` of each field of an RFC 4180 line (``end`` excludes the comma).

    For a quoted field the span includes its quotes.
    """
    found: list[tuple[int, int, bool]] = []
    at, size = 0, len(text)
    while True:
        if at < size and text[at] == '"':
            end = at + 1
            while True:
                end = text.index('"', end)
                if end + 1 < size and text[end + 1] == '"':
                    end += 2
                    continue
                break
            found.append((at, end + 1, True))
            at = end + 1
        else:
            comma = text.find(",", at)
            end = size if comma < 0 else comma
            found.append((at, end, False))
            at = end
        if at >= size:
            return found
        at += 1  # past the comma
        if at == size:
            found.append((at, at, False))
            return found


def _quote(value: str) -> str:
    """A field as RFC 4180 writes it."""
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


class Columns:
    """Column positions by name, from a file's header."""

    def __init__(self, header: list[str]) -> None:
        names = [name.lstrip("\ufeff").strip().upper() for name in header]
        if not names or names[0] != "RECORD_ID":
            raise ValueError("the clean file must start with the DOJ header (RECORD_ID, ...)")
        self.names = names
        self.index = {name: i for i, name in enumerate(names) if name}
        self.width = len(header)

    def __getitem__(self, name: str) -> int:
        return self.index[name]


@dataclass
class Line:
    """A clean physical data line: number, body (no line end), line end, and columns."""

    number: int
    body: str
    end: str
    columns: Columns

    @cached_property
    def fields(self) -> list[str]:
        """The line's fields."""
        return fields_of(self.body)

    @cached_property
    def spans(self) -> list[tuple[int, int, bool]]:
        """Where each field is in the body."""
        return spans(self.body)

    @cached_property
    def well_formed(self) -> bool:
        """A record of the header's width with a SUBJECT_ID (only such lines are damaged)."""
        try:
            width = len(self.fields) == len(self.spans) == self.columns.width
        except ValueError:  # a quote left open
            return False
        return width and bool(self.subject)

    def value(self, name: str) -> str:
        """A field, blanks at the ends removed."""
        return self.fields[self.columns[name]].strip()

    @property
    def subject(self) -> str:
        """The line's SUBJECT_ID."""
        return self.value("SUBJECT_ID")

    @property
    def cii(self) -> str:
        """The line's CII number."""
        return self.value("CII_NUMBER")

    @cached_property
    def step(self) -> str:
        """``arrest``, ``court``, ``registration``, ``death`` or ``other``."""
        return STEP_KINDS.get(" ".join(self.value("STP_TYPE_DESCR").upper().split()), "other")

    @property
    def convicted(self) -> bool:
        """A court row whose disposition is a conviction (its charge and sentence are read)."""
        return self.step == "court" and bool(_CONVICTED.match(self.value("DISP_DESCR").upper()))

    @property
    def subject_end(self) -> int:
        """Where the text after the SUBJECT_ID field begins (its comma)."""
        return self.spans[self.columns["SUBJECT_ID"]][1]

    def replaced(self, **values: str) -> str:
        """The body with some fields replaced (column name -> value, quoted where CSV needs)."""
        changes = sorted(((self.columns[n], _quote(v)) for n, v in values.items()), reverse=True)
        text = self.body
        for index, new in changes:
            start, end, _ = self.spans[index]
            text = text[:start] + new + text[end:]
        return text

    def inserted(self, at: int, text: str) -> str:
        """The body with ``text`` inserted at offset ``at``."""
        return self.body[:at] + text + self.body[at:]

    def dates(self) -> list[str]:
        """The date columns the reader checks on this kind of row."""
        if self.step == "court":
            return ["STP_EVENT_DATE", "DISP_DATE", "CYC_DATE"]
        if self.step == "arrest":
            return ["STP_EVENT_DATE", "CYC_DATE"]
        if self.step in ("registration", "death"):
            return ["STP_EVENT_DATE"]
        return []
