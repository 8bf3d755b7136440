"""The office's objection-deadline lists of a filing (PC 1203.425(b)).

A prosecuting attorney may petition to prohibit automatic relief "no later than 90
calendar days before the date of a person's eligibility for relief"; the programs give
each ``eligible_on`` conviction its deadline (``objection_deadline/3``,
``programs/statutes/pc1203_425.lp``), and the run writes it in ``remedies/<remedy>.csv``.
``file`` turns them into two working lists, not for filing: the convictions whose deadline
falls in the coming weeks (from the run's as-of date, a settable window), soonest first,
and apart those whose deadline has passed while their eligibility date has not. Nothing
here decides; dates are compared, never computed.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from cmr_reason.reasoner.filing.tables import Column, Row, Table, row_type
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
    "be filed by the deadline, 90 days before the date of eligibility.",
    PASSED: "The office's working list, not for filing: the deadline to petition has passed; "
    "relief comes on the date of eligibility unless the record changes.",
}
ORDER = "sorted by objection deadline, name and conviction"
COLUMNS = (
    Column("row", "No.", 3.5, "int"),
    Column("name", "Name", 13),
    Column("date_of_birth", "Date of birth", 6.5, "date"),
    Column("subject_id", "Subject id", 7),
    Column("case_id", "Case", 8),
    Column("conviction_id", "Conviction", 10),
    Column("code_section", "Charge", 8),
    Column("disposition_date", "Convicted", 6.5, "date"),
    Column("remedy", "Remedy", 6),
    Column("eligible_on", "Eligible on", 6.5, "date"),
    Column("objection_deadline", "Deadline", 6.5, "date"),
    Column("days_left", "Days left", 4, "int"),
)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def deadline_rows(run: RunDir, county: str | None) -> list[dict[str, str]]:
    """The run's ``eligible_on`` convictions with an objection deadline, in the county."""
    folder = run.path / REMEDIES_DIR
    if not folder.is_dir():
        return []
    rows = []
    for path in sorted(folder.glob("*.csv")):
        for row in _read(path):
            if row.get("objection_deadline") and (not county or row.get("county") == county):
                rows.append(row)
    return rows


def objection_tables(
    run: RunDir, county: str | None, window_days: int = DEFAULT_WINDOW_DAYS
) -> list[Table]:
    """The two working lists, or none when the run decided no remedy with a deadline."""
    found = deadline_rows(run, county)
    if not found and not (run.path / REMEDIES_DIR).is_dir():
        return []
    people = {p["subject_id"]: p for p in run.people}
    as_of = run.as_of
    until = as_of + dt.timedelta(days=window_days)
    keyed = row_type(c.key for c in COLUMNS)
    lists: dict[str, list[tuple[tuple[str, str, str], tuple[str, ...]]]] = {
        UPCOMING: [],
        PASSED: [],
    }
    for row in found:
        deadline = dt.date.fromisoformat(row["objection_deadline"])
        if deadline < as_of:
            name = PASSED
        elif deadline <= until:
            name = UPCOMING
        else:
            continue
        person = people.get(row["subject_id"], {})
        cells = (
            person.get("name", ""),
            person.get("birth_date", ""),
            row["subject_id"],
            row["case_id"],
            row["conviction_id"],
            row["code_section"],
            row["disposition_date"],
            row["remedy"],
            row["eligible_on"],
            row["objection_deadline"],
            str((deadline - as_of).days),
        )
        lists[name].append(((row["objection_deadline"], cells[0], row["conviction_id"]), cells))
    tables = []
    for name, entries in lists.items():
        entries.sort()
        rows: list[Row] = [keyed((str(i), *cells)) for i, (_, cells) in enumerate(entries, 1)]
        tables.append(Table(name, TITLES[name], COLUMNS, rows))
    return tables
