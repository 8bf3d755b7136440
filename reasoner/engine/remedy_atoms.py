"""The names of the shown atoms that belong to a remedy beside Proposition 64.

The solver (``reasoner/solver.py``) sets these apart from the Prop 64 decision as it reads
the answer: a remedy's atoms name the remedy first (``remedy_decision(pc1203_425, C, O,
R)``), and its rule firings conclude ``remedy_*`` terms (``programs/core/remedy_outcomes.lp``);
``reasoner/engine/remedy_decision.py`` reads them.
"""

from __future__ import annotations

REMEDY_ATOMS = frozenset(
    {
        "remedy_decision",
        "remedy_decided_by",
        "eligible_on",
        "objection_deadline",
        "missing_fact",
        "stays_true",
        "remedy_flag",
        "reviewer_decides",
    }
)
REMEDY_PREFIXES = tuple(f"{name}(" for name in sorted(REMEDY_ATOMS))


def is_remedy_conclusion(kind: str) -> bool:
    """A firing's conclusion belongs to a remedy beside Prop 64 (``remedy_outcome``, ...)."""
    return kind.startswith("remedy_")
