"""A batch's conviction lines written from kept decision parts equal lines written whole.

``rows.conviction_line`` with a batch's ``tails`` keeps the decision's part of a line (the
offence date and the cells from ``statutory_outcome`` on) by the decision's shape
(``rows._tail_key``) and writes a later conviction of that shape from the kept part and its
own cells. Checked against the line written whole on synthetic people with damaged rows
under two policies (with counties and agencies that need quotes put in), and on two people
whose deciding rule reads a prior conviction of theirs, whose lines must differ.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from prior_people import person_with_prior, prior_decision

from cmr_reason.facts.history_reader import read_histories
from cmr_reason.facts.lean_person import lean_person
from cmr_reason.facts.synth.generator import write_file
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import decide
from cmr_reason.reasoner.run.rows import LeanRecord, Tails, conviction_line


@pytest.mark.parametrize("policy", ["statute", "los-angeles-2020"])
def test_lines_from_kept_tails_equal_whole_lines(tmp_path: Path, policy: str) -> None:
    path = tmp_path / "synth.csv"
    write_file(path, 200, seed=7, malformed_rate=0.05)
    histories = list(read_histories([path]))
    programs = load_program_set(policy)
    catalogue = load_catalogue(programs)
    solved = decide(histories, programs, dt.date(2020, 7, 1), lean=True)
    tails: Tails = {}
    lines = kept = 0
    for history in histories:
        person = lean_person(history)
        record = LeanRecord(None, person)
        for index, conv in enumerate(person.convictions):
            decision = solved.decisions[conv.conviction_id]
            if index % 5 == 3:  # a county that needs quotes: the line written whole
                conv = dataclasses.replace(conv, county='SAN "X", CA')
            elif index % 5 == 4:  # an agency that needs quotes: a tail of its own
                decision = dataclasses.replace(decision, agency="DA, SAN X")
            seen = len(tails)
            whole = conviction_line(person, conv, decision, catalogue, record)
            assert conviction_line(person, conv, decision, catalogue, record, tails) == whole
            kept += len(tails) == seen
            lines += 1
    assert lines > 400
    assert kept > lines / 3  # many lines were written from a kept tail


def test_a_line_that_reads_the_record_is_not_kept() -> None:
    """Two people with one decision (the same firing) whose prior convictions differ.

    Fails when ``rows._tail`` keeps a tail whose deciding rule has a ``prior`` slot.
    """
    catalogue, decision = prior_decision()
    tails: Tails = {}
    lines = []
    for disposition in (19900401, 20000501):
        person = person_with_prior("1:001", "1:002", disposition)
        record = LeanRecord(None, person)
        (conv, _) = person.convictions
        line = conviction_line(person, conv, decision, catalogue, record, tails)
        assert line == conviction_line(person, conv, decision, catalogue, record)
        lines.append(line)
    assert "1990-04-01" in lines[0] and "2000-05-01" in lines[1]
