"""The rows of a filing, gathered from a finished run: Exhibit 1, sealing, challenges, reviews.

Outcomes, reasons, prosecuting agencies and sealable cases come from the run's files;
names, dates of birth, CII numbers, court case numbers, courts and count numbers from its
hash-checked inputs. A run whose ``convictions.csv`` has no ``prosecuting_agency`` column
(made by an older version) has its people re-decided exactly as it decided them, for the
agency; a decision that came out differently stops the filing. Nothing here decides anything.

Gathering reads each file once, as a stream: ``cases.csv``, then ``convictions.csv``
(keeping only the filed convictions' few cells), then the input, whose people are read (and
re-decided, for an older run) in batches, by worker processes with ``workers`` > 1, as the
bulk run reads them. Rows are compact (:class:`Row`: a tuple read by key), so a county's
filing fits in a few hundred MB.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from cmr_reason.facts.doj.reader import Orphans
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.history_reader import input_kind, read_lp_histories
from cmr_reason.reasoner.engine.vocabulary import vocabulary
from cmr_reason.reasoner.filing.deadlines import (
    DeadlineEntry,
    new_deadline_tables,
    number_deadline_rows,
)
from cmr_reason.reasoner.filing.petitions import (
    PetitionEntry,
    new_petition_table,
    number_petition_rows,
)
from cmr_reason.reasoner.filing.tables import (
    EXHIBIT_COLUMNS,
    LIST_COLUMNS,
    SEALING_COLUMNS,
    SOURCE_ROW,
    Column,
    Row,
    Table,
    new_tables,
    number_rows,
)
from cmr_reason.reasoner.filing.worker import (
    CountCells,
    PersonCells,
    PersonSpec,
    count_number,
    court_label,
    decide_people,
)
from cmr_reason.reasoner.run.batch_child import BatchProcessLost, lost_error
from cmr_reason.reasoner.run.batch_worker import Item
from cmr_reason.reasoner.run.bulk import DEFAULT_BATCH, route_doj
from cmr_reason.reasoner.run.directory import RunDir
from cmr_reason.reasoner.run.pool import decided_batches, in_batches

# Re-exported: the cells' sources and the tables, for the filing's other modules.
__all__ = [
    "EXHIBIT_COLUMNS", "LIST_COLUMNS", "SEALING_COLUMNS", "Column", "Row", "Table",
    "count_number", "court_label",
]  # fmt: skip

DEFAULT_AGENCY = "District Attorney"
# Which table of the filing an outcome goes to; the outcomes and their labels are the
# programs' (outcome/3 in programs/core/vocabulary.lp).
DISMISS = ("dismiss_and_seal",)
REDESIGNATE = ("redesignate_misdemeanor", "redesignate_infraction")
RESENTENCE = ("resentence",)
EXHIBIT = (*DISMISS, *REDESIGNATE)  # the relief Exhibit 1 requests, by its label
FILED = vocabulary().of_kind("relief", "review", "not_eligible")
LIST_OF = {"not_eligible": "challenge", "resentence": "resentence", "review": "review"}
PROGRESS_EVERY = 5000  # rows of convictions.csv between two progress reports
READ_BATCH = 2000  # people a worker reads at a time when none is re-decided

#: ``progress(stage, done, total)``: stage ``run`` counts rows of ``convictions.csv``,
#: ``people`` the people read from the input (``re-decide`` instead: re-decided).
Progress = Callable[[str, int, int], None]


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
    source_rows: dict[str, list[Row]]
    other_county_rows: int = 0
    # The objection-deadline lists of a run with a remedy beside Prop 64 (deadlines.py).
    deadlines: list[Table] = field(default_factory=list)
    # The counts a petition is filed for (petitions.py), and those the input did not show.
    petitions: Table | None = None
    petitions_unmatched: int = 0


class _Case(NamedTuple):
    case_numbers: str
    court: str
    disposition_date: str
    convictions: str
    dismissed: int
    remaining: tuple[str, ...]
    sealable: str


class _Filed(NamedTuple):
    """The cells of a filed conviction that come from ``convictions.csv``."""

    outcome: str
    level: str
    code_section: str
    disposition_date: str
    reason: str
    deciding_rule: str
    detail: str
    agency: str  # as the run recorded it (empty: the District Attorney, or not recorded)


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.reader(handle)


def _indexed(rows: Iterator[list[str]], path: Path, wanted: Iterable[str]) -> list[int]:
    header = next(rows, [])
    try:
        return [header.index(k) for k in wanted]
    except ValueError as exc:
        raise UserError(f"{path} lacks a column the filing needs ({exc})") from None


class _Gatherer:
    """Builds the tables for one county from a run, one pass over each file."""

    def __init__(
        self,
        run: RunDir,
        county: str,
        progress: Progress | None,
        deadlines: dict[str, DeadlineEntry] | None = None,
        petitions: dict[str, PetitionEntry] | None = None,
    ) -> None:
        self.run = run
        self.petitions = petitions  # None: the run decided no petition remedy
        self.petition_table = new_petition_table() if petitions is not None else None
        self.deadlines = deadlines  # None: the run decided no remedy with deadlines
        self.deadline_tables = new_deadline_tables() if deadlines is not None else {}
        self.county = county
        self.progress = progress
        self.catalogue = run.catalogue
        self.tables = new_tables()
        self.cases: dict[str, _Case] = {}
        self.outcomes: dict[str, str] = {}  # every conviction's outcome, to check re-deciding
        self.re_decide = False  # True for a run that did not record the prosecuting agency
        self.filed: dict[str, _Filed] = {}  # this county's filed convictions, until used
        self.remaining: dict[str, tuple[str, str]] = {}  # code section, level
        self.subjects: set[str] = set()
        self.source_rows: dict[str, list[Row]] = {
            kind: [] for kind in ("dismissal", "redesignation", "challenge", "review",
                                  "resentence")}  # fmt: skip
        self.other = 0
        self.grounds: dict[tuple[str, str], tuple[str, str]] = {}
        self.shared: dict[str, str] = {}  # one string object per value of a repetitive cell

    def read_cases(self) -> None:
        path = self.run.path / "cases.csv"
        rows = _csv_rows(path)
        keys = ("case_id", "court", "case_numbers", "disposition_date", "convictions",
                "dismissed_conviction_ids", "remaining_conviction_ids", "sealable")  # fmt: skip
        at = _indexed(rows, path, keys)
        for row in rows:
            cid, court, numbers, date, convictions, dismissed, remaining, sealable = (
                row[i] for i in at
            )
            kept = tuple(filter(None, remaining.split(";")))
            dismissed_ids = [c for c in dismissed.split(";") if c]
            self.cases[cid] = _Case(numbers, court, date, convictions, len(dismissed_ids),
                                    kept, sealable)  # fmt: skip
            if dismissed_ids:
                self.remaining.update((c, ("", "")) for c in kept)

    def read_convictions(self) -> None:
        path = self.run.path / "convictions.csv"
        rows = _csv_rows(path)
        keys = ("subject_id", "conviction_id", "county", "outcome", "level", "code_section",
                "raw_charge", "disposition_date", "reason", "rule_ids", "explanation",
                "statutory_outcome")  # fmt: skip
        header = next(rows, [])
        self.re_decide = "prosecuting_agency" not in header
        at = _indexed(iter([header]), path, keys)
        agency_at = None if self.re_decide else header.index("prosecuting_agency")
        total = int(self.run.manifest.get("counts", {}).get("convictions", 0))
        names: dict[str, str] = {}  # one string object per distinct short value
        for number, row in enumerate(rows, start=1):
            (sid, cid, county, outcome, level, section, raw, date, reason, rule_ids,
             explanation, statutory) = (row[i] for i in at)  # fmt: skip
            outcome = names.setdefault(outcome, outcome)
            if self.re_decide:
                self.outcomes[cid] = outcome
            if cid in self.remaining:
                self.remaining[cid] = (section, names.setdefault(level, level))
            if self.progress and number % PROGRESS_EVERY == 0:
                self.progress("run", number, total)
            if outcome not in FILED:
                continue
            if county != self.county:
                self.other += 1
                continue
            level = names.setdefault(level, level)
            self.subjects.add(sid)
            listed = outcome in LIST_OF
            detail = explanation.split(": ", 1)[1] if ": " in explanation else explanation
            agency = "" if agency_at is None else row[agency_at]
            self.filed[cid] = _Filed(
                outcome, level, section or raw, date, names.setdefault(reason, reason),
                rule_ids.split(";")[0] if rule_ids else "", detail if listed else "",
                names.setdefault(agency, agency),
            )  # fmt: skip
            kind = ("dismissal" if outcome in DISMISS else
                    "redesignation" if outcome in REDESIGNATE else LIST_OF[outcome])  # fmt: skip
            statutory = names.setdefault(statutory, statutory)
            self.source_rows[kind].append(SOURCE_ROW((cid, outcome, level, statutory)))
        if self.progress:
            self.progress("run", total, total)

    def one(self, value: str) -> str:
        """One string object for each value of a repetitive cell (courts, sections, ...)."""
        return self.shared.setdefault(value, value)

    def ground(self, filed: _Filed) -> tuple[str, str]:
        key = (filed.reason, filed.deciding_rule)
        found = self.grounds.get(key)
        if found is None:
            rule = filed.deciding_rule
            found = self.grounds[key] = (
                self.catalogue.reason_text(filed.reason),
                self.catalogue.rule(rule).citation if rule else "",
            )
        return found

    def add_person(self, person: PersonCells, counts: list[CountCells]) -> None:
        """Add a person's rows to the tables (a re-decided person checked against the run)."""
        for count in counts if self.re_decide else ():
            run_outcome = self.outcomes.get(count.conviction_id)
            if count.outcome is None or run_outcome is None or count.outcome != run_outcome:
                raise UserError(
                    f"conviction {count.conviction_id}: re-deciding does not give the run's "
                    "outcome; re-run the run before filing", exit_code=3,
                )  # fmt: skip
        numbers = {c.conviction_id: c.count for c in counts}
        one = self.one
        sealing: dict[str, dict[str, str]] = {}
        for count in counts:
            if self.deadlines:
                self.add_deadline(person, count)
            if self.petitions:
                self.add_petitions(person, count)
            filed = self.filed.pop(count.conviction_id, None)
            if filed is None:
                continue
            case = self.cases.get(count.case_id)
            cells = {
                "name": person.name,
                "date_of_birth": person.date_of_birth,
                "cii": person.cii,
                "case_numbers": count.case_numbers
                or (case.case_numbers.replace(";", "; ") if case else ""),
                "court": one(count.court or (case.court if case else "")),
                "subject_id": person.subject_id,
                "case_id": count.case_id,
                "count": one(count.count),
                "code_section": one(filed.code_section),
                "level": filed.level,
                "disposition_date": filed.disposition_date,
                "conviction_id": count.conviction_id,
                "prosecuting_agency": one(
                    (count.agency if self.re_decide else filed.agency) or DEFAULT_AGENCY
                ),
            }
            outcome = filed.outcome
            if outcome in EXHIBIT:
                cells["relief_requested"] = vocabulary().label(outcome)
                cells["case_sealed"] = "yes" if case and case.sealable == "yes" else "no"
                if outcome in DISMISS:
                    self.tables["dismissal"].add(cells)
                    sealing.setdefault(count.case_id, cells)
                else:
                    self.tables["redesignation"].add(cells)
            else:
                cells["ground"], cells["citation"] = self.ground(filed)
                cells["detail"] = filed.detail
                self.tables[LIST_OF[outcome]].add(cells)
        for case_id, cells in sealing.items():
            self.tables["sealing"].add(self.sealing_cells(case_id, cells, numbers))

    def add_deadline(self, person: PersonCells, count: CountCells) -> None:
        """Add a conviction to its objection-deadline list, if it is on one."""
        assert self.deadlines is not None
        entry = self.deadlines.pop(count.conviction_id, None)
        if entry is None:
            return
        case = self.cases.get(count.case_id)
        self.deadline_tables[entry.table].add({
            **entry.cells,
            "name": person.name,
            "date_of_birth": person.date_of_birth,
            "cii": person.cii,
            "case_numbers": count.case_numbers
            or (case.case_numbers.replace(";", "; ") if case else ""),
            "court": self.one(count.court or (case.court if case else "")),
            "case_id": count.case_id,
        })  # fmt: skip

    def add_petitions(self, person: PersonCells, count: CountCells) -> None:
        """Add a conviction's counts filed for under each petition remedy, if any."""
        assert self.petitions is not None and self.petition_table is not None
        for remedy in ("pc1203_4", "pc1203_4a", "prop47"):
            entry = self.petitions.pop(f"{count.conviction_id}|{remedy}", None)
            if entry is None:
                continue
            case = self.cases.get(count.case_id)
            self.petition_table.add({
                **entry.cells,
                "name": person.name,
                "date_of_birth": person.date_of_birth,
                "cii": person.cii,
                "case_numbers": count.case_numbers
                or (case.case_numbers.replace(";", "; ") if case else ""),
                "court": self.one(count.court or (case.court if case else "")),
                "count": self.one(count.count),
                "case_id": count.case_id,
            })  # fmt: skip

    def sealing_cells(
        self, case_id: str, cells: dict[str, str], numbers: dict[str, str]
    ) -> dict[str, str]:
        case = self.cases.get(case_id)
        if case is None:
            raise UserError(f"case {case_id} of a dismissed conviction is not in the run's "
                            "cases.csv; re-run the run before filing", exit_code=3)  # fmt: skip
        remaining = []
        for cid in case.remaining:
            section, level = self.remaining.get(cid, ("", ""))
            remaining.append(f"count {numbers.get(cid, cid)}: {section or '?'}"
                             f"{f', {level}' if level else ''}")  # fmt: skip
        return {
            **cells,
            "disposition_date": case.disposition_date,
            "convictions_in_case": case.convictions,
            "dismissed_in_case": str(case.dismissed),
            "case_sealed": "yes" if case.sealable == "yes" else "no",
            "remaining_convictions": "; ".join(remaining),
            "case_numbers": case.case_numbers.replace(";", "; ") or cells["case_numbers"],
        }

    def gather(self, workers: int) -> FilingRows:
        self.read_cases()
        self.read_convictions()
        if self.deadlines:
            self.subjects.update(e.cells["subject_id"] for e in self.deadlines.values())
        if self.petitions:
            self.subjects.update(e.cells["subject_id"] for e in self.petitions.values())
        people = _people(self.run, self.subjects, workers, self.progress, self.re_decide)
        for person, counts in people:
            self.add_person(person, counts)
        for table in self.tables.values():
            number_rows(table)
        for table in self.deadline_tables.values():
            number_deadline_rows(table)
        if self.petition_table is not None:
            number_petition_rows(self.petition_table)
        return FilingRows(county=self.county, source_rows=self.source_rows,
                          other_county_rows=self.other,
                          deadlines=list(self.deadline_tables.values()),
                          petitions=self.petition_table,
                          petitions_unmatched=len(self.petitions or {}),
                          **self.tables)  # fmt: skip


