"""The shown atoms of a program and facts, grounded and solved alone (tests' helper)."""

from __future__ import annotations

import clingo


def shown_atoms(program: str, facts: str) -> list[str]:
    """Every shown atom of the one answer of ``program`` with ``facts``, sorted as text."""
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], program)
    ctl.add("base", [], facts)
    ctl.ground([("base", [])])
    shown: list[str] = []
    ctl.solve(on_model=lambda model: shown.extend(map(str, model.symbols(shown=True))))
    return sorted(shown)
