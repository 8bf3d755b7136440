"""Synthetic DOJ bulk criminal-history files for demos, tests and benchmarks.

:func:`generate` yields the rows of a file in the 95-column research format
(``docs/synth.md``; the format is described in ``docs/doj-format.md``); :func:`write_file`
writes them with a header row and returns :class:`SynthStats`. The output is a pure
function of the arguments: one ``random.Random`` stream per concern, seeded from
``seed``, and no wall clock. Everything is invented; the shares are not real statistics.

Each person's record holds at least one cannabis conviction in the requested county
(an AB 1793 county file lists the people with one), plus other offences, other counties'
events and the rare entries that matter legally (super-strikes, PC 290 registrations,
deaths, conspiracies, attempts). The petition mix (``mix="petitions"``, docs/synth.md "The
petition mix") is a file for the remedies beside Proposition 64 instead: people with a
conviction in the county, cannabis or not, more wobblers, theft, forgery and drug possession
sections, county jail felonies after realignment, revocations and reductions, cycles up to
2025; the default mix reads none of its tables and draws no more random numbers. A few
percent of fields use the spellings real files have. Rows are shuffled within a short
window so a person's rows are not always adjacent, and ``malformed_rate`` damages that share
of rows on purpose.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cmr_reason.facts.dates import to_yyyymmdd
from cmr_reason.facts.doj.columns import COLUMNS
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.synth import tables as t

# The 95 columns, in order. Private on purpose: ``facts/doj/columns.py`` is the shared list.
_COLUMNS: tuple[str, ...] = COLUMNS
_COL = {name: i for i, name in enumerate(_COLUMNS)}
_WIDTH = len(_COLUMNS)

_SUBJECT_ID = _COL["SUBJECT_ID"]
_CII = _COL["CII_NUMBER"]
_NAME = _COL["PRI_NAME"]
_GENDER = _COL["GENDER"]
_DOB = _COL["PRI_DOB"]
_CYC_ORDER = _COL["CYC_ORDER"]
_CYC_DATE = _COL["CYC_DATE"]
_STP_ORDER = _COL["STP_ORDER"]
_STP_DATE = _COL["STP_EVENT_DATE"]
_STP_TYPE_CODE = _COL["STP_TYPE_CODE"]
_STP_TYPE = _COL["STP_TYPE_DESCR"]
_ORI_TYPE = _COL["STP_ORI_TYPE"]
_ORI_TYPE_DESCR = _COL["STP_ORI_TYPE_DESCR"]
_ORI_CODE = _COL["STP_ORI_CODE"]
_ORI_DESCR = _COL["STP_ORI_DESCR"]
_CNTY_CODE = _COL["STP_ORI_CNTY_CODE"]
_CNTY_NAME = _COL["STP_ORI_CNTY_NAME"]
_CNT_ORDER = _COL["CNT_ORDER"]
_DISP_DATE = _COL["DISP_DATE"]
_OFN = _COL["OFN"]
_OFF_CODE = _COL["OFFENSE_CODE"]
_OFF_DESCR = _COL["OFFENSE_DESCR"]
_OFF_TOC = _COL["OFFENSE_TOC"]
_OFF_QUAL = _COL["OFFENSE_QUAL_LST"]
_CONV_ORDER = _COL["CONV_OFFENSE_ORDER"]
_CONV_CODE = _COL["CONV_OFFENSE_CODE"]
_CONV_DESCR = _COL["CONV_OFFENSE_DESCR"]
_CONV_TOC = _COL["CONV_OFFENSE_TOC"]
_FE_ORDER = _COL["FE_NUM_ORDER"]
_FE_BOOKING = _COL["FE_NUM_BOOKING"]
_FE_CRT_CASE = _COL["FE_NUM_CRT_CASE"]
_DISP_ORDER = _COL["DISP_ORDER"]
_DISP_DESCR = _COL["DISP_DESCR"]
_STAT_CODE = _COL["CONV_STAT_CODE"]
_STAT_DESCR = _COL["CONV_STAT_DESCR"]
_SENT_ORDER = _COL["SENT_ORDER"]
_SENT_LOC_CODE = _COL["SENT_LOC_CODE"]
_SENT_LOC = _COL["SENT_LOC_DESCR"]
_SENT_LEN = _COL["SENT_LENGTH"]
_SENT_CODE = _COL["SENT_TIME_CODE"]
_SENT_DESCR = _COL["SENT_TIME_DESCR"]
_CYC_AGE = _COL["CYC_AGE"]
_COMMENT = _COL["COMMENT_TEXT"]

#: Fields that sometimes carry trailing blanks, as in real files.
_PADDED = (_NAME, _OFF_DESCR, _CNTY_NAME, _ORI_DESCR, _DISP_DESCR, _COL["REQ_SEG_SEP"])

# Shares (probabilities) of the generator's choices.
_SHUFFLE_WINDOW = 16  # rows held back to interleave people
_SHUFFLE_SHARE = 0.02  # emissions that swap the oldest held row with a later one
_PAD_SHARE = 0.02  # rows with trailing blanks in a few fields
_OTHER_COUNTY_SHARE = 0.2  # cycles outside the file's county
_COURT_SHARE = 0.88  # cycles that reach court (always for the guaranteed conviction)
_MAIN_CONVICTED = 0.85  # first count of a court case convicted
_OTHER_CONVICTED = 0.5  # further counts convicted
_SECOND_ARREST_CHARGE = 0.4
_EXTRA_COUNT = 0.3
_PLEA_SHARE = 0.04  # convictions whose CONV_OFFENSE_DESCR differs from the charge
_CONV_DESCR_SHARE = 0.15  # convictions with CONV_OFFENSE_DESCR repeating the charge
_BLANK_STAT_SHARE = 0.04  # convictions with a blank CONV_STAT_DESCR (OFFENSE_TOC decides)
_ATTEMPT_SHARE = 0.03  # further cannabis counts written as attempts (PC 664)
_DISP_DATE_SHARE = 0.4
_NULL_OFN_SHARE = 0.05
_DECEASED_SHARE = 0.012
_REG_290_SHARE = 0.9  # PC 290 offences followed by a REGISTRATION step
_REG_11590_SHARE = 0.08  # pre-1990 drug convictions followed by an HS 11590 registration
_COURT_WORD_SHARE = 0.01  # court steps written ``COURT`` instead of ``COURT ACTION``
# Later updates of a conviction (docs/facts.md "Later dispositions"), drawn from their own
# random stream: shares of convictions with probation, and of pre-Act cannabis convictions.
_REDUCED_SHARE = 0.03  # felonies with probation reduced to a misdemeanor (PC 17(b))
_REVOKED_SHARE = 0.03  # probation revoked
_SET_ASIDE_SHARE = 0.03  # set aside and dismissed under PC 1203.4 after the term
_MODIFIED_SHARE = 0.005  # sentence modified
_PROP64_RELIEF_SHARE = 0.04  # pre-Act cannabis convictions already relieved under HS 11361.8
_PROP64_RELIEF_FROM = 20170101

#: Cycle kinds of the cycles other than the guaranteed cannabis conviction.
_CATEGORY: t.Weighted[str] = t.Weighted(
    [("cannabis", 27), ("other", 70), ("superstrike", 1.0), ("sex290", 0.7), ("conspiracy", 0.8)]
)

_FIRST_YEAR = 1925
_LAST_DAY = dt.date(2019, 12, 31)
_PETITIONS_LAST_DAY = dt.date(2025, 12, 31)
MIXES = ("prop64", "petitions")
# The petition mix's shares of later updates, and of felonies of a Prop 47 section convicted
# after the Act (the Act made them misdemeanors for nearly everyone).
_PETITION_REVOKED_SHARE = 0.08
_PETITION_REDUCED_SHARE = 0.06
_PETITION_PROP47_SHARE = 0.25  # felonies of a Prop 47 section convicted before it, redesignated
_PETITION_PROP47_FELONY_AFTER = 0.05
_FIRST_CYCLE = dt.date(1961, 1, 1)


@cache
def _calendar(
    last: dt.date = _LAST_DAY,
) -> tuple[tuple[str, ...], tuple[int, ...], dict[int, int]]:
    """Day numbers from 1925-01-01: their ``YYYYMMDD`` text, integer, and each year's first day."""
    start = dt.date(_FIRST_YEAR, 1, 1).toordinal()
    stop = last.toordinal() + 1
    texts = tuple(str(to_yyyymmdd(dt.date.fromordinal(o))) for o in range(start, stop))
    ints = tuple(int(s) for s in texts)
    firsts = {y: dt.date(y, 1, 1).toordinal() - start for y in range(_FIRST_YEAR, last.year + 1)}
    return texts, ints, firsts


