"""The impact figures of a run (``summary.json``), accumulated person by person.

Counters only, so partial summaries from batches and worker processes merge by addition and
the result does not depend on how the work was split.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any, TypeAlias

from cmr_reason.facts.lean_person import LeanConviction, LeanPerson
from cmr_reason.reasoner.engine.decision import Decision
from cmr_reason.reasoner.run.rows import RELIEF, PersonOutcome

UNKNOWN = "unknown"
NOT_ADDRESSED = "not_applicable"  # the statutory outcome of a conviction HS 11361.8 leaves alone
COUNTY, ADDRESSED = "_county", "_addressed"  # counts kept for the run's checks only
OTHER = "other"
#: Race descriptions (``RACE_DESCR``) the figures count by name: the DOJ's categories and
#: those of Gov. Code 8310.5. Any other value is counted as "other", so no text from the
#: input (a name or a date put in the wrong field) becomes a published figure.
RACES = frozenset({
    "AMERICAN INDIAN", "ASIAN", "ASIAN INDIAN", "BLACK", "CAMBODIAN", "CHINESE", "FILIPINO",
    "GUAMANIAN", "HAWAIIAN", "HISPANIC", "JAPANESE", "KOREAN", "LAOTIAN", "OTHER",
    "OTHER ASIAN", "PACIFIC ISLANDER", "SAMOAN", "UNKNOWN", "VIETNAMESE", "WHITE",
})  # fmt: skip
#: Gender codes (``GENDER``) counted by name; any other value is "other".
GENDERS = frozenset({"M", "F", "X"})


def race_group(race: str) -> str:
    """The name a person's race is counted under: a known category, unknown or other."""
    if not race:
        return UNKNOWN
    return race if race in RACES else OTHER


def gender_group(gender: str) -> str:
    """The name a person's gender is counted under: M, F, X, unknown or other."""
    if not gender:
        return UNKNOWN
    return gender if gender in GENDERS else OTHER


def decade(year: int | None) -> str:
    """``1960s`` for 1961; ``unknown`` without a year."""
    return f"{year // 10 * 10}s" if year else UNKNOWN


def _conviction_keys(conv: LeanConviction, d: Decision) -> tuple[tuple[str, ...], ...]:
    """The counts one conviction adds one to."""
    cannabis = None
    if d.cannabis_related:
        level = conv.level or UNKNOWN
        year = conv.disposition_date // 10000 if conv.disposition_date else None
        cannabis = (level, decade(year), conv.code_section or UNKNOWN)
    return _keys(
        d.outcome, d.reason, d.statutory_outcome, d.statutory_reason, cannabis, conv.county
    )


@lru_cache(maxsize=1 << 14)
def _keys(
    outcome: str,
    reason: str,
    statutory_outcome: str,
    statutory_reason: str,
    cannabis: tuple[str, str, str] | None,
    county: str,
) -> tuple[tuple[str, ...], ...]:
    """:func:`_conviction_keys` by its arguments: one tuple for equal ones, while it is kept.

    For cannabis: level, decade and section; every conviction's county.
    """
    keys = [
        ("convictions", "total"),
        ("outcome", outcome),
        ("statutory_outcome", statutory_outcome),
        ("reason", outcome, reason),
        ("statutory_reason", statutory_outcome, statutory_reason),
    ]
    if cannabis is not None:
        level, decade_name, section = cannabis
        keys += [
            ("convictions", "cannabis_related"),
            ("by_level", level, outcome),
            ("by_decade", decade_name, outcome),
            ("by_code_section", section, outcome),
        ]
        if outcome in RELIEF:
            keys.append(("relieved_by_level", outcome, level))
    # For the run's sanity checks (run_warnings.py), not in summary.json: every conviction by
    # county, and those HS 11361.8 addresses by county and by the run's outcome and reason.
    keys.append((COUNTY, county))
    if statutory_outcome != NOT_ADDRESSED:
        keys.append((ADDRESSED, county, outcome, reason))
    return tuple(keys)


@lru_cache(maxsize=1 << 10)
def _person_keys(
    race: str,
    gender: str,
    cannabis: bool,
    deceased: bool,
    relieved: bool,
    no_felony_after: bool,
    no_conviction_after: bool,
    felony_record_cleared: bool,
) -> tuple[tuple[str, ...], ...]:
    """The counts a person adds one to (one tuple for equal arguments, while it is kept).

    The last three are of a relieved person only; with no conviction after, the record
    is cleared of convictions.
    """
    keys = [("people", "total"), ("race", race, "people"), ("gender", gender, "people")]
    if cannabis:
        keys.append(("people", "with_cannabis_conviction"))
    if deceased:
        keys.append(("people", "deceased"))
    if relieved:
        keys += [("people", "relieved"), ("race", race, "relieved"),
                 ("gender", gender, "relieved")]  # fmt: skip
    if no_felony_after:
        keys.append(("people", "relieved_no_felony_after"))
    if no_conviction_after:
        keys += [("people", "relieved_no_conviction_after"),
                 ("people", "conviction_record_cleared")]  # fmt: skip
    if felony_record_cleared:
        keys.append(("people", "felony_record_cleared"))
    return tuple(keys)


