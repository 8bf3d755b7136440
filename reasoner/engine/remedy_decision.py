"""What the solver decided for each conviction under a remedy beside Proposition 64.

The solver sets a remedy's atoms and firings apart (``SolveResult.remedy_texts`` and
``remedy_firings``, ``reasoner/engine/remedy_atoms.py``); this module reads them into one
:class:`RemedyDecision` per remedy and conviction. Nothing here decides: the outcome, its
reason, the dates, the missing facts and what must stay true are the programs'
(``programs/statutes/<remedy>.lp``, ``programs/core/remedy_outcomes.lp``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cmr_reason.reasoner.engine.decision import Firing, Value
from cmr_reason.reasoner.engine.solver import SolveResult, _as_value, _parse_terms


@dataclass(slots=True)
class RemedyDecision:
    """The decision on one conviction under one remedy, with the trace it derived."""

    remedy: str
    conviction_id: str
    outcome: str = ""
    reason: str = ""
    decided_by: str = ""
    eligible_on: int | None = None  # YYYYMMDD
    objection_deadline: int | None = None  # YYYYMMDD
    missing_facts: list[str] = field(default_factory=list)
    stays_true: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    reviewer_decides: list[str] = field(default_factory=list)  # questions for a reviewer
    firings: list[Firing] = field(default_factory=list)

    def sort(self) -> None:
        """Every list in a canonical order (output never depends on the solver's order)."""
        self.missing_facts = sorted(set(self.missing_facts))
        self.stays_true = sorted(set(self.stays_true))
        self.flags = sorted(set(self.flags))
        self.reviewer_decides = sorted(set(self.reviewer_decides))
        self.firings.sort(key=lambda f: (f.rule_id, repr(f.conclusion), repr(f.args)))

    @property
    def deciding(self) -> Firing | None:
        """The firing of the deciding rule (its remedy_outcome conclusion)."""
        for firing in self.firings:
            if firing.rule_id == self.decided_by and firing.kind == "remedy_outcome":
                return firing
        return None


# remedy -> conviction id -> decision
RemedyDecisions = dict[str, dict[str, RemedyDecision]]


def _terms(text: str) -> tuple[str, list[Value]]:
    name, _, rest = text.partition("(")
    return name, [_as_value(v) for v in _parse_terms(rest[:-1])]


def _number(value: Value) -> int:
    """A number term (a date as YYYYMMDD) as ``int()`` reads it; a compound term is an error."""
    if isinstance(value, tuple):
        raise ValueError(f"expected a number, got {value}")
    return int(value)


def _get(table: RemedyDecisions, remedy: str, cid: str) -> RemedyDecision:
    by_cid = table.setdefault(remedy, {})
    found = by_cid.get(cid)
    if found is None:
        found = by_cid[cid] = RemedyDecision(remedy=remedy, conviction_id=cid)
    return found


def remedy_decisions(result: SolveResult) -> RemedyDecisions:
    """Every remedy decision of a solve, by remedy and conviction id."""
    table: RemedyDecisions = {}
    for text in result.remedy_texts:
        name, values = _terms(text)
        remedy, cid = str(values[0]), str(values[1])
        dec = _get(table, remedy, cid)
        if name == "remedy_decision":
            dec.outcome, dec.reason = str(values[2]), str(values[3])
        elif name == "remedy_decided_by":
            dec.decided_by = str(values[2])
        elif name == "eligible_on":
            dec.eligible_on = _number(values[2])
        elif name == "objection_deadline":
            dec.objection_deadline = _number(values[2])
        elif name == "missing_fact":
            dec.missing_facts.append(str(values[2]))
        elif name == "stays_true":
            dec.stays_true.append(str(values[2]))
        elif name == "remedy_flag":
            dec.flags.append(str(values[2]))
        elif name == "reviewer_decides":
            dec.reviewer_decides.append(str(values[2]))
    for cid, firing in result.remedy_firings:
        conclusion = firing.conclusion
        remedy = str(conclusion[1]) if isinstance(conclusion, tuple) else ""
        _get(table, remedy, cid).firings.append(firing)
    for by_cid in table.values():
        for dec in by_cid.values():
            dec.sort()
    return table
