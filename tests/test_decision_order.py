"""A decision's firings and a conviction's chain come out in the canonical order.

``Decision.sort`` sorts by rule id alone when a decision's rule ids differ (nearly always)
and by the full key (rule id, printed conclusion, printed slots) only when two firings share
an id; ``rows._chain`` sorts the presumed firings stably by (not the deciding rule, stage,
rule id). Both are checked here against the plain definitions they replace, on firings
with repeated ids, conclusions and slots, alternative branches and equal firings.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cmr_reason.reasoner.engine.decision import Decision, Firing
from cmr_reason.reasoner.explain.justification import STAGES
from cmr_reason.reasoner.run.rows import _chain

_KINDS = [*STAGES, "cannabis", "flagged"]
_conclusions = st.one_of(
    st.sampled_from(_KINDS),
    st.tuples(
        st.sampled_from(["outcome", "now_conduct", "tier"]),
        st.sampled_from(["presumed", "alt", "dismiss"]),
    ),
    st.tuples(st.just("offence_date"), st.integers(19900101, 20201231)),
)
_args = st.lists(
    st.tuples(
        st.sampled_from(["date", "age", "prior", ""]),
        st.one_of(st.integers(-3, 30), st.sampled_from(["a", 'b"c', "x"])),
    ),
    max_size=3,
).map(tuple)
_firings = st.builds(
    Firing, st.sampled_from(["r1", "r2", "r10", "hs_a", "hs_b"]), _conclusions, _args
)


def _full_order(firing: Firing) -> tuple[str, str, str]:
    return (firing.rule_id, repr(firing.conclusion), repr(firing.args))


@given(st.lists(_firings, max_size=8), st.booleans())
def test_sort_gives_the_full_keys_order(firings: list[Firing], distinct: bool) -> None:
    if distinct:  # the common case: every rule fired once for the conviction
        firings = list({f.rule_id: f for f in firings}.values())
    decision = Decision("c", firings=list(firings))
    decision.sort()
    expected = sorted(firings, key=_full_order)
    assert [id(f) for f in decision.firings] == [id(f) for f in expected]


@given(st.lists(_firings, max_size=8), st.sampled_from(["r1", "r2", "hs_a", "none"]))
def test_chain_is_the_deciding_rule_then_the_statutes_order(
    firings: list[Firing], decided_by: str
) -> None:
    decision = Decision("c", decided_by=decided_by, firings=list(firings))
    stage = {kind: index for index, kind in enumerate(STAGES)}
    keyed = [
        (f.rule_id != decided_by, stage.get(f.kind, len(STAGES)), f.rule_id, index, f)
        for index, f in enumerate(firings)
        if f.branch in (None, "presumed")
    ]
    keyed.sort(key=lambda entry: entry[:4])
    assert [id(f) for f in _chain(decision)] == [id(entry[-1]) for entry in keyed]
