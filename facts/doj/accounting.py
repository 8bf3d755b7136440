"""Where every input row went: used (by kind), irrelevant (by kind) or rejected (with a reason).

The invariant, per file: ``rows_in == rows_used + rows_irrelevant + rows_rejected``, and each
data line is in exactly one of the three. Lines are kept in compact arrays (4 bytes a row), so
the audit costs little even for millions of rows. Details never hold names or birth dates,
and the names counts are kept under are the reader's own vocabulary, never input text.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from cmr_reason.facts.doj.vocabulary import COURT_PROCEDURAL, IRRELEVANT_STEPS, OTHER_STEP

#: What a count stands under when its name would be text from the input.
OTHER = "other"
#: The kinds of irrelevant row the reader names itself.
IRRELEVANT_CODES = frozenset(
    {"blank_row", "duplicate_row", "other_subject", OTHER_STEP, COURT_PROCEDURAL}
)
#: Every name an irrelevant count may have: the known step types (facts/doj/vocabulary.py)
#: and the reader's own codes.
_KNOWN_IRRELEVANT = IRRELEVANT_STEPS | IRRELEVANT_CODES
_REASON_CODE = re.compile(r"[a-z][a-z0-9_]*(?::[A-Z][A-Z0-9_]*)?")


def irrelevant_kind(kind: str) -> str:
    """The name an irrelevant row is counted under: a known kind, else :data:`OTHER`.

    Counts are published (``summary.json``, the report, ``cmr-reason summary``): a value
    from the input (an unknown step type may be a name or a date of birth put in the wrong
    field) never becomes the name of a count.
    """
    return kind if kind in _KNOWN_IRRELEVANT else OTHER


def public_reason(reason: str) -> str:
    """A reject reason as counts publish it: a reason code, else :data:`OTHER`."""
    return reason if _REASON_CODE.fullmatch(reason) else OTHER


class Reject(NamedTuple):
    """A row that was not used: its file, 1-based physical line, reason code and detail.

    ``value`` is the unknown input value that rejected the row (an unknown step type or
    disposition), quoted and escaped (``doj_vocabulary.shown``). It is raw input text, so it
    goes to ``rejects.csv`` only (:meth:`csv_detail`), never into a message or a summary.
    """

    file: str
    line: int
    reason: str
    detail: str = ""
    subject_id: str = ""
    value: str = ""

    def label(self) -> str:
        """Short form for messages, e.g. ``la.csv:12 bad_date:STP_EVENT_DATE``."""
        return f"{self.file}:{self.line} {self.reason}"

    def csv_detail(self) -> str:
        """The detail as ``rejects.csv`` writes it: with the rejected value, if any."""
        return f"{self.detail}: {self.value}" if self.value else self.detail


@dataclass
class FileAccount:
    """The row account of one input file."""

    file: str
    used: Counter[str] = field(default_factory=Counter)
    irrelevant: Counter[str] = field(default_factory=Counter)
    rejects: list[Reject] = field(default_factory=list)
    used_lines: array[int] = field(default_factory=lambda: array("L"))
    irrelevant_lines: array[int] = field(default_factory=lambda: array("L"))
    # Rejected lines that named no subject, given to one by the CII number they hold.
    given: dict[int, set[str]] = field(default_factory=dict)

    def use(self, line: int, kind: str) -> None:
        """Count a row that became (part of) a history item."""
        self.used[kind] += 1
        self.used_lines.append(line)

    def ignore(self, line: int, kind: str) -> None:
        """Count a row that carries nothing this tool uses (by kind, see irrelevant_kind)."""
        self.irrelevant[irrelevant_kind(kind)] += 1
        self.irrelevant_lines.append(line)

    def reject(
        self, line: int, reason: str, detail: str = "", subject_id: str = "", value: str = ""
    ) -> None:
        """Record a row that could not be used (``value``: see :class:`Reject`)."""
        self.rejects.append(Reject(self.file, line, reason, detail, subject_id, value))

    def give(self, line: int, subject_id: str) -> None:
        """Note that a rejected line naming no subject was given to ``subject_id``."""
        self.given.setdefault(line, set()).add(subject_id)

    def listed(self) -> list[Reject]:
        """The rejects in line order, each with the subject(s) it names or was given to."""
        found = sorted(self.rejects, key=lambda r: r.line)
        if not self.given:
            return found
        return [
            r._replace(subject_id=";".join(sorted(self.given[r.line])))
            if not r.subject_id and r.line in self.given
            else r
            for r in found
        ]

    @property
    def rows_used(self) -> int:
        """Rows used."""
        return len(self.used_lines)

    @property
    def rows_irrelevant(self) -> int:
        """Rows judged irrelevant."""
        return len(self.irrelevant_lines)

    @property
    def rows_rejected(self) -> int:
        """Rows rejected."""
        return len(self.rejects)

    @property
    def rows_in(self) -> int:
        """Data rows read (the header is not a data row)."""
        return self.rows_used + self.rows_irrelevant + self.rows_rejected


@dataclass
class RowAccount:
    """The row accounts of all input files of one read."""

    files: list[FileAccount] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        """Data rows read in all files."""
        return sum(f.rows_in for f in self.files)

    @property
    def rows_used(self) -> int:
        """Rows used in all files."""
        return sum(f.rows_used for f in self.files)

    @property
    def rows_irrelevant(self) -> int:
        """Rows judged irrelevant in all files."""
        return sum(f.rows_irrelevant for f in self.files)

    @property
    def rows_rejected(self) -> int:
        """Rows rejected in all files."""
        return sum(f.rows_rejected for f in self.files)

    def used(self) -> Counter[str]:
        """Used rows by kind, over all files."""
        return sum((f.used for f in self.files), Counter())

    def irrelevant(self) -> Counter[str]:
        """Irrelevant rows by kind, over all files."""
        return sum((f.irrelevant for f in self.files), Counter())

    def rejects(self) -> list[Reject]:
        """All rejects, in file order then line order, with their subjects (FileAccount.listed)."""
        return [r for f in self.files for r in f.listed()]

    def reject_reasons(self) -> Counter[str]:
        """Rejected rows by reason code (see public_reason)."""
        return Counter(public_reason(r.reason) for f in self.files for r in f.rejects)