@dataclass(frozen=True)
class DemoArgs:
    """The arguments that produced the bundled demo file (``facts/data/demo_doj.csv``)."""

    people: int = 300
    seed: int = 2020
    county: str = "LOS ANGELES"
    malformed_rate: float = 0.01


#: How ``facts/data/demo_doj.csv`` was made; a test regenerates it byte for byte.
DEMO = DemoArgs()


def demo_path() -> Path:
    """The bundled synthetic demo file (installed with the package)."""
    return Path(__file__).resolve().parents[1] / "data" / "demo_doj.csv"


@dataclass(frozen=True)
class SynthStats:
    """What a generated file holds (counted before any row is damaged)."""

    people: int
    rows: int
    convictions: int
    cannabis_convictions: int
    malformed_rows: int

    @property
    def rows_per_person(self) -> float:
        """Average data rows per person."""
        return self.rows / self.people if self.people else 0.0

    @property
    def convictions_per_person(self) -> float:
        """Average convicted counts per person."""
        return self.convictions / self.people if self.people else 0.0


@dataclass(frozen=True)
class _County:
    """A county as the generator writes it: name, DOJ code, police and court places."""

    name: str
    code: str
    police: t.Weighted[str]
    courts: tuple[str, ...]


@cache
def _county(name: str) -> _County:
    """The places of a county (built once per name)."""
    code = f"{t.COUNTIES.index(name) + 1:02d}"
    places = t.POLICE_PLACES.get(name, (name,))
    police = t.Weighted([(p, 5.0 if i == 0 else 1.0) for i, p in enumerate(places)])
    return _County(name, code, police, t.COURT_PLACES.get(name, (name,)))