#: Groups of counts that go up together (a person's, a conviction's: kept tuples), by the
#: group's id, each with how many times it went up; the entry keeps its group, so its id.
Pending: TypeAlias = dict[int, tuple[tuple[tuple[str, ...], ...], list[int]]]


class ImpactSummary:
    """Counts behind every figure in ``summary.json``."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, ...]] = Counter()

    def merge(self, other: ImpactSummary) -> None:
        """Add another (partial) summary into this one."""
        self.counts.update(other.counts)

    def add_person(
        self,
        person: LeanPerson,
        decisions: dict[str, Decision],
        outcome: PersonOutcome,
        pending: Pending | None = None,
    ) -> None:
        """Count one person and their convictions.

        With ``pending``, the counts that go up by one are noted there in groups (the
        person's, then each conviction's, which :func:`_person_keys` and :func:`_keys` keep),
        to be added by :meth:`add_pending` after many people: the same counts, each group
        added once.
        """
        c = self.counts
        relieved = outcome.relieved > 0
        groups = [
            _person_keys(
                race_group(person.race),
                gender_group(person.gender),
                outcome.cannabis > 0,
                person.deceased,
                relieved,
                relieved and outcome.felonies_after == 0,
                relieved and outcome.convictions_after == 0,
                relieved and outcome.felonies_before > 0 and outcome.felonies_after == 0,
            )
        ]
        for conv in person.convictions:
            groups.append(_conviction_keys(conv, decisions[conv.conviction_id]))
        if pending is None:
            c.update([key for group in groups for key in group])  # one pass in C
            return
        for group in groups:  # by its id: its hash would walk every key
            noted = pending.get(id(group))
            if noted is None:
                pending[id(group)] = (group, [1])
            else:
                noted[1][0] += 1

    def add_pending(self, pending: Pending) -> None:
        """Add the groups :meth:`add_person` noted in ``pending``, each as many times."""
        c = self.counts
        for group, times in pending.values():
            for key in group:
                c[key] += times[0]

    def convictions_by_county(self) -> dict[str, int]:
        """Every conviction by the county of its court, as the input writes it."""
        return {k[1]: n for k, n in sorted(self.counts.items()) if k[0] == COUNTY and n}

    def addressed(self) -> dict[tuple[str, str, str], int]:
        """The convictions HS 11361.8 addresses, by (county, outcome, reason) of the run."""
        return {
            (k[1], k[2], k[3]): n for k, n in sorted(self.counts.items()) if k[0] == ADDRESSED and n
        }

    def to_dict(self) -> dict[str, Any]:
        """The figures as nested, sorted plain data."""
        c = self.counts

        def group(prefix: str) -> dict[str, Any]:
            nested: dict[str, Any] = {}
            for key, value in sorted(c.items()):
                if key[0] != prefix or not value:
                    continue
                node = nested
                for part in key[1:-1]:
                    node = node.setdefault(part, {})
                node[key[-1]] = value
            return nested

        relieved_people = c[("people", "relieved")]

        def shares(kind: str) -> dict[str, Any]:
            table = group(kind)
            for row in table.values():
                row.setdefault("relieved", 0)
                row["share_of_relieved_people_pct"] = (
                    round(100 * row["relieved"] / relieved_people, 1) if relieved_people else 0.0
                )
            return table

        relieved_by_level = group("relieved_by_level")
        dismissed = relieved_by_level.get("dismiss_and_seal", {})
        outcomes = group("outcome")
        return {
            "people": {
                "total": c[("people", "total")],
                "with_cannabis_conviction": c[("people", "with_cannabis_conviction")],
                "relieved": relieved_people,
                "relieved_no_felony_after": c[("people", "relieved_no_felony_after")],
                "relieved_no_conviction_after": c[("people", "relieved_no_conviction_after")],
                "felony_record_cleared": c[("people", "felony_record_cleared")],
                "deceased": c[("people", "deceased")],
            },
            "convictions": {
                "total": c[("convictions", "total")],
                "cannabis_related": c[("convictions", "cannabis_related")],
                "relieved": sum(outcomes.get(o, 0) for o in sorted(RELIEF)),
                "dismissed": outcomes.get("dismiss_and_seal", 0),
                "dismissed_felonies": dismissed.get("felony", 0),
                "dismissed_misdemeanors": dismissed.get("misdemeanor", 0),
                "dismissed_infractions": dismissed.get("infraction", 0),
                "redesignated": outcomes.get("redesignate_misdemeanor", 0)
                + outcomes.get("redesignate_infraction", 0),
                "resentenced": outcomes.get("resentence", 0),
                "review": outcomes.get("review", 0),
                "not_eligible": outcomes.get("not_eligible", 0),
            },
            "by_outcome": outcomes,
            "statutory_by_outcome": group("statutory_outcome"),
            "by_reason": group("reason"),
            "statutory_by_reason": group("statutory_reason"),
            "relieved_by_level": relieved_by_level,
            "reviews_by_reason": group("reason").get("review", {}),
            "not_eligible_by_reason": group("reason").get("not_eligible", {}),
            "by_level": group("by_level"),
            "by_decade": group("by_decade"),
            "by_code_section": group("by_code_section"),
            "by_race": shares("race"),
            "by_gender": shares("gender"),
        }
