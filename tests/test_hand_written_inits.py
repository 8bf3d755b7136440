"""The bulk run's dataclasses with their own ``__init__`` set every field, as the generated one.

``Firing``, ``Decision`` and the lean person's classes are declared ``init=False`` with an
``__init__`` written out (compiled by mypyc it costs a third of the generated one); a field
added to the class but not to its ``__init__`` would be unset, and reading it would raise.
"""

from __future__ import annotations

import dataclasses

import pytest

from cmr_reason.facts.history import Charge
from cmr_reason.facts.lean_person import LeanCase, LeanConviction, LeanPerson
from cmr_reason.reasoner.engine.decision import Decision, Firing

CHARGE = Charge(raw="11359 HS", body="hs", section="11359")
CONVICTION = LeanConviction(
    "1:001002001000", "1:001002", "f.csv", 7, "LOS ANGELES", 20100101, CHARGE, "HS 11359",
    "felony", "CASC LOS ANGELES", ("BA1",),
)  # fmt: skip
CASE = LeanCase("LOS ANGELES", "CASC LOS ANGELES", ("BA1",), 20100101)
PERSON = LeanPerson(
    "1", "DOE,JANE", 19800101, "F", "W", False, False, [CONVICTION], {"1:001002": CASE}
)
MADE = [
    Firing("p64.age.21_plus", ("tier", "age_21_plus"), (("age", 25),)),
    Decision("1:001002001000"),
    CONVICTION,
    CASE,
    PERSON,
]


@pytest.mark.parametrize("made", MADE, ids=lambda m: type(m).__name__)
def test_every_field_is_set(made: object) -> None:
    for item in dataclasses.fields(made):  # type: ignore[arg-type]
        getattr(made, item.name)  # raises AttributeError when __init__ missed it


def test_the_lean_classes_keep_their_arguments_in_order() -> None:
    assert (CONVICTION.line, CONVICTION.code_section, CONVICTION.case_numbers) == (
        7, "HS 11359", ("BA1",),
    )  # fmt: skip
    assert (CASE.court, CASE.date) == ("CASC LOS ANGELES", 20100101)
    assert (PERSON.birth_date, PERSON.conflicting_birth_date, PERSON.cases) == (
        19800101, False, {"1:001002": CASE},
    )  # fmt: skip


def test_a_decision_s_lists_are_its_own() -> None:
    one, two = Decision("a"), Decision("b")
    one.flags.append("x")
    one.firings.append(MADE[0])  # type: ignore[arg-type]
    one.alternative_by["f"] = "r"
    assert (two.flags, two.firings, two.alternative_by) == ([], [], {})
    assert Decision("a", outcome="review", flags=["f"]) == Decision(
        conviction_id="a", outcome="review", flags=["f"]
    )


def test_a_firing_compares_and_hashes_on_its_id_conclusion_and_slots() -> None:
    one = Firing("p64.x", ("outcome", "presumed", "review", "attempt"), (("date", 1),))
    two = Firing("p64.x", ("outcome", "presumed", "review", "attempt"), (("date", 1),))
    assert (one.kind, one.branch) == ("outcome", "presumed")
    assert Firing("p64.y", "records_destruction", ()).branch is None
    two._order = ("p64.x", "", "")  # a cache, not part of the value
    assert one == two and hash(one) == hash(two) and len({one, two}) == 1
    assert one != Firing("p64.x", ("outcome", "presumed", "review", "attempt"), (("date", 2),))
