"""The DOJ file's step types and court dispositions the reader knows, in one table.

Every ``STP_TYPE_DESCR`` and every ``DISP_DESCR`` of a court row is looked up here; a value
that is not here is never guessed at (``docs/facts.md``, "The step and disposition
vocabulary"):

- a known step type is *used* (arrest, court, registration, death) or *irrelevant*, counted
  under its own name (``CUSTODY``, ``PROBATION``, ...);
- an unknown step type on a row that looks like a court event (:func:`looks_like_court_event`)
  is rejected with its value; on any other row it is irrelevant, counted as ``other_step``
  (never under its raw text, which may hold anything);
- a court row's disposition is a conviction, a disposition without conviction, a later
  update of a conviction (:data:`UPDATES`, the ``later_disposition/3`` kinds), or a
  procedural entry; anything else (a garbled, blank or ``NULL`` value) rejects the row.

Which update literal stands for which later disposition is reading, not law: what each
kind does to a conviction is decided in ``programs/core/later_dispositions.lp``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from cmr_reason.facts.doj import columns as col

#: Step types that become part of a history, and the kind of item each makes.
USED_STEPS: Final[dict[str, str]] = {
    "ARREST/DETAINED/CITED": "arrest",
    "ARREST": "arrest",
    "COURT ACTION": "court",
    "COURT": "court",
    "REGISTRATION": "registration",
    "DECEASED": "death",
}

#: Step types of the criminal history that carry nothing the rules read (the events of a
#: printed RAP sheet, docs/doj-format.md "Printed RAP sheets"): counted as irrelevant under
#: their own name.
IRRELEVANT_STEPS: Final[frozenset[str]] = frozenset(
    {
        "CUSTODY",
        "CUSTODY:JAIL",
        "PROBATION",
        "SUPPLEMENTAL ARR",
        "SUPPLEMENTAL ARREST",
        "APPLICANT",
        "MENTAL HLTH",
        "MENTAL HLTH CUS/SUPV",
    }
)

#: The irrelevant kind of an unknown step type on a row that does not look like a court event.
OTHER_STEP: Final = "other_step"

#: Agency kinds (the first word of ``STP_ORI_DESCR``) that are courts.
COURT_AGENCIES: Final[frozenset[str]] = frozenset({"CASC", "CAMC", "CAJC"})

#: Columns whose value makes a row of an unknown step type look like a court event: a count,
#: a charge, a disposition, a conviction status or a sentence.
COURT_EVENT_COLUMNS: Final[tuple[int, ...]] = (
    col.CNT_ORDER,
    col.OFFENSE_DESCR,
    col.CONV_OFFENSE_DESCR,
    col.DISP_DESCR,
    col.CONV_STAT_DESCR,
    col.SENT_LOC_DESCR,
    col.SENT_LENGTH,
)

# --- Court dispositions (DISP_DESCR) ---------------------------------------------------

CONVICTION: Final = "conviction"
NO_CONVICTION: Final = "no_conviction"
UPDATE: Final = "update"
PROCEDURAL: Final = "procedural"

#: Later updates of a conviction, as written on a court row of the same count
#: (``CNT_ORDER``), and the ``later_disposition/3`` kind each is read as. The literals
#: marked "seen" appear on printed RAP sheets (docs/doj-format.md "Printed RAP sheets"); the
#: others are the project's reading of the same entries for the other statutes, until a DOJ
#: sample shows the exact text (docs/facts.md "Later dispositions").
UPDATES: Final[dict[str, str]] = {
    "REDUCED TO MISDEMEANOR": "reduced_to_misdemeanor",  # seen; PC 17(b) or Prop 47
    "REDUCED TO MISDEMEANOR PER 17(B) PC": "reduced_to_misdemeanor",
    "REDESIGNATED MISDEMEANOR PER 1170.18 PC": "reduced_to_misdemeanor",
    "CONV SET ASIDE & DISM PER 1203.4 PC": "set_aside_1203_4",  # seen
    "CONV SET ASIDE & DISM PER 1203.4A PC": "set_aside_1203_4a",
    "DISMISSED/SEALED PER 11361.8 HS": "dismissed_sealed_11361_8",
    "REDESIGNATED MISDEMEANOR PER 11361.8 HS": "redesignated_misdemeanor_11361_8",
    "REDESIGNATED INFRACTION PER 11361.8 HS": "redesignated_infraction_11361_8",
    "PROBATION REVOKED": "probation_revoked",  # seen
    "SENTENCE MODIFIED": "sentence_modified",  # seen
}

#: Every ``later_disposition/3`` kind (the constants a hand-written history may use).
LATER_DISPOSITION_KINDS: Final[tuple[str, ...]] = tuple(dict.fromkeys(UPDATES.values()))

#: Dispositions without a conviction: exact values, and the families they start with.
NO_CONVICTION_VALUES: Final[frozenset[str]] = frozenset(
    {"NO LONGER INTERESTED", "PROS DEFERRED FOR REVOCATION OF PAROLE"}
)
NO_CONVICTION_PREFIXES: Final[tuple[str, ...]] = (
    "DISMISSED",
    "ACQUITTED",
    "NOT GUILTY",
    "PROS REJ",
    "REL/TOT",
)

#: Dispositions written on an arrest step itself (the case never reached court), by the
#: families they start with, and the code an ``arrest_disposition/2`` fact carries. Reading
#: only: which of them end the charge is the programs' (``programs/statutes/pc1203_425.lp``).
ARREST_DISPOSITIONS: Final[dict[str, str]] = {
    "PROS REJ": "prosecutor_rejected",  # PROS REJ-OTHER, PROS REJ-COMB W/OTHER CNTS ...
    "REL/DET ONLY": "released_detention_only",  # REL/DET ONLY-LACK OF SUFF EVID ...
    "REL/TOT": "turned_over",  # REL/TOT OTHER JURIS/AUTH: released to another authority
    "DISMISSED": "dismissed",
}
#: Every ``arrest_disposition/2`` code; ``other`` is a value the vocabulary does not know.
ARREST_DISPOSITION_CODES: Final[tuple[str, ...]] = (*ARREST_DISPOSITIONS.values(), "other")

#: Court entries that record a step of the proceedings, not an outcome (docs/doj-format.md
#: "Printed RAP sheets").
PROCEDURAL_VALUES: Final[frozenset[str]] = frozenset(
    {
        "DEFENDANT REPRESENTED BY COUNSEL",
        "RIGHT TO TRIAL BY JURY WAIVED-YES",
        "CONVICTION CERT BY CLERK OF THE COURT",
        "PAROLED",
        "NO LONGER REQUIRED TO REGISTER/DRUG REG",
    }
)

#: The irrelevant kind of a court row with a procedural disposition.
COURT_PROCEDURAL: Final = "court_procedural"

_CONVICTED = "CONVICTED"
_CONVICTED_PREFIXES = ("CONVICTED-", "CONVICTED ", "CONVICTED/")


def normalise(text: str) -> str:
    """Upper case, blanks at the ends removed, runs of blanks inside made one."""
    return " ".join(text.upper().split())


@lru_cache(maxsize=1 << 12)
def step_kind(step: str) -> str | None:
    """The used kind of a step type (``arrest``, ``court``...), or None when it is not used."""
    return USED_STEPS.get(normalise(step))


@lru_cache(maxsize=1 << 12)
def irrelevant_step(step: str) -> str | None:
    """The known name an irrelevant step type is counted under, or None when unknown."""
    name = normalise(step)
    return name if name in IRRELEVANT_STEPS else None


def looks_like_court_event(row: Sequence[str]) -> bool:
    """A full row (95 fields) carries a count, charge, disposition, status, sentence or court."""
    if any(row[index].strip() not in ("", "NULL") for index in COURT_EVENT_COLUMNS):
        return True
    agency = row[col.STP_ORI_DESCR].strip().upper().partition(" ")[0]
    return agency in COURT_AGENCIES


@lru_cache(maxsize=1 << 12)
def disposition(text: str) -> tuple[str, str] | None:
    """The class of a court row's ``DISP_DESCR`` and, for an update, its later kind.

    ``(CONVICTION, "")``, ``(NO_CONVICTION, "")``, ``(UPDATE, kind)``, ``(PROCEDURAL, "")``;
    None for a value the vocabulary does not know (blank included).
    """
    value = normalise(text)
    if not value or value == "NULL":
        return None
    update = UPDATES.get(value)
    if update is not None:
        return UPDATE, update
    if value == _CONVICTED or value.startswith(_CONVICTED_PREFIXES):
        return CONVICTION, ""
    if value in NO_CONVICTION_VALUES or value.startswith(NO_CONVICTION_PREFIXES):
        return NO_CONVICTION, ""
    if value in PROCEDURAL_VALUES:
        return PROCEDURAL, ""
    return None


@lru_cache(maxsize=1 << 10)
def arrest_disposition(text: str) -> str | None:
    """The code of an arrest step's ``DISP_DESCR`` (``other`` when unknown; None: blank)."""
    value = normalise(text)
    if not value or value == "NULL":
        return None
    for prefix, code in ARREST_DISPOSITIONS.items():
        if value.startswith(prefix):
            return code
    return "other"


def shown(value: str) -> str:
    """A raw value as ``rejects.csv`` shows it: quoted, control characters escaped."""
    escaped = value.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    return f'"{escaped}"'
