"""A bulk program parsed once in a worker (solver.prepare_control) decides as one per batch."""

from __future__ import annotations

import datetime as dt

from cmr_reason.facts.history_reader import read_histories
from cmr_reason.facts.synth.generator import write_file
from cmr_reason.reasoner.engine import solver
from cmr_reason.reasoner.engine.program_set import load_program_set


def test_a_prepared_control_gives_the_same_answer_and_is_taken_once(tmp_path) -> None:
    path = tmp_path / "synth.csv"
    write_file(path, 60, seed=5, malformed_rate=0.03)
    histories = list(read_histories([path]))
    programs = load_program_set("los-angeles-2020")
    facts = solver.batch_facts(histories) + solver.settings_facts(dt.date(2020, 7, 1))
    program = programs.bulk_program
    fresh = solver.solve_text(programs, facts, lean=True)
    assert solver.take_prepared(program) is None  # nothing prepared yet
    solver.prepare_control(program)
    prepared = solver.take_prepared(program)
    assert prepared is not None and solver.take_prepared(program) is None  # once
    again = solver.solve_text(programs, facts, lean=True, prepared=prepared)
    for result in (fresh, again):
        for decision in result.decisions.values():
            decision.sort()
    assert len(fresh.decisions) > 100
    assert again.decisions == fresh.decisions
    assert (again.cannabis_cases, again.sealable_cases, again.internal_errors) == (
        fresh.cannabis_cases, fresh.sealable_cases, fresh.internal_errors,
    )  # fmt: skip
    assert again.messages == fresh.messages
