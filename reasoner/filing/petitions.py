"""The petition remedies' part of a filing: a motion and order per case, in bulk.

For a run that decided PC 1203.4, PC 1203.4a or Proposition 47 (``run --remedy``), ``file``
also writes, for the court's county, one motion and one proposed order per court case:
to set aside and dismiss under PC 1203.4 or 1203.4a (relief by right, or at the court's
discretion with the reasons left for counsel to write), and Proposition 47's application to
redesignate (PC 1170.18(f)) or petition to recall and resentence (PC 1170.18(a)); each
count with its statutory grounds, the programs' own sentence for it
(``remedies/<remedy>.csv``). All the motions of a kind are one DOCX and one PDF, each case
starting on its own page numbered from 1; the orders the same; and ``petitions_list`` (CSV,
XLSX, PDF) lists every count filed for. The rows are chosen here (:func:`petition_entries`,
one pass over each remedy file); the filing's gatherer (``rows.py``) adds the names, dates
of birth, CII and court case numbers from the input, as for its other tables. Nothing here
decides: a count is filed for when the programs gave it a petition's outcome.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cmr_reason.reasoner.engine.remedies import remedy_vocabulary
from cmr_reason.reasoner.filing.tables import Column, Row, Table, number_rows
from cmr_reason.reasoner.run.contents import REMEDIES_DIR
from cmr_reason.reasoner.run.directory import RunDir

#: (remedy, outcome) -> the document kind filed for it.
DOCUMENT_OF = {
    ("pc1203_4", "dismiss"): "pc1203_4",
    ("pc1203_4", "petition_discretionary"): "pc1203_4",
    ("pc1203_4a", "dismiss"): "pc1203_4a",
    ("pc1203_4a", "petition_discretionary"): "pc1203_4a",
    ("prop47", "redesignate"): "prop47_application",
    ("prop47", "reduce"): "prop47_petition",
}
#: Each document kind: its template files (motion, order) and what its files are called.
KINDS = {
    "pc1203_4": ("petition_motion", "petition_order"),
    "pc1203_4a": ("petition_motion", "petition_order"),
    "prop47_application": ("prop47_motion", "prop47_order"),
    "prop47_petition": ("prop47_motion", "prop47_order"),
}
TITLE = "PETITIONS: COUNTS FILED FOR (PC 1203.4, 1203.4a; PC 1170.18)"
USE = (
    "The cases of the motions and applications: one motion and one proposed order per case. "
    "To be filed under seal (PC 13300 et seq.)."
)
WANTED = (
    "subject_id", "conviction_id", "county", "code_section", "level", "disposition_date",
    "remedy", "outcome", "reason", "citations", "explanation", "flags",
)  # fmt: skip
COLUMNS = (
    Column("row", "No.", 3.5, "int"),
    Column("name", "Name", 11),
    Column("date_of_birth", "Date of birth", 6.5, "date"),
    Column("cii", "CII", 6.5),
    Column("case_numbers", "Court case no(s).", 8),
    Column("count", "Count", 3.5, "int"),
    Column("code_section", "Code section", 7),
    Column("level", "Level", 6),
    Column("disposition_date", "Disposition date", 6.5, "date"),
    Column("remedy", "Remedy", 6),
    Column("relief", "Relief", 9),
    Column("citations", "Grounds", 12),
    Column("court", "Court", 0),
    Column("explanation", "Explanation", 0),
    Column("document", "Document", 0),
    Column("subject_id", "Subject id"),
    Column("conviction_id", "Conviction id"),
)


@dataclass(frozen=True)
class PetitionEntry:
    """A count filed for: its cells from the remedy file, and its document kind."""

    document: str
    cells: dict[str, str]


def petition_entries(run: RunDir, county: str) -> dict[str, PetitionEntry]:
    """The county's counts a petition is filed for, keyed by conviction id.

    One pass over each petition remedy's ``remedies/<remedy>.csv``; a conviction may be
    filed for under several remedies (a PC 1203.4 dismissal and a Prop 47 redesignation),
    so the key is the conviction id and the remedy.
    """
    folder = run.path / REMEDIES_DIR
    found: dict[str, PetitionEntry] = {}
    remedies = sorted({remedy for remedy, _ in DOCUMENT_OF})
    for remedy in remedies:
        path = folder / f"{remedy}.csv"
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                document = DOCUMENT_OF.get((remedy, row.get("outcome", "")))
                if document is None or row.get("county") != county:
                    continue
                cells = {k: row.get(k, "") for k in WANTED}
                cells["relief"] = remedy_vocabulary().label(cells["outcome"])
                cells["document"] = document
                found[f"{row['conviction_id']}|{remedy}"] = PetitionEntry(document, cells)
    return found


def has_petitions(run: RunDir) -> bool:
    """Whether the run decided a petition remedy a filing writes motions for."""
    folder = run.path / REMEDIES_DIR
    return any((folder / f"{remedy}.csv").is_file() for remedy, _ in DOCUMENT_OF)


def new_petition_table() -> Table:
    """The list of counts filed for, empty."""
    return Table(
        "petitions_list",
        "Petitions: counts filed for",
        COLUMNS,
        extra=("case_id", "outcome", "flags"),
    )


def number_petition_rows(table: Table) -> None:
    """Sort by name, date of birth, case and conviction, and number the rows from 1."""
    number_rows(table)


def _case_key(row: Row) -> tuple[str, str, str]:
    return (row["document"], row["subject_id"], row["case_id"])


def case_groups(table: Table) -> Iterator[tuple[str, list[Row]]]:
    """The table's rows by document kind and case, in the table's order (one motion each)."""
    groups: dict[tuple[str, str, str], list[Row]] = {}
    for row in table.rows:
        groups.setdefault(_case_key(row), []).append(row)
    for key, rows in groups.items():
        yield key[0], rows


def case_context(document: str, rows: list[Row]) -> dict[str, Any]:
    """What a motion or order of one case is rendered with (beside the settings)."""
    first = rows[0]
    remedy = first["remedy"].replace(".", "_")
    vocab = remedy_vocabulary()
    counts = [
        {
            "count": r["count"],
            "code_section": r["code_section"],
            "level": r["level"],
            "disposition_date": r["disposition_date"],
            "outcome": r["outcome"],
            "relief": r["relief"],
            "grounds": r["citations"].replace(";", "; "),
            "explanation": r["explanation"],
        }
        for r in sorted(rows, key=lambda r: (r["count"].zfill(4), r["conviction_id"]))
    ]
    return {
        "document": document,
        "remedy": {
            "code": remedy,
            "name": vocab.by_code(remedy).name,
            "citation": vocab.by_code(remedy).citation,
        },
        "person": {"name": first["name"], "cii": first["cii"]},
        "case": {"numbers": first["case_numbers"], "court": first["court"]},
        "counts": counts,
        "by_right": [c for c in counts if vocab.kinds.get(c["outcome"]) == "relief"],
        "discretionary": [c for c in counts if c["outcome"] == "petition_discretionary"],
        # After Proposition 47's filing deadline (PC 1170.18(j)): the programs' flag.
        "good_cause": any("good_cause_required" in r["flags"].split(";") for r in rows),
    }
