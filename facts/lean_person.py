"""What the bulk run's output rows need of one person, as plain values (no pydantic).

A bulk run renders millions of rows; it reads a person's identity, convictions and court
cases from a :class:`LeanPerson`, which the DOJ reader builds straight from a subject's rows
(:mod:`cmr_reason.facts.doj.direct`) and :func:`lean_person` builds from a :class:`History`
(hand-written input). Dates are ``YYYYMMDD`` integers or None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cmr_reason.facts.dates import to_yyyymmdd
from cmr_reason.facts.history import Charge, History

# Each class has its own ``__init__`` (``init=False``): compiled by mypyc it costs about a
# third of the one the dataclass decorator generates, which the interpreter runs; a bulk run
# makes these by the thousand a batch (tests/bench/analysis.md, eighth round).


@dataclass(slots=True, init=False)
class LeanConviction:
    """A conviction's values that do not depend on the decision."""

    conviction_id: str
    case_id: str
    file: str  # the input file of its rows
    line: int  # its first line in that file
    county: str
    disposition_date: int | None
    charge: Charge
    code_section: str  # ``charge.code_section()``, worked out once
    level: str  # felony | misdemeanor | infraction, or "" when unknown
    court: str  # the court's description (ORI), as written
    case_numbers: tuple[str, ...]

    def __init__(
        self,
        conviction_id: str,
        case_id: str,
        file: str,
        line: int,
        county: str,
        disposition_date: int | None,
        charge: Charge,
        code_section: str,
        level: str,
        court: str,
        case_numbers: tuple[str, ...],
    ) -> None:
        self.conviction_id = conviction_id
        self.case_id = case_id
        self.file = file
        self.line = line
        self.county = county
        self.disposition_date = disposition_date
        self.charge = charge
        self.code_section = code_section
        self.level = level
        self.court = court
        self.case_numbers = case_numbers


@dataclass(slots=True, init=False)
class LeanCase:
    """A court case's values for ``cases.csv``."""

    county: str
    court: str
    case_numbers: tuple[str, ...]
    date: int | None

    def __init__(
        self, county: str, court: str, case_numbers: tuple[str, ...], date: int | None
    ) -> None:
        self.county = county
        self.court = court
        self.case_numbers = case_numbers
        self.date = date


@dataclass(slots=True, init=False)
class LeanPerson:
    """A person's identity, convictions (in the history's order) and cases by id."""

    subject_id: str
    name: str
    birth_date: int | None
    gender: str
    race: str
    deceased: bool
    conflicting_birth_date: bool
    convictions: list[LeanConviction]
    cases: dict[str, LeanCase]

    def __init__(
        self,
        subject_id: str,
        name: str,
        birth_date: int | None,
        gender: str,
        race: str,
        deceased: bool,
        conflicting_birth_date: bool,
        convictions: list[LeanConviction],
        cases: dict[str, LeanCase],
    ) -> None:
        self.subject_id = subject_id
        self.name = name
        self.birth_date = birth_date
        self.gender = gender
        self.race = race
        self.deceased = deceased
        self.conflicting_birth_date = conflicting_birth_date
        self.convictions = convictions
        self.cases = cases


def _day(value: date | None) -> int | None:
    return to_yyyymmdd(value) if value else None


def lean_person(history: History) -> LeanPerson:
    """The lean form of a history (the same values the history's rows show)."""
    person = history.person
    return LeanPerson(
        subject_id=person.subject_id,
        name=person.name,
        birth_date=_day(person.birth_date),
        gender=person.gender,
        race=person.race,
        deceased=person.deceased_date is not None,
        conflicting_birth_date="conflicting_birth_date" in history.flags,
        convictions=[
            LeanConviction(
                conviction_id=conv.conviction_id,
                case_id=conv.case_id,
                file=conv.source.file,
                line=conv.source.first_line,
                county=conv.county,
                disposition_date=_day(conv.disposition_date),
                charge=conv.charge,
                code_section=conv.charge.code_section(),
                level=conv.level.value if conv.level else "",
                court=conv.court.description,
                case_numbers=conv.case_numbers,
            )
            for conv in history.convictions
        ],
        cases={
            case.case_id: LeanCase(
                county=case.county,
                court=case.court.description,
                case_numbers=case.case_numbers,
                date=_day(case.date),
            )
            for case in history.cases
        },
    )
