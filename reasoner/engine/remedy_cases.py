"""The expectations of a legal edge case about a remedy beside Proposition 64.

A case names the remedies it tests as settings (``remedy(pc1203_425).``) and states, beside
its ``expect/3`` for Prop 64, what each remedy decides (``docs/facts.md`` "Expectations"):

- ``expect_remedy(R, C, O, Reason)`` the decision (required for every conviction and every
  remedy the case names);
- ``expect_eligible_on(R, C, D)`` and ``expect_objection_deadline(R, C, D)`` the dates;
- ``expect_missing_fact(R, C, Fact)`` a fact the record lacks;
- ``expect_remedy_rule(R, C, Id)`` a rule that fired;
- ``expect_stays_true(R, C, Condition)`` what must stay true until the date;
- ``expect_reviewer_decides(R, C, Question)`` what a reviewer or the court must decide;
- ``expect_remedy_flag(R, C, Flag)`` a note on the decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import clingo

from cmr_reason.facts.lp_reader import Fact, LpDocument
from cmr_reason.reasoner.engine.remedy_decision import RemedyDecision, RemedyDecisions

REMEDY_EXPECTATIONS = frozenset(
    {
        "expect_remedy",
        "expect_eligible_on",
        "expect_objection_deadline",
        "expect_missing_fact",
        "expect_remedy_rule",
        "expect_stays_true",
        "expect_reviewer_decides",
        "expect_remedy_flag",
    }
)


@dataclass(frozen=True)
class RemedyCheck:
    """One remedy expectation and what the solver gave."""

    conviction_id: str
    what: str
    expected: str
    got: str

    @property
    def ok(self) -> bool:
        """The expectation holds."""
        return self.expected == self.got


def case_remedies(doc: LpDocument) -> tuple[str, ...]:
    """The remedies a case names with ``remedy/1`` settings (codes, as written)."""
    return tuple(sorted({str(sym.arguments[0]) for sym in doc.setting("remedy")}))


def prop64_expectations(facts: Iterable[Fact]) -> list[Fact]:
    """The expectations about Prop 64 (all but the remedy ones)."""
    return [f for f in facts if f.symbol.name not in REMEDY_EXPECTATIONS]


def _text(sym: clingo.Symbol) -> str:
    return sym.string if sym.type is clingo.SymbolType.String else str(sym)


def _day(value: int | None) -> str:
    return str(value) if value is not None else "(none)"


# Expectations that a value is among a decision's list attribute.
_LISTS = {
    "expect_stays_true": "stays_true",
    "expect_reviewer_decides": "reviewer_decides",
    "expect_remedy_flag": "flags",
}


def _got(sym: clingo.Symbol, dec: RemedyDecision) -> tuple[str, str]:
    name, args = sym.name, sym.arguments
    if name == "expect_remedy":
        return f"{args[2]}/{args[3]}", f"{dec.outcome}/{dec.reason}"
    if name == "expect_eligible_on":
        return str(args[2]), _day(dec.eligible_on)
    if name == "expect_objection_deadline":
        return str(args[2]), _day(dec.objection_deadline)
    if name == "expect_missing_fact":
        want = str(args[2])
        return want, want if want in dec.missing_facts else ", ".join(dec.missing_facts) or "(none)"
    if name in _LISTS:
        want, have = str(args[2]), getattr(dec, _LISTS[name])
        return want, want if want in have else ", ".join(have) or "(none)"
    want = _text(args[2])  # expect_remedy_rule
    fired = {f.rule_id for f in dec.firings}
    return want, want if want in fired else "(did not fire)"


def remedy_checks(
    doc: LpDocument, decisions: RemedyDecisions, convictions: Iterable[str]
) -> tuple[list[RemedyCheck], list[str]]:
    """Each remedy expectation against the decisions, and the problems of the case.

    A problem: an expectation about a conviction or remedy the case does not have, or a
    conviction without ``expect_remedy`` under a remedy the case names.
    """
    checks: list[RemedyCheck] = []
    problems: list[str] = []
    named = case_remedies(doc)
    decided: dict[str, set[str]] = {remedy: set() for remedy in named}
    for fact in doc.expectations:
        sym = fact.symbol
        if sym.name not in REMEDY_EXPECTATIONS:
            continue
        remedy, cid = str(sym.arguments[0]), _text(sym.arguments[1])
        if remedy not in named:
            problems.append(f"line {fact.line}: remedy {remedy} is not named by remedy/1")
            continue
        dec = decisions.get(remedy, {}).get(cid)
        if dec is None:
            problems.append(f"line {fact.line}: no decision on {cid!r} under {remedy}")
            continue
        if sym.name == "expect_remedy":
            decided[remedy].add(cid)
        want, got = _got(sym, dec)
        checks.append(RemedyCheck(cid, f"{sym.name}({remedy})", want, got))
    for remedy in named:
        for cid in sorted(set(convictions) - decided[remedy]):
            dec = decisions.get(remedy, {}).get(cid)
            got = f"{dec.outcome}/{dec.reason}" if dec else "no decision"
            problems.append(f"conviction {cid} has no expect_remedy under {remedy} (it got {got})")
    return checks, problems
