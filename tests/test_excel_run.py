"""`run` is loud when rows are lost, and `--repair-excel` recovers an Excel-damaged file
(issue #19 item 1; reasoner/input_check.py, docs/outputs.md "Rejected rows and Excel damage")."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from test_doj_split import small_cuts  # noqa: F401 (a fixture)
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.doj.excel_resave import GERMANY, US, resave_file
from cmr_reason.facts.synth.generator import demo_path as demo_input
from cmr_reason.reasoner.run.directory import open_run
from cmr_reason.reasoner.run.input_check import (
    DOMINANT_MIN,
    EXIT_REJECTS,
    reject_check,
)

runner = CliRunner()
OUTPUTS = ("convictions.csv", "people.csv", "cases.csv", "summary.json", "rejects.csv")


def _run(out: Path, *args: str) -> Any:
    return runner.invoke(
        app, ["run", *args, "--as-of", "2020-07-01", "--out", str(out), "--force", "-q"]
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo file, and the same opened and saved again in Excel (US; Germany, typed dates)."""
    root = tmp_path_factory.mktemp("excel")
    us, germany = root / "demo_us.csv", root / "demo_de.csv"
    resave_file(demo_input(), us, US)
    resave_file(demo_input(), germany, GERMANY, typed_dates=True, bom=True)
    clean = root / "clean"
    result = _run(clean)
    assert result.exit_code == 0, result.output
    return {"root": root, "us": us, "germany": germany, "clean": clean}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_excel_damaged_demo_file_fails_loudly(files: dict[str, Path]) -> None:
    out = files["root"] / "loud"
    result = _run(out, str(files["us"]))
    assert result.exit_code == EXIT_REJECTS, result.output
    text = " ".join(result.output.split())
    assert "2,605 of 2,624 input rows (99.3 %) were rejected" in text
    assert "bad_cnt_order: 2,590 rows" in text
    assert "it looks like the file was saved by Excel, which strips leading zeros" in text
    assert "run with --repair-excel" in text and "--accept-rejects" in text
    assert "CNT_ORDER lost its leading zeros in 2,610 rows" in text
    # The outputs are written whole, so that rejects.csv can be read.
    assert all((out / name).is_file() for name in OUTPUTS)
    assert len(_rows(out / "rejects.csv")) == 2605
    manifest = json.loads((out / "manifest.json").read_text())
    codes = [w["code"] for w in manifest["warnings"]]
    assert codes[-2:] == ["excel_damage", "rows_rejected"]
    assert manifest["excel_damage"]["files"][0]["findings"][0]["rows"] == 2610
    assert "excel_repair" not in manifest
    accepted = _run(out, str(files["us"]), "--accept-rejects")
    assert accepted.exit_code == 0, accepted.output
    assert "were rejected" in accepted.output  # still said, in the warnings


@pytest.mark.parametrize("variant", ["us", "germany"])
def test_repair_excel_recovers_every_row_with_a_flag(files: dict[str, Path], variant: str) -> None:
    """Decisions equal the clean file's, except the flag and the file's name."""
    damaged = files[variant]
    out = files["root"] / f"repaired_{variant}"
    result = _run(out, str(damaged), "--repair-excel")
    assert result.exit_code == 0, result.output
    assert "warning: " in result.output and "repaired (" in result.output  # never silently
    clean = files["clean"]
    before, after = _rows(clean / "convictions.csv"), _rows(out / "convictions.csv")
    assert len(before) == len(after) == 860
    shown = str(demo_input())
    for old, new in zip(before, after, strict=True):
        flags = new.pop("flags").split(";")
        assert "excel_repaired" in flags
        assert [f for f in flags if f != "excel_repaired"] == [
            f for f in old.pop("flags").split(";") if f
        ]
        new["explanation"] = new["explanation"].replace(str(damaged), shown)
        assert new.pop("source_file") == str(damaged) and old.pop("source_file") == shown
        assert new == old
    for name in ("people.csv", "cases.csv"):
        assert (out / name).read_bytes() == (clean / name).read_bytes()
    # The rows rejected are those the clean file rejects (its own damage), no more.
    rejects = [(r["source_line"], r["reason"]) for r in _rows(out / "rejects.csv")]
    assert rejects == [(r["source_line"], r["reason"]) for r in _rows(clean / "rejects.csv")]
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["excel_repair"]["files"][0]
    assert entry["repair"]["cnt_order"] is True
    assert entry["repair"]["separator"] == ("," if variant == "us" else ";")
    repaired = {(f["column"], f["kind"]): f["rows"] for f in entry["findings"] if f["repairable"]}
    assert repaired[("CNT_ORDER", "leading_zeros_stripped")] == 2610
    if variant == "germany":
        assert entry["repair"]["dates"]["STP_EVENT_DATE"] == "D.M.YYYY"
        assert repaired[("STP_EVENT_DATE", "excel_date_format")] > 2000
    summary = json.loads((out / "summary.json").read_text())
    assert summary["input"] == json.loads((clean / "summary.json").read_text())["input"]


