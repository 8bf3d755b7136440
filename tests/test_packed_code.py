"""A packed charge is written flat, ``code(Body, Section, Sub1, ...)``: it reads as the tuple.

``facts/fact_writer.py`` (and the direct path, ``facts/doj/direct.py``) write the charge of a
``packed_conviction/8`` fact flat for up to five subsections, which clingo reads faster (no
tuple in the fact), and as ``charge(Body, Section, Subs)`` beyond that;
``programs/core/packed_facts.lp`` reads both. Both forms must give the same answer.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import clingo
import pytest
from clingo_answer import shown_atoms

from cmr_reason.facts.fact_writer import FLAT_SUBSECTIONS, packed_charge_term, packed_facts
from cmr_reason.facts.history import Charge
from cmr_reason.facts.history_reader import read_histories, read_lp_histories
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR
from cmr_reason.reasoner.engine.solver import settings_facts

_FLAT_CHARGE = re.compile(
    r'code\((\w+|"(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*")((?:, "(?:[^"\\]|\\.)*")*)\)'
)


def _tuple(match: re.Match[str]) -> str:
    subs = match.group(3).removeprefix(", ")
    inner = f"({subs},)" if subs and '", "' not in subs else f"({subs})"
    return f"charge({match.group(1)}, {match.group(2)}, {inner})"


@pytest.mark.parametrize("policy", ["statute", "los-angeles-2020"])
def test_flat_codes_give_the_tupleshown_atoms(policy):
    cases = Path(__file__).parent / "cases"
    histories = list(read_histories([demo_path()])) + [
        h for path in sorted(cases.rglob("*.lp")) for h in read_lp_histories([path])
    ]
    settings = settings_facts(dt.date(2020, 7, 1))
    flat = "".join(packed_facts(h) for h in histories)
    convictions = [line for line in flat.split("\n") if line.startswith("packed_conviction(")]
    assert sum("code(" in line for line in convictions) > 800
    assert not any(", charge(" in line for line in convictions)  # none has 6 subsections
    tuples = "\n".join(
        _FLAT_CHARGE.sub(_tuple, line) if line.startswith("packed_conviction(") else line
        for line in flat.split("\n")
    )
    assert "code(" not in tuples and tuples.count(", ())") > 10
    program = load_program_set(policy).text
    expected = shown_atoms(program, tuples + settings)
    assert any(atom.startswith("decision(") for atom in expected)
    assert shown_atoms(program, flat + settings) == expected


@pytest.mark.parametrize("subs", [(), ("a",), ("a", "1"), tuple("abcde"), tuple("abcdef")])
def test_every_charge_reads_as_its_subsections(subs):
    """Flat up to FLAT_SUBSECTIONS subsections, a tuple beyond: charge/4 holds them all."""
    charge = Charge(raw="x", body="hs", section="11359", subsections=subs)
    term = packed_charge_term(charge)
    assert term.startswith("code(" if len(subs) <= FLAT_SUBSECTIONS else "charge(")
    facts = f'packed_conviction("c", "p", "k", none, none, {term}, felony, none).'
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], (PROGRAMS_DIR / "core" / "packed_facts.lp").read_text() + facts)
    ctl.ground([("base", [])])
    shown: list[clingo.Symbol] = []
    ctl.solve(on_model=lambda model: shown.extend(model.symbols(atoms=True)))
    charges = [s for s in shown if s.name == "charge"]
    assert len(charges) == 1
    assert tuple(a.string for a in charges[0].arguments[3].arguments) == subs
    assert str(charges[0].arguments[1]) == "hs" and charges[0].arguments[2].string == "11359"
