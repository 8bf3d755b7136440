"""The rows of a filing, gathered from a finished run: Exhibit 1, sealing, challenges, reviews.

Outcomes, reasons and sealable cases come from the run's files; names, dates of birth, CII
numbers, court case numbers, courts and count numbers from its hash-checked inputs; the
prosecuting agency from re-deciding the people concerned exactly as the run did (a decision
that came out differently stops the filing). Nothing here decides anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.history import Conviction, Court, History
from cmr_reason.reasoner.run_dir import RunDir
from cmr_reason.reasoner.vocabulary import vocabulary

DEFAULT_AGENCY = "District Attorney"
# Which table of the filing an outcome goes to; the outcomes and their labels are the
# programs' (outcome/3 in programs/core/vocabulary.lp).
DISMISS = ("dismiss_and_seal",)
REDESIGNATE = ("redesignate_misdemeanor", "redesignate_infraction")
RESENTENCE = ("resentence",)
EXHIBIT = (*DISMISS, *REDESIGNATE)  # the relief Exhibit 1 requests, by its label
FILED = vocabulary().of_kind("relief", "review", "not_eligible")
COURT_KINDS = {"CASC": "Superior Court", "CAMC": "Municipal Court", "CAJC": "Justice Court"}
BATCH = 2000


@dataclass(frozen=True)
class Column:
    """A column of a filing table; ``width`` is its share of a PDF page (0: not printed)."""

    key: str
    header: str
    width: float = 0.0


@dataclass
class Table:
    """A titled table of string cells, one dict per row, in filing order."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, str]] = field(default_factory=list)


PERSON = (
    Column("row", "No.", 3.5),
    Column("name", "Name", 13),
    Column("date_of_birth", "Date of birth", 6.5),
    Column("cii", "CII", 6.5),
    Column("case_numbers", "Court case no(s).", 9),
    Column("court", "Court", 12),
)
COUNT = (
    Column("count", "Count", 3.5),
    Column("code_section", "Code section", 8),
    Column("level", "Level", 6.5),
    Column("disposition_date", "Disposition date", 6.5),
)
IDS = (Column("subject_id", "Subject id"), Column("conviction_id", "Conviction id"))
EXHIBIT_COLUMNS = (
    *PERSON, *COUNT,
    Column("relief_requested", "Relief requested", 8.5),
    Column("prosecuting_agency", "Prosecuting agency", 8),
    Column("case_sealed", "Case sealed", 4.5),
    *IDS,
)  # fmt: skip
LIST_COLUMNS = (
    *PERSON[:5], *COUNT,
    Column("ground", "Ground", 12),
    Column("citation", "Citation", 8),
    Column("detail", "Detail", 19),
    Column("prosecuting_agency", "Prosecuting agency", 0),
    Column("court", "Court", 0),
    *IDS,
)  # fmt: skip
SEALING_COLUMNS = (
    *PERSON,
    Column("disposition_date", "Disposition date", 6.5),
    Column("convictions_in_case", "Convictions", 6),
    Column("dismissed_in_case", "Dismissed", 5),
    Column("case_sealed", "Case sealed", 4.5),
    Column("remaining_convictions", "Remaining convictions (not dismissed)", 21),
    Column("subject_id", "Subject id"),
    Column("case_id", "Case id"),
)


def count_number(conv: Conviction) -> str:
    """The count's number within its case (DOJ ``CNT_ORDER`` digits 7-9), else as written."""
    order = conv.count_order
    if len(order) == 12 and order.isdigit():
        return str(int(order[6:9]))
    return order


def court_label(court: Court) -> str:
    """``Superior Court, San Fernando`` from ``CASC SAN FERNANDO``; other courts as written."""
    kind = COURT_KINDS.get(court.kind)
    if kind and court.place:
        return f"{kind}, {court.place.title()}"
    return court.description


def _sort_key(row: dict[str, str]) -> tuple[str, ...]:
    return (row["name"].casefold(), row["date_of_birth"], row["case_numbers"],
            row.get("case_id", ""), row.get("conviction_id", ""))  # fmt: skip


