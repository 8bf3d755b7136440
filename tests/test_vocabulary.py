"""The outcome vocabulary is declared once, in the programs, and everything reads it."""

from __future__ import annotations

import clingo

from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR
from cmr_reason.reasoner.engine.vocabulary import vocabulary
from cmr_reason.reasoner.explain.render import KIND_STYLES
from cmr_reason.reasoner.report.suppression.groups import SAME_OUTCOME
from cmr_reason.reasoner.report.svg_charts import STYLES
from cmr_reason.reasoner.run.rows import RELIEF

KINDS = {"relief", "no_relief", "not_eligible", "review", "not_applicable"}


def test_every_outcome_is_fully_declared() -> None:
    vocab = vocabulary()
    assert len(vocab.outcomes) == len(set(vocab.outcomes)) == 8
    for code in vocab.outcomes:
        assert vocab.labels[code] and vocab.results[code], code
        assert vocab.kinds[code] in KINDS, code
    assert set(vocab.kinds.values()) == KINDS
    assert vocab.reliefs == (
        "dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction", "resentence"
    )  # fmt: skip
    assert set(vocab.reliefs) == RELIEF


def test_an_undeclared_outcome_is_an_internal_error() -> None:
    ctl = clingo.Control(["--warn=none"])
    ctl.load(str(PROGRAMS_DIR / "core" / "vocabulary.lp"))
    ctl.add("base", [], 'stat_candidate("c", presumed, "x.rule", pardon, some_reason).')
    ctl.ground([("base", [])])
    errors = {str(a.symbol) for a in ctl.symbolic_atoms.by_signature("internal_error", 2)}
    assert errors == {"internal_error(pardon,outcome_not_declared)"}


def test_presentation_covers_every_declared_outcome() -> None:
    """Colours and chart patterns are keyed by code or kind: none may be missing."""
    vocab = vocabulary()
    assert set(vocab.outcomes) <= set(STYLES)
    assert len({STYLES[o] for o in vocab.outcomes}) == len(vocab.outcomes)  # distinct
    assert set(vocab.kinds.values()) <= set(KIND_STYLES)
    assert set(SAME_OUTCOME.values()) <= set(vocab.outcomes)
