"""Recognise what Excel does to a DOJ file opened and saved again, and undo what is certain.

Excel reads every CSV field that looks like a number as a number and writes it back as it
shows it: a fixed-width digit field loses its leading zeros (``CNT_ORDER``
``001001001000`` becomes ``1001001000``), a number of 12 or more digits is written in
scientific notation (``1.01001E+11``: the digits are gone), text that looks like a date is
written in the locale's date format (``6/10/2009``), and where the list separator is ``;``
the file is saved ``;``-separated. :func:`scan_file` reads a file once and lists each kind
of damage by column (:class:`Finding`), with what can be undone without guessing; the
reader applies the :class:`ExcelRepair` of that scan only when the run asks for it
(``run --repair-excel``), and flags every person with a repaired row (``excel_repaired``).

Recoverable, and only then:

- a ``CNT_ORDER`` of 9 to 11 digits: left-padded to 12, when the result has the fixed
  structure (cycle, step and count of three digits each, then ``000``) and agrees with the
  row's ``CYC_ORDER`` and ``STP_ORDER`` where they hold numbers;
- a date column whose every date is in one Excel format (``M/D/YYYY``, ``D/M/YYYY``,
  ``YYYY-MM-DD``, ``D.M.YYYY``), read the one way that makes every date of the column a
  calendar date; mixed formats, two-digit years, or day and month that could be either
  way round are reported and not repaired;
- a ``;``-separated file whose header (or first row) has the DOJ width with ``;`` and no
  line of which has that width with ``,``.

Never repaired: scientific notation, and identifiers (``SUBJECT_ID``, ``CII_NUMBER``) that
may have lost leading zeros (how many is unknown). Messages carry column names and counts
only, never a value of the file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cmr_reason.facts.doj import columns as col

#: The person flag of a history with a row repaired from Excel damage (docs/facts.md).
EXCEL_REPAIRED = "excel_repaired"
#: Lines a run samples from a file it does not repair, to warn of Excel damage cheaply.
SAMPLE_LINES = 2000

# Kinds of damage (stable codes: the manifest records them).
SEPARATOR = "semicolon_separated"
ZEROS = "leading_zeros_stripped"
ZEROS_POSSIBLE = "leading_zeros_possibly_stripped"
SCIENTIFIC = "scientific_notation"
DATE_FORMAT = "excel_date_format"

#: The date columns the reader parses.
DATE_COLUMNS = ("PRI_DOB", "CYC_DATE", "STP_EVENT_DATE", "DISP_DATE")
#: Identifiers and case numbers whose leading zeros, once stripped, cannot be restored.
ID_COLUMNS = ("SUBJECT_ID", "CII_NUMBER", "OFN", "FE_NUM_CRT_CASE")
_CYC_ORDER, _STP_ORDER = col.INDEX["CYC_ORDER"], col.INDEX["STP_ORDER"]
_DATE_SLOTS = tuple((name, col.INDEX[name]) for name in DATE_COLUMNS)
_ID_SLOTS = tuple((name, col.INDEX[name]) for name in ID_COLUMNS)
_CNT_DIGITS = 12
_SHORTEST_CNT = 9  # a 12-digit count order loses at most three leading zeros in practice
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?E[+-]\d+", re.IGNORECASE)
# Excel date formats: (name, pattern, positions of year, first and second number).
_SLASH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DOTS = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SHORT_YEAR = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}")
#: Format name -> (pattern, group of the year, group of the month, group of the day).
DATE_FORMATS: dict[str, tuple[re.Pattern[str], int, int, int]] = {
    "M/D/YYYY": (_SLASH, 3, 1, 2),
    "D/M/YYYY": (_SLASH, 3, 2, 1),
    "M.D.YYYY": (_DOTS, 3, 1, 2),
    "D.M.YYYY": (_DOTS, 3, 2, 1),
    "YYYY-MM-DD": (_ISO, 1, 2, 3),
}
_SHAPES = {"slash": ("M/D/YYYY", "D/M/YYYY"), "dots": ("M.D.YYYY", "D.M.YYYY"),
           "iso": ("YYYY-MM-DD",)}  # fmt: skip


def _split(text: str, separator: str) -> list[str] | None:
    """The fields of one physical line read alone, or None when it cannot be read."""
    try:
        return next(csv.reader((text,), delimiter=separator), [])
    except csv.Error:
        return None


def _fits(fields: list[str] | None, width: int) -> list[str] | None:
    """The 95 columns of a row of the file's width (see :func:`doj_columns.fits`)."""
    return None if fields is None else col.fits(fields, width)


