"""Compact rows kept from a DOJ file, grouped by subject, before they become a history.

Only the columns a history needs are kept, as plain tuples (no per-row pydantic objects).
Dates are ``YYYYMMDD`` integers or None. ``file`` is the index of the input file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class CourtRow(NamedTuple):
    """One row of a ``COURT ACTION`` count.

    A conviction's sentence part, a disposition without conviction, or a later update of
    the conviction (``update`` names its kind).
    """

    file: int
    line: int
    convicted: bool
    update: str  # a later_disposition kind (facts.doj.vocabulary.UPDATES), or ""
    disposition: str
    step_date: int | None
    disp_date: int | None
    cyc_date: int | None
    charge_text: str
    charge_column: str  # CONV_OFFENSE_DESCR | OFFENSE_DESCR | COMMENT_TEXT
    comment: str
    level: str | None
    level_flag: str
    sent_order: str
    sent_kind: str
    sent_length: int | None
    sent_unit: str | None
    ori_code: str
    ori_descr: str
    county: str
    ofn: str
    crt_case: str


class ArrestRow(NamedTuple):
    """One count of an ``ARREST/DETAINED/CITED`` step."""

    file: int
    line: int
    count_order: str
    step_date: int | None
    cyc_date: int | None
    charge_text: str
    ori_code: str
    ori_descr: str
    county: str
    disposition: str = ""  # the step's DISP_DESCR (a prosecutor's rejection, a release...)


class EventRow(NamedTuple):
    """A ``REGISTRATION`` or ``DECEASED`` step."""

    file: int
    line: int
    date: int | None
    charge_text: str


#: Person columns compared between a subject's rows: (name, flag when rows disagree).
IDENTITY_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "conflicting_name"),
    ("birth", "conflicting_birth_date"),
    ("gender", "conflicting_gender"),
    ("race", "conflicting_race"),
    ("race_code", "conflicting_race"),
    ("cii", "conflicting_cii"),
)


def order_key(value: str) -> tuple[int, str]:
    """A sentence part's order (``SENT_ORDER``): by number when it is digits, else last."""
    return (int(value), value) if value.isascii() and value.isdigit() else (1 << 62, value)


def count_flags(rows: Sequence[CourtRow], first: CourtRow, rejected: bool) -> list[str]:
    """A count's data flags from its rows (``first``: its first convicted row).

    Here, in a compiled module, for both the history builder and the bulk run's direct path.
    """
    flags = []
    # Whether each row convicts, not its DISP_DESCR: CONVICTED-JAIL on a count's jail part
    # and CONVICTED-PROBATION on its probation part agree (the suffix names the part);
    # a conviction and a dismissal of one count do not (docs/facts.md "How DOJ rows become
    # a history", its data flags).
    facts = {
        (r.charge_text, r.level, r.step_date, r.disp_date, r.convicted)
        for r in rows
        if not r.update
    }
    if len(facts) > 1:
        flags.append("conflicting_count_rows")
    if rejected:
        flags.append("some_rows_rejected")
    if len({r.file for r in rows}) > 1:
        flags.append("count_rows_in_several_files")
    if first.level_flag:
        flags.append(first.level_flag)
    if first.charge_column == "COMMENT_TEXT":
        flags.append("charge_from_comment")
    return flags


class Subject:
    """The kept rows of one subject, grouped for building the history."""

    __slots__ = (
        "arrests",
        "birth_lines",
        "counts",
        "deaths",
        "first",
        "flags",
        "identity",
        "last_identity",
        "registrations",
        "rejected_counts",
        "rejected_lines",
    )

    def __init__(self) -> None:
        self.first: tuple[int, int] | None = None  # (file, line) of the first used row
        self.identity: list[str] = [""] * len(IDENTITY_FIELDS)
        self.last_identity: tuple[str, ...] = ()  # raw person fields of the last row seen
        self.flags: set[str] = set()
        self.counts: dict[str, list[CourtRow]] = {}
        self.arrests: dict[str, list[ArrestRow]] = {}
        self.registrations: list[EventRow] = []
        self.deaths: list[EventRow] = []
        self.rejected_counts: set[str] = set()
        # (file, line) of the first row of each birth date seen: where they conflict
        self.birth_lines: dict[str, tuple[int, int]] | None = None
        self.rejected_lines: list[tuple[int, int]] = []  # (file, line) of rejected rows

    def mark_rejected(self, file: int, line: int) -> None:
        """Note a rejected row of this subject: its record is incomplete."""
        self.flags.add("some_rows_rejected")
        self.rejected_lines.append((file, line))

    def note_identity(self, values: tuple[str, ...]) -> None:
        """Keep the first non-blank value of each person field; flag disagreements."""
        identity = self.identity
        for index, value in enumerate(values):
            if not value:
                continue
            known = identity[index]
            if not known:
                identity[index] = value
            elif known != value:
                self.flags.add(IDENTITY_FIELDS[index][1])