def test_a_repaired_run_is_reread_with_its_repairs(files: dict[str, Path]) -> None:
    """Explanations, the workbench's index and a re-run read the input as the run did."""
    out = files["root"] / "reread"
    assert _run(out, str(files["germany"]), "--repair-excel").exit_code == 0
    run = open_run(out)
    person = _rows(out / "people.csv")[0]["subject_id"]
    history = run.history(person)
    assert history is not None and "excel_repaired" in history.flags
    assert history.convictions and "some_rows_rejected" not in history.flags
    flags = {f["flag"]: f["text"] for f in run.explain(person)[0]["flags"]}
    assert "repaired from Excel damage" in flags["excel_repaired"]  # explanations show it
    indexed = open_run(out)
    indexed.index_input()
    assert indexed.history(person) == history
    assert sum(1 for _ in open_run(out).histories()) == 300
    filing = runner.invoke(app, ["file", str(out), "--out", str(files["root"] / "filing")])
    assert filing.exit_code == 0, filing.output  # the filing reads the ';' file, repaired
    before = (out / "convictions.csv").read_bytes()
    again = runner.invoke(app, ["run", "--out", str(out), "--force"])
    assert again.exit_code == 0, again.output
    assert "repair of Excel damage on" in " ".join(again.output.split())
    assert (out / "convictions.csv").read_bytes() == before


def test_a_clean_file_is_not_affected(files: dict[str, Path]) -> None:
    out = files["root"] / "clean_repaired"
    result = runner.invoke(
        app, ["run", "--as-of", "2020-07-01", "--out", str(out), "--repair-excel"]
    )
    assert result.exit_code == 0, result.output
    assert "found nothing it could repair" in result.output
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (files["clean"] / name).read_bytes(), name
    manifest = json.loads((files["clean"] / "manifest.json").read_text())
    assert "excel_damage" not in manifest and "excel_repair" not in manifest
    assert [w["code"] for w in manifest["warnings"]] == []


def test_a_semicolon_file_says_so_and_is_read_with_repair(files: dict[str, Path]) -> None:
    result = _run(files["root"] / "semi", str(files["germany"]))
    assert result.exit_code == 2
    assert "separated by ';'" in result.output and "--repair-excel" in result.output


def test_two_workers_route_a_repaired_file_as_one(
    files: dict[str, Path],
    small_cuts: list[bool],  # noqa: F811
) -> None:
    """The byte ranges of a large file are routed with the file's repair too."""
    outputs = []
    for workers in ("1", "2"):
        out = files["root"] / f"workers{workers}"
        result = _run(out, str(files["germany"]), "--repair-excel", "--workers", workers)
        assert result.exit_code == 0, result.output
        outputs.append([(out / name).read_bytes() for name in OUTPUTS])
    assert small_cuts == [True] and outputs[0] == outputs[1]


def _counts(rows_in: int, **rejected: int) -> dict[str, Any]:
    return {"rows_in": rows_in, "rows_rejected": sum(rejected.values()),
            "rejected_by_reason": rejected}  # fmt: skip


def test_when_rejects_are_loud() -> None:
    assert not reject_check(_counts(2624, wrong_field_count=9, bad_cnt_order=5)).loud  # the demo
    assert reject_check(_counts(1000, bad_cnt_order=51)).loud  # over 5 %
    assert not reject_check(_counts(1000, bad_cnt_order=50)).loud
    assert not reject_check(_counts(100, bad_cnt_order=9)).loud  # a few lines of a small file
    assert reject_check(_counts(100, bad_cnt_order=10)).loud
    dominant = DOMINANT_MIN
    assert reject_check(_counts(100_000, unknown_disposition=dominant, blank_step_type=20)).loud
    assert not reject_check(_counts(100_000, unknown_disposition=dominant - 1)).loud
    assert not reject_check(
        _counts(100_000, unknown_disposition=dominant, empty_charge=dominant)
    ).loud
    check = reject_check(_counts(1000, **{"bad_date:STP_EVENT_DATE": 60, "empty_charge": 1}))
    message = check.message()
    assert "61 of 1,000 input rows (6.1 %) were rejected" in message
    assert "- bad_date:STP_EVENT_DATE: 60 rows. Dates must be written YYYYMMDD" in message
    assert "- empty_charge: 1 row. A conviction or registration without any charge" in message
