"""Run legal edge cases written as fact files (``tests/cases/**/*.lp``).

A case holds a small history, ``as_of/1``, ``policy/1`` and expectations. It passes when
every conviction has an ``expect/3`` that matches the decision, every other expectation
holds, no decision is unexpected, the solver derives no internal error and prints no
warning, and the file names what it tests (``% name:`` and ``% cite:`` lines).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import clingo

from cmr_reason.facts.dates import from_yyyymmdd
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.fact_writer import quote
from cmr_reason.facts.lp_reader import LpDocument, read_lp
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.remedy_cases import (
    case_remedies,
    prop64_expectations,
    remedy_checks,
)
from cmr_reason.reasoner.engine.remedy_decision import remedy_decisions
from cmr_reason.reasoner.engine.solver import SolveResult, decide


@dataclass
class Check:
    """One expectation and what the solver gave."""

    conviction_id: str
    what: str
    expected: str
    got: str
    ok: bool


@dataclass
class CaseResult:
    """The outcome of one case file."""

    path: Path
    name: str = ""
    cite: str = ""
    policy: str = ""
    checks: list[Check] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rules_fired: dict[str, list[str]] = field(default_factory=dict)
    solved: SolveResult | None = None

    @property
    def passed(self) -> bool:
        """True when every check holds and nothing else went wrong."""
        return not self.problems and all(c.ok for c in self.checks)


def _branch_text(branch: object) -> str:
    """A firing's branch as clingo writes it: ``presumed`` or ``alt(fact)``."""
    if isinstance(branch, tuple):
        return f"{branch[0]}({','.join(str(b) for b in branch[1:])})"
    return str(branch)


def _arg(sym: clingo.Symbol) -> str:
    return sym.string if sym.type is clingo.SymbolType.String else str(sym)


def _settings(doc: LpDocument, policy_override: str | None) -> tuple[dt.date, str, str, str]:
    as_of = doc.setting("as_of")
    if len(as_of) != 1 or as_of[0].arguments[0].type is not clingo.SymbolType.Number:
        raise UserError(f"{doc.path}: a case needs exactly one as_of(YYYYMMDD) fact")
    value = as_of[0].arguments[0].number
    try:
        when = from_yyyymmdd(value)
    except ValueError:
        raise UserError(f"{doc.path}: impossible as_of date {value}") from None
    named = doc.policy()
    if policy_override:
        policy = policy_override
    elif named is not None and len(doc.setting("policy")) == 1:
        policy = named
    else:
        raise UserError(f"{doc.path}: a case needs exactly one policy(Name) fact")
    return when, policy, doc.scope_county(), doc.setting_facts()


def run_case(
    path: Path | str, policy_override: str | None = None, remedies: tuple[str, ...] = ()
) -> CaseResult:
    """Run one case file and compare the decisions with its expectations.

    ``remedies`` (codes) are loaded beside those the case names with ``remedy/1``.
    """
    path = Path(path)
    result = CaseResult(path=path)
    try:
        doc = read_lp(path)
        as_of, policy, scope, params = _settings(doc, policy_override)
        loaded = tuple(sorted({*case_remedies(doc), *remedies}))
        programs = load_program_set(policy, loaded)
    except UserError as exc:
        result.problems.append(str(exc))
        return result
    result.name = doc.header.get("name", "")
    result.cite = doc.header.get("cite", "")
    result.policy = policy
    if not result.name:
        result.problems.append("the case has no '% name:' line")
    if not result.cite:
        result.problems.append("the case has no '% cite:' line naming the statute it tests")
    solved = decide(doc.histories, programs, as_of, scope or None, params)
    result.solved = solved
    result.problems += [f"internal error: {e}" for e in solved.internal_errors]
    result.problems += [f"solver message: {m}" for m in solved.messages]
    decisions = solved.decisions
    result.rules_fired = {
        cid: sorted({f.rule_id for f in d.firings}) for cid, d in decisions.items()
    }
    expected_ids: set[str] = set()
    for fact in prop64_expectations(doc.expectations):
        sym = fact.symbol
        args = sym.arguments
        cid = _arg(args[0])
        dec = decisions.get(cid)
        if dec is None:
            result.problems.append(f"line {fact.line}: no conviction {quote(cid)} in the case")
            continue
        if sym.name == "expect":
            expected_ids.add(cid)
            want, got = f"{args[1]}/{args[2]}", f"{dec.outcome}/{dec.reason}"
        elif sym.name == "expect_statutory":
            want, got = f"{args[1]}/{args[2]}", f"{dec.statutory_outcome}/{dec.statutory_reason}"
        elif sym.name == "expect_rule":
            # expect_rule(C, Id) looks at the deciding (presumed) branch; expect_rule(C, Id,
            # Branch) at one branch, e.g. alt(more_than_six_plants).
            want = _arg(args[1])
            branch = str(args[2]) if len(args) == 3 else None
            fired = {
                f.rule_id
                for f in dec.firings
                if (f.branch in (None, "presumed") if branch is None
                    else f.branch is not None and _branch_text(f.branch) == branch)
            }  # fmt: skip
            got = want if want in fired else "(did not fire)"
        elif sym.name == "expect_flag":
            want = str(args[1])
            got = want if want in dec.flags else ", ".join(dec.flags) or "(no flags)"
        elif sym.name == "expect_no_flag":
            want = f"not {args[1]}"
            got = want if str(args[1]) not in dec.flags else f"{args[1]} is flagged"
        elif sym.name == "expect_alternative":
            want = f"{args[1]} if {args[2]}"
            alts = [f"{o} if {f}" for o, f in dec.alternatives]
            got = want if want in alts else ", ".join(alts) or "(no alternative)"
        else:  # expect_no_alternative
            want = "(no alternative)"
            got = ", ".join(f"{o} if {f}" for o, f in dec.alternatives) or want
        result.checks.append(Check(cid, sym.name, want, got, want == got))
    by_remedy = remedy_decisions(solved)
    remedy_found, remedy_problems = remedy_checks(doc, by_remedy, decisions)
    result.checks += [Check(c.conviction_id, c.what, c.expected, c.got, c.ok) for c in remedy_found]
    result.problems += remedy_problems
    for by_cid in by_remedy.values():  # the rules of the remedies fired too
        for cid, remedy_dec in by_cid.items():
            fired = {*result.rules_fired.get(cid, []), *(f.rule_id for f in remedy_dec.firings)}
            result.rules_fired[cid] = sorted(fired)
    for cid in sorted(decisions):
        if cid not in expected_ids:
            dec = decisions[cid]
            result.problems.append(
                f"conviction {cid} has no expect/3 (it got {dec.outcome}/{dec.reason})"
            )
    return result


def case_files(paths: list[Path]) -> list[Path]:
    """Every ``.lp`` case under the given files and folders, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.rglob("*.lp"))
        elif path.is_file():
            found.append(path)
        else:
            raise UserError(f"no such case file or folder: {path}")
    return found


def failure_report(result: CaseResult) -> str:
    """A readable account of a failed case: path, name, expected against actual, rules."""
    lines = [f"{result.path}: {result.name or '(unnamed case)'}"]
    if result.cite:
        lines.append(f"  cite: {result.cite}")
    lines += [f"  problem: {p}" for p in result.problems]
    for check in result.checks:
        mark = "ok  " if check.ok else "FAIL"
        lines.append(
            f"  {mark} {check.conviction_id} {check.what}: expected {check.expected}, "
            f"got {check.got}"
        )
        if not check.ok:
            fired = ", ".join(result.rules_fired.get(check.conviction_id, []))
            lines.append(f"       rules fired: {fired}")
    return "\n".join(lines)