def _line_end(text: str) -> str:
    """The line end of a physical line (CRLF, LF, CR or none)."""
    if text.endswith("\r\n"):
        return "\r\n"
    return text[-1] if text and text[-1] in "\r\n" else ""


def padded_count_order(value: str, cycle: str, step: str) -> str | None:
    """A ``CNT_ORDER`` that lost its leading zeros, restored; None when that is not certain.

    ``value`` has 9 to 11 digits; padded to 12 it must end in ``000`` (cycle, step and
    count of three digits each, then ``000``) and agree with the row's ``CYC_ORDER`` and
    ``STP_ORDER`` wherever they hold numbers (Excel stripped their zeros too).
    """
    if not _stripped_digits(value):
        return None
    full = value.zfill(_CNT_DIGITS)
    if not full.endswith("000"):
        return None
    for number, part in ((cycle.strip(), full[:3]), (step.strip(), full[3:6])):
        if number.isascii() and number.isdigit() and int(number) != int(part):
            return None
    return full


def _stripped_digits(value: str) -> bool:
    """True for 9 to 11 digits not starting with 0: a number as Excel writes it back."""
    return (
        _SHORTEST_CNT <= len(value) < _CNT_DIGITS
        and value.isascii()
        and value.isdigit()
        and value[0] != "0"
    )


def _date(match: re.Match[str], year: int, month: int, day: int) -> str | None:
    """``YYYYMMDD`` of the match's groups, or None when they are not a calendar date."""
    try:
        value = dt.date(int(match[year]), int(match[month]), int(match[day]))
    except ValueError:
        return None
    return f"{value:%Y%m%d}"


@lru_cache(maxsize=1 << 16)
def _yyyymmdd(text: str) -> bool:
    """True when 8 digits are a calendar date."""
    try:
        dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return True


def convert_date(text: str, form: str) -> str | None:
    """``text`` in the date format ``form`` as ``YYYYMMDD``; None when it is not one."""
    pattern, year, month, day = DATE_FORMATS[form]
    match = pattern.fullmatch(text)
    return None if match is None else _date(match, year, month, day)


