"""``core/charges.lp`` reads a charge's leading subsections straight from its tuple.

``charge_matches(C, Body, Section, Subs)`` (Subs of length 0 to 3) used to be derived through
one helper atom per depth (``sub1/2``, ``sub2/3``, ``sub3/4``); issue 18 derives it from the
charge's tuple directly, one rule a length of the tuple, for fewer ground atoms. This checks
that the rules give exactly the matches of the former chain, written here as the reference,
for generated charges of every length from none to seven subsections (the writers pack up to
five flat and the tuple beyond) and odd bodies and sections, one charge a conviction as the
writers write it. Where a hand-written case gives one conviction two charges, the former
chain mixed them (the subsection of one with the section of the other); the direct rules
do not (the last test).
"""

from __future__ import annotations

import clingo
from hypothesis import given, settings
from hypothesis import strategies as st

from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR

# The chain of helpers the rules replaced, kept as the specification.
_REFERENCE = """
ref_sub1(C, X) :- charge(C, _, _, (X,)).
ref_sub1(C, X) :- charge(C, _, _, (X, _)).
ref_sub1(C, X) :- charge(C, _, _, (X, _, _)).
ref_sub1(C, X) :- charge(C, _, _, (X, _, _, _)).
ref_sub1(C, X) :- charge(C, _, _, (X, _, _, _, _)).
ref_sub2(C, X, Y) :- charge(C, _, _, (X, Y)).
ref_sub2(C, X, Y) :- charge(C, _, _, (X, Y, _)).
ref_sub2(C, X, Y) :- charge(C, _, _, (X, Y, _, _)).
ref_sub2(C, X, Y) :- charge(C, _, _, (X, Y, _, _, _)).
ref_sub3(C, X, Y, Z) :- charge(C, _, _, (X, Y, Z)).
ref_sub3(C, X, Y, Z) :- charge(C, _, _, (X, Y, Z, _)).
ref_sub3(C, X, Y, Z) :- charge(C, _, _, (X, Y, Z, _, _)).
ref_matches(C, B, S, ()) :- charge(C, B, S, _).
ref_matches(C, B, S, (X,)) :- charge(C, B, S, _), ref_sub1(C, X).
ref_matches(C, B, S, (X, Y)) :- charge(C, B, S, _), ref_sub2(C, X, Y).
ref_matches(C, B, S, (X, Y, Z)) :- charge(C, B, S, _), ref_sub3(C, X, Y, Z).
ref_no_subs(C) :- charge(C, _, _, ()).
"""

_BODIES = st.sampled_from(["hs", "pc", "vc", "unknown", '"b&p"'])
_SECTIONS = st.sampled_from(["11357", "11360", "245", "", "1203.4"])
_SUBS = st.lists(st.sampled_from(["a", "b", "1", "2", "A", ""]), max_size=7)
_CHARGES = st.lists(st.tuples(_BODIES, _SECTIONS, _SUBS), max_size=8)


def _tuple(subs: list[str]) -> str:
    inner = ", ".join(f'"{s}"' for s in subs)
    return f"({inner},)" if len(subs) == 1 else f"({inner})"


def _answer(facts: str) -> tuple[set[str], set[str], set[str], set[str]]:
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], (PROGRAMS_DIR / "core" / "charges.lp").read_text(encoding="utf-8"))
    ctl.add("base", [], _REFERENCE + facts)
    ctl.ground([("base", [])])

    def strings(name: str, arity: int) -> set[str]:
        return {str(a.symbol.arguments) for a in ctl.symbolic_atoms.by_signature(name, arity)}

    return (
        strings("charge_matches", 4),
        strings("ref_matches", 4),
        strings("no_subs", 1),
        strings("ref_no_subs", 1),
    )


@settings(max_examples=150, deadline=None)
@given(_CHARGES)
def test_direct_matches_equal_the_former_chain(charges):
    facts = "".join(
        f'charge("c{n}", {body}, "{section}", {_tuple(subs)}).\n'
        for n, (body, section, subs) in enumerate(charges)
    )
    matches, expected, no_subs, expected_no_subs = _answer(facts)
    assert matches == expected
    assert no_subs == expected_no_subs


def test_every_depth_matches_and_only_the_leading_subsections():
    matches, expected, _, _ = _answer('charge("c", pc, "245", ("d", "3", "a", "x", "y")).\n')
    assert matches == expected
    assert matches == {
        str([clingo.String("c"), clingo.Function("pc"), clingo.String("245"), subs])
        for subs in (
            clingo.Function("", []),
            clingo.Function("", [clingo.String("d")]),
            clingo.Function("", [clingo.String("d"), clingo.String("3")]),
            clingo.Function("", [clingo.String("d"), clingo.String("3"), clingo.String("a")]),
        )
    }


def test_two_charges_on_one_conviction_are_not_mixed():
    facts = 'charge("c", hs, "11357", ()).\ncharge("c", hs, "11360", ("a",)).\n'
    matches, expected, _, _ = _answer(facts)
    mixed = str([clingo.String("c"), clingo.Function("hs"), clingo.String("11357"),
                 clingo.Function("", [clingo.String("a")])])  # fmt: skip
    assert mixed in expected  # the former chain's reading
    assert mixed not in matches
    assert matches == expected - {mixed}
