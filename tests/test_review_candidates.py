"""The programs name what a review set aside and which rule decides an alternative (issue #15).

``review_candidate(C, Outcome, Branch)`` and ``alternative_by(C, Id, Fact)`` are output
predicates of ``programs/core/outcomes.lp``, shown by ``views/full.lp`` for the renderers.
"""

from __future__ import annotations

from pathlib import Path

import clingo

from cmr_reason.facts.dates import from_yyyymmdd
from cmr_reason.facts.lp_reader import read_lp
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import batch_facts, settings_facts

CASES = Path(__file__).parent / "cases" / "prop64"


def shown_atoms(case: str, policy: str = "statute") -> set[str]:
    """Every atom the full view shows for a case file's histories."""
    doc = read_lp(CASES / case)
    as_of = doc.setting("as_of")[0].arguments[0].number
    when = from_yyyymmdd(as_of)
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], load_program_set(policy).text)
    ctl.add("base", [], batch_facts(doc.histories) + settings_facts(when))
    ctl.ground([("base", [])])
    with ctl.solve(yield_=True) as handle:
        return {str(s) for model in handle for s in model.symbols(shown=True)}


def test_presumption_review_names_both_readings() -> None:
    atoms = shown_atoms("cultivation_21__prior_attempted_murder_review.lp")
    candidates = {a for a in atoms if a.startswith('review_candidate("p:c1"')}
    assert candidates == {
        'review_candidate("p:c1",dismiss_and_seal,presumed)',
        'review_candidate("p:c1",not_eligible,alt(more_than_six_plants))',
    }
    assert (
        'alternative_by("p:c1","p64.exclude.11358.prior_superstrike",more_than_six_plants)' in atoms
    )


def test_alternative_rule_is_the_ranked_winner() -> None:
    """The alternative names the rule that won its reading, not every rule that fired there."""
    atoms = shown_atoms("cultivation_21__prior_superstrike.lp")
    assert 'alternative("p:c1",not_eligible,more_than_six_plants)' in atoms
    by = {a for a in atoms if a.startswith('alternative_by("p:c1"')}
    assert by == {
        'alternative_by("p:c1","p64.exclude.11358.prior_superstrike",more_than_six_plants)'
    }


def test_no_candidates_without_a_review() -> None:
    atoms = shown_atoms("possession_for_sale_adult__felony_to_misdemeanor.lp")
    assert not any(a.startswith("review_candidate(") for a in atoms)


def test_a_review_about_the_record_sets_aside_the_relief() -> None:
    """An attempt is reviewed; the relief it set aside is its candidate."""
    atoms = shown_atoms("possession_for_sale_adult__attempt.lp")
    candidates = {a for a in atoms if a.startswith("review_candidate(")}
    assert candidates == {'review_candidate("p:c1",redesignate_misdemeanor,presumed)'}
