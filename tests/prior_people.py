"""A decision whose deciding rule reads a prior conviction, and people it reads differently.

For the tests of the cells ``rows.py`` keeps between convictions (``test_row_cells``,
``test_row_tails``): a kept cell must never be one that reads the person's record.
"""

from __future__ import annotations

import dataclasses

from cmr_reason.facts.charge_normaliser import normalise_charge
from cmr_reason.facts.lean_person import LeanConviction, LeanPerson
from cmr_reason.reasoner.engine.catalogue import Catalogue, RuleEntry, load_catalogue
from cmr_reason.reasoner.engine.decision import Decision, Firing
from cmr_reason.reasoner.engine.program_set import load_program_set


def person_with_prior(cid: str, prior: str, disposition: int) -> LeanPerson:
    """A person with conviction ``cid`` and an earlier one, ``prior``, of ``disposition``."""
    convictions = []
    for conv_id, code, when in ((cid, "11359 HS", 20100101), (prior, "459 PC", disposition)):
        charge = normalise_charge(code)
        convictions.append(
            LeanConviction(
                conviction_id=conv_id,
                case_id=conv_id[:-6],
                file="f.csv",
                line=2,
                county="ALAMEDA",
                disposition_date=when,
                charge=charge,
                code_section=charge.code_section(),
                level="felony",
                court="CASC ALAMEDA",
                case_numbers=(),
            )
        )
    return LeanPerson("1", "", None, "", "", False, False, convictions, {})


def prior_decision() -> tuple[Catalogue, Decision]:
    """The statute's catalogue with a rule ``t.prior`` ("After {prior}."), and a decision of
    conviction ``1:001`` by it, naming conviction ``1:002``."""
    catalogue = load_catalogue(load_program_set("statute"))
    rule = RuleEntry("t.prior", "HS 11361.8(e)", "After {prior}.", 1, "test")
    catalogue = dataclasses.replace(catalogue, rules={**catalogue.rules, "t.prior": rule})
    firing = Firing("t.prior", ("outcome", "presumed", "review", "prior"), (("prior", "1:002"),))
    decision = Decision("1:001", outcome="review", reason="prior", decided_by="t.prior")
    decision.firings.append(firing)
    return catalogue, decision
