"""Which convictions of some histories are cannabis convictions, by the programs' table.

Used by quick summaries before a full run; the decision itself is made by the statutes.
"""

from __future__ import annotations

from collections.abc import Iterable

import clingo

from cmr_reason.facts.fact_writer import history_facts
from cmr_reason.facts.history import History
from cmr_reason.reasoner.programs_dir import program_path

_CLASSIFY = """
cannabis_conviction(C) :- charge(C, B, S, _), cannabis_section(B, S, _, _).
#show cannabis_conviction/1.
"""


def cannabis_conviction_ids(histories: Iterable[History]) -> set[str]:
    """Ids of the convictions whose charge is a cannabis section (HS 11357-11360)."""
    ctl = clingo.Control(["--warn=none"])
    ctl.load(str(program_path("tables", "cannabis.lp")))
    ctl.add("base", [], "".join(history_facts(h, descriptive=False) for h in histories))
    ctl.add("base", [], _CLASSIFY)
    ctl.ground([("base", [])])
    found: set[str] = set()
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            found = {sym.arguments[0].string for sym in model.symbols(shown=True)}
    return found
