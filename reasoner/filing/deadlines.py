"""The office's objection-deadline lists of a filing (PC 1203.425(b)).

A prosecuting attorney or probation department may petition to prohibit automatic relief
"no later than 90 calendar days before the date of a person's eligibility for relief"; the
programs give each ``eligible_on`` conviction its deadline (``objection_deadline/3``,
``programs/statutes/pc1203_425.lp``), and the run writes it in ``remedies/<remedy>.csv``.
``file`` turns them into two working lists, not for filing: the convictions whose deadline
falls in the coming weeks (from the run's as-of date to a settable window's end), soonest
first, and apart those whose deadline has passed while their date of eligibility has not.
The rows are chosen here (:func:`deadline_entries`, one pass over the remedy files); the
gatherer of the filing (``rows.py``) adds the names, dates of birth, CII and court case
numbers from the input, as for its other lists. Nothing here decides; dates are compared,
never computed.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cmr_reason.reasoner.filing.tables import Column, Table
from cmr_reason.reasoner.run.contents import REMEDIES_DIR
from cmr_reason.reasoner.run.directory import RunDir

DEFAULT_WINDOW_DAYS = 42  # six weeks
UPCOMING = "objection_deadlines"
PASSED = "objection_deadlines_passed"
TITLES = {
    UPCOMING: "AUTOMATIC RELIEF: OBJECTION DEADLINES IN THE COMING WEEKS (PC 1203.425(b))",
    PASSED: "AUTOMATIC RELIEF: OBJECTION DEADLINES PASSED, RELIEF STILL TO COME (PC 1203.425(b))",
}
USES = {
    UPCOMING: "The office's working list, not for filing: a petition to prohibit relief must "
    "be filed by the deadline, 90 calendar days before the date of eligibility.",
    PASSED: "The office's working list, not for filing: the deadline to petition has passed; "
    "relief comes on the date of eligibility unless the record changes.",
}
ORDER = "sorted by objection deadline, name and conviction"
COLUMNS = (
    Column("row", "No.", 3.5, "int"),
    Column("name", "Name", 12),
    Column("date_of_birth", "Date of birth", 6.5, "date"),
    Column("cii", "CII", 6.5),
    Column("case_numbers", "Court case no(s).", 9),
    Column("code_section", "Code section", 8),
    Column("disposition_date", "Convicted", 6.5, "date"),
    Column("remedy", "Remedy", 6),
    Column("eligible_on", "Eligible on", 6.5, "date"),
    Column("objection_deadline", "Deadline", 6.5, "date"),
    Column("days_left", "Days left", 4, "int"),
    Column("court", "Court", 0),
    Column("subject_id", "Subject id"),
    Column("conviction_id", "Conviction id"),
)
WANTED = ("subject_id", "conviction_id", "county", "code_section", "disposition_date",
          "remedy", "eligible_on", "objection_deadline")  # fmt: skip


@dataclass(frozen=True)
class DeadlineEntry:
    """A conviction on one of the two lists: its cells from the remedy file, and the list."""

    table: str  # UPCOMING or PASSED
    cells: dict[str, str]


def _remedy_files(run: RunDir) -> list[Path]:
    folder = run.path / REMEDIES_DIR
    return sorted(folder.glob("*.csv")) if folder.is_dir() else []


def has_deadline_lists(run: RunDir) -> bool:
    """Whether the run decided a remedy beside Prop 64 (its filing then has the lists)."""
    return bool(_remedy_files(run))


def deadline_entries(run: RunDir, county: str, window_days: int) -> dict[str, DeadlineEntry]:
    """The county's convictions whose objection deadline falls in the window or has passed.

    Keyed by conviction id; one pass over each ``remedies/<remedy>.csv``, keeping only
    the rows with a deadline (``eligible_on`` convictions).
    """
    as_of = run.as_of
    until = as_of + dt.timedelta(days=window_days)
    found: dict[str, DeadlineEntry] = {}
    for path in _remedy_files(run):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if not row.get("objection_deadline") or row.get("county") != county:
                    continue
                deadline = dt.date.fromisoformat(row["objection_deadline"])
                if deadline < as_of:
                    table = PASSED
                elif deadline <= until:
                    table = UPCOMING
                else:
                    continue
                cells = {k: row.get(k, "") for k in WANTED}
                cells["days_left"] = str((deadline - as_of).days)
                found[row["conviction_id"]] = DeadlineEntry(table, cells)
    return found


def new_deadline_tables() -> dict[str, Table]:
    """The two lists, empty, by name."""
    return {name: Table(name, title, COLUMNS, extra=("case_id",)) for name, title in
            (("objection_deadlines", "Objection deadlines in the coming weeks"),
             ("objection_deadlines_passed", "Objection deadlines passed"))}  # fmt: skip


def number_deadline_rows(table: Table) -> None:
    """Sort a list by deadline, name and conviction, and number its rows from 1."""
    index = table.row_type.index
    at = [index[k] for k in ("objection_deadline", "name", "conviction_id")]
    table.rows.sort(key=lambda r: (r.cells[at[0]], r.cells[at[1]].casefold(), r.cells[at[2]]))
    number = index["row"]
    make = table.row_type
    for n, row in enumerate(table.rows, start=1):
        cells = row.cells
        table.rows[n - 1] = make((*cells[:number], str(n), *cells[number + 1 :]))
