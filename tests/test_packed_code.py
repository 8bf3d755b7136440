"""A packed charge written flat, ``code(Body, Section, Sub1, ..., SubN)``, reads as the tuple form.

``programs/core/packed_facts.lp`` accepts the charge of a ``packed_conviction/8`` fact as
``charge(Body, Section, Subs)`` or, for up to five subsections, flat as ``code(...)``, which
clingo reads faster (no tuple in the fact). Both must give the same answer.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import clingo
import pytest

from cmr_reason.facts.fact_writer import packed_facts
from cmr_reason.facts.history_reader import read_histories, read_lp_histories
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import settings_facts

_TUPLE_CHARGE = re.compile(r'charge\((\w+), ("(?:[^"\\]|\\.)*"), \(([^()]*)\)\)')


def _flat(match: re.Match[str]) -> str:
    subs = [s.strip() for s in match.group(3).split(",") if s.strip()]
    if len(subs) > 5:
        return match.group(0)
    return "code(" + ", ".join([match.group(1), match.group(2), *subs]) + ")"


def _answer(program: str, facts: str) -> list[str]:
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], program)
    ctl.add("base", [], facts)
    ctl.ground([("base", [])])
    shown: list[str] = []
    ctl.solve(on_model=lambda model: shown.extend(map(str, model.symbols(shown=True))))
    return sorted(shown)


@pytest.mark.parametrize("policy", ["statute", "los-angeles-2020"])
def test_flat_codes_give_the_tuple_answer(policy):
    cases = Path(__file__).parent / "cases"
    histories = list(read_histories([demo_path()])) + [
        h for path in sorted(cases.rglob("*.lp")) for h in read_lp_histories([path])
    ]
    settings = settings_facts(dt.date(2020, 7, 1))
    packed = "".join(packed_facts(h) for h in histories)
    flat = "\n".join(
        _TUPLE_CHARGE.sub(_flat, line) if line.startswith("packed_conviction(") else line
        for line in packed.split("\n")
    )
    assert flat.count("code(") > 800
    assert not any("(" in args for args in re.findall(r"code\(([^)]*)\)", flat))  # no tuple
    program = load_program_set(policy).text
    expected = _answer(program, packed + settings)
    assert any(atom.startswith("decision(") for atom in expected)
    assert _answer(program, flat + settings) == expected
