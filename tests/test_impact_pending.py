"""A batch's impact counts noted in groups and added once equal the counts added person by person.

``reasoner/run/batch_worker.py`` passes a ``pending`` mapping to
:meth:`ImpactSummary.add_person`, which notes each person's and each conviction's group of
counts there (kept tuples, by id), and adds them once a batch (:meth:`ImpactSummary.add_pending`).
These tests hold it to the counting it replaced (kept here as the reference): every count of
the demo file's people, each person once and some several times, and the batch's own summary.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest
from batch_specs import batch_spec

from cmr_reason.facts.doj.stream import stream_doj
from cmr_reason.facts.lean_person import LeanPerson
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.decision import Decision
from cmr_reason.reasoner.engine.solver import settings_facts, solve_text
from cmr_reason.reasoner.run import batch_worker
from cmr_reason.reasoner.run.batch_worker import BatchSpec
from cmr_reason.reasoner.run.impact_summary import (
    ADDRESSED,
    COUNTY,
    NOT_ADDRESSED,
    UNKNOWN,
    ImpactSummary,
    Pending,
    decade,
    gender_group,
    race_group,
)
from cmr_reason.reasoner.run.rows import RELIEF, PersonOutcome, person_outcome

AS_OF = dt.date(2020, 7, 1)
Decided = list[tuple[LeanPerson, dict[str, Decision], PersonOutcome]]


def _reference(decided: Decided) -> Counter[tuple[str, ...]]:
    """The counts as ``add_person`` counted them person by person (before the groups)."""
    c: Counter[tuple[str, ...]] = Counter()
    for person, decisions, outcome in decided:
        race, gender = race_group(person.race), gender_group(person.gender)
        keys = [("people", "total"), ("race", race, "people"), ("gender", gender, "people")]
        c[("people", "with_cannabis_conviction")] += outcome.cannabis > 0
        c[("people", "deceased")] += person.deceased
        if outcome.relieved > 0:
            keys += [("people", "relieved"), ("race", race, "relieved")]
            keys.append(("gender", gender, "relieved"))
            c[("people", "relieved_no_felony_after")] += outcome.felonies_after == 0
            c[("people", "relieved_no_conviction_after")] += outcome.convictions_after == 0
            c[("people", "felony_record_cleared")] += (
                outcome.felonies_before > 0 and outcome.felonies_after == 0
            )
            c[("people", "conviction_record_cleared")] += outcome.convictions_after == 0
        for conv in person.convictions:
            d = decisions[conv.conviction_id]
            keys += [
                ("convictions", "total"),
                ("outcome", d.outcome),
                ("statutory_outcome", d.statutory_outcome),
                ("reason", d.outcome, d.reason),
                ("statutory_reason", d.statutory_outcome, d.statutory_reason),
            ]
            if d.cannabis_related:
                level = conv.level or UNKNOWN
                year = conv.disposition_date // 10000 if conv.disposition_date else None
                keys += [
                    ("convictions", "cannabis_related"),
                    ("by_level", level, d.outcome),
                    ("by_decade", decade(year), d.outcome),
                    ("by_code_section", conv.code_section or UNKNOWN, d.outcome),
                ]
                if d.outcome in RELIEF:
                    keys.append(("relieved_by_level", d.outcome, level))
            keys.append((COUNTY, conv.county))
            if d.statutory_outcome != NOT_ADDRESSED:
                keys.append((ADDRESSED, conv.county, d.outcome, d.reason))
        c.update(keys)
    return c


@pytest.fixture(scope="module")
def decided() -> Iterator[tuple[Decided, BatchSpec, list[object]]]:
    """The demo file's people (statute), each with their decisions and outcome."""
    with stream_doj([demo_path()]) as read:
        items: list[object] = list(read.items())
        spec = batch_spec(read, AS_OF)
        facts, people, _, _ = batch_worker._people(items, spec)  # type: ignore[arg-type]
        text = "".join(facts) + settings_facts(AS_OF, None)
        solved = solve_text(spec.programs, text, lean=True, program=spec.program)
        found: Decided = []
        for person in people:
            mine = {c.conviction_id: solved.decisions[c.conviction_id] for c in person.convictions}
            found.append((person, mine, person_outcome(person, mine)))
        yield found, spec, items


def _positive(counts: Counter[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
    return {key: n for key, n in counts.items() if n}


def test_the_reference_counts_real_outcomes(
    decided: tuple[Decided, BatchSpec, list[object]],
) -> None:
    people, _, _ = decided
    counts = _reference(people)
    assert counts[("people", "total")] == len(people) > 50
    assert counts[("people", "relieved")] > 0  # some relieved, some not: both branches run
    assert counts[("people", "relieved")] < len(people)
    assert counts[("convictions", "cannabis_related")] > 0
    assert counts[("people", "deceased")] > 0 or counts[("people", "felony_record_cleared")] > 0


def test_groups_added_once_equal_the_counts_person_by_person(
    decided: tuple[Decided, BatchSpec, list[object]],
) -> None:
    people, _, _ = decided
    twice = people + people[::3]  # some people counted again: groups that go up by more
    reference = _positive(_reference(twice))
    plain, grouped = ImpactSummary(), ImpactSummary()
    pending: Pending = {}
    for person, decisions, outcome in twice:
        plain.add_person(person, decisions, outcome)
        grouped.add_person(person, decisions, outcome, pending)
    assert _positive(grouped.counts) == {}  # noted only, until added
    grouped.add_pending(pending)
    assert _positive(plain.counts) == reference
    assert _positive(grouped.counts) == reference
    assert grouped.to_dict() == plain.to_dict()
    assert grouped.convictions_by_county() == plain.convictions_by_county()
    assert grouped.addressed() == plain.addressed()


def test_a_batch_summary_equals_the_counts_person_by_person(
    decided: tuple[Decided, BatchSpec, list[object]],
) -> None:
    people, spec, items = decided
    result = batch_worker.run_batch(0, items, spec)  # type: ignore[arg-type]
    assert result.people == len(people)
    assert _positive(result.summary.counts) == _positive(_reference(people))
