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


def _own_ids(history: History, prefix: str) -> History:
    """``history`` with its person, case, conviction, arrest and count ids prefixed."""
    return history.model_copy(
        update={
            "person": history.person.model_copy(update={"subject_id": prefix + history.subject_id}),
            "cases": tuple(
                c.model_copy(update={"case_id": prefix + c.case_id}) for c in history.cases
            ),
            "convictions": tuple(
                c.model_copy(
                    update={
                        "conviction_id": prefix + c.conviction_id,
                        "case_id": prefix + c.case_id,
                    }
                )
                for c in history.convictions
            ),
            "arrests": tuple(
                a.model_copy(update={"arrest_id": prefix + a.arrest_id}) for a in history.arrests
            ),
            "dismissals": tuple(
                d.model_copy(
                    update={"count_id": prefix + d.count_id, "case_id": prefix + d.case_id}
                )
                for d in history.dismissals
            ),
        }
    )


def _case_histories() -> list[History]:
    """Every test case's histories, each file's ids made its own.

    Each case file is read alone, and many use the same ids (``"p"``, ``"p:c1"``); a run
    refuses an id given to two people or in two files (``facts/lp_reader.py``), so the
    histories of one batch never share one, and the packed facts read each conviction's
    missing values from its one packed fact (``programs/core/record.lp``).
    """
    cases = Path(__file__).parent / "cases"
    return [
        _own_ids(h, f"f{n}/")
        for n, path in enumerate(sorted(cases.rglob("*.lp")))
        for h in read_lp_histories([path])
    ]


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


# Sentence parts, plain and packed: the rules read packed_sentence/5 (core/sentence.lp), and
# core/packed_facts.lp packs a plain part into it. The same parts in both forms must give the
# sentence's end pinned here: the longest known end, none while a part's end is unknown, the
# judgment date for a fine alone.
_PARTS = {
    "c1": [("probation", 36, "month", 20110401), ("jail", 30, "day", 20080501)],
    "c2": [("probation", 36, "month", None)],
    "c3": [("jail", 6, "month", 20100701), ("probation", 3, "year", None)],
    "c4": [],
    "c5": [("jail", 10, "day", 20100111)],
}
_SENTENCE_SHOWS = "#show sentence_end/2. #show end_unknown/1. #show timed_sentence/1."
_SENTENCE_ENDS = [
    "end_unknown(c2)", "end_unknown(c3)",
    "sentence_end(c1,20110401)", "sentence_end(c4,20080101)", "sentence_end(c5,20100111)",
    "timed_sentence(c1)", "timed_sentence(c2)", "timed_sentence(c3)", "timed_sentence(c5)",
]  # fmt: skip


def _sentence_facts(packed: bool) -> str:
    facts = ["disposition_date(c4, 20080101). sentence(c4, fine)."]
    for cid, parts in _PARTS.items():
        for kind, length, unit, end in parts:
            if packed:
                facts.append(f"packed_sentence({cid}, {kind}, {length}, {unit}, {end or 'none'}).")
                continue
            facts.append(f"sentence({cid}, {kind}, {length}, {unit}).")
            if end:
                facts.append(f"sentence_part_end({cid}, {kind}, {length}, {unit}, {end}).")
    return "\n".join(facts)


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "packed"])
def test_sentence_parts_plain_and_packed_give_the_same_end(packed):
    program = load_program_set("statute").text + _SENTENCE_SHOWS
    assert shown_atoms(program, _sentence_facts(packed)) == _SENTENCE_ENDS


def test_packed_convictions_read_their_missing_values_from_none():
    """The bulk run's packed facts derive no plain-conviction helper: only what is missing.

    ``programs/core/record.lp`` reads a packed conviction's missing values from its ``none``
    and asks the plain facts only of a person with no ``packed_person/2``; without that
    guard the answer is the same but every conviction grounds the plain helpers again.
    """
    import clingo

    histories = list(read_histories([demo_path()])) + _case_histories()
    program = load_program_set("statute").text
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], program)
    ctl.add("base", [], "".join(packed_facts(h) for h in histories))
    ctl.add("base", [], settings_facts(dt.date(2020, 7, 1)))
    ctl.ground([("base", [])])
    names = {atom.symbol.name for atom in ctl.symbolic_atoms}
    assert "record_lacks" in names
    assert not names & {"plain_conviction", "plain_gives"}
