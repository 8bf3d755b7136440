"""Decide the same people under several policies and show where the policies differ."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.history import History
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import decide


@dataclass
class ComparedConviction:
    """One conviction's outcome and reason under each policy."""

    subject_id: str
    conviction_id: str
    charge: str
    disposition_date: str
    decisions: dict[str, tuple[str, str]]

    @property
    def differs(self) -> bool:
        """True when two policies give different outcomes or reasons."""
        return len(set(self.decisions.values())) > 1


@dataclass
class Comparison:
    """Every conviction under every policy, and the totals per policy and outcome."""

    policies: list[str]
    convictions: list[ComparedConviction] = field(default_factory=list)
    totals: dict[str, Counter[str]] = field(default_factory=dict)
    internal_errors: list[str] = field(default_factory=list)

    @property
    def differing(self) -> list[ComparedConviction]:
        """The convictions the policies decide differently."""
        return [c for c in self.convictions if c.differs]

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {
            "policies": self.policies,
            "convictions": [
                {
                    "subject_id": c.subject_id,
                    "conviction_id": c.conviction_id,
                    "charge": c.charge,
                    "disposition_date": c.disposition_date,
                    "differs": c.differs,
                    "decisions": {
                        p: {"outcome": o, "reason": r} for p, (o, r) in c.decisions.items()
                    },
                }
                for c in self.convictions
            ],
            "totals": {p: dict(sorted(t.items())) for p, t in self.totals.items()},
            "differing": len(self.differing),
            "internal_errors": self.internal_errors,
        }


def parse_policy_list(text: str) -> list[str]:
    """``statute,los-angeles-2020`` as a list of at least two policies."""
    names = [p.strip() for p in text.split(",") if p.strip()]
    if len(names) < 2:
        raise UserError(f"--compare needs two or more policies separated by commas, got {text!r}")
    return names


def compare_policies(
    histories: Sequence[History], policies: Sequence[str], as_of: date
) -> Comparison:
    """Decide ``histories`` under each policy (names or .lp/.toml paths)."""
    result = Comparison(policies=list(policies))
    solved = {}
    for policy in policies:
        programs = load_program_set(policy)
        solved[policy] = decide(histories, programs, as_of)
        result.internal_errors += [f"{policy}: {e}" for e in solved[policy].internal_errors]
        result.totals[policy] = Counter()
    for history in histories:
        for conv in history.convictions:
            cid = conv.conviction_id
            decisions = {}
            for policy in policies:
                dec = solved[policy].decisions.get(cid)
                pair = (dec.outcome, dec.reason) if dec else ("", "")
                decisions[policy] = pair
                result.totals[policy][pair[0] or "(none)"] += 1
            result.convictions.append(
                ComparedConviction(
                    subject_id=history.subject_id,
                    conviction_id=cid,
                    charge=conv.charge.code_section() or conv.charge.raw,
                    disposition_date=conv.disposition_date.isoformat()
                    if conv.disposition_date
                    else "",
                    decisions=decisions,
                )
            )
    return result
