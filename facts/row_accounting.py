"""Where every input row went: used (by kind), irrelevant (by kind) or rejected (with a reason).

The invariant, per file: ``rows_in == rows_used + rows_irrelevant + rows_rejected``, and each
data line is in exactly one of the three. Lines are kept in compact arrays (4 bytes a row), so
the audit costs little even for millions of rows. Details never hold names or birth dates.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple


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

    def use(self, line: int, kind: str) -> None:
        """Count a row that became (part of) a history item."""
        self.used[kind] += 1
        self.used_lines.append(line)

    def ignore(self, line: int, kind: str) -> None:
        """Count a row that carries nothing this tool uses."""
        self.irrelevant[kind] += 1
        self.irrelevant_lines.append(line)

    def reject(
        self, line: int, reason: str, detail: str = "", subject_id: str = "", value: str = ""
    ) -> None:
        """Record a row that could not be used (``value``: see :class:`Reject`)."""
        self.rejects.append(Reject(self.file, line, reason, detail, subject_id, value))

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
        """All rejects, in file order then line order."""
        return [r for f in self.files for r in sorted(f.rejects, key=lambda r: r.line)]

    def reject_reasons(self) -> Counter[str]:
        """Rejected rows by reason code."""
        return Counter(r.reason for f in self.files for r in f.rejects)
