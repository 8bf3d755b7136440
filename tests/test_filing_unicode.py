"""Court PDFs print names as the DOJ wrote them, in the bundled Unicode fonts (issue #17 item 6)."""

from __future__ import annotations

from pathlib import Path

from doj_builder import court, write
from pypdf import PdfReader
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.reasoner.filing.pdf_base import printable

NAMES = ("NGUYỄN,THỊ", "NÚÑEZ,JOSÉ")
LA = {"STP_ORI_CNTY_NAME": "LOS ANGELES", "STP_ORI_DESCR": "CASC LOS ANGELES"}


def person(number: int, name: str) -> list[str]:
    """A felony former HS 11357(a) (concentrate) at 40, probation long over: dismissed."""
    return court(
        "001001001000",
        "20100301",
        charge="11357(A) HS-POSSESS CONC CANNABIS",
        OFFENSE_TOC="F",
        CONV_STAT_DESCR="FELONY",
        SUBJECT_ID=f"{number}",
        CII_NUMBER=f"A00000000{number}",
        PRI_NAME=name,
        PRI_DOB="19700101",
        **LA,
    )


def test_exhibit_prints_names_as_written(tmp_path: Path) -> None:
    source = write(tmp_path / "doj.csv", [person(n, name) for n, name in enumerate(NAMES, 1)])
    run, filing = tmp_path / "run", tmp_path / "filing"
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(source), "--as-of", "2020-07-01", "--county",
                                 "LOS ANGELES", "--out", str(run), "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["file", str(run), "--out", str(filing), "-q"])
    assert result.exit_code == 0, result.output
    for table in ("dismissal_exhibit1", "sealing_list"):
        text = "\n".join(p.extract_text() for p in PdfReader(filing / f"{table}.pdf").pages)
        for name in NAMES:
            assert name in text, (table, name)
        assert "?" not in text, table


def test_characters_the_fonts_lack_are_marked_not_dropped() -> None:
    assert printable("NGUYỄN, THỊ — NÚÑEZ, JOSÉ") == "NGUYỄN, THỊ — NÚÑEZ, JOSÉ"
    assert printable("王 \uff2a㎏") == "? Jkg"  # no CJK glyph; compatibility forms fold


def test_a_latin1_run_is_filed_with_the_names_it_read(tmp_path: Path) -> None:
    """The filing re-reads the inputs in the run's own encoding (manifest ``encoding``)."""
    utf8 = write(tmp_path / "utf8.csv", [person(n, name) for n, name in enumerate(NAMES[1:], 1)])
    source = tmp_path / "doj-latin1.csv"
    source.write_bytes(utf8.read_text(encoding="utf-8").encode("latin-1"))
    run, filing = tmp_path / "run", tmp_path / "filing"
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(source), "--as-of", "2020-07-01", "--county",
                                 "LOS ANGELES", "--encoding", "latin-1", "--out", str(run),
                                 "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["file", str(run), "--out", str(filing), "-q"])
    assert result.exit_code == 0, result.output
    text = "\n".join(p.extract_text() for p in PdfReader(filing / "dismissal_exhibit1.pdf").pages)
    assert NAMES[1] in text
