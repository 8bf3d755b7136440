"""Excel damage: what Excel does to a DOJ file (facts/excel_resave.py), and what the scan
recognises and repairs without guessing (facts/excel_damage.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from doj_builder import arrest, court, write

from cmr_reason.facts.doj.columns import INDEX
from cmr_reason.facts.doj.excel_damage import (
    DATE_FORMAT,
    SCIENTIFIC,
    SEPARATOR,
    ZEROS,
    ZEROS_POSSIBLE,
    ExcelRepair,
    padded_count_order,
    scan_file,
)
from cmr_reason.facts.doj.excel_resave import FRANCE, GERMANY, UK, US, excel_cell, resave_file
from cmr_reason.facts.doj.reader import read_doj
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.synth.generator import demo_path as demo_input


def _kinds(scan):
    return {(f.column, f.kind, f.repairable): f for f in scan.findings}


# --- what Excel does ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "locale", "saved"),
    [
        ("001001001000", US, "1001001000"),  # leading zeros stripped
        ("101001002000", US, "1.01001E+11"),  # 12 digits: scientific notation
        ("100000000000", US, "1E+11"),
        ("00123", US, "123"),
        ("20090610", US, "20090610"),  # an 8-digit date is a number: unchanged
        ("2009-06-10", US, "6/10/2009"),  # text that looks like a date
        ("2009-06-10", GERMANY, "10.06.2009"),
        ("6/10/2009", UK, "06/10/2009"),  # read day first in the UK
        ("NULL", US, "NULL"),
        ("VARNELL,KEVIN C", US, "VARNELL,KEVIN C"),
        ("11357(C)HS-POSSESS", US, "11357(C)HS-POSSESS"),
        ("CASC LOS ANGELES   ", US, "CASC LOS ANGELES   "),  # text keeps its blanks
    ],
)
def test_excel_reads_numbers_and_dates(text: str, locale, saved: str) -> None:
    assert excel_cell(text, locale) == saved


def test_typed_date_columns_come_back_in_the_locale_format() -> None:
    assert excel_cell("20090610", US, typed_date=True) == "6/10/2009"
    assert excel_cell("20090610", FRANCE, typed_date=True) == "10/06/2009"
    assert excel_cell("20091345", US, typed_date=True) == "20091345"  # not a date: a number


def test_a_resaved_file_has_the_locale_separator_crlf_and_a_bom(tmp_path: Path) -> None:
    source = write(tmp_path / "a.csv", [court("001002001000", "20100301", PRI_NAME="A;B,C")])
    target = tmp_path / "b.csv"
    resave_file(source, target, GERMANY, bom=True)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfRECORD_ID;SUBJECT_STATUS;SUBJECT_ID;")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[-1] == "" and len(lines) == 3
    assert '"A;B,C"' in lines[1] and ";1002001000;" in lines[1]
    with pytest.raises(UserError, match="exists"):
        resave_file(source, target, GERMANY)


# --- what the scan finds ----------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_rows() -> list[list[str]]:
    with demo_input().open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[1:]


def test_the_clean_demo_file_shows_no_damage() -> None:
    scan = scan_file(demo_input())
    assert scan.findings == [] and scan.repair() is None and scan.complete


def test_the_resaved_demo_file_lost_its_count_orders_leading_zeros(
    tmp_path: Path, demo_rows: list[list[str]]
) -> None:
    resaved = tmp_path / "excel.csv"
    resave_file(demo_input(), resaved, US)
    scan = scan_file(resaved)
    stripped = sum(
        1
        for r in demo_rows
        if len(r) == 95 and len(r[INDEX["CNT_ORDER"]]) == 12 and r[INDEX["CNT_ORDER"]][0] == "0"
    )
    found = _kinds(scan)
    assert found[("CNT_ORDER", ZEROS, True)].rows == stripped > 2000
    # The demo's own damaged count orders (13 digits) lose zeros too, but do not restore.
    assert found[("CNT_ORDER", ZEROS, False)].rows == 2
    assert scan.repair() == ExcelRepair(cnt_order=True)
    message = scan.message(repairing=False)
    assert "CNT_ORDER lost its leading zeros" in message and "--repair-excel" in message
    # Nothing of the input is quoted: no subject id, name or date of the file.
    ids = {r[INDEX["SUBJECT_ID"]] for r in demo_rows if len(r) == 95} - {""}
    assert len(ids) > 250 and not any(sid in message for sid in ids)


def test_a_count_order_is_restored_only_when_certain() -> None:
    assert padded_count_order("1002001000", "1", "2") == "001002001000"
    assert padded_count_order("10020010000", "1", "2") is None  # a 13-digit order, stripped
    assert padded_count_order("1002001000", "", "") == "001002001000"  # no cycle to check
    assert padded_count_order("1002001001", "", "") is None  # not ending in 000
    assert padded_count_order("01002001000", "", "") is None  # Excel leaves no leading zero
    assert padded_count_order("1002000", "", "") is None  # too short to be Excel's
    assert padded_count_order("001002001000", "1", "2") is None  # not damaged


@pytest.mark.parametrize("locale", [GERMANY, FRANCE, UK, US])
def test_typed_dates_in_one_format_are_repairable(tmp_path: Path, locale) -> None:
    resaved = tmp_path / "excel.csv"
    resave_file(demo_input(), resaved, locale, typed_dates=True)
    scan = scan_file(resaved)
    found = _kinds(scan)
    expected = {"us": "M/D/YYYY", "uk": "D/M/YYYY", "france": "D/M/YYYY", "germany": "D.M.YYYY"}
    for column in ("PRI_DOB", "CYC_DATE", "STP_EVENT_DATE", "DISP_DATE"):
        assert found[(column, DATE_FORMAT, True)].detail == expected[locale.name]
    assert (("", SEPARATOR, True) in found) == (locale.separator == ";")
    repair = scan.repair()
    assert repair is not None and repair.separator == locale.separator
    assert dict(repair.dates) == dict.fromkeys(
        ("CYC_DATE", "DISP_DATE", "PRI_DOB", "STP_EVENT_DATE"), expected[locale.name]
    )


def _dated(tmp_path: Path, dates: list[str]) -> Path:
    rows = [
        court(f"00{i % 9 + 1}002001000", date, SUBJECT_ID=str(2000 + i), CYC_ORDER=str(i % 9 + 1))
        for i, date in enumerate(dates)
    ]
    return write(tmp_path / "dated.csv", rows)


@pytest.mark.parametrize(
    ("dates", "why"),
    [
        (["6/10/2009", "20090611"], "mixes date formats"),
        (["6/10/2009", "2009-06-11"], "mixes date formats"),
        (["6/10/2009", "3/4/2010"], "either way round"),  # no day above 12: M/D or D/M?
        (["6/10/09", "6/13/2009"], "two-digit years"),
        (["6/13/2009", "13/6/2009"], "not calendar dates"),  # one way round for each
    ],
)
def test_dates_that_are_not_certain_are_reported_not_repaired(
    tmp_path: Path, dates: list[str], why: str
) -> None:
    scan = scan_file(_dated(tmp_path, dates))
    found = _kinds(scan)[("STP_EVENT_DATE", DATE_FORMAT, False)]
    assert why in found.detail and "cannot be repaired" in scan.message(False)
    assert scan.repair() is None


def test_one_reading_for_every_date_of_the_column_is_repaired(tmp_path: Path) -> None:
    path = _dated(tmp_path, ["6/10/2009", "6/13/2009", "12/31/2010"])
    scan = scan_file(path)
    assert scan.repair() == ExcelRepair(dates=(("STP_EVENT_DATE", "M/D/YYYY"),))
    read = read_doj([path], repairs=[scan.repair()])
    assert read.account.rows_rejected == 0
    dates = sorted(c.disposition_date.isoformat() for h in read for c in h.convictions)
    assert dates == ["2009-06-10", "2009-06-13", "2010-12-31"]
    assert all("excel_repaired" in h.flags for h in read)
    plain = read_doj([path])  # without the repair, each row is rejected, as before
    assert plain.account.reject_reasons() == {"bad_date:STP_EVENT_DATE": 3}


def test_lost_digits_and_identifiers_are_reported_never_repaired(tmp_path: Path) -> None:
    """Scientific notation and identifiers that lost zeros: reported, the rows left as read."""
    rows = [
        arrest("101001001000", "20100105", SUBJECT_ID="00001234", CYC_ORDER="101"),
        court("101002001000", "20100301", SUBJECT_ID="00001234", CYC_ORDER="101"),
        court("001002001000", "20100301", SUBJECT_ID="12345678", CYC_ORDER="1"),
    ]
    source = write(tmp_path / "clean.csv", rows)
    resaved = tmp_path / "excel.csv"
    resave_file(source, resaved, US)
    scan = scan_file(resaved)
    found = _kinds(scan)
    assert found[("CNT_ORDER", SCIENTIFIC, False)].rows == 2
    assert found[("SUBJECT_ID", ZEROS_POSSIBLE, False)].rows == 2  # 1234 beside 12345678
    assert found[("CNT_ORDER", ZEROS, True)].rows == 1
    message = scan.message(repairing=False)
    assert "the digits are lost" in message and "how many zeros were lost is unknown" in message
    assert "re-export the file from the DOJ extract" in message
    read = read_doj([resaved], repairs=[scan.repair()])
    assert read.account.reject_reasons() == {"bad_cnt_order": 2}  # not repaired
    assert {r.subject_id for r in read.account.rejects()} == {"1234"}  # not padded back


def test_a_semicolon_file_with_comma_lines_is_not_read_with_semicolons(tmp_path: Path) -> None:
    source = write(tmp_path / "clean.csv", [court("001002001000", "20100301")] * 2)
    resaved = tmp_path / "excel.csv"
    resave_file(source, resaved, GERMANY)
    comma_row = source.read_bytes().split(b"\r\n", 1)[1]
    resaved.write_bytes(resaved.read_bytes() + comma_row)
    scan = scan_file(resaved)
    found = _kinds(scan)[("", SEPARATOR, False)]
    assert "2 lines are separated by ','" in found.detail
    assert scan.repair() == ExcelRepair(cnt_order=True)  # the rest, not the separator


def test_a_semicolon_header_says_what_to_do(tmp_path: Path) -> None:
    resaved = tmp_path / "excel.csv"
    resave_file(write(tmp_path / "a.csv", [court("001002001000", "20100301")]), resaved, GERMANY)
    with pytest.raises(UserError, match=r"separated by ';'.*--repair-excel"):
        read_doj([resaved])
    repaired = read_doj([resaved], repairs=[scan_file(resaved).repair()])
    assert len(repaired) == 1 and repaired.account.rows_rejected == 0


def test_a_sample_never_repairs(tmp_path: Path) -> None:
    resaved = tmp_path / "excel.csv"
    resave_file(demo_input(), resaved, US)
    sample = scan_file(resaved, limit=100)
    assert not sample.complete and sample.lines == 100
    assert sample.repairable() and sample.repair() is None
    assert "in its first 100 lines" in sample.message(False)


def test_a_repair_survives_the_manifest() -> None:
    repair = ExcelRepair(";", True, (("DISP_DATE", "D.M.YYYY"), ("PRI_DOB", "D.M.YYYY")))
    assert ExcelRepair.from_dict(repair.to_dict()) == repair
    assert not ExcelRepair() and ExcelRepair.from_dict({}) == ExcelRepair()
