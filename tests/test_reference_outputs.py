"""The optimised bulk run (streamed rows, lean answer reading, workers) against a reference.

The reference renders the output files the plain way: every history read in memory by
``read_doj``, every answer read through clingo's symbol API (``decide(lean=False)``), one
batch, one process. The bulk run must give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.doj.reader import read_doj
from cmr_reason.facts.lean_person import lean_person
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import decide
from cmr_reason.reasoner.run.impact_summary import ImpactSummary
from cmr_reason.reasoner.run.rows import (
    CASE_COLUMNS,
    CONVICTION_COLUMNS,
    PEOPLE_COLUMNS,
    case_rows,
    conviction_row,
    person_outcome,
    person_row,
)

AS_OF = dt.date(2020, 7, 1)
runner = CliRunner()


def reference_outputs(path: Path, policy: str = "statute") -> dict[str, str]:
    programs = load_program_set(policy)
    histories = list(read_doj([path]))
    solved = decide(histories, programs, AS_OF)
    catalogue = load_catalogue(programs)
    buffers = {name: io.StringIO() for name in ("convictions", "people", "cases")}
    out = {name: csv.writer(b, lineterminator="\n") for name, b in buffers.items()}
    out["convictions"].writerow(CONVICTION_COLUMNS)
    out["people"].writerow(PEOPLE_COLUMNS)
    out["cases"].writerow(CASE_COLUMNS)
    summary = ImpactSummary()
    for history in histories:
        person = lean_person(history)
        mine = {c.conviction_id: solved.decisions[c.conviction_id] for c in history.convictions}
        for conv in person.convictions:
            out["convictions"].writerow(
                conviction_row(person, conv, mine[conv.conviction_id], catalogue)
            )
        outcome = person_outcome(person, mine)
        out["people"].writerow(person_row(person, outcome, AS_OF))
        for row in case_rows(person, mine, solved.cannabis_cases, solved.sealable_cases):
            out["cases"].writerow(row)
        summary.add_person(person, mine, outcome)
    texts = {f"{name}.csv": b.getvalue() for name, b in buffers.items()}
    texts["summary"] = json.dumps(
        {k: v for k, v in summary.to_dict().items()}, indent=2, sort_keys=False
    )
    return texts


@pytest.mark.parametrize(
    "extra",
    [[], ["--workers", "2", "--batch-size", "37", "--memory-budget", "16"]],
    ids=["one-process", "two-workers-spilled"],
)
def test_bulk_run_equals_the_reference(tmp_path: Path, extra: list[str]) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["run", "--as-of", AS_OF.isoformat(), "--out", str(out), "-q", *extra]
    )
    assert result.exit_code == 0, result.output
    reference = reference_outputs(demo_path())
    for name in ("convictions.csv", "people.csv", "cases.csv"):
        assert (out / name).read_text(encoding="utf-8") == reference[name], name
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    summary.pop("input")
    summary.pop("run")
    assert json.dumps(summary, indent=2) == reference["summary"]


def test_bulk_run_equals_the_reference_under_a_county_policy(tmp_path: Path) -> None:
    """The bulk view (programs/views/bulk.lp) reads a policy's decisions as the full view."""
    out = tmp_path / "run"
    policy = "los-angeles-2020"
    result = runner.invoke(
        app,
        ["run", "--as-of", AS_OF.isoformat(), "--policy", policy, "--out", str(out), "-q"],
    )
    assert result.exit_code == 0, result.output
    reference = reference_outputs(demo_path(), policy)
    for name in ("convictions.csv", "people.csv", "cases.csv"):
        assert (out / name).read_text(encoding="utf-8") == reference[name], name
    assert "la2020." in reference["convictions.csv"]  # the policy decided some convictions
