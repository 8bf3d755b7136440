"""Decide one batch of people and render its output rows (runs in a worker process).

A batch is a list of people in subject order; the worker builds their histories, grounds
them together in one clingo control, and returns CSV text plus counts. The parent writes the
pieces in batch order, so the output is the same whatever the number of workers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from cmr_reason.facts.doj_history import build_history
from cmr_reason.facts.doj_rows import Subject
from cmr_reason.facts.history import History
from cmr_reason.reasoner.catalogue import Catalogue, load_catalogue
from cmr_reason.reasoner.impact_summary import ImpactSummary
from cmr_reason.reasoner.program_set import ProgramSet
from cmr_reason.reasoner.run_rows import case_rows, conviction_row, person_outcome, person_row
from cmr_reason.reasoner.solver import decide

# Either a built history (hand-written input) or a DOJ subject's compact rows.
Item = History | tuple[str, Subject]


@dataclass
class BatchSpec:
    """What every batch of a run shares."""

    programs: ProgramSet
    as_of: dt.date
    scope_county: str | None
    files: tuple[str, ...]
    extra_facts: str = ""


@dataclass
class BatchResult:
    """A batch's rendered rows and counts."""

    index: int
    people: int = 0
    convictions_csv: str = ""
    people_csv: str = ""
    cases_csv: str = ""
    summary: ImpactSummary = field(default_factory=ImpactSummary)
    internal_errors: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_kib: int = 0


_CATALOGUES: dict[str, Catalogue] = {}


def _catalogue(programs: ProgramSet) -> Catalogue:
    found = _CATALOGUES.get(programs.sha256)
    if found is None:
        found = _CATALOGUES[programs.sha256] = load_catalogue(programs)
    return found


def peak_rss_kib() -> int:
    """Peak resident memory of this process (``VmHWM``), in KiB; 0 where unavailable."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _writer(buffer: io.StringIO) -> csv.DictWriter | csv.writer:  # type: ignore[type-arg]
    return csv.writer(buffer, lineterminator="\n")


def run_batch(index: int, items: Sequence[Item], spec: BatchSpec) -> BatchResult:
    """Decide a batch and render its rows."""
    clock = time.perf_counter
    result = BatchResult(index=index)
    started = clock()
    histories = [
        item if isinstance(item, History) else build_history(item[0], item[1], spec.files)
        for item in items
    ]
    built = clock()
    solved = decide(histories, spec.programs, spec.as_of, spec.scope_county, spec.extra_facts)
    solved_at = clock()
    catalogue = _catalogue(spec.programs)
    conv_buf, people_buf, case_buf = io.StringIO(), io.StringIO(), io.StringIO()
    conv_out, people_out, case_out = _writer(conv_buf), _writer(people_buf), _writer(case_buf)
    decisions = solved.decisions
    for history in histories:
        mine = {c.conviction_id: decisions[c.conviction_id] for c in history.convictions}
        for conv in history.convictions:
            conv_out.writerow(conviction_row(history, conv, mine[conv.conviction_id], catalogue))
        outcome = person_outcome(history, mine)
        people_out.writerow(person_row(history, outcome, spec.as_of))
        for row in case_rows(history, mine, solved.cannabis_cases, solved.sealable_cases):
            case_out.writerow(row)
        result.summary.add_person(history, mine, outcome)
    result.people = len(histories)
    result.convictions_csv = conv_buf.getvalue()
    result.people_csv = people_buf.getvalue()
    result.cases_csv = case_buf.getvalue()
    result.internal_errors = solved.internal_errors
    result.stage_seconds = {
        "facts": built - started,
        "solve": solved_at - built,
        "render": clock() - solved_at,
    }
    result.peak_rss_kib = peak_rss_kib()
    return result


def worker_pid() -> int:
    """The worker's process id (tests use it to see that work was spread)."""
    return os.getpid()
