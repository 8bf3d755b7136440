"""Build synthetic DOJ rows for tests: a dict of column name -> value becomes 95 fields."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from cmr_reason.facts.doj.columns import COLUMNS, INDEX

HEADER = ",".join(COLUMNS)

# A plain person; tests override what they need.
PERSON = {
    "SUBJECT_ID": "1001",
    "CII_NUMBER": "A000000001",
    "PRI_NAME": "TESTPERSON,ALEX Q",
    "GENDER": "M",
    "PRI_DOB": "19700101",
    "RACE_CODE": "W",
    "RACE_DESCR": "WHITE",
}


def row(**values: str) -> list[str]:
    """A 95-field row: PERSON's fields, then ``values`` (column name -> text)."""
    fields = [""] * len(COLUMNS)
    for name, value in {**PERSON, **values}.items():
        fields[INDEX[name]] = value
    return fields


def arrest(cnt: str, date: str, charge: str = "11357 HS-POSSESS MARIJUANA", **values: str):
    """An ARREST/DETAINED/CITED row."""
    fields = {
        "STP_TYPE_DESCR": "ARREST/DETAINED/CITED",
        "STP_EVENT_DATE": date,
        "CYC_DATE": date,
        "CNT_ORDER": cnt,
        "OFFENSE_DESCR": charge,
        "STP_ORI_DESCR": "CAPD SAN FRANCISCO",
        "STP_ORI_CNTY_NAME": "SAN FRANCISCO",
    }
    fields.update(values)
    return row(**fields)


def court(cnt: str, date: str, charge: str = "11357 HS-POSSESS MARIJUANA", **values: str):
    """A COURT ACTION row convicted with probation (override DISP_DESCR etc. as needed)."""
    fields = {
        "STP_TYPE_DESCR": "COURT ACTION",
        "STP_EVENT_DATE": date,
        "CNT_ORDER": cnt,
        "OFFENSE_DESCR": charge,
        "OFFENSE_TOC": "M",
        "DISP_DESCR": "CONVICTED-PROBATION",
        "CONV_STAT_DESCR": "MISDEMEANOR",
        "SENT_LOC_DESCR": "PROBATION",
        "SENT_LENGTH": "36",
        "SENT_TIME_CODE": "M",
        "STP_ORI_CODE": "CA0380000",
        "STP_ORI_DESCR": "CASC SAN FRANCISCO",
        "STP_ORI_CNTY_NAME": "SAN FRANCISCO",
        "OFN": "140193",
    }
    fields.update(values)
    return row(**fields)


def csv_text(rows: list[list[str]], header: bool = True, trailing_comma: bool = False) -> str:
    """The rows as DOJ file text (RFC 4180, CRLF line ends like the DOJ's)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow([*COLUMNS, ""] if trailing_comma else COLUMNS)
    for fields in rows:
        writer.writerow([*fields, ""] if trailing_comma else fields)
    return buffer.getvalue()


def write(path: Path, rows: list[list[str]], **options: bool) -> Path:
    """Write rows to ``path`` (utf-8) and return it."""
    path.write_text(csv_text(rows, **options), encoding="utf-8", newline="")
    return path


def sample_rows() -> list[list[str]]:
    """The rows of ``tests/data/sample_doj.csv``: two synthetic people, most row kinds."""
    other = {"SUBJECT_ID": "2002", "PRI_NAME": "SAMPLE,BEA", "GENDER": "F", "PRI_DOB": "19900202",
             "RACE_CODE": "B", "RACE_DESCR": "BLACK", "CII_NUMBER": "A000000002"}  # fmt: skip
    return [
        arrest("001001001000", "20100105"),
        arrest("001001002000", "20100105", charge="11359 HS-POSSESS FOR SALE"),
        court("001002001000", "20100301", SENT_ORDER="1"),
        court("001002001000", "20100301", SENT_ORDER="2", SENT_LOC_DESCR="JAIL",
              SENT_LENGTH="10", SENT_TIME_CODE="D"),
        court("001002002000", "20100301", charge="11359 HS-POSSESS FOR SALE",
              DISP_DESCR="DISMISSED/CHARGE DROPPED"),
        court("002002001000", "20120615", charge="SEE COMMENT FOR CHARGE",
              COMMENT_TEXT="CHRG 487(A)-664 PC", CONV_STAT_DESCR="", OFFENSE_TOC="F",
              SENT_LOC_DESCR="PRISON", SENT_LENGTH="2", SENT_TIME_CODE="Y", **other),
        row(STP_TYPE_DESCR="CUSTODY", STP_EVENT_DATE="20100106", CNT_ORDER="001003001000"),
        court("003002001000", "20140909", charge="11360(A) HS-TRANSPORT MARIJUANA",
              CONV_OFFENSE_DESCR="11357(B) HS-POSSESS MARIJUANA", CONV_STAT_DESCR="MISDEMEANOR",
              COMMENT_TEXT="PLEA TO LESSER, SEE DOCKET"),
        row(STP_TYPE_DESCR="REGISTRATION", STP_EVENT_DATE="20121001", OFFENSE_DESCR="290 PC",
            **other),
        row(STP_TYPE_DESCR="DECEASED", STP_EVENT_DATE="20200101", **other),
        court("004002001000", "20191345", **other),
    ]  # fmt: skip
