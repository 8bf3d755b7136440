"""The normalised criminal history of one person: what becomes clingo facts.

Raw input rows keep their file and line (:class:`Source`); the models here are the
interpreted record. No legal judgement is made here: whether a section is a cannabis
offence, a super-strike or a PC 290 offence is a table in ``programs/tables/``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Base for immutable models that reject unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(Frozen):
    """Where an item came from: the input file and its 1-based physical lines."""

    file: str
    lines: tuple[int, ...]

    @property
    def first_line(self) -> int:
        """The first line of the item (0 when unknown)."""
        return self.lines[0] if self.lines else 0

    def label(self) -> str:
        """Short human form, e.g. ``demo.csv:12`` or ``demo.csv:12-13``."""
        if not self.lines:
            return self.file
        lo, hi = min(self.lines), max(self.lines)
        return f"{self.file}:{lo}" if lo == hi else f"{self.file}:{lo}-{hi}"


class Level(StrEnum):
    """Level of a conviction as entered."""

    FELONY = "felony"
    MISDEMEANOR = "misdemeanor"
    INFRACTION = "infraction"


class Charge(Frozen):
    """A charge parsed into code body, section and subsections, with its raw text.

    ``body`` is the lower-case code abbreviation (``hs``, ``pc``, ``vc``...); ``section``
    keeps letters that belong to the section number (``288a``) and decimals
    (``11357.5``); ``subsections`` are lower-case (``("a", "1")``). For a conspiracy
    (PC 182) whose target offence is written in the text, ``target`` holds it.
    """

    raw: str
    body: str | None = None
    section: str | None = None
    subsections: tuple[str, ...] = ()
    attempt: bool = False
    conspiracy: bool = False
    target: Charge | None = None
    description: str = ""

    @property
    def parsed(self) -> bool:
        """True when a body and section were recognised."""
        return self.body is not None and self.section is not None

    def code_section(self) -> str:
        """Display form such as ``HS 11359(b)``; empty when unparsed."""
        if not self.parsed:
            return ""
        subs = "".join(f"({s})" for s in self.subsections)
        text = f"{self.body.upper()} {self.section}{subs}"  # type: ignore[union-attr]
        if self.attempt:
            text = f"{text} (attempt, PC 664)"
        if self.target is not None and self.target.parsed:
            text = f"{text} ({self.target.code_section()})"
        return text


class SentencePart(Frozen):
    """One part of a sentence (a DOJ sentence row), e.g. 36 months probation.

    ``end`` is the calendar end of a timed part: the disposition date plus its length
    (``facts/dates.py``); None when the part has no length or no disposition date. Which
    parts count, and when the sentence is over, the programs decide
    (``programs/core/sentence.lp``).
    """

    kind: str  # probation | jail | prison | fine | other
    length: int | None = None
    unit: str | None = None  # day | month | year
    end: dt.date | None = None
    source_line: int = 0


class LaterDisposition(Frozen):
    """A later update of a conviction (a reduction, a set-aside, a revocation...).

    ``kind`` is one of ``facts.doj.vocabulary.LATER_DISPOSITION_KINDS``; what it does to the
    conviction is decided in ``programs/core/later_dispositions.lp``.
    """

    kind: str
    date: dt.date
    source_line: int = 0


class Court(Frozen):
    """A court or agency as written (ORI code/description), with its parsed place."""

    code: str = ""
    description: str = ""
    kind: str = ""  # leading agency type in the description, e.g. CASC, CAMC, CAPD
    place: str = ""  # rest of the description, e.g. LOS ANGELES


class Conviction(Frozen):
    """One convicted count, with the parts of its sentence."""

    conviction_id: str
    case_id: str
    count_order: str
    charge: Charge
    level: Level | None = None
    disposition_date: dt.date | None = None
    arrest_date: dt.date | None = None
    offence_date: dt.date | None = None
    county: str = ""
    court: Court = Court()
    arrest_agency: Court = Court()
    case_numbers: tuple[str, ...] = ()
    disposition: str = ""
    sentence: tuple[SentencePart, ...] = ()
    later_dispositions: tuple[LaterDisposition, ...] = ()
    flags: tuple[str, ...] = ()
    source: Source
    arrest_source: Source | None = None  # the arrest row whose date stands in for the offence
    # Hand-written histories: the lines of facts that disagree (a DOJ count's rows are source)
    conflict_sources: tuple[Source, ...] = ()


class CourtCase(Frozen):
    """One court event (DOJ cycle + step) holding one or more counts."""

    case_id: str
    date: dt.date | None = None
    county: str = ""
    court: Court = Court()
    case_numbers: tuple[str, ...] = ()
    cycle: str = ""  # arrest cycle; empty: derived from a DOJ case id, or unknown
    source: Source


class Arrest(Frozen):
    """An arrest (or detention/citation) step; its counts may or may not lead to conviction."""

    arrest_id: str
    date: dt.date | None = None
    county: str = ""
    agency: Court = Court()
    charges: tuple[Charge, ...] = ()
    # What the step itself records of its end, one code per distinct disposition of its
    # counts (facts/doj/vocabulary.py ARREST_DISPOSITIONS): prosecutor_rejected, ...
    dispositions: tuple[str, ...] = ()
    source: Source


class Dismissal(Frozen):
    """A count disposed of without conviction (dismissed, rejected, acquitted...)."""

    count_id: str
    case_id: str
    charge: Charge
    disposition: str
    date: dt.date | None = None
    source: Source


class Registration(Frozen):
    """A registration step, e.g. PC 290 sex-offender or HS 11590 drug registration."""

    charge: Charge
    date: dt.date | None = None
    source: Source


class Person(Frozen):
    """Identity of a subject. Names and birth dates never go to logs."""

    subject_id: str
    name: str = ""
    birth_date: dt.date | None = None
    gender: str = ""
    race: str = ""
    race_code: str = ""
    cii: str = ""
    deceased_date: dt.date | None = None
    source: Source
    # Where each of several disagreeing birth dates first appears (no dates: lines only).
    birth_sources: tuple[Source, ...] = ()


class History(Frozen):
    """A person's whole record as read from the input."""

    person: Person
    cases: tuple[CourtCase, ...] = ()
    convictions: tuple[Conviction, ...] = ()
    arrests: tuple[Arrest, ...] = ()
    dismissals: tuple[Dismissal, ...] = ()
    registrations: tuple[Registration, ...] = ()
    flags: tuple[str, ...] = ()  # person-level data problems, e.g. conflicting_birth_date
    # The person's input rows that could not be used (one Source a file, lines in order):
    # the record is incomplete (programs/core/record_incomplete.lp).
    rejected_rows: tuple[Source, ...] = ()

    @property
    def subject_id(self) -> str:
        """The person's subject id."""
        return self.person.subject_id
