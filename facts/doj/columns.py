"""The 95 columns of a DOJ bulk criminal-history record (``docs/doj-format.md``), 0-based."""

from __future__ import annotations

from collections.abc import Sequence

from cmr_reason.facts.errors import UserError

#: Column names in file order; the index of a name is its 0-based position.
COLUMNS: tuple[str, ...] = (
    "RECORD_ID", "SUBJECT_STATUS", "SUBJECT_ID", "REQ_SEG_SEP", "REQ_CII_NUMBER", "REQ_NAME",
    "REQ_GENDER", "REQ_DOB", "REQ_CDL", "REQ_SSN", "PII_SEG_SEP", "CII_NUMBER", "PRI_NAME",
    "GENDER", "PRI_DOB", "PRI_SSN", "PRI_CDL", "PRI_IDN", "PRI_INN", "FBI_NUMBER", "PDR_SEG_SEP",
    "RACE_CODE", "RACE_DESCR", "EYE_COLOR_CODE", "EYE_COLOR_DESCR", "HAIR_COLOR_CODE",
    "HAIR_COLOR_DESCR", "HEIGHT", "WEIGHT", "SINGLE_SOURCE", "MULTI_SOURCE", "POB_CODE",
    "POB_NAME", "POB_TYPE", "CITIZENSHIP_LIST", "CYC_SEG_SEP", "CYC_ORDER", "CYC_DATE",
    "STP_SEG_SEP", "STP_ORDER", "STP_EVENT_DATE", "STP_TYPE_CODE", "STP_TYPE_DESCR",
    "STP_ORI_TYPE", "STP_ORI_TYPE_DESCR", "STP_ORI_CODE", "STP_ORI_DESCR", "STP_ORI_CNTY_CODE",
    "STP_ORI_CNTY_NAME", "CNT_SEG_SEP", "CNT_ORDER", "DISP_DATE", "OFN", "OFFENSE_CODE",
    "OFFENSE_DESCR", "OFFENSE_TOC", "OFFENSE_QUAL_LST", "DISP_OFFENSE_CODE",
    "DISP_OFFENSE_DESCR", "DISP_OFFENSE_TOC", "DISP_OFFENSE_QUAL_LST", "CONV_OFFENSE_ORDER",
    "CONV_OFFENSE_CODE", "CONV_OFFENSE_DESCR", "CONV_OFFENSE_TOC", "CONV_OFFENSE_QUAL_LST",
    "FE_NUM_ORDER", "FE_NUM_ARR_AGY", "FE_NUM_BNCH_WARR", "FE_NUM_CITE", "FE_NUM_DOCKET",
    "FE_NUM_INCIDENT", "FE_NUM_BOOKING", "FE_NUM_NUMBER", "FE_NUM_REMAND", "FE_NUM_OOS_INN",
    "FE_NUM_CRT_CASE", "FE_NUM_WARRANT", "DISP_ORDER", "DISP_CODE", "DISP_DESCR",
    "CONV_STAT_CODE", "CONV_STAT_DESCR", "SENT_SEG_SEP", "SENT_ORDER", "SENT_LOC_CODE",
    "SENT_LOC_DESCR", "SENT_LENGTH", "SENT_TIME_CODE", "SENT_TIME_DESCR", "CYC_AGE", "CII_TYPE",
    "CII_TYPE_ALPHA", "COMMENT_TEXT", "END_OF_REC",
)  # fmt: skip
FIELD_COUNT = len(COLUMNS)
INDEX: dict[str, int] = {name: i for i, name in enumerate(COLUMNS)}

# The columns the reader uses.
SUBJECT_ID = INDEX["SUBJECT_ID"]
CII_NUMBER = INDEX["CII_NUMBER"]
PRI_NAME = INDEX["PRI_NAME"]
GENDER = INDEX["GENDER"]
PRI_DOB = INDEX["PRI_DOB"]
RACE_CODE = INDEX["RACE_CODE"]
RACE_DESCR = INDEX["RACE_DESCR"]
CYC_DATE = INDEX["CYC_DATE"]
STP_EVENT_DATE = INDEX["STP_EVENT_DATE"]
STP_TYPE_DESCR = INDEX["STP_TYPE_DESCR"]
STP_ORI_CODE = INDEX["STP_ORI_CODE"]
STP_ORI_DESCR = INDEX["STP_ORI_DESCR"]
STP_ORI_CNTY_NAME = INDEX["STP_ORI_CNTY_NAME"]
CNT_ORDER = INDEX["CNT_ORDER"]
DISP_DATE = INDEX["DISP_DATE"]
OFN = INDEX["OFN"]
OFFENSE_DESCR = INDEX["OFFENSE_DESCR"]
OFFENSE_TOC = INDEX["OFFENSE_TOC"]
CONV_OFFENSE_DESCR = INDEX["CONV_OFFENSE_DESCR"]
CONV_OFFENSE_TOC = INDEX["CONV_OFFENSE_TOC"]
FE_NUM_CRT_CASE = INDEX["FE_NUM_CRT_CASE"]
DISP_DESCR = INDEX["DISP_DESCR"]
CONV_STAT_DESCR = INDEX["CONV_STAT_DESCR"]
SENT_ORDER = INDEX["SENT_ORDER"]
SENT_LOC_DESCR = INDEX["SENT_LOC_DESCR"]
SENT_LENGTH = INDEX["SENT_LENGTH"]
SENT_TIME_CODE = INDEX["SENT_TIME_CODE"]
COMMENT_TEXT = INDEX["COMMENT_TEXT"]

HEADER_MARK = "RECORD_ID"


def is_header(row: Sequence[str]) -> bool:
    """True when a record is a header: its first field starts with ``RECORD_ID``."""
    return bool(row) and row[0].lstrip("\ufeff").strip().startswith(HEADER_MARK)


def fits(row: list[str], width: int = FIELD_COUNT) -> list[str] | None:
    """The row's 95 fields, or None when it does not have the file's width.

    ``width`` is what the file's header fixed (:func:`check_header`): 95 fields, or 96
    when the header ends with a trailing comma; then every data row must end with that
    empty 96th field too. A row of any other width is damaged (an unquoted comma inside a
    field makes one more, with every later column shifted), whatever its extra fields hold.
    """
    if len(row) != width:
        return None
    if width == FIELD_COUNT:
        return row
    return None if row[-1].strip() else row[:FIELD_COUNT]


def check_header(row: list[str], file: str) -> int:
    """The width of the file's rows; :class:`UserError` unless the header names the columns.

    The header names the 95 columns in order, optionally with a trailing comma (a 96th,
    empty field, seen in the wild), and then every row of the file has it too.
    """
    width = FIELD_COUNT + 1 if len(row) == FIELD_COUNT + 1 else FIELD_COUNT
    fields = fits(row, width)
    if fields is None:
        if len(row) == 1 and row[0].count(";") >= FIELD_COUNT - 1:
            raise UserError(
                f"{file}: the file is separated by ';', not ',' (as Excel saves CSV where the "
                "list separator is ';'): `cmr-reason run --repair-excel` reads it; or "
                "re-export it from the DOJ extract"
            )
        raise UserError(
            f"{file}: line 1 is a header with {len(row)} fields; expected {FIELD_COUNT}"
        )
    for index, (found, expected) in enumerate(zip(fields, COLUMNS, strict=True)):
        if found.lstrip("\ufeff").strip().upper() != expected:
            raise UserError(
                f"{file}: header column {index} is not {expected}; this reader knows only "
                "the 95-column DOJ research file layout"
            )
    return width
