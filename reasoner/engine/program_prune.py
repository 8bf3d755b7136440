"""Leave out the rules of a program that no shown atom depends on (dead-rule elimination).

The bulk run shows only what its output files read (``programs/views/bulk.lp``); the
programs also derive what explanations, other policies and the reviewers' form read (for
example ``absent/3``, a county policy's look-back helpers under the statute alone). Grounding
those costs time and changes nothing the run shows. This module finds, from the program's own
text, every predicate a ``#show`` directive or an integrity constraint depends on, through
the bodies of the rules that derive it, and blanks out every other rule. Blanking (spaces in
place of the statement, line breaks kept) leaves the kept rules and their line numbers as
written. No legal judgement is made here: a rule is kept or left out by the names of the
predicates alone, and a program without ``#show`` is returned unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from clingo import ast

Signature = tuple[str, int]


class _Predicates(ast.Transformer):
    """Collects the signature of every atom under a node (bodies, conditions, aggregates)."""

    def __init__(self) -> None:
        self.found: set[Signature] = set()

    def visit_SymbolicAtom(self, atom: ast.AST) -> ast.AST:
        term = atom.symbol
        if term.ast_type is ast.ASTType.UnaryOperation:  # a classically negated atom, -p(X)
            term = term.argument
        if term.ast_type is ast.ASTType.Function:
            self.found.add((term.name, len(term.arguments)))
        elif term.ast_type is ast.ASTType.SymbolicTerm:
            symbol = term.symbol
            self.found.add((symbol.name, len(symbol.arguments)))
        return atom


def _signatures(nodes: Iterable[ast.AST]) -> set[Signature]:
    collector = _Predicates()
    for node in nodes:
        collector(node)
    return collector.found


#: A rule of a program: its index among the statements, the predicates of its head, of its
#: body, and of its body's plain positive literals (:func:`_positive`).
RuleSignatures = tuple[int, set[Signature], set[Signature], set[Signature]]


def _rules(statements: list[ast.AST]) -> list[RuleSignatures]:
    """Each rule's signatures, each literal of its body visited once."""
    found: list[RuleSignatures] = []
    for index, stm in enumerate(statements):
        if stm.ast_type is not ast.ASTType.Rule:
            continue
        body: set[Signature] = set()
        positive: set[Signature] = set()
        for lit in stm.body:
            signatures = _signatures([lit])
            body |= signatures
            if _plain_positive(lit):
                positive |= signatures
        found.append((index, _signatures([stm.head]), body, positive))
    return found


def needed_predicates(
    statements: list[ast.AST], rules: list[RuleSignatures] | None = None
) -> set[Signature] | None:
    """The predicates a shown atom or a constraint depends on; None when all are shown.

    ``rules``: the statements' :func:`_rules`, when already worked out.
    """
    by_index = {index: (heads, body) for index, heads, body, _ in rules or _rules(statements)}
    derived: list[tuple[set[Signature], set[Signature]]] = []
    needed: set[Signature] = set()
    shows = False
    for index, stm in enumerate(statements):
        kind = stm.ast_type
        if kind is ast.ASTType.Rule:
            heads, bodies = by_index[index]
            if heads:
                derived.append((heads, bodies))
            else:  # an integrity constraint: it can make the program unsatisfiable
                needed |= bodies
        elif kind is ast.ASTType.ShowSignature:
            shows = True
            needed.add((stm.name, stm.arity))
        elif kind is ast.ASTType.ShowTerm:
            shows = True
            needed |= _signatures(stm.body)
        elif kind not in _INERT:  # anything else (#external, #minimize ...): keep everything
            return None
    if not shows:
        return None
    changed = True
    while changed:
        changed = False
        for heads, bodies in derived:
            if heads & needed and not bodies <= needed:
                needed |= bodies
                changed = True
    return needed


# Statements that neither show nor derive anything.
_INERT = frozenset(
    {
        ast.ASTType.Comment,
        ast.ASTType.Program,
        ast.ASTType.Defined,
        ast.ASTType.Definition,
    }
)


def _plain_positive(lit: ast.AST) -> bool:
    """A plain positive literal: without its atom, the rule cannot fire."""
    return bool(
        lit.ast_type is ast.ASTType.Literal
        and lit.sign == ast.Sign.NoSign
        and lit.atom.ast_type is ast.ASTType.SymbolicAtom
    )


def dead_rules(
    statements: list[ast.AST],
    absent: frozenset[Signature],
    rules: list[RuleSignatures] | None = None,
) -> set[int]:
    """The rules (indices into ``statements``) that cannot fire when ``absent`` has no facts.

    Such a rule has a positive body literal of a predicate nothing can derive: one of
    ``absent``, or one that is no declared input (``#defined``) whose every rule cannot
    fire, in turn. ``rules``: the statements' :func:`_rules`, when already worked out.
    """
    inputs = {(stm.name, stm.arity) for stm in statements if stm.ast_type is ast.ASTType.Defined}
    signed = [(index, heads, positive) for index, heads, _, positive in rules or _rules(statements)]
    underivable = set(absent)
    dead: set[int] = set()
    while True:
        dead |= {index for index, heads, body in signed if heads and body & underivable}
        live_heads = {h for index, heads, _ in signed if index not in dead for h in heads}
        more = {
            h
            for index, heads, _ in signed
            if index in dead
            for h in heads
            if h not in live_heads and (h not in inputs or h in absent)
        } - underivable
        if not more:
            return dead
        underivable |= more


@lru_cache(maxsize=4)
def _analysis(
    text: str,
) -> tuple[list[ast.AST], list[RuleSignatures], frozenset[Signature] | None]:
    """The program's statements, its rules' signatures and its needed predicates.

    Cached: a run prunes the same text once for its settings and once as the set travels
    to its workers (``program_set.py``); the analysis is most of the cost.
    """
    statements: list[ast.AST] = []
    ast.parse_string(text, statements.append)
    rules = _rules(statements)
    needed = needed_predicates(statements, rules)
    return statements, rules, None if needed is None else frozenset(needed)


def needed(text: str) -> frozenset[Signature] | None:
    """The predicates a shown atom or a constraint of ``text`` depends on; None when all are.

    What :func:`prune` keeps the rules of (before the rules that cannot fire for a run's
    settings are left out too): a predicate outside it is read by no kept rule.
    """
    return _analysis(text)[2]


def prune(text: str, absent: frozenset[Signature] = frozenset()) -> str:
    """``text`` with every rule blanked out that no shown atom depends on or cannot fire.

    A rule cannot fire when it needs an atom of the input predicates ``absent`` (the inputs
    a run's settings leave out: a county scope, reviewers' decisions), or of a predicate
    only such rules derive.
    """
    statements, rules, needed = _analysis(text)
    if needed is None:
        return text
    dead = dead_rules(statements, absent, rules) if absent else set()
    lines = text.split("\n")
    for index, heads, _, _ in rules:
        if not heads or (heads & needed and index not in dead):
            continue
        begin, end = statements[index].location.begin, statements[index].location.end
        for number in range(begin.line, end.line + 1):
            row = lines[number - 1]
            start = begin.column - 1 if number == begin.line else 0
            stop = end.column - 1 if number == end.line else len(row)
            lines[number - 1] = row[:start] + " " * (stop - start) + row[stop:]
    return "\n".join(lines)