@dataclass(frozen=True)
class ExcelRepair:
    """How to read one file that Excel damaged: what the reader undoes, row by row.

    Built by :meth:`FileScan.repair` from a whole file's scan (never from a sample), and
    recorded in the run's manifest (:meth:`to_dict`), from which commands that re-read the
    run's input build it again (:meth:`from_dict`).
    """

    separator: str = ","
    cnt_order: bool = False
    dates: tuple[tuple[str, str], ...] = ()  # (column, format of DATE_FORMATS)

    def __bool__(self) -> bool:
        return self.separator != "," or self.cnt_order or bool(self.dates)

    def line(self, text: str) -> str:
        """One physical line as a comma-separated line (unchanged unless ``;``-separated).

        A line that cannot be read with ``;`` is left as it is: the reader rejects it.
        """
        if self.separator == ",":
            return text
        fields = _split(text, self.separator)
        if fields is None:
            return text
        out = io.StringIO()
        csv.writer(out, lineterminator=_line_end(text)).writerow(fields)
        return out.getvalue()

    def lines(self, lines: Iterable[str]) -> Iterable[str]:
        """Physical lines as the reader takes them (see :meth:`line`)."""
        if self.separator == ",":
            return lines
        return map(self.line, lines)

    def row(self, row: list[str]) -> bool:
        """Undo the damage in one row of 95 fields, in place; True when anything changed."""
        changed = False
        if self.cnt_order:
            index = col.CNT_ORDER
            full = padded_count_order(row[index].strip(), row[_CYC_ORDER], row[_STP_ORDER])
            if full is not None:
                row[index] = full
                changed = True
        for name, form in self.dates:
            index = col.INDEX[name]
            value = convert_date(row[index].strip(), form)
            if value is not None:
                row[index] = value
                changed = True
        return changed

    def to_dict(self) -> dict[str, Any]:
        """The repair as the manifest records it."""
        return {
            "separator": self.separator,
            "cnt_order": self.cnt_order,
            "dates": {name: form for name, form in self.dates},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExcelRepair:
        """The repair a manifest recorded (:meth:`to_dict`)."""
        dates = data.get("dates") or {}
        return cls(
            separator=str(data.get("separator") or ","),
            cnt_order=bool(data.get("cnt_order")),
            dates=tuple(sorted((str(k), str(v)) for k, v in dates.items() if v in DATE_FORMATS)),
        )


@dataclass(frozen=True)
class Finding:
    """One kind of Excel damage in one column (``column`` "" for the whole file)."""

    column: str
    kind: str
    rows: int
    repairable: bool
    detail: str = ""  # the date format, or why it cannot be repaired

    def to_dict(self) -> dict[str, Any]:
        """The finding as the manifest records it."""
        found = {"column": self.column, "kind": self.kind, "rows": self.rows,
                 "repairable": self.repairable}  # fmt: skip
        if self.detail:
            found["detail"] = self.detail
        return found

    def words(self, repairing: bool) -> str:
        """The finding in plain words (column names and counts only), and what is done."""
        rows = f"{self.rows:,} row{'s' if self.rows != 1 else ''}"
        what, certain = {
            SEPARATOR: (
                "separated by ';', not ',' (Excel saves CSV so where the list separator is ';')",
                "its first line has the DOJ width with ';', and no line has it with ','",
            ),
            ZEROS: (
                f"{self.column} lost its leading zeros in {rows} (Excel read it as a number: "
                "001001001000 became 1001001000)"
                if self.repairable
                else f"{self.column} has 9 to 11 digits in {self.rows:,} more "
                f"row{'s' if self.rows != 1 else ''}",
                "a count order is 12 digits ending in 000",
            ),
            ZEROS_POSSIBLE: (
                f"{self.column} was read as a number: {rows} hold a shorter value than the "
                "longest, so some may have lost leading zeros",
                "",
            ),
            SCIENTIFIC: (
                f"{self.column} is in scientific notation in {rows} (Excel writes numbers of "
                "12 or more digits so: 1.01001E+11)",
                "",
            ),
            DATE_FORMAT: (
                f"{self.column} holds dates in an Excel date format"
                f"{' (' + self.detail + ')' if self.repairable else ''}, not YYYYMMDD, in {rows}",
                "every date of the column is in that one format",
            ),
        }[self.kind]
        if self.repairable:
            return f"{what}: {'repaired' if repairing else 'repairable'} ({certain})"
        return f"{what}: cannot be repaired ({self.why()})"

    def why(self) -> str:
        """Why the damage cannot be undone without guessing."""
        if self.kind == SEPARATOR:
            return f"{self.detail}: mixed separators"
        if self.kind == ZEROS:
            return (
                "padded to 12 digits they do not end in 000 or do not agree with CYC_ORDER "
                "and STP_ORDER; the rows are rejected"
            )
        if self.kind == ZEROS_POSSIBLE and self.column in ("OFN", "FE_NUM_CRT_CASE"):
            return (
                "how many zeros were lost is unknown: check the case numbers against the "
                "court's records before filing"
            )
        if self.kind == ZEROS_POSSIBLE:
            return "how many zeros were lost is unknown; the values may not match the DOJ's"
        if self.kind == SCIENTIFIC:
            return "the digits are lost"
        return self.detail


@lru_cache(maxsize=1 << 16)
def _date_shape(text: str) -> tuple[str, tuple[str, ...]]:
    """How a date value is written, and the formats of its shape in which it is no date.

    The shape is "" (blank, zeros, ``NULL`` or no date at all), ``native`` (a ``YYYYMMDD``
    calendar date), ``short_year``, or one of :data:`_SHAPES` (``slash``, ``dots``, ``iso``).
    """
    if not text or not text.strip("0") or text == "NULL":
        return "", ()
    if len(text) == 8 and text.isdigit():
        return ("native" if _yyyymmdd(text) else ""), ()  # an impossible one is no date
    for shape, forms in _SHAPES.items():
        if DATE_FORMATS[forms[0]][0].fullmatch(text):
            return shape, tuple(form for form in forms if convert_date(text, form) is None)
    return ("short_year" if _SHORT_YEAR.fullmatch(text) else ""), ()


@dataclass
class _DateColumn:
    """What a scan saw in one date column."""

    native: int = 0  # valid YYYYMMDD dates
    short_year: int = 0
    shapes: Counter[str] = field(default_factory=Counter)  # slash, dots, iso: values seen
    invalid: Counter[str] = field(default_factory=Counter)  # format -> values not a date

    def add(self, text: str) -> None:
        shape, invalid = _date_shape(text)
        if not shape:
            return
        if shape == "native":
            self.native += 1
        elif shape == "short_year":
            self.short_year += 1
        else:
            self.shapes[shape] += 1
            for form in invalid:
                self.invalid[form] += 1

    def finding(self, name: str) -> Finding | None:
        excel = sum(self.shapes.values())
        if not excel and not self.short_year:
            return None
        rows = excel + self.short_year
        if self.short_year:
            why = "two-digit years: the century is lost"
        elif len(self.shapes) > 1 or self.native:
            why = "the column mixes date formats"
        else:
            (shape,) = self.shapes
            valid = [form for form in _SHAPES[shape] if not self.invalid[form]]
            if len(valid) == 1:
                return Finding(name, DATE_FORMAT, rows, True, valid[0])
            why = (
                "day and month could be either way round"
                if valid
                else "some values are not calendar dates"
            )
        return Finding(name, DATE_FORMAT, rows, False, why)


@dataclass
class FileScan:
    """What a scan found in one file: its separator and the damage by column."""

    path: str
    separator: str
    lines: int  # data lines scanned
    complete: bool  # the whole file (a sample cannot make a repair)
    findings: list[Finding]

    @property
    def damaged(self) -> bool:
        """True when anything of Excel's was found."""
        return bool(self.findings)

    def repair(self) -> ExcelRepair | None:
        """What the reader can undo without guessing; None when nothing (or from a sample)."""
        if not self.complete:
            return None
        separator = ","
        cnt = False
        dates = []
        for found in self.findings:
            if not found.repairable:
                continue
            if found.kind == SEPARATOR:
                separator = ";"
            elif found.kind == ZEROS:
                cnt = True
            elif found.kind == DATE_FORMAT:
                dates.append((found.column, found.detail))
        plan = ExcelRepair(separator, cnt, tuple(sorted(dates)))
        return plan if plan else None

    def repairable(self) -> bool:
        """True when some damage can be repaired."""
        return any(f.repairable for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The scan as the manifest records it."""
        return {
            "path": self.path,
            "separator": self.separator,
            "lines_scanned": self.lines,
            "whole_file": self.complete,
            "findings": [f.to_dict() for f in self.findings],
        }

    def message(self, repairing: bool) -> str:
        """The findings in plain words: a line, one line a finding, and what to do."""
        seen = "" if self.complete else f" (in its first {self.lines:,} lines)"
        lines = [f"{self.path} looks opened and saved again in Excel{seen}:"]
        lines += [f"- {found.words(repairing)}" for found in self.findings]
        lost = not all(found.repairable for found in self.findings)
        if repairing:
            lines.append(
                "Every person with a repaired row is flagged excel_repaired; manifest.json "
                "lists the repairs (excel_repair)."
            )
        elif self.repairable():
            lines.append(
                "Run with --repair-excel to repair what is certain (each person with a "
                "repaired row is flagged), or re-export the file from the DOJ extract."
            )
        if lost:
            lines.append(
                "What cannot be repaired needs the original: re-export the file from the DOJ "
                "extract and do not save it from Excel (import it with every column as Text "
                "to look at it)."
            )
        return "\n".join(lines)


def _first_line(first: str) -> tuple[str, int, bool]:
    """The file's separator, the width of its rows and whether its first line is a header."""
    for separator in (",", ";"):
        fields = _split(first, separator)
        if not fields:
            continue
        if col.is_header(fields) and len(fields) in (col.FIELD_COUNT, col.FIELD_COUNT + 1):
            return separator, len(fields), True
        if len(fields) == col.FIELD_COUNT:
            return separator, col.FIELD_COUNT, False
    return ",", col.FIELD_COUNT, False


@dataclass
class _Counts:
    """What a scan counts, line by line."""

    comma_lines: int = 0  # lines of a ';' file that have the width with ','
    cnt_ok: int = 0
    cnt_bad: int = 0
    scientific: Counter[str] = field(default_factory=Counter)
    dates: dict[str, _DateColumn] = field(
        default_factory=lambda: {name: _DateColumn() for name in DATE_COLUMNS}
    )
    id_lengths: dict[str, Counter[int]] = field(
        default_factory=lambda: {name: Counter() for name in ID_COLUMNS}
    )

    def row(self, row: list[str], text: str) -> None:
        cnt = row[col.CNT_ORDER].strip()
        if _stripped_digits(cnt):
            if padded_count_order(cnt, row[_CYC_ORDER], row[_STP_ORDER]) is None:
                self.cnt_bad += 1
            else:
                self.cnt_ok += 1
        dates = self.dates
        for name, index in _DATE_SLOTS:
            value = row[index]
            if value:
                dates[name].add(value.strip())
        lengths = self.id_lengths
        for name, index in _ID_SLOTS:
            value = row[index].strip()
            if value.isdigit() and value.isascii():
                lengths[name][len(value)] += 1
        if "E+" in text or "e+" in text:  # rare: only then look at each field
            for index, value in enumerate(row):
                if _SCIENTIFIC.fullmatch(value.strip()):
                    self.scientific[col.COLUMNS[index]] += 1

    def findings(self, separator: str, lines: int) -> list[Finding]:
        found = []
        if separator == ";":
            mixed = f"{self.comma_lines:,} lines are separated by ','"
            found.append(
                Finding("", SEPARATOR, lines, not self.comma_lines, mixed * bool(self.comma_lines))
            )
        if self.cnt_ok:
            found.append(Finding("CNT_ORDER", ZEROS, self.cnt_ok, True))
        if self.cnt_bad and self.cnt_ok:  # other short values, where Excel stripped zeros
            found.append(Finding("CNT_ORDER", ZEROS, self.cnt_bad, False))
        for name in DATE_COLUMNS:
            date = self.dates[name].finding(name)
            if date is not None:
                found.append(date)
        found += [Finding(name, SCIENTIFIC, n, False) for name, n in self.scientific.items()]
        if found:  # other damage shows Excel read the file: identifiers lost their zeros too
            for name, lengths in self.id_lengths.items():
                longest = max(lengths, default=0)
                short = sum(n for length, n in lengths.items() if length < longest)
                if short:
                    found.append(Finding(name, ZEROS_POSSIBLE, short, False))
        return sorted(found, key=_finding_order)


def _finding_order(found: Finding) -> tuple[int, int, str]:
    """The whole file first, then columns in file order, repairable first."""
    position = col.INDEX.get(found.column, -1)
    return position, not found.repairable, found.kind


def scan_lines(name: str, lines: Iterable[str], limit: int | None = None) -> FileScan:
    """Scan decoded physical lines (with their ends) of the file ``name``."""
    source = iter(lines)
    first = next(source, "")
    separator, width, header = _first_line(first)
    if not header:
        source = _chain(first, source)
    counts = _Counts()
    scanned = 0
    complete = True
    for text in source:
        if limit is not None and scanned >= limit:
            complete = False
            break
        scanned += 1
        row = _fits(_split(text, separator), width)
        if row is None:
            if separator == ";" and _fits(_split(text, ","), width) is not None:
                counts.comma_lines += 1
            continue
        counts.row(row, text)
    return FileScan(name, separator, scanned, complete, counts.findings(separator, scanned))


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def scan_file(path: Path, encoding: str = "utf-8", limit: int | None = None) -> FileScan:
    """Scan one DOJ file in ``encoding`` (a UTF-8 byte order mark is skipped); ``limit`` lines.

    A file that cannot be read or decoded gives what was scanned before the problem, as
    a partial scan (no repair); the read itself reports the problem.
    """
    stopped: list[bool] = []
    try:
        codec = codecs.lookup(encoding).name
        codec = "utf-8-sig" if codec in ("utf-8", "utf-8-sig") else codec
        with path.open("r", encoding=codec, newline="") as handle:
            found = scan_lines(str(path), _until_error(handle, stopped), limit)
    except (OSError, LookupError):
        return FileScan(str(path), ",", 0, False, [])
    if stopped:
        found.complete = False
    return found


def _until_error(handle: Iterable[str], stopped: list[bool]) -> Iterator[str]:
    """The handle's lines up to one that cannot be decoded (then ``stopped`` is set)."""
    try:
        yield from handle
    except UnicodeError:
        stopped.append(True)
