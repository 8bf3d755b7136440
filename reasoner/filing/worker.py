"""Read the filing cells of a batch of the people a filing concerns (a worker process).

The filing needs, for each person it names, what only the run's input holds (name, date of
birth, CII number, the court case numbers, the court and each count's number). A run made
before ``convictions.csv`` recorded the prosecuting agency is re-decided here, exactly as
the run decided it (the bulk run's lean view), for the agency; the parent then checks every
outcome against the run's ``convictions.csv``. Nothing here decides anything new.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cmr_reason.facts.doj.history_builder import build_history
from cmr_reason.facts.doj.reader import Orphans, use_rows
from cmr_reason.facts.history import Conviction, Court, History
from cmr_reason.facts.process_stats import peak_rss_kib
from cmr_reason.reasoner.engine.decision import Decision
from cmr_reason.reasoner.engine.program_set import ProgramSet
from cmr_reason.reasoner.engine.solver import decide
from cmr_reason.reasoner.run.batch_worker import Item

COURT_KINDS = {"CASC": "Superior Court", "CAMC": "Municipal Court", "CAJC": "Justice Court"}


@dataclass
class PersonSpec:
    """What every batch of a filing shares: the run's rules, date, scope and decisions."""

    programs: ProgramSet
    as_of: dt.date
    scope_county: str | None
    files: tuple[str, ...]
    extra_facts: str = ""
    decide: bool = True  # False: the run recorded the agencies; only read the input
    orphans: Orphans = field(default_factory=dict)  # rejected lines without a subject


@dataclass(frozen=True)
class PersonCells:
    """A person's cells, shared by each of their rows."""

    subject_id: str
    name: str
    date_of_birth: str
    cii: str


@dataclass(frozen=True)
class CountCells:
    """One conviction as re-decided, with the cells only the input holds."""

    conviction_id: str
    case_id: str
    outcome: str | None  # None: not re-decided, or the rules gave it no decision
    agency: str
    case_numbers: str
    court: str
    count: str


@dataclass
class PersonBatch:
    """A batch's people, each with their convictions in history order."""

    index: int
    people: list[tuple[PersonCells, list[CountCells]]] = field(default_factory=list)
    peak_rss_kib: int = 0
    pid: int = 0


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


def decide_people(index: int, items: Sequence[Item], spec: PersonSpec) -> PersonBatch:
    """A batch of people's filing cells, re-decided when ``spec.decide``."""
    enabled = gc.isenabled()
    gc.disable()  # a batch makes many objects that live until it ends: no cycle hunting
    try:
        histories = _histories(items, spec.files, spec.orphans)
        decisions: dict[str, Decision] = {}
        if spec.decide:
            decisions = decide(
                histories, spec.programs, spec.as_of, spec.scope_county, spec.extra_facts,
                lean=True,
            ).decisions  # fmt: skip
        batch = PersonBatch(index=index, pid=os.getpid())
        for history in histories:
            batch.people.append((_person(history), [
                _count(conv, decisions.get(conv.conviction_id)) for conv in history.convictions
            ]))  # fmt: skip
        batch.peak_rss_kib = peak_rss_kib()
        return batch
    finally:
        if enabled:
            gc.enable()


def _histories(items: Sequence[Item], files: tuple[str, ...], orphans: Orphans) -> list[History]:
    """Built histories as given, DOJ subjects' rows built as the run builds them.

    A rejected line that names no subject goes to the person whose rows show its CII number.
    """
    built = [item for item in items if isinstance(item, History)]
    rows = [item for item in items if not isinstance(item, History)]
    if rows:
        subjects, _ = use_rows(rows, files, orphans)
        built += [build_history(sid, subject, files) for sid, subject in subjects]
    return built


def _person(history: History) -> PersonCells:
    person = history.person
    birth = person.birth_date.isoformat() if person.birth_date else ""
    return PersonCells(history.subject_id, person.name, birth, person.cii)


def _count(conv: Conviction, decision: Decision | None) -> CountCells:
    return CountCells(
        conviction_id=conv.conviction_id,
        case_id=conv.case_id,
        outcome=decision.outcome if decision else None,
        agency=decision.agency if decision else "",
        case_numbers="; ".join(conv.case_numbers),
        court=court_label(conv.court),
        count=count_number(conv),
    )
