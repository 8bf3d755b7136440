"""Ground and solve many people at once, and read back one decision per conviction.

One clingo control per batch (never one per person): the batch's facts are built as text
and added in one call, then the programs decide every conviction together. The programs
are stratified, so there is exactly one answer set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import clingo

from cmr_reason.facts.fact_writer import day, history_facts, quote
from cmr_reason.facts.history import History
from cmr_reason.reasoner.decision import Absence, Decision, Firing, Value
from cmr_reason.reasoner.program_set import ProgramSet


def to_value(sym: clingo.Symbol) -> Value:
    """A clingo symbol as plain Python: int, str, or (name, *args) for functions/tuples."""
    kind = sym.type
    if kind is clingo.SymbolType.Number:
        return sym.number
    if kind is clingo.SymbolType.String:
        return sym.string
    if kind is clingo.SymbolType.Function:
        if not sym.arguments:
            return sym.name
        return (sym.name, *(to_value(a) for a in sym.arguments))
    return str(sym)


def to_args(sym: clingo.Symbol) -> tuple[tuple[str, Value], ...]:
    """A trace tuple such as ``(age(25), date(20100301))`` as ``(("age", 25), ...)``."""
    pairs: list[tuple[str, Value]] = []
    for item in sym.arguments:
        if item.type is clingo.SymbolType.Function and item.name and len(item.arguments) == 1:
            pairs.append((item.name, to_value(item.arguments[0])))
        elif item.type is clingo.SymbolType.Function and item.name:
            pairs.append((item.name, tuple(to_value(a) for a in item.arguments)))
        else:
            pairs.append(("", to_value(item)))
    return tuple(pairs)


@dataclass
class SolveResult:
    """Decisions by conviction id, plus internal errors and solver messages."""

    decisions: dict[str, Decision] = field(default_factory=dict)
    cannabis_cases: set[str] = field(default_factory=set)
    sealable_cases: set[str] = field(default_factory=set)
    internal_errors: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def settings_facts(as_of: date, scope_county: str | None = None) -> str:
    """The run's settings as facts: ``as_of/1`` and, when scoped, ``scope_county/1``."""
    text = f"as_of({day(as_of)}).\n"
    if scope_county:
        text += f"scope_county({quote(scope_county)}).\n"
    return text


def _text(sym: clingo.Symbol) -> str:
    return sym.string if sym.type is clingo.SymbolType.String else str(sym)


def _decision(table: dict[str, Decision], cid: str) -> Decision:
    found = table.get(cid)
    if found is None:
        found = table[cid] = Decision(conviction_id=cid)
    return found


def _absorb(sym: clingo.Symbol, result: SolveResult) -> None:
    name = sym.name
    args = sym.arguments
    if name == "internal_error":
        result.internal_errors.append(str(sym))
        return
    if name == "cannabis_case":
        result.cannabis_cases.add(args[0].string)
        return
    if name == "sealable_case":
        result.sealable_cases.add(args[0].string)
        return
    cid = args[0].string
    dec = _decision(result.decisions, cid)
    if name == "fired":
        dec.firings.append(Firing(args[1].string, to_value(args[2]), to_args(args[3])))
    elif name == "decision":
        dec.outcome, dec.reason = args[1].name, args[2].name
    elif name == "statutory_decision":
        dec.statutory_outcome, dec.statutory_reason = args[1].name, args[2].name
    elif name == "decided_by":
        dec.decided_by = args[1].string
    elif name == "statutory_by":
        dec.statutory_by = args[1].string
    elif name == "alternative":
        dec.alternatives.append((args[1].name, str(args[2])))
    elif name == "flag":
        dec.flags.append(str(args[1]))
    elif name == "absent":
        dec.absences.append(Absence(str(args[1]), to_args(args[2])))
    elif name == "record_after":
        dec.record_after = args[1].name
    elif name == "cannabis_related":
        dec.cannabis_related = True
    elif name == "prosecuting_agency":
        dec.agency = _text(args[1])


def solve_text(programs: ProgramSet, facts: str) -> SolveResult:
    """Solve the programs over ``facts`` (histories and settings) and collect decisions."""
    result = SolveResult()

    def log(code: clingo.MessageCode, message: str) -> None:
        result.messages.append(f"{code.name}: {message.strip()}")

    ctl = clingo.Control(["--warn=all"], logger=log, message_limit=50)
    ctl.add("base", [], programs.text)
    ctl.add("base", [], facts)
    ctl.ground([("base", [])])
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            for sym in model.symbols(shown=True):
                _absorb(sym, result)
    for dec in result.decisions.values():
        dec.sort()
    result.internal_errors.sort()
    return result


def decide(
    histories: Iterable[History],
    programs: ProgramSet,
    as_of: date,
    scope_county: str | None = None,
    extra_facts: str = "",
) -> SolveResult:
    """Decide every conviction of ``histories`` in one grounding."""
    facts = "".join(history_facts(h, descriptive=False) for h in histories)
    return solve_text(programs, facts + settings_facts(as_of, scope_county) + extra_facts)
