"""The facts a remedy beside Proposition 64 reads that the Prop 64 run leaves out.

The bulk run's packed facts (:func:`cmr_reason.facts.fact_writer.packed_facts`) omit the
arrests and the counts disposed of without conviction, which no Prop 64 rule reads. PC
1203.425 reads them: an arrest with no disposition, neither on its own step nor in its
cycle's court step, looks like a pending charge (``programs/statutes/pc1203_425.lp``).
They are written only for a run that asks for such a remedy, so a Prop 64 run costs
nothing more (docs/facts.md "Other events").
"""

from __future__ import annotations

import re

from cmr_reason.facts.dates import to_yyyymmdd
from cmr_reason.facts.fact_writer import quote
from cmr_reason.facts.history import History

# A DOJ arrest id is SUBJECT_ID: plus the cycle (3 digits) and the step (3 digits).
DOJ_ARREST_ID = re.compile(r"^(?P<subject>.+):(?P<cycle>\d{3})\d{3}$")


def arrest_cycle(subject_id: str, arrest_id: str) -> str:
    """The arrest cycle of a DOJ-shaped arrest id (``SUBJECT_ID:`` + 3 digits), else ``""``."""
    match = DOJ_ARREST_ID.match(arrest_id)
    if match and match.group("subject") == subject_id:
        return f"{subject_id}:{match.group('cycle')}"
    return ""


def remedy_facts(history: History) -> str:
    """The arrests (with their date, disposition and cycle) and dismissed counts of a person."""
    sid = history.subject_id
    pid = quote(sid)
    lines: list[str] = []
    for arrest in sorted(history.arrests, key=lambda a: a.arrest_id):
        aid = quote(arrest.arrest_id)
        lines.append(f"arrest({aid}, {pid}).")
        if arrest.date:
            lines.append(f"arrest_on({aid}, {to_yyyymmdd(arrest.date)}).")
        lines.extend(f"arrest_disposition({aid}, {code})." for code in arrest.dispositions)
        cycle = arrest_cycle(sid, arrest.arrest_id)
        if cycle:
            lines.append(f"arrest_cycle({aid}, {quote(cycle)}).")
    for dismissal in sorted(history.dismissals, key=lambda d: d.count_id):
        lines.append(
            f"dismissed_count({quote(dismissal.count_id)}, {pid}, {quote(dismissal.case_id)})."
        )
    return "".join(f"{line}\n" for line in lines)
