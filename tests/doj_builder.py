"""Build synthetic DOJ rows for tests: a dict of column name -> value becomes 95 fields."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from cmr_reason.facts.doj_columns import COLUMNS, INDEX

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
    return row(
        STP_TYPE_DESCR="ARREST/DETAINED/CITED",
        STP_EVENT_DATE=date,
        CYC_DATE=date,
        CNT_ORDER=cnt,
        OFFENSE_DESCR=charge,
        STP_ORI_DESCR="CAPD SAN FRANCISCO",
        STP_ORI_CNTY_NAME="SAN FRANCISCO",
        **values,
    )


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
