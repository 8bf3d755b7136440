"""Built-in tables for the synthetic DOJ generator (:mod:`cmr_reason.facts.synth.generator`).

Invented names, agencies, charge literals and weights. None of it is real data and the
weights are not real statistics: they only make a file that looks and reads like the
DOJ research file (``docs/doj-format.md``; ``docs/law-notes.md`` "Former law" and
"Exclusions").
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from typing import Generic, NamedTuple, TypeVar

from cmr_reason.facts.counties import CALIFORNIA_COUNTIES

T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed weighted choice, drawn with one ``rng.random()`` and a bisection."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        if not pairs:
            raise ValueError("a weighted choice needs at least one item")
        self._items = tuple(item for item, _ in pairs)
        cum: list[float] = []
        total = 0.0
        for _, weight in pairs:
            total += weight
            cum.append(total)
        self._cum = cum
        self._total = total

    def pick(self, rng: random.Random) -> T:
        """One item, with probability proportional to its weight."""
        return self._items[bisect.bisect_right(self._cum, rng.random() * self._total)]

    @property
    def items(self) -> tuple[T, ...]:
        """The items, in table order."""
        return self._items

    @property
    def weights(self) -> tuple[float, ...]:
        """The weights of the items, in table order."""
        return tuple(b - a for a, b in zip((0.0, *self._cum), self._cum, strict=False))


# --- Charges ---------------------------------------------------------------------------

#: Kinds of charge the generator tracks (for its statistics and guarantees only).
CANNABIS, ATTEMPT, CONSPIRACY, OTHER, SUPERSTRIKE, SEX290 = (
    "cannabis",
    "attempt",
    "conspiracy",
    "other",
    "superstrike",
    "sex290",
)


class Charge(NamedTuple):
    """One charge with its precomputed spellings.

    ``literal`` is the standard ``OFFENSE_DESCR``; ``nospace`` drops the space before the
    code body; ``lower`` writes subsections in lower case; ``bare`` is the section and
    body alone (as written in ``COMMENT_TEXT``). ``toc`` is the type of charge (F/M/I).
    """

    literal: str
    nospace: str
    lower: str
    bare: str
    toc: str
    kind: str
    code: str
    section: str


def charge(
    section: str,
    subs: str,
    body: str,
    descr: str,
    toc: str,
    kind: str = OTHER,
    *,
    sep: str = "-",
) -> Charge:
    """Build a :class:`Charge` from its parts, e.g. ``charge("11357", "(C)", "HS", ...)``."""
    bare = f"{section}{subs} {body}"
    code = str(10000 + sum(ord(ch) * (i + 1) for i, ch in enumerate(bare)) % 90000)
    return Charge(
        literal=f"{bare}{sep}{descr}",
        nospace=f"{section}{subs}{body}{sep}{descr}",
        lower=f"{section}{subs.lower()} {body}{sep}{descr}",
        bare=bare,
        toc=toc,
        kind=kind,
        code=code,
        section=section,
    )


class Offence(NamedTuple):
    """A charge with the levels it was convicted at, and the weight of each level."""

    charge: Charge
    levels: Weighted[str]
    fine_only: bool = False


def offence(
    charge_: Charge, f: float = 0.0, m: float = 0.0, i: float = 0.0, *, fine_only: bool = False
) -> Offence:
    """An offence convicted as felony, misdemeanor or infraction in the given shares.

    ``fine_only`` marks an offence punishable only by a fine (old 11357(b), 11360(b)).
    """
    pairs = [(lvl, w) for lvl, w in (("F", f), ("M", m), ("I", i)) if w > 0]
    return Offence(charge_, Weighted(pairs), fine_only)


def _cannabis(section: str, subs: str, descr: str, toc: str) -> Charge:
    return charge(section, subs, "HS", descr, toc, CANNABIS)


# Era boundaries (YYYYMMDD as int): the 1972 recodification (Stats. 1972, ch. 1407;
# operative date not verified, programs/tables/predecessors.lp), Moscone Act, SB 1449,
# Prop 47, Prop 64, SB 94.
RECODIFICATION = 19730307
MOSCONE = 19760101
SB1449 = 20110101
PROP47 = 20141105
PROP64 = 20161109
SB94 = 20170627

#: Before the 1972 recodification: the former marijuana sections (programs/tables/predecessors.lp).
CANNABIS_PRE_1973: Weighted[Offence] = Weighted(
    [
        (offence(_cannabis("11530", "", "POSSESS MARIJUANA", "F"), f=1), 45),
        (offence(_cannabis("11540", "", "PLANT/CULTIVATE MARIJUANA", "F"), f=1), 8),
        (offence(_cannabis("11530.5", "", "POSSESS MARIJUANA FOR SALE", "F"), f=1), 25),
        (offence(_cannabis("11531", "", "SELL/FURNISH/TRANSPORT MARIJUANA", "F"), f=1), 20),
    ]
)

#: From the recodification to 1976: possession of any amount a felony (docs/synth.md).
CANNABIS_PRE_1976: Weighted[Offence] = Weighted(
    [
        (offence(_cannabis("11357", "", "POSSESS MARIJUANA", "F"), f=1), 45),
        (offence(_cannabis("11358", "", "CULTIVATION MARIJUANA", "F"), f=1), 10),
        (offence(_cannabis("11359", "", "POSSESS MARIJUANA FOR SALE", "F"), f=1), 25),
        (offence(_cannabis("11360", "", "SELL/TRANSPORT/ETC MARIJUANA/HASH", "F"), f=1), 20),
    ]
)

_CONCENTRATE = _cannabis("11357", "(A)", "POSSESS CONCENTRATED CANNABIS", "F")
_CONCENTRATE_P47 = _cannabis("11357", "(A)", "POSSESS CONCENTRATED CANNABIS", "M")
_SMALL = "POSSESS MARIJUANA 28.5 GRAMS OR LESS"
_OLD_COMMON: list[tuple[Offence, float]] = [
    (offence(_cannabis("11357", "(C)", "POSSESS MARIJUANA OVER 28.5 GRAMS", "M"), m=1), 8),
    (offence(_cannabis("11358", "", "CULTIVATION MARIJUANA", "F"), f=1), 10),
    (offence(_cannabis("11359", "", "POSSESS MARIJUANA FOR SALE", "F"), f=9, m=1), 34),
    (offence(_cannabis("11360", "(A)", "GIVE/ETC MARIJ OVER 1 OZ/28.5 GRM", "F"), f=1), 20),
    (offence(_cannabis("11360", "", "SELL/TRANSPORT/ETC MARIJUANA/HASH", "F"), f=1), 5),
    (
        offence(
            _cannabis("11360", "(B)", "GIVE/ETC MARIJ 1 OZ/28.5 GRM OR LESS", "M"),
            m=1,
            fine_only=True,
        ),
        5,
    ),
]

#: 1976 to 2010: 11357(A) concentrate a wobbler, 11357(B) a fine-only misdemeanor.
CANNABIS_1976_2010: Weighted[Offence] = Weighted(
    [
        (offence(_CONCENTRATE, f=2, m=1), 9),
        (offence(_cannabis("11357", "(B)", _SMALL, "M"), m=1, fine_only=True), 8),
        *_OLD_COMMON,
    ]
)
#: 2011 to Prop 47: 11357(B) an infraction (SB 1449).
CANNABIS_2011_2014: Weighted[Offence] = Weighted(
    [
        (offence(_CONCENTRATE, f=2, m=1), 9),
        (offence(_cannabis("11357", "(B)", _SMALL, "I"), i=1), 8),
        *_OLD_COMMON,
    ]
)
#: Prop 47 to Prop 64: concentrate possession mostly a misdemeanor.
CANNABIS_2014_2016: Weighted[Offence] = Weighted(
    [
        (offence(_CONCENTRATE_P47, f=1, m=6), 9),
        (offence(_cannabis("11357", "(B)", _SMALL, "I"), i=1), 8),
        *_OLD_COMMON,
    ]
)


def _post_act(word: str) -> Weighted[Offence]:
    """Offences after Prop 64, the descriptions using ``word`` (MARIJUANA, then CANNABIS)."""
    return Weighted(
        [
            (offence(_cannabis("11357", "(B)", f"POSSESS {word}", "M"), m=1), 25),
            (offence(_cannabis("11358", "(C)", f"CULTIVATE OVER 6 {word} PLANTS", "M"), m=1), 15),
            (offence(_cannabis("11359", "(B)", f"POSSESS {word} FOR SALE", "M"), m=1), 30),
            (offence(_cannabis("11359", "(C)(3)", f"POSS {word} SALE:SALE TO MINOR", "F"), f=1), 3),
            (offence(_cannabis("11360", "(A)(2)", f"SELL/TRANSPORT/ETC {word}", "M"), m=1), 20),
            (offence(_cannabis("11360", "(A)(3)(D)", f"IMPORT/ETC {word} >28.5 GRM", "F"), f=1), 4),
        ]
    )


#: From Prop 64 (2016-11-09) to SB 94 (2017-06-27), then with "CANNABIS" wording.
CANNABIS_2016_2017: Weighted[Offence] = _post_act("MARIJUANA")
CANNABIS_2017_ON: Weighted[Offence] = _post_act("CANNABIS")


def cannabis_table(day: int) -> Weighted[Offence]:
    """The cannabis offences of the era a date (YYYYMMDD) falls in (docs/synth.md)."""
    if day < RECODIFICATION:
        return CANNABIS_PRE_1973
    if day < MOSCONE:
        return CANNABIS_PRE_1976
    if day < SB1449:
        return CANNABIS_1976_2010
    if day < PROP47:
        return CANNABIS_2011_2014
    if day < PROP64:
        return CANNABIS_2014_2016
    if day < SB94:
        return CANNABIS_2016_2017
    return CANNABIS_2017_ON


#: Pleas: a convicted offence that differs from the charge (``CONV_OFFENSE_DESCR``).
CANNABIS_PLEAS: dict[str, Offence] = {
    "11359": offence(_cannabis("11357", "(C)", "POSSESS MARIJUANA OVER 28.5 GRAMS", "M"), m=1),
    "11360": offence(_cannabis("11359", "", "POSSESS MARIJUANA FOR SALE", "F"), f=1),
    "11358": offence(_cannabis("11357", "(C)", "POSSESS MARIJUANA OVER 28.5 GRAMS", "M"), m=1),
}
#: A plea away from cannabis (only used off the guaranteed cannabis conviction).
ACCESSORY = offence(charge("32", "", "PC", "ACCESSORY", "F"), f=1, m=1)


def _other(section: str, subs: str, body: str, descr: str, toc: str, *, sep: str = "-") -> Charge:
    return charge(section, subs, body, descr, toc, OTHER, sep=sep)


#: Common non-cannabis offences.
OTHER_OFFENCES: Weighted[Offence] = Weighted(
    [
        (offence(_other("459", "", "PC", "BURGLARY", "F"), f=6, m=4), 8),
        (offence(_other("496", "", "PC", "RECEIVE/ETC KNOWN STOLEN PROPERTY", "F"), f=4, m=6), 6),
        (offence(_other("484", "(A)", "PC", "THEFT OF PERSONAL PROPERTY", "M"), m=1), 6),
        (offence(_other("487", "(A)", "PC", "GRAND THEFT:MONEY/LABOR/PROPERTY", "F"), f=6, m=4), 3),
        (offence(_other("10851", "(A)", "VC", "TAKE VEHICLE W/O OWNER CONSENT", "F"), f=6, m=4), 4),
        (offence(_other("23152", "(A)", "VC", "DUI ALCOHOL/DRUGS", "M"), m=1), 10),
        (offence(_other("23152", "(B)", "VC", "DUI .08 ALCOHOL", "M"), m=1), 4),
        (offence(_other("14601.1", "(A)", "VC", "DRIVE WHILE LIC SUSPENDED/ETC", "M"), m=1), 5),
        (offence(_other("12500", "(A)", "VC", "DRIVE W/O LICENSE", "M"), m=1), 4),
        (
            offence(
                _other("11350", "(A)", "HS", "POSSESS NARCOTIC CONTROLLED SUBSTANCE", "F"), f=7, m=3
            ),
            9,
        ),
        (offence(_other("11351", "", "HS", "POSSESS/PURCHASE FOR SALE NARCOTIC/ETC", "F"), f=1), 3),
        (offence(_other("11352", "(A)", "HS", "TRANSPORT/SELL NARCOTIC/CNTL SUB", "F"), f=1), 2),
        (offence(_other("11377", "(A)", "HS", "POSSESS CONTROLLED SUBSTANCE", "F"), f=5, m=5), 6),
        (offence(_other("11364", "", "HS", "POSSESS UNLAWFUL PARAPHERNALIA", "M"), m=1), 4),
        (
            offence(_other("11550", "(A)", "HS", "UNDER INFLUENCE CONTROLLED SUBSTANCE", "M"), m=1),
            4,
        ),
        (
            offence(
                _other("245", "(A)(1)", "PC", "ASSAULT W/DEADLY WEAPON OTHER THAN FIREARM", "F"),
                f=7,
                m=3,
            ),
            5,
        ),
        (offence(_other("273.5", "", "PC", "INFLICT CORPORAL INJ SPOUSE/COHAB", "F"), f=3, m=7), 4),
        (offence(_other("242", "", "PC", "BATTERY", "M"), m=1), 4),
        (offence(_other("211", "", "PC", "ROBBERY", "F"), f=1), 3),
        (offence(_other("647", "(F)", "PC", "DISORDERLY CONDUCT:INTOX DRUG/ALCOHOL", "M"), m=1), 5),
        (offence(_other("148", "(A)(1)", "PC", "OBSTRUCT/RESIST PUBLIC OFFICER/ETC", "M"), m=1), 4),
        (offence(_other("602", "", "PC", "TRESPASSING", "M"), m=1), 2),
        (offence(_other("4149", "", "BP", "UNLICENSED SALE OF NEEDLES", "M", sep=" - "), m=1), 1),
        (offence(_other("4140", "", "BP", "POSSESS HYPODERMIC NEEDLE/SYRINGE", "M"), m=1), 1),
        (offence(_other("12021", "(A)(1)", "PC", "FELON/ADDICT POSSESS FIREARM", "F"), f=1), 2),
        (offence(_other("11357.5", "(A)", "HS", "SELL/ETC SYNTHETIC CANNABINOID", "M"), m=1), 0.5),
    ]
)

#: Extra counts that often ride along in a court case.
EXTRA_COUNTS: Weighted[Offence] = Weighted(
    [
        (offence(_other("11364", "", "HS", "POSSESS UNLAWFUL PARAPHERNALIA", "M"), m=1), 4),
        (offence(_other("148", "(A)(1)", "PC", "OBSTRUCT/RESIST PUBLIC OFFICER/ETC", "M"), m=1), 3),
        (offence(_other("40508", "(A)", "VC", "FAIL TO APPEAR:WRITTEN PROMISE", "M"), m=1), 2),
        (
            offence(
                _other("12025", "(A)(2)", "PC", "CARRY CONCEALED WEAPON ON PERSON", "F"), f=3, m=7
            ),
            1,
        ),
        (offence(_other("647", "(F)", "PC", "DISORDERLY CONDUCT:INTOX DRUG/ALCOHOL", "M"), m=1), 2),
        (offence(_other("4149", "", "BP", "UNLICENSED SALE OF NEEDLES", "M", sep=" - "), m=1), 1),
    ]
)

#: Super-strikes (PC 667(e)(2)(C)(iv); docs/law-notes.md "Exclusion 1").
SUPERSTRIKES: Weighted[Offence] = Weighted(
    [
        (offence(charge("187", "", "PC", "MURDER", "F", SUPERSTRIKE), f=1), 2),
        (offence(charge("664/187", "", "PC", "ATTEMPTED MURDER", "F", SUPERSTRIKE), f=1), 5),
        (
            offence(
                charge("288", "(A)", "PC", "LEWD OR LASCIV ACTS W/CHILD UNDER 14", "F", SEX290), f=1
            ),
            3,
        ),
    ]
)

#: Other PC 290(c) registrable offences.
SEX_OFFENCES: Weighted[Offence] = Weighted(
    [
        (offence(charge("261", "(A)(2)", "PC", "RAPE BY FORCE/FEAR/ETC", "F", SEX290), f=1), 3),
        (offence(charge("243.4", "(A)", "PC", "SEXUAL BATTERY", "F", SEX290), f=3, m=7), 4),
        (offence(charge("647.6", "(A)", "PC", "ANNOY/MOLEST CHILD", "M", SEX290), m=1), 3),
    ]
)

#: A conspiracy count; the target offence is written only in the comment (docs/doj-format.md
#: "Code sections and their notation").
CONSPIRACY_CHARGE = charge("182", "(A)(1)", "PC", "CONSPIRACY: COMMIT CRIME", "F", CONSPIRACY)
CONSPIRACY_OFFENCE = offence(CONSPIRACY_CHARGE, f=8, m=2)
CONSPIRACY_TARGETS = ("11359 HS", "11360(A) HS", "11358 HS")

REGISTRATION_290 = charge("290", "", "PC", "REGISTRATION OF SEX OFFENDER", "F")
REGISTRATION_11590 = charge("11590", "", "HS", "REGISTRATION OF CNTL SUB OFFENDER", "M")

# --- Dispositions and sentences --------------------------------------------------------

NOT_CONVICTED: Weighted[str] = Weighted(
    [
        ("DISMISSED/CHARGE DROPPED", 6),
        ("DISMISSED/FURTHERANCE OF JUSTICE", 2),
        ("PROS REJ-OTHER", 1),
        ("REL/TOT OTHER JURIS/AUTH", 1),
    ]
)
#: Outcomes of an arrest that never reached court.
NO_COURT: Weighted[str] = Weighted(
    [
        ("", 3),
        ("PROS REJ-OTHER", 4),
        ("PROS REJ-COMB W/OTHER CNTS", 1),
        ("REL/DET ONLY-LACK OF SUFF EVID", 2),
        ("REL/TOT OTHER JURIS/AUTH", 1),
    ]
)

#: A sentence part: location, length (may be blank), time code.
Part = tuple[str, str, str]

SENTENCES: dict[str, Weighted[tuple[Part, ...]]] = {
    "F": Weighted(
        [
            ((("PRISON", "16", "M"),), 6),
            ((("PRISON", "2", "Y"),), 6),
            ((("PRISON", "3", "Y"),), 4),
            ((("PRISON", "4", "Y"),), 1),
            ((("JAIL", "180", "D"), ("PROBATION", "36", "M")), 12),
            ((("JAIL", "90", "D"), ("PROBATION", "3", "Y")), 10),
            ((("JAIL", "365", "D"), ("PROBATION", "5", "Y")), 5),
            ((("JAIL", "45", "D"), ("PROBATION", "3", "Y"), ("FINE", "", "")), 3),
            ((("PROBATION", "36", "M"),), 9),
            ((("PROBATION", "3", "Y"),), 7),
            ((("JAIL", "16", "M"),), 3),
            ((("JAIL", "1", "Y"),), 3),
        ]
    ),
    "M": Weighted(
        [
            ((("JAIL", "10", "D"), ("PROBATION", "36", "M")), 10),
            ((("JAIL", "30", "D"), ("PROBATION", "3", "Y")), 8),
            ((("JAIL", "2", "D"), ("PROBATION", "12", "M"), ("FINE", "", "")), 3),
            ((("PROBATION", "24", "M"),), 10),
            ((("PROBATION", "1", "Y"),), 8),
            ((("JAIL", "30", "D"),), 9),
            ((("JAIL", "90", "D"),), 6),
            ((("JAIL", "6", "M"),), 3),
            ((("FINE", "", ""),), 8),
        ]
    ),
    "I": Weighted([((("FINE", "", ""),), 1)]),
}
SENT_LOC_CODE = {"PRISON": "1", "JAIL": "2", "PROBATION": "3", "FINE": "5"}
TIME_DESCR = {"D": "DAYS", "M": "MONTHS", "Y": "YEARS", "": ""}
LEVEL_DESCR = {"F": "FELONY", "M": "MISDEMEANOR", "I": "INFRACTION"}

# --- People ----------------------------------------------------------------------------

#: Family names: common surnames mixed with invented ones; no real person is meant.
FAMILY_NAMES = (
    "GARCIA",
    "SMITH",
    "HERNANDEZ",
    "JOHNSON",
    "LOPEZ",
    "WILLIAMS",
    "MARTINEZ",
    "BROWN",
    "GONZALEZ",
    "JONES",
    "RODRIGUEZ",
    "DAVIS",
    "PEREZ",
    "MILLER",
    "SANCHEZ",
    "WILSON",
    "RAMIREZ",
    "MOORE",
    "TORRES",
    "TAYLOR",
    "FLORES",
    "THOMAS",
    "RIVERA",
    "JACKSON",
    "NGUYEN",
    "WHITE",
    "KIM",
    "HARRIS",
    "REYES",
    "LEE",
    "CRUZ",
    "WALKER",
    "MORALES",
    "QUILLAN",
    "VARNELL",
    "OSTRANDE",
    "BELLWEATHER",
    "TARKINGTON",
    "MARROQUEZ",
    "DELACOURT",
    "FENWICK",
    "ZAPARANO",
    "HOLLOWAY",
    "PRENTISS",
    "OKONKWAR",
    "VANTERPOOL",
    "ASHBURNE",
)
GIVEN_MALE = (
    "JOSE",
    "JAMES",
    "MICHAEL",
    "ROBERT",
    "DAVID",
    "JOHN",
    "CARLOS",
    "LUIS",
    "ANTHONY",
    "WILLIAM",
    "DANIEL",
    "JUAN",
    "CHRISTOPHER",
    "KEVIN",
    "MARCUS",
    "ANDRE",
    "MIGUEL",
    "RICHARD",
    "BRIAN",
    "TERRELL",
    "DARNELL",
    "HECTOR",
    "STEVEN",
    "PAUL",
    "ORLAN",
    "DESMOND",
    "TAVIN",
)
GIVEN_FEMALE = (
    "MARIA",
    "JENNIFER",
    "PATRICIA",
    "LINDA",
    "ELIZABETH",
    "ANGELA",
    "ROSA",
    "MICHELLE",
    "LISA",
    "SANDRA",
    "KIMBERLY",
    "VERONICA",
    "TANYA",
    "ADELINE",
    "CORINNE",
    "MARISOL",
)
MIDDLE_INITIALS = "ABCDEFGHIJKLMNOPRSTW"

GENDER: Weighted[str] = Weighted([("M", 85), ("F", 14), ("", 1)])
RACE: Weighted[tuple[str, str]] = Weighted(
    [
        (("H", "HISPANIC"), 41),
        (("B", "BLACK"), 30),
        (("W", "WHITE"), 21),
        (("A", "ASIAN"), 2),
        (("C", "CHINESE"), 0.5),
        (("O", "OTHER"), 3.5),
        (("", ""), 2),
    ]
)
EYES: Weighted[tuple[str, str]] = Weighted(
    [
        (("BRO", "BROWN"), 70),
        (("BLK", "BLACK"), 10),
        (("BLU", "BLUE"), 10),
        (("GRN", "GREEN"), 5),
        (("HAZ", "HAZEL"), 5),
    ]
)
HAIR: Weighted[tuple[str, str]] = Weighted(
    [
        (("BLK", "BLACK"), 60),
        (("BRO", "BROWN"), 25),
        (("BLN", "BLOND"), 6),
        (("GRY", "GRAY"), 5),
        (("RED", "RED"), 2),
        (("BAL", "BALD"), 2),
    ]
)
BIRTH_PLACE: Weighted[tuple[str, str, str]] = Weighted(
    [
        (("CA", "CALIFORNIA", "S"), 70),
        (("MX", "MEXICO", "C"), 15),
        (("TX", "TEXAS", "S"), 4),
        (("NY", "NEW YORK", "S"), 2),
        (("LA", "LOUISIANA", "S"), 3),
        (("SV", "EL SALVADOR", "C"), 3),
        (("", "", ""), 3),
    ]
)

#: Birth years 1925-2001, weighted toward the decades that fill the files.
BIRTH_YEAR: Weighted[int] = Weighted(
    [
        (y, 1 if y < 1940 else 4 if y < 1950 else 8 if y < 1975 else 6 if y < 1990 else 3)
        for y in range(1925, 2002)
    ]
)
#: Years of arrest cycles, 1961-2019.
CYCLE_YEAR: Weighted[int] = Weighted(
    [
        (
            y,
            1
            if y < 1968
            else 4
            if y < 1976
            else 3
            if y < 1986
            else 4
            if y < 1996
            else 5
            if y < 2011
            else 3
            if y < 2017
            else 1.5,
        )
        for y in range(1961, 2020)
    ]
)
CYCLES_PER_PERSON: Weighted[int] = Weighted([(1, 30), (2, 28), (3, 18), (4, 12), (5, 7), (6, 5)])

# --- Places ----------------------------------------------------------------------------

#: California's 58 counties in alphabetical order; the DOJ county code is the position.
COUNTIES = CALIFORNIA_COUNTIES

#: Police department places per county (the first is the most frequent); default: the county.
POLICE_PLACES: dict[str, tuple[str, ...]] = {
    "LOS ANGELES": (
        "LOS ANGELES",
        "LONG BEACH",
        "PASADENA",
        "POMONA",
        "INGLEWOOD",
        "SANTA MONICA",
        "TORRANCE",
        "BURBANK",
        "GLENDALE",
        "EL MONTE",
    ),
    "SAN FRANCISCO": ("SAN FRANCISCO",),
    "SACRAMENTO": ("SACRAMENTO", "ELK GROVE", "FOLSOM"),
    "SAN JOAQUIN": ("STOCKTON", "LODI", "TRACY", "MANTECA"),
    "CONTRA COSTA": ("RICHMOND", "CONCORD", "ANTIOCH", "PITTSBURG"),
    "ALAMEDA": ("OAKLAND", "BERKELEY", "HAYWARD", "FREMONT"),
    "SAN DIEGO": ("SAN DIEGO", "CHULA VISTA", "OCEANSIDE", "EL CAJON"),
    "ORANGE": ("SANTA ANA", "ANAHEIM", "HUNTINGTON BEACH", "IRVINE"),
    "RIVERSIDE": ("RIVERSIDE", "CORONA", "PALM SPRINGS"),
    "SAN BERNARDINO": ("SAN BERNARDINO", "FONTANA", "ONTARIO"),
    "YOLO": ("WOODLAND", "DAVIS", "WEST SACRAMENTO"),
    "FRESNO": ("FRESNO", "CLOVIS"),
    "KERN": ("BAKERSFIELD",),
    "SANTA CLARA": ("SAN JOSE", "SANTA CLARA", "SUNNYVALE"),
}
#: Court places per county (superior court, and municipal courts before unification).
COURT_PLACES: dict[str, tuple[str, ...]] = {
    "LOS ANGELES": (
        "LOS ANGELES",
        "LONG BEACH",
        "PASADENA",
        "SAN FERNANDO",
        "COMPTON",
        "POMONA",
        "TORRANCE",
        "VAN NUYS",
    ),
    "SAN DIEGO": ("SAN DIEGO", "EL CAJON", "VISTA", "CHULA VISTA"),
    "ORANGE": ("SANTA ANA", "FULLERTON", "WESTMINSTER"),
    "ALAMEDA": ("OAKLAND", "HAYWARD", "FREMONT"),
    "CONTRA COSTA": ("MARTINEZ", "RICHMOND", "WALNUT CREEK"),
    "SAN JOAQUIN": ("STOCKTON", "LODI", "MANTECA"),
}
#: Counties where out-of-county events of a record happen, by weight.
OTHER_COUNTIES: tuple[tuple[str, float], ...] = (
    ("LOS ANGELES", 10),
    ("ORANGE", 5),
    ("SAN BERNARDINO", 5),
    ("RIVERSIDE", 5),
    ("SAN DIEGO", 4),
    ("KERN", 3),
    ("VENTURA", 3),
    ("SACRAMENTO", 3),
    ("ALAMEDA", 2),
    ("SAN FRANCISCO", 2),
    ("FRESNO", 2),
    ("SANTA CLARA", 2),
    ("SAN JOAQUIN", 1),
    ("CONTRA COSTA", 1),
    ("YOLO", 0.5),
    ("HUMBOLDT", 0.5),
)

# --- The petition mix (``--mix petitions``, issue #21) ---------------------------------
# A file for the remedies beside Proposition 64 (docs/synth.md "The petition mix"): people
# with and without a cannabis conviction, the wobblers, theft, forgery and drug possession
# sections those remedies turn on, county jail felonies after realignment and prison terms
# before it, and cycles up to 2025. The default mix never reads these tables.

#: Sentencing of felonies under PC 1170(h) began on 1 October 2011 (AB 109).
REALIGNMENT = 20111001

#: The anchor cycle's kind (every person has a conviction in the file's county).
PETITION_ANCHOR: Weighted[str] = Weighted([("cannabis", 25), ("other", 75)])

#: Non-cannabis offences of the petition mix: the default list, with more wobblers and the
#: theft and forgery sections Proposition 47 names.
PETITION_OFFENCES: Weighted[Offence] = Weighted(
    [
        *zip(OTHER_OFFENCES.items, OTHER_OFFENCES.weights, strict=True),
        (offence(_other("470", "(D)", "PC", "FORGERY", "F"), f=6, m=4), 3),
        (offence(_other("476A", "(A)", "PC", "NSF CHECK", "F"), f=5, m=5), 2),
        (offence(_other("666", "", "PC", "PETTY THEFT W/PRIOR", "F"), f=7, m=3), 3),
        (offence(_other("530.5", "(A)", "PC", "IDENTITY THEFT", "F"), f=6, m=4), 2),
        (offence(_other("594", "(B)(1)", "PC", "VANDALISM $400 OR MORE", "F"), f=5, m=5), 3),
        (offence(_other("422", "", "PC", "CRIMINAL THREATS", "F"), f=6, m=4), 2),
        (offence(_other("243", "(D)", "PC", "BATTERY W/SERIOUS BODILY INJURY", "F"), f=6, m=4), 2),
        (offence(_other("2800.2", "(A)", "VC", "EVADING OFFICER RECKLESS", "F"), f=6, m=4), 1),
        (offence(_other("415", "", "PC", "DISTURBING THE PEACE", "M"), m=6, i=4), 3),
        (offence(_other("22350", "", "VC", "UNSAFE SPEED", "I"), i=1), 2),
    ]
)

#: The sections Proposition 47 made misdemeanors for an offence on or after 5 November 2014
#: (except for the few people it excepts): the petition mix convicts them as felonies rarely.
PROP47_SECTIONS = frozenset({"11350", "11377", "496", "666", "476A", "470"})

#: Felony sentences before realignment: prison, or probation (often with jail).
FELONY_BEFORE_REALIGNMENT: Weighted[tuple[Part, ...]] = Weighted(
    [
        ((("PRISON", "16", "M"),), 8),
        ((("PRISON", "2", "Y"),), 7),
        ((("PRISON", "3", "Y"),), 4),
        ((("JAIL", "180", "D"), ("PROBATION", "36", "M")), 12),
        ((("JAIL", "90", "D"), ("PROBATION", "3", "Y")), 10),
        ((("JAIL", "365", "D"), ("PROBATION", "5", "Y")), 5),
        ((("PROBATION", "36", "M"),), 9),
        ((("PRISON", "3", "Y"), ("PROBATION", "5", "Y")), 1),  # execution suspended
    ]
)
#: Felony sentences after realignment: county jail under PC 1170(h), prison, probation.
FELONY_AFTER_REALIGNMENT: Weighted[tuple[Part, ...]] = Weighted(
    [
        ((("JAIL", "16", "M"),), 8),
        ((("JAIL", "2", "Y"),), 6),
        ((("JAIL", "3", "Y"),), 3),
        ((("PRISON", "2", "Y"),), 4),
        ((("PRISON", "4", "Y"),), 2),
        ((("JAIL", "180", "D"), ("PROBATION", "24", "M")), 10),
        ((("PROBATION", "2", "Y"),), 8),
        ((("JAIL", "90", "D"), ("PROBATION", "3", "Y")), 6),
    ]
)

#: Years of arrest cycles in the petition mix, 1961-2025.
PETITION_CYCLE_YEAR: Weighted[int] = Weighted(
    [
        *zip(CYCLE_YEAR.items, CYCLE_YEAR.weights, strict=True),
        *((y, 2.0) for y in range(2020, 2026)),
    ]
)
