"""Packed facts (the bulk run's form) give the same answer as the plain schema.

``programs/core/packed_facts.lp`` unpacks ``packed_person/2``, ``packed_case/7`` and
``packed_conviction/8`` and ``packed_sentence/5`` into the plain facts; every shown atom
must be the same.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from clingo_answer import shown_atoms

from cmr_reason.facts.fact_writer import history_facts, packed_facts
from cmr_reason.facts.history import History
from cmr_reason.facts.history_reader import read_histories, read_lp_histories
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import settings_facts


def _case_histories() -> list[History]:
    cases = Path(__file__).parent / "cases"
    return [h for path in sorted(cases.rglob("*.lp")) for h in read_lp_histories([path])]


@pytest.mark.parametrize("policy", ["statute", "los-angeles-2020"])
def test_packed_facts_give_the_plainshown_atoms(policy):
    histories = list(read_histories([demo_path()])) + _case_histories()
    assert len(histories) > 400
    program = load_program_set(policy).text
    settings = settings_facts(dt.date(2020, 7, 1))
    plain = "".join(history_facts(h, descriptive=False) for h in histories) + settings
    packed = "".join(packed_facts(h) for h in histories) + settings
    expected = shown_atoms(program, plain)
    assert any(atom.startswith("decision(") for atom in expected)
    assert shown_atoms(program, packed) == expected


def test_missing_values_are_none_and_unpack_to_nothing():
    history = next(h for h in _case_histories() if h.person.birth_date is None)
    text = packed_facts(history)
    assert f'packed_person("{history.subject_id}", none).' in text
    program = load_program_set("statute").text
    answer = shown_atoms(program + "#show birth/2.", text)
    assert not any(atom.startswith("birth(") for atom in answer)
