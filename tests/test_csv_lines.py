"""The batch's CSV lines, written without csv.writer, are the lines the writer writes.

``rows.csv_line`` joins a row's cells when none needs quotes and quotes the others as the
writer does; ``rows.conviction_line`` keeps the rule-id, citation and explanation cells
already quoted. Checked against ``csv.writer(lineterminator="\\n")`` on generated cells
(delimiters, quotes, line breaks, carriage returns, blanks) and on every row of synthetic
people with damaged rows under two policies. ``rows._iso`` writes an 8-digit date's digits
as they are and any other by the arithmetic.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmr_reason.facts.dates import to_yyyymmdd
from cmr_reason.facts.history_reader import read_histories
from cmr_reason.facts.lean_person import lean_person
from cmr_reason.facts.synth.generator import write_file
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import decide
from cmr_reason.reasoner.run.rows import (
    LeanRecord,
    _Cells,
    _iso,
    case_rows,
    conviction_line,
    conviction_row,
    csv_cell,
    csv_line,
    person_outcome,
    person_row,
)


def _written(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


_cells = st.text(alphabet=st.sampled_from(list("ab ,;\"\n\r\t'é")), max_size=6)


@given(st.lists(_cells, min_size=2, max_size=8))
def test_csv_line_is_the_writers_line(cells: list[str]) -> None:
    assert csv_line(cells) == _written(cells)
    assert ",".join(csv_cell(cell) for cell in cells) + "\n" == _written(cells)


@pytest.mark.parametrize("policy", ["statute", "los-angeles-2020"])
def test_batch_lines_are_the_writers_lines(tmp_path: Path, policy: str) -> None:
    path = tmp_path / "synth.csv"
    write_file(path, 150, seed=11, malformed_rate=0.05)
    histories = list(read_histories([path]))
    programs = load_program_set(policy)
    catalogue = load_catalogue(programs)
    solved = decide(histories, programs, dt.date(2020, 7, 1), lean=True)
    lines = 0
    _Cells.catalogue = None
    for _ in range(2):  # the second pass reads every kept cell
        for history in histories:
            person = lean_person(history)
            mine = {c.conviction_id: solved.decisions[c.conviction_id] for c in person.convictions}
            record = LeanRecord(None, person)
            for index, conv in enumerate(person.convictions):
                decision = mine[conv.conviction_id]
                if index % 4 == 1:  # a county and an agency that need quotes
                    conv = dataclasses.replace(conv, county='SAN "X", CA\r')
                    decision = dataclasses.replace(decision, agency="DA, SAN X")
                elif index % 4 == 2:
                    decision = dataclasses.replace(decision, agency='"DA"')
                elif index % 4 == 3:  # a quote and no delimiter, in a cell before the rules'
                    conv = dataclasses.replace(conv, county='SAN "X"')
                row = conviction_row(person, conv, decision, catalogue, record)
                assert conviction_line(person, conv, decision, catalogue, record) == _written(row)
                lines += 1
            outcome = person_outcome(person, mine)
            row = person_row(person, outcome, dt.date(2020, 7, 1))
            assert csv_line(row) == _written(row)
            for row in case_rows(person, mine, solved.cannabis_cases, solved.sealable_cases):
                assert csv_line(row) == _written(row)
    assert lines > 300


@given(st.one_of(st.none(), st.integers(0, 99_991_231)))
def test_iso_writes_any_value_as_the_arithmetic_does(value: int | None) -> None:
    expected = (
        "" if not value else f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"
    )
    assert _iso(value) == expected


@given(st.dates())
def test_iso_is_the_dates_isoformat(day: dt.date) -> None:
    assert _iso(to_yyyymmdd(day)) == day.isoformat()