def normalise_county(county: str) -> str:
    """The county name in capitals, checked against California's 58 counties."""
    name = " ".join(county.upper().split())
    if name not in t.COUNTIES:
        raise UserError(f"unknown county {county!r}: give a California county, e.g. LOS ANGELES")
    return name


class _Plan:
    """One planned cycle of a person: an arrest (and court case), a registration or a death."""

    __slots__ = ("anchor", "category", "convicted", "county", "court", "day", "kind", "reg")

    def __init__(self, day: int, kind: str) -> None:
        self.day = day
        self.kind = kind  # "case", "registration", "deceased"
        self.anchor = False
        self.category = ""
        self.county = ""
        self.court: int | None = None
        self.convicted = False
        self.reg: t.Charge | None = None


class _Generator:
    """Streams the rows of one file and counts what it wrote."""

    def __init__(
        self, people: int, seed: int, county: str, malformed_rate: float, mix: str = "prop64"
    ) -> None:
        if mix not in MIXES:
            raise UserError(f"unknown mix {mix!r}; valid mixes: {', '.join(MIXES)}")
        self.petitions = mix == "petitions"
        if people < 0:
            raise UserError("the number of people cannot be negative")
        if people > 90_000_000:
            raise UserError("at most 90,000,000 people (SUBJECT_ID has 8 digits)")
        if not 0.0 <= malformed_rate <= 1.0:
            raise UserError("the malformed rate must be between 0 and 1")
        self.people = people
        self.county = _county(normalise_county(county))
        self.malformed_rate = malformed_rate
        self.rng = random.Random(seed)
        self.shuffle_rng = random.Random(f"cmr-synth:{seed}:shuffle")
        self.damage_rng = random.Random(f"cmr-synth:{seed}:damage")
        self.update_rng = random.Random(f"cmr-synth:{seed}:updates")
        self.later: list[list[str]] = []  # the current person's update rows
        self.later_dispositions = 0
        self.days, self.day_ints, self.year_first = _calendar(
            _PETITIONS_LAST_DAY if self.petitions else _LAST_DAY
        )
        self.last_day = len(self.days) - 1
        self.first_cycle = _FIRST_CYCLE.toordinal() - dt.date(_FIRST_YEAR, 1, 1).toordinal()
        others = [(c, w) for c, w in t.OTHER_COUNTIES if c != self.county.name]
        self.other_counties = t.Weighted(others)
        # Unique 8-digit subject ids and CII numbers: an affine map of the person's index.
        self.id_step = self.rng.choice((7919, 104_729, 1_299_709, 15_485_863))
        self.id_base = self.rng.randrange(90_000_000)
        self.cii_base = self.rng.randrange(100_000_000)
        self.rows = 0
        self.convictions = 0
        self.cannabis_convictions = 0
        self.malformed = 0

    # --- the stream ------------------------------------------------------------------

    def stream(self) -> Iterator[list[str]]:
        """All data rows: people in turn, interleaved within a window, some damaged."""
        window: deque[list[str]] = deque()
        for index in range(self.people):
            window.extend(self._person(index))
            while len(window) > _SHUFFLE_WINDOW:
                yield self._emit(window)
        while window:
            yield self._emit(window)

    def _emit(self, window: deque[list[str]]) -> list[str]:
        """The next row out of the window, perhaps swapped with a later one, perhaps damaged."""
        rng = self.shuffle_rng
        if len(window) > 1 and rng.random() < _SHUFFLE_SHARE:
            j = rng.randrange(1, len(window))
            window[0], window[j] = window[j], window[0]
        row = window.popleft()
        self.rows += 1
        if self.malformed_rate and self.damage_rng.random() < self.malformed_rate:
            self.malformed += 1
            return _damage(self.damage_rng, row)
        return row

    # --- one person ------------------------------------------------------------------

    def _person(self, index: int) -> list[list[str]]:
        """The rows of one person, in cycle order."""
        rng = self.rng
        template, dob = self._identity(index)
        plans = self._plan(dob)
        rows: list[list[str]] = []
        for number, plan in enumerate(plans, start=1):
            cycle = template.copy()
            cycle[_CYC_ORDER] = str(number)
            cycle[_CYC_DATE] = self.days[plan.day]
            cycle[_CYC_AGE] = str((self.day_ints[plan.day] - self.day_ints[dob]) // 10000)
            key = f"{number:03d}"
            if plan.kind == "case":
                self._case(rows, cycle, key, plan)
            else:
                self._event(rows, cycle, key, plan)
        for row in rows:
            if rng.random() < _PAD_SHARE:
                for i in _PADDED:
                    row[i] += "   "
        rows += self.later
        self.later = []
        return rows

    def _identity(self, index: int) -> tuple[list[str], int]:
        """The person's fixed fields as a row template, and their birth day number."""
        rng = self.rng
        row = [""] * _WIDTH
        row[_SUBJECT_ID] = str(10_000_000 + (self.id_base + index * self.id_step) % 90_000_000)
        serial = (self.cii_base + index * 7_654_321) % 100_000_000
        prefix = "A" if rng.random() < 0.4 else str(rng.randrange(10, 40))
        row[_CII] = f"{prefix}{serial:08d}"
        gender = t.GENDER.pick(rng)
        given = rng.choice(t.GIVEN_FEMALE if gender == "F" else t.GIVEN_MALE)
        family = rng.choice(t.FAMILY_NAMES)
        middle = f" {rng.choice(t.MIDDLE_INITIALS)}" if rng.random() < 0.7 else ""
        row[_NAME] = f"{family},{given}{middle}"
        row[_GENDER] = gender
        year = t.BIRTH_YEAR.pick(rng)
        dob = self.year_first[year] + rng.randrange(365)
        row[_DOB] = self.days[dob]
        race_code, race = t.RACE.pick(rng)
        eye_code, eye = t.EYES.pick(rng)
        hair_code, hair = t.HAIR.pick(rng)
        pob_code, pob, pob_type = t.BIRTH_PLACE.pick(rng)
        feet = 5 if gender == "F" or rng.random() < 0.85 else 6
        inches = rng.randrange(0, 12)
        row[_COL["RACE_CODE"] : _COL["WEIGHT"] + 1] = [
            race_code, race, eye_code, eye, hair_code, hair,
            f"{feet}{inches:02d}", str(rng.randrange(110, 260)),
        ]  # fmt: skip
        row[_COL["POB_CODE"] : _COL["POB_TYPE"] + 1] = [pob_code, pob, pob_type]
        row[_COL["CII_TYPE"]] = "1"
        return row, dob

    def _cycle_day(self, earliest: int) -> int:
        """A cycle date no earlier than ``earliest``, by the era weights (before 2019-12)."""
        rng = self.rng
        latest = self.last_day - 30
        years = t.PETITION_CYCLE_YEAR if self.petitions else t.CYCLE_YEAR
        for _ in range(8):
            day = self.year_first[years.pick(rng)] + rng.randrange(365)
            if earliest <= day <= latest:
                return day
        return rng.randint(min(earliest, latest), latest)

    def _plan(self, dob: int) -> list[_Plan]:
        """The person's cycles in date order, one of them the guaranteed cannabis conviction."""
        rng = self.rng
        earliest = max(self.first_cycle, dob + 16 * 365 + 4)
        count = t.CYCLES_PER_PERSON.pick(rng)
        plans = [_Plan(self._cycle_day(earliest), "case") for _ in range(count)]
        anchor = rng.randrange(count)
        extra: list[_Plan] = []
        for i, plan in enumerate(plans):
            plan.anchor = i == anchor
            if plan.anchor:
                plan.category = t.PETITION_ANCHOR.pick(rng) if self.petitions else "cannabis"
            else:
                plan.category = _CATEGORY.pick(rng)
            serious = plan.category in ("superstrike", "sex290")
            plan.county = (
                self.county.name
                if plan.anchor or rng.random() >= _OTHER_COUNTY_SHARE
                else self.other_counties.pick(rng)
            )
            if plan.anchor or serious or rng.random() < _COURT_SHARE:
                plan.court = min(plan.day + rng.randint(7, 300), self.last_day)
                plan.convicted = plan.anchor or serious or rng.random() < _MAIN_CONVICTED
            extra.extend(self._registrations(plan))
        plans.extend(extra)
        plans.sort(key=lambda p: p.day)
        if rng.random() < _DECEASED_SHARE:
            last = max(p.court or p.day for p in plans)
            death = last + rng.randint(30, 4000)
            if death <= self.last_day:
                plans.append(_Plan(death, "deceased"))
        return plans

    def _registrations(self, plan: _Plan) -> list[_Plan]:
        """Registration cycles that follow a case: PC 290, or the old HS 11590."""
        rng = self.rng
        if plan.court is None or not plan.convicted:
            return []
        reg: t.Charge | None = None
        if plan.category in ("superstrike", "sex290") and rng.random() < _REG_290_SHARE:
            reg = t.REGISTRATION_290
        elif (
            plan.category == "cannabis"
            and self.day_ints[plan.day] < 19900101
            and rng.random() < _REG_11590_SHARE
        ):
            reg = t.REGISTRATION_11590
        if reg is None:
            return []
        day = min(plan.court + rng.randint(10, 400), self.last_day)
        registration = _Plan(day, "registration")
        registration.county = plan.county
        registration.reg = reg
        return [registration]

    # --- cycles ------------------------------------------------------------------------

    def _main_offence(self, plan: _Plan) -> t.Offence:
        """The first charge of a case, by its category and era."""
        category = plan.category
        if category == "cannabis":
            return t.cannabis_table(self.day_ints[plan.day]).pick(self.rng)
        if category == "superstrike":
            return t.SUPERSTRIKES.pick(self.rng)
        if category == "sex290":
            return t.SEX_OFFENCES.pick(self.rng)
        if category == "conspiracy":
            return t.CONSPIRACY_OFFENCE
        return self._others().pick(self.rng)

    def _others(self) -> t.Weighted[t.Offence]:
        """The table of non-cannabis offences of the mix."""
        return t.PETITION_OFFENCES if self.petitions else t.OTHER_OFFENCES

    def _case(self, rows: list[list[str]], cycle: list[str], key: str, plan: _Plan) -> None:
        """An arrest step, and the court step when the case reached court."""
        rng = self.rng
        county = _county(plan.county)
        main = self._main_offence(plan)
        charges = [main]
        if rng.random() < _SECOND_ARREST_CHARGE:
            second = (
                t.cannabis_table(self.day_ints[plan.day]).pick(rng)
                if main.charge.kind == t.CANNABIS and rng.random() < 0.3
                else self._others().pick(rng)
            )
            charges.append(second)
        # Which counts are attempts (never the guaranteed conviction).
        attempts = [
            not (plan.anchor and i == 0)
            and off.charge.kind == t.CANNABIS
            and rng.random() < _ATTEMPT_SHARE
            for i, off in enumerate(charges)
        ]
        arrest = cycle.copy()
        self._arrest_step(arrest, county, plan)
        no_court = plan.court is None
        for k, off in enumerate(charges, start=1):
            row = arrest.copy()
            row[_CNT_ORDER] = f"{key}001{k:03d}000"
            self._charge_fields(row, off.charge, attempts[k - 1])
            if no_court:
                row[_DISP_DESCR] = t.NO_COURT.pick(rng)
            rows.append(row)
        if plan.court is None:
            return
        counts = list(zip(charges, attempts, strict=True))
        if len(counts) < 3 and rng.random() < _EXTRA_COUNT:
            counts.append((t.EXTRA_COUNTS.pick(rng), False))
        court = cycle.copy()
        self._court_step(court, county, plan.court)
        for k, (off, attempt) in enumerate(counts, start=1):
            row = court.copy()
            row[_CNT_ORDER] = f"{key}002{k:03d}000"
            self._charge_fields(row, off.charge, attempt)
            convicted = plan.convicted if k == 1 else rng.random() < _OTHER_CONVICTED
            if convicted:
                self._conviction(rows, row, off, plan, attempt, first=k == 1)
            else:
                row[_DISP_DESCR] = t.NOT_CONVICTED.pick(rng)
                rows.append(row)

    def _arrest_step(self, row: list[str], county: _County, plan: _Plan) -> None:
        """Fill the step fields of an arrest."""
        rng = self.rng
        r = rng.random()
        if r < 0.6:
            kind, kind_descr, place = "PD", "POLICE DEPARTMENT", f"CAPD {county.police.pick(rng)}"
        elif r < 0.92:
            kind, kind_descr, place = "SO", "SHERIFF'S OFFICE", f"CASO {county.name}"
        else:
            kind, kind_descr, place = "HP", "HIGHWAY PATROL", f"CAHP {county.name}"
        row[_STP_ORDER] = "1"
        row[_STP_DATE] = self.days[plan.day]
        row[_STP_TYPE_CODE] = "A"
        row[_STP_TYPE] = "ARREST/DETAINED/CITED"
        self._ori(row, county, kind, kind_descr, place)
        booking = str(rng.randrange(1_000_000, 99_999_999))
        r = rng.random()
        row[_OFN] = "NULL" if r < _NULL_OFN_SHARE else booking if r < 0.5 else ""
        row[_FE_ORDER] = "1"
        row[_FE_BOOKING] = booking

    def _court_step(self, row: list[str], county: _County, day: int) -> None:
        """Fill the step fields of a court action."""
        rng = self.rng
        place = rng.choice(county.courts)
        if self.day_ints[day] < 20000101 and rng.random() < 0.5:
            kind, kind_descr, ori = "MC", "MUNICIPAL COURT", f"CAMC {place}"
        else:
            kind, kind_descr, ori = "SC", "SUPERIOR COURT", f"CASC {place}"
        row[_STP_ORDER] = "2"
        row[_STP_DATE] = self.days[day]
        row[_STP_TYPE_CODE] = "C"
        row[_STP_TYPE] = "COURT" if rng.random() < _COURT_WORD_SHARE else "COURT ACTION"
        self._ori(row, county, kind, kind_descr, ori)
        r = rng.random()
        case_number = (
            f"{rng.choice('ABKLMSTVY')}{rng.choice('ACJKNPRW')}{rng.randrange(100000, 999999)}"
            if r < 0.6
            else f"{rng.randrange(1000, 9999)} {rng.randrange(10**7, 10**8)}-00"
            if r < 0.8
            else str(rng.randrange(100000, 999999))
        )
        row[_OFN] = "NULL" if rng.random() < _NULL_OFN_SHARE else case_number
        row[_FE_ORDER] = "1"
        row[_FE_CRT_CASE] = case_number

    @staticmethod
    def _ori(row: list[str], county: _County, kind: str, kind_descr: str, descr: str) -> None:
        """Fill the originating-agency fields of a step."""
        row[_ORI_TYPE] = kind
        row[_ORI_TYPE_DESCR] = kind_descr
        row[_ORI_CODE] = f"CA0{county.code}{sum(map(ord, descr)) % 10000:04d}"
        row[_ORI_DESCR] = descr
        row[_CNTY_CODE] = county.code
        row[_CNTY_NAME] = county.name

    def _charge_fields(self, row: list[str], charge: t.Charge, attempt: bool) -> None:
        """Write a charge, in its standard or one of its messy spellings."""
        rng = self.rng
        row[_OFF_CODE] = charge.code
        row[_OFF_TOC] = charge.toc
        if charge.kind == t.CONSPIRACY:
            row[_OFF_DESCR] = charge.literal
            row[_COMMENT] = rng.choice(t.CONSPIRACY_TARGETS)
            return
        if attempt:
            row[_OFF_DESCR] = _attempt_spelling(rng, charge)
            if rng.random() < 0.3:
                row[_OFF_QUAL] = "ATTEMPTED"
            return
        r = rng.random()
        if r < 0.025:
            row[_OFF_DESCR] = "SEE COMMENT FOR CHARGE"
            row[_COMMENT] = f"CHRG {charge.bare}"
        elif r < 0.032:
            row[_COMMENT] = f"CHRG {charge.bare}"
        elif r < 0.062:
            row[_OFF_DESCR] = charge.nospace
        elif r < 0.082:
            row[_OFF_DESCR] = charge.lower
        else:
            row[_OFF_DESCR] = charge.literal

    def _conviction(
        self,
        rows: list[list[str]],
        row: list[str],
        off: t.Offence,
        plan: _Plan,
        attempt: bool,
        *,
        first: bool,
    ) -> None:
        """A convicted count: its level, the offence of conviction, one row per sentence part."""
        rng = self.rng
        convicted = off
        if not attempt and rng.random() < _PLEA_SHARE:
            convicted = self._plea(off, plan, first) or off
        level = convicted.levels.pick(rng)
        if self.petitions:
            level = self._petition_level(convicted, level, plan)
        if convicted is not off:
            row[_CONV_ORDER] = "1"
            row[_CONV_CODE] = convicted.charge.code
            row[_CONV_DESCR] = convicted.charge.literal
            row[_CONV_TOC] = convicted.charge.toc
        elif rng.random() < _CONV_DESCR_SHARE and not attempt:
            row[_CONV_ORDER] = "1"
            row[_CONV_CODE] = off.charge.code
            row[_CONV_DESCR] = off.charge.literal
            row[_CONV_TOC] = off.charge.toc
        if rng.random() < _BLANK_STAT_SHARE and convicted.charge.toc == level:
            row[_STAT_CODE] = row[_STAT_DESCR] = ""
        else:
            row[_STAT_CODE] = level
            row[_STAT_DESCR] = t.LEVEL_DESCR[level]
        if rng.random() < _DISP_DATE_SHARE:
            row[_DISP_DATE] = row[_STP_DATE]
        parts = self._sentence(convicted, level, plan)
        row[_DISP_DESCR] = _disposition(parts)
        row[_DISP_ORDER] = "1"
        for n, (loc, length, unit) in enumerate(parts, start=1):
            part = row.copy() if n < len(parts) else row
            part[_SENT_ORDER] = str(n)
            part[_SENT_LOC_CODE] = t.SENT_LOC_CODE[loc]
            part[_SENT_LOC] = loc
            part[_SENT_LEN] = length
            part[_SENT_CODE] = unit
            part[_SENT_DESCR] = t.TIME_DESCR[unit]
            rows.append(part)
        self.convictions += 1
        cannabis = convicted.charge.kind == t.CANNABIS and not attempt
        if cannabis:
            self.cannabis_convictions += 1
        if plan.court is not None:
            self._update(row, plan.court, level, parts, cannabis, convicted.charge.section)

    def _petition_level(self, off: t.Offence, level: str, plan: _Plan) -> str:
        """The petition mix: a Prop 47 section convicted after the Act is rarely a felony."""
        if (
            level == "F"
            and off.charge.section in t.PROP47_SECTIONS
            and self.day_ints[plan.court or plan.day] >= t.PROP47
            and self.rng.random() >= _PETITION_PROP47_FELONY_AFTER
        ):
            return "M"
        return level

    def _sentence(self, off: t.Offence, level: str, plan: _Plan) -> tuple[t.Part, ...]:
        """The sentence parts; in the petition mix a felony's follow realignment."""
        rng = self.rng
        if self.petitions and level == "F" and not off.fine_only:
            after = self.day_ints[plan.court or plan.day] >= t.REALIGNMENT
            table = t.FELONY_AFTER_REALIGNMENT if after else t.FELONY_BEFORE_REALIGNMENT
            return table.pick(rng)
        return t.SENTENCES["I" if off.fine_only else level].pick(rng)

    def _update(
        self,
        row: list[str],
        day: int,
        level: str,
        parts: tuple[t.Part, ...],
        cannabis: bool,
        section: str = "",
    ) -> None:
        """Perhaps a later update of the conviction convicted on ``day``.

        A row of the same count (``CNT_ORDER``) whose ``DISP_DESCR`` names the update and
        whose ``DISP_DATE`` dates it (docs/facts.md "Later dispositions"). It is kept aside
        and added after the person's other rows, so that the other rows are the same as
        without updates.
        """
        rng = self.update_rng
        probation = any(loc == "PROBATION" for loc, _, _ in parts)
        r = rng.random()
        update, after = "", 0
        reduced, revoked = _REDUCED_SHARE, _REVOKED_SHARE
        if self.petitions:
            reduced, revoked = _PETITION_REDUCED_SHARE, _PETITION_REVOKED_SHARE
            if self._prop47_redesignated(section, day, level):
                update = "REDESIGNATED MISDEMEANOR PER 1170.18 PC"
                after = self.year_first[2015] - day + rng.randint(0, 2500)
        if update:
            pass
        elif probation:
            if r < reduced:
                if level == "F":
                    update, after = "REDUCED TO MISDEMEANOR", rng.randint(200, 1500)
            elif r < reduced + revoked:
                update, after = "PROBATION REVOKED", rng.randint(60, 700)
            elif r < reduced + revoked + _SET_ASIDE_SHARE:
                update, after = "CONV SET ASIDE & DISM PER 1203.4 PC", rng.randint(1100, 3000)
        elif r < _MODIFIED_SHARE:
            update, after = "SENTENCE MODIFIED", rng.randint(30, 400)
        pre_act = cannabis and self.day_ints[day] < t.PROP64
        if not update and pre_act and rng.random() < _PROP64_RELIEF_SHARE:
            start = self.year_first[_PROP64_RELIEF_FROM // 10000]
            after = rng.randint(start, self.last_day) - day
            update = (
                "REDESIGNATED MISDEMEANOR PER 11361.8 HS"
                if level == "F" and rng.random() < 0.6
                else "DISMISSED/SEALED PER 11361.8 HS"
            )
        if not update or day + after > self.last_day:
            return
        later = row.copy()
        later[_DISP_ORDER] = "2"
        later[_DISP_DESCR] = update
        later[_DISP_DATE] = self.days[day + after]
        for field in (_SENT_ORDER, _SENT_LOC_CODE, _SENT_LOC, _SENT_LEN, _SENT_CODE, _SENT_DESCR):
            later[field] = ""
        self.later.append(later)
        self.later_dispositions += 1

    def _prop47_redesignated(self, section: str, day: int, level: str) -> bool:
        """The petition mix: a felony of a Prop 47 section before the Act, redesignated since."""
        return (
            level == "F"
            and section in t.PROP47_SECTIONS
            and self.day_ints[day] < t.PROP47
            and self.update_rng.random() < _PETITION_PROP47_SHARE
        )

    def _plea(self, off: t.Offence, plan: _Plan, first: bool) -> t.Offence | None:
        """A different offence of conviction, or None; cannabis stays cannabis when it must."""
        if off.charge.kind != t.CANNABIS:
            return None
        day = self.day_ints[plan.day]
        if not t.MOSCONE <= day < t.PROP64:
            return None
        if not (plan.anchor and first) and self.rng.random() < 0.3:
            return t.ACCESSORY
        return t.CANNABIS_PLEAS.get(off.charge.section)

    def _event(self, rows: list[list[str]], cycle: list[str], key: str, plan: _Plan) -> None:
        """A registration or death cycle: one step, one row."""
        row = cycle
        row[_CNT_ORDER] = f"{key}001001000"
        row[_STP_ORDER] = "1"
        row[_STP_DATE] = self.days[plan.day]
        if plan.kind == "registration" and plan.reg is not None:
            county = _county(plan.county)
            row[_STP_TYPE_CODE] = "R"
            row[_STP_TYPE] = "REGISTRATION"
            self._ori(row, county, "SO", "SHERIFF'S OFFICE", f"CASO {county.name}")
            row[_OFF_CODE] = plan.reg.code
            row[_OFF_DESCR] = plan.reg.literal
            row[_OFF_TOC] = plan.reg.toc
        else:
            county = self.county
            row[_STP_TYPE_CODE] = "D"
            row[_STP_TYPE] = "DECEASED"
            self._ori(row, county, "CO", "CORONER", f"CACO {county.name}")
        rows.append(row)


@cache
def _disposition(parts: tuple[t.Part, ...]) -> str:
    """The ``DISP_DESCR`` of a conviction with these sentence parts."""
    locations = [loc for loc, _, _ in parts]
    for loc in ("PRISON", "PROBATION", "JAIL"):
        if loc in locations:
            return f"CONVICTED-{loc}"
    return "CONVICTED"


def _attempt_spelling(rng: random.Random, charge: t.Charge) -> str:
    """An attempt (PC 664) in one of the spellings the files use."""
    r = rng.random()
    if r < 0.5:
        return f"664/{charge.literal}"
    if r < 0.8:
        return f"664-{charge.literal}"
    number, _, rest = charge.literal.partition(" ")
    return f"{number}/664 {rest}"


def _damage(rng: random.Random, row: list[str]) -> list[str]:
    """Damage a row in one of five ways a reader must reject or flag."""
    kind = rng.randrange(5)
    if kind == 4 and not row[_DISP_DESCR].startswith("CONVICTED"):
        kind = rng.randrange(4)
    if kind == 0:  # wrong field count
        if rng.random() < 0.5:
            return row[: rng.randrange(60, _WIDTH)]
        return [*row, "EXTRA"]
    if kind == 1:
        row[_SUBJECT_ID] = ""
    elif kind == 2:  # impossible date
        field = rng.choice((_STP_DATE, _STP_DATE, _DOB, _CYC_DATE))
        year = row[field][:4] or "2009"
        row[field] = f"{year}{rng.choice(('13', '00', '19', '02'))}{rng.randrange(30, 46)}"
    elif kind == 3:  # bad CNT_ORDER
        order = row[_CNT_ORDER]
        row[_CNT_ORDER] = rng.choice(("", order[:9], f"{order[:-1]}X", f"{order}0", "NULL"))
    else:  # a conviction without any charge text
        row[_OFF_DESCR] = row[_CONV_DESCR] = row[_COMMENT] = ""
    return row


def columns() -> tuple[str, ...]:
    """The 95 column names of the DOJ research file, in order."""
    return _COLUMNS


def generate(
    people: int,
    seed: int,
    county: str = "LOS ANGELES",
    malformed_rate: float = 0.0,
    mix: str = "prop64",
) -> Iterator[list[str]]:
    """Yield the data rows (no header) of a synthetic DOJ file, deterministically per seed.

    The same arguments always give the same rows. ``malformed_rate`` damages that share
    of rows; the undamaged content does not depend on it. ``mix`` is ``prop64`` (every
    person has a cannabis conviction in the county) or ``petitions`` (module docstring).
    """
    return _Generator(people, seed, county, malformed_rate, mix).stream()


def write_file(
    path: str | Path,
    people: int,
    seed: int,
    county: str = "LOS ANGELES",
    malformed_rate: float = 0.0,
    *,
    overwrite: bool = False,
    mix: str = "prop64",
) -> SynthStats:
    """Write a synthetic DOJ file (header row, then the rows of :func:`generate`).

    The file is RFC 4180 CSV with CRLF line ends, streamed in constant memory. An
    existing file is replaced only with ``overwrite=True``; otherwise :class:`UserError`.
    """
    generator = _Generator(people, seed, county, malformed_rate, mix)
    target = Path(path)
    try:
        handle = target.open("w" if overwrite else "x", newline="", encoding="ascii")
    except FileExistsError:
        raise UserError(f"{target} exists; use --force to replace it") from None
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror}") from None
    with handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(_COLUMNS)
        writer.writerows(generator.stream())
    return SynthStats(
        people=people,
        rows=generator.rows,
        convictions=generator.convictions,
        cannabis_convictions=generator.cannabis_convictions,
        malformed_rows=generator.malformed,
    )