def _items(
    run: RunDir, subjects: set[str], stack: ExitStack, workers: int
) -> tuple[Iterator[Item], Orphans]:
    """The input's people the filing concerns, in subject order, as the bulk run reads them.

    With them, the input's rejected lines that name no subject (given to a person by CII).
    """
    paths = run.input_paths()
    if input_kind(paths) == "lp":
        read = read_lp_histories(paths)
        return (h for h in read.items() if h.subject_id in subjects), {}
    stream = route_doj(paths, run.encoding, workers, run.repairs)
    stack.enter_context(stream)
    return (item for item in stream.items() if item[0] in subjects), stream.orphans


def _people(
    run: RunDir, subjects: set[str], workers: int, progress: Progress | None, re_decide: bool
) -> Iterator[tuple[PersonCells, list[CountCells]]]:
    """Each person the filing concerns, read (and re-decided), in subject order."""
    spec = PersonSpec(programs=run.programs, as_of=run.as_of, scope_county=run.county,
                      files=tuple(str(p) for p in run.input_paths()),
                      extra_facts=run.decision_facts if re_decide else "",
                      decide=re_decide)  # fmt: skip
    stage = "re-decide" if re_decide else "people"
    done = 0
    with ExitStack() as stack:
        size = DEFAULT_BATCH if re_decide else READ_BATCH
        try:
            items, orphans = _items(run, subjects, stack, workers)
            spec = replace(spec, orphans=orphans)
            batches = in_batches(items, size)
            for batch in decided_batches(decide_people, batches, spec, workers, fresh=spec.decide):
                yield from batch.people
                done += len(batch.people)
                if progress:
                    progress(stage, done, len(subjects))
        except BatchProcessLost as exc:  # a reader's or a batch's process: one line
            # The filing has no --batch-size: fewer workers is what uses less memory.
            raise lost_error(exc, "the filing was not written", "fewer --workers") from None


def gather_rows(
    run: RunDir,
    county: str,
    progress: Progress | None = None,
    workers: int = 1,
    deadlines: dict[str, DeadlineEntry] | None = None,
    petitions: dict[str, PetitionEntry] | None = None,
) -> FilingRows:
    """The filing's tables for ``county`` (DOJ spelling, e.g. ``LOS ANGELES``).

    ``deadlines`` (:func:`~cmr_reason.reasoner.filing.deadlines.deadline_entries`, for a run
    with a remedy beside Prop 64) adds the two objection-deadline lists; ``petitions``
    (:func:`~cmr_reason.reasoner.filing.petitions.petition_entries`) the counts filed for.
    """
    return _Gatherer(run, county, progress, deadlines, petitions).gather(workers)