def _numbered(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    rows.sort(key=_sort_key)
    for index, row in enumerate(rows, start=1):
        row["row"] = str(index)
    return rows


@dataclass
class FilingRows:
    """Everything a filing holds, with the run's rows it came from."""

    county: str
    dismissal: Table
    redesignation: Table
    sealing: Table
    challenge: Table
    review: Table
    resentence: Table
    source_rows: dict[str, list[dict[str, str]]]
    other_county_rows: int = 0


class _Gatherer:
    """Builds the tables for one county from a run."""

    def __init__(self, run: RunDir, county: str) -> None:
        self.run = run
        self.county = county
        self.catalogue = run.catalogue
        self.cases = {row["case_id"]: row for row in run.cases}
        self.by_id = {row["conviction_id"]: row for row in run.convictions}

    def _histories(self, subjects: set[str]) -> Iterator[tuple[History, dict[str, str]]]:
        """Needed histories with each conviction's agency, re-decided in batches."""
        batch: list[History] = []
        for history in self.run.histories():
            if history.subject_id in subjects:
                batch.append(history)
            if len(batch) >= BATCH:
                yield from self._decided(batch)
                batch = []
        if batch:
            yield from self._decided(batch)

    def _decided(self, batch: list[History]) -> Iterator[tuple[History, dict[str, str]]]:
        decisions = self.run.decide(batch).decisions
        for history in batch:
            agencies: dict[str, str] = {}
            for conv in history.convictions:
                decision = decisions.get(conv.conviction_id)
                row = self.by_id.get(conv.conviction_id)
                if decision is None or row is None or decision.outcome != row["outcome"]:
                    raise UserError(
                        f"conviction {conv.conviction_id}: re-deciding does not give the "
                        "run's outcome; re-run the run before filing", exit_code=3,
                    )  # fmt: skip
                agencies[conv.conviction_id] = decision.agency or DEFAULT_AGENCY
            yield history, agencies

    def person_cells(self, history: History, conv: Conviction) -> dict[str, str]:
        person = history.person
        case = self.cases.get(conv.case_id, {})
        numbers = "; ".join(conv.case_numbers) or case.get("case_numbers", "").replace(";", "; ")
        return {
            "name": person.name,
            "date_of_birth": person.birth_date.isoformat() if person.birth_date else "",
            "cii": person.cii,
            "case_numbers": numbers,
            "court": court_label(conv.court) or case.get("court", ""),
            "subject_id": history.subject_id,
            "case_id": conv.case_id,
        }

    def conviction_cells(self, history: History, conv: Conviction) -> dict[str, str]:
        row = self.by_id[conv.conviction_id]
        cells = self.person_cells(history, conv)
        cells.update(
            count=count_number(conv),
            code_section=row["code_section"] or row["raw_charge"],
            level=row["level"],
            disposition_date=row["disposition_date"],
            conviction_id=conv.conviction_id,
        )
        return cells

    def ground(self, row: dict[str, str]) -> dict[str, str]:
        deciding = row["rule_ids"].split(";")[0] if row["rule_ids"] else ""
        explanation = row["explanation"]
        return {
            "ground": self.catalogue.reason_text(row["reason"]),
            "citation": self.catalogue.rule(deciding).citation if deciding else "",
            "detail": explanation.split(": ", 1)[1] if ": " in explanation else explanation,
        }

    def gather(self) -> FilingRows:
        mine = [r for r in self.run.convictions if r["outcome"] in FILED]
        other = sum(r["county"] != self.county for r in mine)
        mine = [r for r in mine if r["county"] == self.county]
        tables = {
            "dismissal": Table("dismissal_exhibit1", "Exhibit 1: convictions to dismiss and seal",
                               EXHIBIT_COLUMNS),
            "redesignation": Table("redesignation_exhibit1",
                                   "Exhibit 1: convictions to redesignate", EXHIBIT_COLUMNS),
            "sealing": Table("sealing_list", "Cases to seal, and cases that cannot be sealed",
                             SEALING_COLUMNS),
            "challenge": Table("challenge_list",
                               "Convictions the People challenge (HS 11361.9(d))", LIST_COLUMNS),
            "review": Table("review_list", "Convictions awaiting review", LIST_COLUMNS),
            "resentence": Table("resentence_list",
                                "Convictions still being served: recall or dismissal of sentence "
                                "(HS 11361.8(a)-(b))", LIST_COLUMNS),
        }  # fmt: skip
        wanted = {r["conviction_id"] for r in mine}
        dismissed_cases: dict[str, tuple[History, Conviction]] = {}
        for history, agencies in self._histories({r["subject_id"] for r in mine}):
            for conv in history.convictions:
                if conv.conviction_id not in wanted:
                    continue
                row = self.by_id[conv.conviction_id]
                cells = self.conviction_cells(history, conv)
                cells["prosecuting_agency"] = agencies[conv.conviction_id]
                outcome = row["outcome"]
                if outcome in EXHIBIT:
                    cells["relief_requested"] = vocabulary().label(outcome)
                    case = self.cases.get(conv.case_id, {})
                    cells["case_sealed"] = "yes" if case.get("sealable") == "yes" else "no"
                    kind = "dismissal" if outcome in DISMISS else "redesignation"
                    if kind == "dismissal":
                        dismissed_cases.setdefault(conv.case_id, (history, conv))
                else:
                    cells.update(self.ground(row))
                    kind = {"not_eligible": "challenge", "resentence": "resentence"}.get(
                        outcome, "review"
                    )
                tables[kind].rows.append(cells)
        for history, conv in dismissed_cases.values():
            tables["sealing"].rows.append(self.sealing_cells(history, conv))
        for table in tables.values():
            _numbered(table.rows)
        return FilingRows(
            county=self.county,
            source_rows={kind: [r for r in mine if r["outcome"] in outcomes]
                         for kind, outcomes in (("dismissal", DISMISS),
                                                ("redesignation", REDESIGNATE),
                                                ("challenge", ("not_eligible",)),
                                                ("review", ("review",)),
                                                ("resentence", RESENTENCE))},
            other_county_rows=other,
            **tables,
        )  # fmt: skip

    def sealing_cells(self, history: History, conv: Conviction) -> dict[str, str]:
        case = self.cases[conv.case_id]
        cells = self.person_cells(history, conv)
        remaining = []
        for cid in filter(None, case["remaining_conviction_ids"].split(";")):
            row = self.by_id.get(cid, {})
            count = next((count_number(c) for c in history.convictions
                          if c.conviction_id == cid), cid)  # fmt: skip
            level = f", {row['level']}" if row.get("level") else ""
            remaining.append(f"count {count}: {row.get('code_section') or '?'}{level}")
        dismissed = [c for c in case["dismissed_conviction_ids"].split(";") if c]
        cells.update(
            disposition_date=case["disposition_date"],
            convictions_in_case=case["convictions"],
            dismissed_in_case=str(len(dismissed)),
            case_sealed="yes" if case["sealable"] == "yes" else "no",
            remaining_convictions="; ".join(remaining),
            case_numbers=case["case_numbers"].replace(";", "; ") or cells["case_numbers"],
        )
        return cells


def gather_rows(run: RunDir, county: str) -> FilingRows:
    """The filing's tables for ``county`` (DOJ spelling, e.g. ``LOS ANGELES``)."""
    return _Gatherer(run, county).gather()
