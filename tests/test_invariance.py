"""Decisions do not depend on batch size, batch composition or the order of people."""

from __future__ import annotations

import datetime as dt
from functools import cache

from case_results import all_case_results
from hypothesis import given, settings
from hypothesis import strategies as st

from cmr_reason.facts.history import History
from cmr_reason.facts.history_reader import read_histories
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import decide

AS_OF = dt.date(2020, 7, 1)
PROGRAMS = load_program_set("statute")


@cache
def demo_histories() -> tuple[History, ...]:
    return tuple(read_histories([demo_path()]))


def _signature(decisions: dict) -> dict:
    return {
        cid: (d.outcome, d.reason, d.statutory_outcome, tuple(d.alternatives), tuple(d.flags),
              tuple(d.firings), tuple(d.absences), d.record_after)
        for cid, d in decisions.items()
    }  # fmt: skip


@cache
def reference() -> dict:
    return _signature(decide(demo_histories(), PROGRAMS, AS_OF).decisions)


@settings(max_examples=5)
@given(st.randoms(use_true_random=False), st.integers(min_value=15, max_value=150))
def test_any_batching_and_order_gives_the_same_decisions(random, size) -> None:
    people = list(demo_histories())
    random.shuffle(people)
    combined: dict = {}
    for start in range(0, len(people), size):
        combined.update(decide(people[start : start + size], PROGRAMS, AS_OF).decisions)
    assert _signature(combined) == reference()


def test_every_conviction_gets_exactly_one_decision() -> None:
    result = decide(demo_histories(), PROGRAMS, AS_OF)
    assert result.internal_errors == []
    ids = [c.conviction_id for h in demo_histories() for c in h.convictions]
    assert sorted(result.decisions) == sorted(ids)
    assert all(
        d.outcome and d.statutory_outcome and d.decided_by for d in result.decisions.values()
    )


def test_every_statute_rule_fires_in_some_case() -> None:
    """Rule coverage (docs/adding-rules.md "Every rule is exercised"): untested law fails."""
    catalogue = load_catalogue(PROGRAMS)
    fired: set[str] = set()
    for result in all_case_results():
        if result.solved is not None:
            fired |= {f.rule_id for d in result.solved.decisions.values() for f in d.firings}
    missing = sorted(set(catalogue.rules) - fired)
    assert not missing, f"rules no case fires: {missing}"
