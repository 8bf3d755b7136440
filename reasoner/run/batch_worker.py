"""Decide one batch of people and render its output rows (runs in a worker process).

A batch is a list of people in subject order: built histories (hand-written input) or a DOJ
subject's routed rows, which the worker turns into a record (the reader's *using* step), then
straight into the packed facts and the lean person its output rows read
(:mod:`cmr_reason.facts.doj.direct`: no history is built; a run with a remedy beside Prop 64
builds the histories its remedies read). The worker grounds the batch in
one clingo control and returns CSV text, counts and the row account of its rows. The parent
writes the pieces in batch order, so the output is the same whatever the number of workers or
the engine (local processes or Dask).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from cmr_reason.facts.doj.accounting import FileAccount
from cmr_reason.facts.doj.direct import direct_person
from cmr_reason.facts.doj.history_builder import build_history
from cmr_reason.facts.doj.reader import Orphans, Packed, use_rows
from cmr_reason.facts.fact_writer import packed_facts
from cmr_reason.facts.history import History
from cmr_reason.facts.lean_person import LeanPerson, lean_person
from cmr_reason.facts.process_stats import peak_rss_kib
from cmr_reason.facts.remedy_facts import remedy_facts
from cmr_reason.reasoner.engine.catalogue import Catalogue, load_catalogue
from cmr_reason.reasoner.engine.program_set import ProgramSet
from cmr_reason.reasoner.engine.remedy_decision import remedy_decisions
from cmr_reason.reasoner.engine.solver import (
    prepare_control,
    settings_facts,
    solve_text,
    take_prepared,
)
from cmr_reason.reasoner.run.batch_child import in_batch_child
from cmr_reason.reasoner.run.impact_summary import ImpactSummary, Pending
from cmr_reason.reasoner.run.remedy_output import RemedySummary, remedy_batch_rows
from cmr_reason.reasoner.run.rows import (
    LeanRecord,
    Tails,
    case_rows,
    conviction_line,
    csv_line,
    person_outcome,
    person_row,
)

# Either a built history (hand-written input) or a DOJ subject's routed rows.
Item: TypeAlias = History | tuple[str, list[Packed]]


@dataclass
class BatchSpec:
    """What every batch of a run shares."""

    programs: ProgramSet
    as_of: dt.date
    scope_county: str | None
    files: tuple[str, ...]
    extra_facts: str = ""
    catalogue: Catalogue | None = None  # the parent's, so a fresh worker need not load it
    orphans: Orphans = field(default_factory=dict)  # rejected DOJ lines without a subject
    # The bulk program less the rules the run's settings cannot fire (absent_settings);
    # empty: the program set's own.
    program: str = ""
    # The optional parts of the packed facts the program reads none of, written none
    # (direct.unread_parts): fewer terms for clingo to read.
    unread: frozenset[str] = frozenset()

    def prepare(self) -> None:
        """Parse the bulk program once, in a worker that forks a child per batch."""
        prepare_control(self.program or self.programs.bulk_program)


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
    cpu_seconds: float = 0.0  # CPU time the batch took in its worker
    convictions: int = 0
    accounts: list[FileAccount] | None = None  # the row account of the batch's DOJ rows
    pid: int = 0
    # The remedies beside Prop 64 (reasoner/run/remedy_output.py): rows by remedy, figures.
    remedy_csv: dict[str, str] = field(default_factory=dict)
    remedy_summary: RemedySummary | None = None


_CATALOGUES: dict[str, Catalogue] = {}
# What a batch's forked child keeps until it ends by os._exit (batch_child.in_batch_child):
# freeing the clingo control and the batch's objects one by one would be work the kernel
# does at once when the child ends.
_KEPT: list[object] = []


def _catalogue(programs: ProgramSet) -> Catalogue:
    found = _CATALOGUES.get(programs.sha256)
    if found is None:
        found = _CATALOGUES[programs.sha256] = load_catalogue(programs)
    return found


def _people(
    items: Sequence[Item], spec: BatchSpec
) -> tuple[list[str], list[LeanPerson], list[History], Any]:
    """The batch's people: each one's packed facts and lean form, and the rows' account.

    A run with a remedy beside Prop 64 builds every person's history (its rows and the
    remedies' facts read it: arrests, dismissed counts); a Prop 64 run writes a DOJ subject's
    facts straight from its rows and returns no histories.
    """
    built = [item for item in items if isinstance(item, History)]
    rows = [item for item in items if not isinstance(item, History)]
    accounts = None
    if rows:
        subjects, accounts = use_rows(rows, spec.files, spec.orphans)
    if spec.programs.remedies:
        if rows:
            built += [build_history(sid, subject, spec.files) for sid, subject in subjects]
        facts = [packed_facts(h) for h in built] + [remedy_facts(h) for h in built]
        return facts, [lean_person(h) for h in built], built, accounts
    facts = [packed_facts(history) for history in built]
    people = [lean_person(history) for history in built]
    if rows:
        for sid, subject in subjects:
            text, person = direct_person(sid, subject, spec.files, spec.unread)
            facts.append(text)
            people.append(person)
    return facts, people, [], accounts


def run_batch(index: int, items: Sequence[Item], spec: BatchSpec) -> BatchResult:
    """Decide a batch and render its rows."""
    enabled = gc.isenabled()
    gc.disable()  # a batch makes many objects that live until it ends: no cycle hunting
    try:
        return _run_batch(index, items, spec)
    finally:
        # A batch's child keeps its objects until it ends (_KEPT): collecting them once
        # the batch is done would be all cost and no memory.
        if enabled and not in_batch_child():
            gc.enable()


def _run_batch(index: int, items: Sequence[Item], spec: BatchSpec) -> BatchResult:
    clock = time.perf_counter
    cpu_started = time.process_time()
    result = BatchResult(index=index, pid=os.getpid())
    started = clock()
    facts, people, histories, result.accounts = _people(items, spec)
    built = clock()
    settings = settings_facts(spec.as_of, spec.scope_county) + spec.extra_facts
    keep = _KEPT if in_batch_child() else None
    # A child takes the program its worker parsed before forking it (BatchSpec.prepare).
    text = spec.program or spec.programs.bulk_program
    prepared = take_prepared(text) if keep is not None else None
    solved = solve_text(
        spec.programs, "".join(facts) + settings, lean=True, program=spec.program, keep=keep,
        prepared=prepared,
    )  # fmt: skip
    solved_at = clock()
    catalogue = spec.catalogue or _catalogue(spec.programs)
    # The lines as csv.writer would write them (rows.csv_line: most need no quoting)
    conv_lines: list[str] = []
    people_lines: list[str] = []
    case_lines: list[str] = []
    decisions = solved.decisions
    convictions = 0
    counted: Pending = {}  # the summary's counts, added once a batch (add_pending)
    tails: Tails = {}  # conviction lines' decision parts by shape (rows.conviction_line)
    for person in people:
        mine = {c.conviction_id: decisions[c.conviction_id] for c in person.convictions}
        convictions += len(mine)
        record = LeanRecord(None, person)
        for conv in person.convictions:
            conv_lines.append(
                conviction_line(person, conv, mine[conv.conviction_id], catalogue, record, tails)
            )
        outcome = person_outcome(person, mine)
        people_lines.append(csv_line(person_row(person, outcome, spec.as_of)))
        for row in case_rows(person, mine, solved.cannabis_cases, solved.sealable_cases):
            case_lines.append(csv_line(row))
        result.summary.add_person(person, mine, outcome, counted)
    result.summary.add_pending(counted)
    if spec.programs.remedies:
        result.remedy_csv, result.remedy_summary = remedy_batch_rows(
            histories, decisions, remedy_decisions(solved), spec.programs.remedies, catalogue
        )
    result.people = len(people)
    result.convictions = convictions
    result.convictions_csv = "".join(conv_lines)
    result.people_csv = "".join(people_lines)
    result.cases_csv = "".join(case_lines)
    result.internal_errors = solved.internal_errors
    seconds = solved.seconds
    result.stage_seconds = {
        "facts": built - started,
        "ground": seconds.get("ground", 0.0),
        "solve": seconds.get("solve", 0.0),
        "render": clock() - solved_at,
    }
    if keep is not None:
        keep += (items, facts, people, histories, solved, conv_lines, people_lines, case_lines)
    result.peak_rss_kib = peak_rss_kib()
    result.cpu_seconds = time.process_time() - cpu_started
    return result


def worker_pid() -> int:
    """The worker's process id (tests use it to see that work was spread)."""
    return os.getpid()
