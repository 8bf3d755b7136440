"""The programs name every variable of a positive body literal: no ``_`` there.

Clingo grounds a positive literal with an anonymous variable, ``conviction(C, _, _)``, through
an auxiliary predicate that projects the anonymous positions away: one more atom and one more
rule instance for every atom of the literal's predicate. Written with named variables,
``conviction(C, _P, _K)``, the same rule grounds without it; over the whole bulk program that
is about a fifth of clingo's grounding (``tests/bench/analysis.md``, "Issue 18, fourth
round"). A ``_`` stays where it is needed: in a negative literal (``not p(C, _)``), where a
named variable would be unsafe, and in an aggregate's elements, where it costs little.
``docs/adding-rules.md`` "Unused variables are named" states the convention.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from clingo import ast

from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR

# The programs the law lives in; views/ is the output contract, kept as it is.
LAW_DIRS = ("core", "statutes", "tables", "policies")


class _Anonymous(ast.Transformer):
    """Collects the line of every anonymous variable it visits."""

    def __init__(self) -> None:
        self.lines: list[int] = []

    def visit_Variable(self, var: ast.AST) -> ast.AST:
        if var.name == "_":
            self.lines.append(var.location.begin.line)
        return var


def anonymous_in_positive_literals(text: str) -> list[int]:
    """Lines of ``text`` with a ``_`` in a positive body literal of a rule (not in aggregates)."""
    statements: list[ast.AST] = []
    ast.parse_string(text, statements.append)
    found = _Anonymous()
    for stm in statements:
        if stm.ast_type != ast.ASTType.Rule:
            continue
        for lit in stm.body:
            if (
                lit.ast_type == ast.ASTType.Literal
                and lit.sign == ast.Sign.NoSign
                and lit.atom.ast_type == ast.ASTType.SymbolicAtom
            ):
                found(lit)
    return found.lines


def law_files(root: Path = PROGRAMS_DIR) -> list[Path]:
    """Every ``.lp`` file of the law's directories under ``root``."""
    return sorted(p for d in LAW_DIRS for p in (root / d).rglob("*.lp"))


def test_finds_anonymous_positive_literals_only() -> None:
    text = (
        "a(C) :- b(C, _), not c(C, _).\n"
        "d(C) :- e(C, _X), N = #count { Y : f(C, Y, _) }, N > 0.\n"
        "g(C) :- h(C),\n    i(C, _, k(_)).\n"
    )
    assert anonymous_in_positive_literals(text) == [1, 4, 4]


@pytest.mark.parametrize("path", law_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_positive_literals_name_their_variables(path: Path) -> None:
    lines = anonymous_in_positive_literals(path.read_text(encoding="utf-8"))
    assert not lines, f"{path.name}: `_` in a positive body literal on lines {lines}"
