"""Hand-written histories: one id a case, conviction or arrest, of one person, in one file.

The programs key every fact by these ids (``conviction(C, P, K)``, ``charge(C, ...)``), so
two people's convictions under one id were decided as one: a PC 187 conviction of one person
came out as the other's HS 11357(b) misdemeanor, flagged only as conflicting dates. Such input
is refused with the file, the line and what to change, and no run folder is written.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmr_reason.cli.app import app

runner = CliRunner()
AS_OF = "2020-07-01"

P1 = """person("p1").
birth("p1", 19800101).
case("k1", "p1", "LOS ANGELES", "CASC LOS ANGELES").
conviction("c1", "p1", "k1").
disposition_date("c1", 20100101).
charge("c1", hs, "11357", ("b",)).
level("c1", misdemeanor).
"""
# p2's own case; {cid} is p2's conviction id.
P2 = """person("p2").
birth("p2", 19800101).
case("k2", "p2", "LOS ANGELES", "CASC LOS ANGELES").
conviction("{cid}", "p2", "k2").
disposition_date("{cid}", 20120101).
charge("{cid}", pc, "187", ()).
level("{cid}", felony).
"""


def _run(tmp_path: Path, *files: Path) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", *map(str, files), "--as-of", AS_OF, "--out", str(out), "-q"]
    )
    return result.exit_code, result.output, out


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_distinct_ids_each_person_decided_alone(tmp_path: Path) -> None:
    """The control: with its own id, p2's PC 187 is not a cannabis conviction (HS 11361.8)."""
    code, output, out = _run(tmp_path, _write(tmp_path, "h.lp", P1 + P2.format(cid="c2")))
    assert code == 0, output
    with (out / "convictions.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["conviction_id"]: row for row in csv.DictReader(handle)}
    assert rows["c1"]["subject_id"] == "p1" and rows["c1"]["code_section"] == "HS 11357(b)"
    assert rows["c2"]["subject_id"] == "p2" and rows["c2"]["code_section"] == "PC 187"
    assert rows["c2"]["level"] == "felony"
    assert "conflicting_dates" not in rows["c1"]["flags"] + rows["c2"]["flags"]


def test_conviction_id_of_two_people_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "h.lp", P1 + P2.format(cid="c1"))
    code, output, out = _run(tmp_path, path)
    assert code == 2
    assert f"{path}:11: conviction id 'c1' is given to two people ('p1', 'p2')" in output
    assert "first on line 4" in output and "Traceback" not in output
    assert not out.exists()


def test_conviction_id_twice_for_one_person_refused(tmp_path: Path) -> None:
    text = P1 + 'case("k3", "p1", "LOS ANGELES", "CASC POMONA").\nconviction("c1", "p1", "k3").\n'
    code, output, _ = _run(tmp_path, _write(tmp_path, "h.lp", text))
    assert code == 2
    assert ":9: conviction id 'c1' is given twice, first on line 4" in output


@pytest.mark.parametrize(
    "case_line",
    [
        'case("k1", "p2", "LOS ANGELES", "CASC LOS ANGELES").',  # another person's
        'case("k1", "p1", "VENTURA", "CASC VENTURA").',  # the same person, another court
    ],
)
def test_case_id_given_twice_differently_refused(tmp_path: Path, case_line: str) -> None:
    text = P1 + P2.format(cid="c2") + case_line + "\n"
    code, output, _ = _run(tmp_path, _write(tmp_path, "h.lp", text))
    assert code == 2
    assert ":15: case id 'k1' is given" in output and "first on line 3" in output


def test_the_same_case_fact_twice_is_one_case(tmp_path: Path) -> None:
    text = P1 + 'case("k1", "p1", "LOS ANGELES", "CASC LOS ANGELES").\n'
    code, output, _ = _run(tmp_path, _write(tmp_path, "h.lp", text))
    assert code == 0, output


def test_conviction_in_another_persons_case_refused(tmp_path: Path) -> None:
    text = P1 + P2.format(cid="c2").replace('conviction("c2", "p2", "k2")',
                                             'conviction("c2", "p2", "k1")')  # fmt: skip
    code, output, _ = _run(tmp_path, _write(tmp_path, "h.lp", text))
    assert code == 2
    assert ":11: conviction of 'p2' in case 'k1', which is 'p1''s (line 3)" in output


def test_conviction_id_in_two_files_refused(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.lp", P1)
    second = _write(tmp_path, "b.lp", P2.format(cid="c1"))
    code, output, out = _run(tmp_path, first, second)
    assert code == 2
    assert f"{second}: conviction id 'c1' is also given in {first}" in output
    assert not out.exists()
