"""Dead-rule elimination: the bulk program less the rules its view needs none of.

``reasoner/engine/program_prune.py`` blanks out the rules no shown atom depends on. The
pruned bulk program must give every shown atom the whole program gives, under every policy.
"""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import pytest
from clingo_answer import shown_atoms

from cmr_reason.facts.fact_writer import packed_facts
from cmr_reason.facts.history import History
from cmr_reason.facts.history_reader import read_histories, read_lp_histories
from cmr_reason.facts.remedy_facts import remedy_facts
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.program_prune import prune
from cmr_reason.reasoner.engine.program_set import load_program_set, policy_names
from cmr_reason.reasoner.engine.remedies import remedy_codes
from cmr_reason.reasoner.engine.solver import absent_settings, settings_facts

SMALL = """\
p(X) :- q(X), not r(X).
q(1). q(2).
r(X) :- s(X),
    t(X).
u(X) :- q(X).
:- v.
v :- w.
#show p/1.
"""


def test_rules_no_shown_atom_needs_are_blanked():
    pruned = prune(SMALL)
    lines = pruned.split("\n")
    assert len(lines) == len(SMALL.split("\n"))
    assert lines[0] == "p(X) :- q(X), not r(X)."  # shown
    assert lines[2].startswith("r(X) :- s(X),")  # read by a shown rule
    assert lines[4].strip() == ""  # u/1: nothing reads it
    assert lines[6] == "v :- w."  # read by a constraint


INPUTS = """\
#defined s/1.
#defined q/1.
a(X) :- s(X).
b(X) :- a(X), q(X).
c(X) :- q(X), not s(X).
d(X) :- q(X).
d(X) :- a(X).
e(X) :- #count { Y : s(Y) } = 0, q(X).
#show b/1. #show c/1. #show d/1. #show e/1.
"""


def test_rules_an_absent_input_cannot_fire_are_blanked():
    """Without facts of s/1: a/1 cannot be derived, nor b/1 from it; the rest can."""
    lines = prune(INPUTS, frozenset({("s", 1)})).split("\n")
    assert lines[2].strip() == "" and lines[3].strip() == ""  # a/1, and b/1 through a/1
    assert lines[4] == "c(X) :- q(X), not s(X)."  # under not: true, kept
    assert lines[5] == "d(X) :- q(X)."
    assert lines[6].strip() == ""  # this rule of d/1 needs a/1; the other stays
    assert lines[7].startswith("e(X) :- #count")  # in an aggregate: kept
    assert prune(INPUTS) == INPUTS  # every input may have facts: nothing blanked


def test_a_program_without_show_is_unchanged():
    text = SMALL.replace("#show p/1.\n", "")
    assert prune(text) == text


def test_the_pruned_program_travels_with_the_set():
    programs = load_program_set("statute")
    copy = pickle.loads(pickle.dumps(programs))
    assert copy.__dict__["bulk_program"] == programs.bulk_program
    assert len(programs.bulk_program) == len(programs.bulk_text)
    assert programs.bulk_program != programs.bulk_text


def _histories() -> list[History]:
    cases = Path(__file__).parent / "cases"
    from_cases = [h for path in sorted(cases.rglob("*.lp")) for h in read_lp_histories([path])]
    return list(read_histories([demo_path()])) + from_cases


@pytest.mark.parametrize("policy", policy_names())
def test_the_pruned_bulk_program_shows_the_same_atoms(policy):
    facts = "".join(packed_facts(h) for h in _histories())
    programs = load_program_set(policy)
    scopes = [None, "LOS ANGELES"] if policy == "statute" else [None]
    for scope in scopes:
        settings = settings_facts(dt.date(2020, 7, 1), scope)
        expected = shown_atoms(programs.bulk_text, facts + settings)
        assert any(atom.startswith("result(") for atom in expected)
        assert shown_atoms(programs.bulk_program, facts + settings) == expected


@pytest.mark.parametrize("policy", ["statute", "los-angeles-2020"])
def test_the_pruned_program_keeps_what_the_remedies_show(policy):
    """With every remedy beside Prop 64 loaded, the pruned program shows what the whole does.

    The pruning is worked out for each program set: the remedies' views keep rules the Prop 64
    set leaves out.
    """
    histories = _histories()
    facts = "".join(packed_facts(h) for h in histories)
    facts += "".join(remedy_facts(h) for h in histories)
    programs = load_program_set(policy, remedy_codes("all"))
    plain = load_program_set(policy)
    assert programs.bulk_program != plain.bulk_program
    settings = settings_facts(dt.date(2026, 1, 1))
    expected = shown_atoms(programs.bulk_text, facts + settings)
    assert any(atom.startswith("remedy_decision(") for atom in expected)
    assert any(atom.startswith("fired(") and "remedy_outcome(" in atom for atom in expected)
    assert shown_atoms(programs.bulk_program, facts + settings) == expected


@pytest.mark.parametrize("policy", ["statute", "los-angeles-2020"])
def test_the_program_of_a_run_without_scope_or_reviews_shows_the_same_atoms(policy):
    """The bulk program less the scope's and the reviewers' rules, for a run without either."""
    facts = "".join(packed_facts(h) for h in _histories())
    programs = load_program_set(policy)
    absent = absent_settings(None, "")
    assert absent == {("scope_county", 1), ("reviewer_decision", 7), ("reviewer_note", 2)}
    lean = programs.bulk_program_without(absent)
    assert lean.count(":-") < programs.bulk_program.count(":-")
    assert "scope_relevant(C) :-" not in lean and "reviewed(C) :-" not in lean
    settings = settings_facts(dt.date(2020, 7, 1))
    assert shown_atoms(lean, facts + settings) == shown_atoms(programs.bulk_text, facts + settings)
    assert programs.bulk_program_without(absent_settings("LOS ANGELES", "x.")) == (
        programs.bulk_program
    )
