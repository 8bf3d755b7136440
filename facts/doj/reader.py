"""Read DOJ bulk criminal-history files (``docs/doj-format.md``) into histories and a row account.

Files are streamed one physical line a record (:mod:`~cmr_reason.facts.doj.lines`: a damaged
line is rejected alone); each row is validated, counted (used, irrelevant or rejected, see
:mod:`~cmr_reason.facts.doj.accounting`) and, when used, kept as a compact tuple under its
``SUBJECT_ID``. A rejected row marks the record of the subject it names (or, naming none, of
the subjects whose rows show a CII number it holds) as incomplete. Histories are built lazily, one
subject at a time, sorted by subject id. A rejected row never stops the other rows; only an
unreadable file raises :class:`UserError`. Messages carry file names, line numbers and subject
ids only.

Reading a row has two steps: *routing* (field count, subject id, step type: rows that belong
to no subject are accounted for at once) and *using* (validating and keeping the row in its
subject's record). :func:`read_doj` does both at once and holds every subject in memory.
The bulk run uses :func:`~cmr_reason.facts.doj.stream.stream_doj` instead: it routes the
rows, keeps each routed row as one compact string of the columns a history needs, spills them
to sorted temporary run files above a memory budget, and yields subjects in id order; the
*using* step then runs per subject (in a worker) over that subject's rows in file order, which
gives the same subjects and the same row account as :func:`read_doj`
(``tests/test_doj_stream.py``).
"""

from __future__ import annotations

import codecs
import csv
import io
import pickle
import re
import shutil
import tempfile
import weakref
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress, count, groupby, islice, repeat
from operator import add, eq, itemgetter, mul, ne
from pathlib import Path
from sys import intern
from typing import Any, Final, Protocol, TypeVar

from cmr_reason.facts.charge_normaliser import normalise_charge
from cmr_reason.facts.dates import from_yyyymmdd
from cmr_reason.facts.doj import columns as col
from cmr_reason.facts.doj import vocabulary as vocab
from cmr_reason.facts.doj.accounting import FileAccount, RowAccount
from cmr_reason.facts.doj.excel_damage import EXCEL_REPAIRED, ExcelRepair
from cmr_reason.facts.doj.history_builder import build_history
from cmr_reason.facts.doj.lines import Record, parse_line, records
from cmr_reason.facts.doj.rows import IDENTITY_FIELDS, ArrestRow, CourtRow, EventRow, Subject
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.history import History
from cmr_reason.facts.private_files import open_private_binary

_SNIFF_BYTES = 1 << 16
# The module's constants are ``Final``: compiled by mypyc, a literal is then inlined and any
# other value kept in a C static, where a plain module name is looked up in the module's
# dict at each use (tests/bench/analysis.md, issue 18's ninth round).
_SEE_COMMENT: Final = "SEE COMMENT FOR CHARGE"
# Routed to be rejected in the using step (its subject flagged).
_UNKNOWN_STEP: Final = "unknown_step"
_LEVELS: Final = {"FELONY": "felony", "MISDEMEANOR": "misdemeanor", "INFRACTION": "infraction"}
_TOC_LEVELS: Final = {"F": "felony", "M": "misdemeanor", "I": "infraction"}
_UNITS: Final = {"D": "day", "M": "month", "Y": "year"}
_SENTENCE_KINDS: Final = ("probation", "jail", "prison", "fine")
_BAD: Final = -1  # marks a malformed date
_REPAIRED: Final = "+"  # before a routed row's kind: a value of the row was repaired (excel_damage)
#: The person flag of a record holding a partial date (:func:`partial_date`).
PARTIAL_DATE: Final = "partial_date"
#: Each input file's Excel repair (``run --repair-excel``), by position; None: none.
Repairs = Sequence[ExcelRepair | None]

# The columns the *using* step reads, in this order: a kept row is projected onto them.
_KEPT_COLUMNS = (
    "PRI_NAME", "PRI_DOB", "GENDER", "RACE_DESCR", "RACE_CODE", "CII_NUMBER", "CYC_DATE",
    "STP_EVENT_DATE", "STP_ORI_CODE", "STP_ORI_DESCR", "STP_ORI_CNTY_NAME", "CNT_ORDER",
    "DISP_DATE", "OFN", "OFFENSE_DESCR", "OFFENSE_TOC", "CONV_OFFENSE_DESCR", "CONV_OFFENSE_TOC",
    "FE_NUM_CRT_CASE", "DISP_DESCR", "CONV_STAT_DESCR", "SENT_ORDER", "SENT_LOC_DESCR",
    "SENT_LENGTH", "SENT_TIME_CODE", "COMMENT_TEXT",
)  # fmt: skip
_KEPT_INDEX: Final = tuple(col.INDEX[name] for name in _KEPT_COLUMNS)
_project: Final = itemgetter(*_KEPT_INDEX)


class _K:
    """Positions in a projected row (``_KEPT_COLUMNS``, in its order: tests/test_compiled.py).

    One ``Final`` constant a line, which mypyc compiles to the integer itself.
    """

    PRI_NAME: Final = 0
    PRI_DOB: Final = 1
    GENDER: Final = 2
    RACE_DESCR: Final = 3
    RACE_CODE: Final = 4
    CII_NUMBER: Final = 5
    CYC_DATE: Final = 6
    STP_EVENT_DATE: Final = 7
    STP_ORI_CODE: Final = 8
    STP_ORI_DESCR: Final = 9
    STP_ORI_CNTY_NAME: Final = 10
    CNT_ORDER: Final = 11
    DISP_DATE: Final = 12
    OFN: Final = 13
    OFFENSE_DESCR: Final = 14
    OFFENSE_TOC: Final = 15
    CONV_OFFENSE_DESCR: Final = 16
    CONV_OFFENSE_TOC: Final = 17
    FE_NUM_CRT_CASE: Final = 18
    DISP_DESCR: Final = 19
    CONV_STAT_DESCR: Final = 20
    SENT_ORDER: Final = 21
    SENT_LOC_DESCR: Final = 22
    SENT_LENGTH: Final = 23
    SENT_TIME_CODE: Final = 24
    COMMENT_TEXT: Final = 25


_person_fields: Final = itemgetter(
    _K.PRI_NAME, _K.PRI_DOB, _K.GENDER, _K.RACE_DESCR, _K.RACE_CODE, _K.CII_NUMBER
)
_FIELD_SEP: Final = "\x1f"  # joins a projected row into one string (rows holding it stay tuples)
_PART_SEP: Final = "\x1e"
# A row whose first field holds it may be a header (is_header).
_HEADER_MARK: Final = col.HEADER_MARK
_opens: Final = str.startswith  # a line that starts with a quote opens a field there
# A step type not yet looked up (by identity: of a variable-length tuple type, so that mypyc
# keeps it one object, not a pair unboxed and boxed anew at each use).
_MISSING: Final[tuple[str, ...]] = ("", "")
# A NamedTuple row made from all its values at once, without its Python-level __new__.
_new_row: Final[Callable[..., Any]] = tuple.__new__
_COURT_ROW: Final[type[CourtRow]] = CourtRow
_ARREST_ROW: Final[type[ArrestRow]] = ArrestRow
_C = TypeVar("_C")


class _RowError(Exception):
    """A row that cannot be used: the reason code and a detail without personal data.

    ``value`` is the unknown input value that caused it, for ``rejects.csv`` only.
    """

    def __init__(
        self, reason: str, detail: str = "", subject_id: str = "", value: str = ""
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.subject_id = subject_id
        self.value = value


#: :func:`parse_date`'s answers by text (0 for None), emptied when it reaches ``_DATES_MAX``.
#: A plain dict, not ``lru_cache``: compiled, a hit is a dict look-up instead of a call
#: through the cache's wrapper (tests/bench/analysis.md, issue 18's seventh round).
_DATES: Final[dict[str, int]] = {}
_DATES_MAX: Final = 1 << 16


def parse_date(text: str) -> int | None:
    """``YYYYMMDD`` text as an integer; None when blank or all zeros; ``-1`` when malformed."""
    known = _DATES.get(text)
    if known is not None:
        return known if known else None
    value = _parse_date(text)
    if len(_DATES) >= _DATES_MAX:
        _DATES.clear()
    _DATES[text] = 0 if value is None else value  # no date is 0: "00000000" is None
    return value


def _parse_date(text: str) -> int | None:
    """:func:`parse_date`, not cached."""
    if not text or not text.strip("0"):
        return None
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return _BAD
    value = int(text)
    day = value % 100
    if day > 28 or day == 0:  # rare: only then can the day or month be out of range
        try:
            from_yyyymmdd(value)
        except ValueError:
            return _BAD
        return value
    month = value // 100 % 100
    if month == 0 or month > 12 or value < 10000:  # month or year 0 (from_yyyymmdd refuses)
        return _BAD
    return value


def _quotes_paired(text: str) -> bool:
    """True when each quote of ``text`` (whole lines) opens a field or closes the one opened.

    That is: the quotes pair up, each pair in one line, its first after a comma or at a
    line's start, its second right after the first or after anything but a comma. Then
    every line has twice as many quotes as ``,"`` and a leading quote count openings, which
    is the quote test of :meth:`FileReader._route_lines` (and of ``records``): it holds for
    every line, so that test is skipped. A quote a pair at a time (``str.find``, in C),
    where the test counts through every character of every line three times.
    """
    at = text.find('"')  # text.find called as such: compiled, a C call (not a bound method)
    while at >= 0:
        if at and text[at - 1] != "," and text[at - 1] != "\n":
            return False  # not an opening
        close = text.find('"', at + 1)
        if close < 0 or (close - 1 != at and text[close - 1] == ","):
            return False  # never closed, or a closing that the test counts as an opening
        if text.find("\n", at + 1, close) >= 0:
            return False  # the pair is not in one line
        at = text.find('"', close + 1)
    return True


def _plain_fields(text: str, limit: int) -> list[str] | None:
    """The fields :mod:`csv` reads in one line (strict, the default dialect); None: not plain.

    A plain line (without its line feed; a carriage return may end it) is split at its
    commas, each quoted field kept whole: every quote opens a field (at the line's start or
    after a comma) or closes it (before a comma or the line's end), no quote is doubled, no
    carriage return is inside, and the line is no longer than ``limit``
    (:func:`csv.field_size_limit`). Compiled, a few splits in C where :mod:`csv` takes each
    character through its state machine and makes each field from a buffer of its own.
    ``tests/test_reading_fast_paths.py`` compares both on random lines.
    """
    if text.endswith("\r"):
        text = text[:-1]
    if not text or len(text) > limit or "\r" in text:
        return None
    if '"' not in text:
        return text.split(",")
    pieces = text.split('"')  # outside, quoted, outside, ... when the quotes pair up
    last = len(pieces) - 1
    if last % 2:
        return None  # an odd number of quotes
    fields: list[str] = []
    for k in range(0, last + 1, 2):
        outside = pieces[k].split(",")
        if k == 0:  # the line's start: up to a comma (or nothing) before the first quote
            if outside[-1]:
                return None
            del outside[-1]
        elif k == last:  # after the last quote: a comma (or nothing) first
            if outside[0]:
                return None
            del outside[0]
        else:  # between a closing and an opening quote: commas at both ends
            if len(outside) < 2 or outside[0] or outside[-1]:
                return None
            del outside[-1]
            del outside[0]
        fields += outside
        if k < last:
            fields.append(pieces[k + 1])
    return fields


def _date_detail(text: str) -> str:
    """What is wrong with a date, without its value (it may be a birth date or a name)."""
    if len(text) == 8 and text.isdigit():
        return "8 digits but not a calendar date"
    return f"{len(text)} characters, not YYYYMMDD"


#: The kind of a routed row that stands for a rejected line of its subject (no fields).
REJECTED: Final = "rejected"


def line_subject(raw: Sequence[str]) -> str:
    """The subject a damaged line names: its third field, if that can be an id, else blank.

    A line rejected for its shape (a wrong field count, an open quote) still names its
    subject when the damage comes after ``SUBJECT_ID``; when it comes before, the third
    field holds something else, or nothing, and the line is nobody's.
    """
    if len(raw) <= col.SUBJECT_ID:
        return ""
    sid = raw[col.SUBJECT_ID].strip()
    return sid if sid != "NULL" and sid.isprintable() else ""


#: Where a subject's CII number is in its identity (doj_rows.IDENTITY_FIELDS).
CII_IDENTITY = [name for name, _ in IDENTITY_FIELDS].index("cii")

#: Rejected lines that name no subject, by the CII number they hold: ``{cii: ((file, line),)}``.
Orphans = dict[str, tuple[tuple[int, int], ...]]


def orphan_key(raw: list[str], width: int) -> str:
    """The CII number of a rejected line that names no subject, when its columns can be told.

    A row whose ``SUBJECT_ID`` is blank (or damaged) but whose fields are where they belong
    still carries the person's CII number: the line is given to the subject whose rows
    show that number (:func:`attach_orphans`). A line of the wrong width gives nothing.
    """
    row = col.fits(raw, width)
    if row is None:
        return ""
    cii = row[col.CII_NUMBER].strip()
    return cii if cii and cii != "NULL" and cii.isprintable() else ""


#: A CII number standing alone in a line whose fields are out of place: a letter and 8 or 9
#: digits, or 9 or 10 digits (docs/doj-format.md; 8 digits alone could be a date or an id).
_CII_SHAPE = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z][0-9]{8,9}|[0-9]{9,10})(?![A-Za-z0-9])")


def orphan_keys(raw: list[str], width: int) -> tuple[str, ...]:
    """The CII numbers by which a rejected line that names no subject is given to people.

    A line whose fields are in place gives its ``CII_NUMBER`` (:func:`orphan_key`). A line
    whose fields are not (its start lost, another separator) gives every CII-shaped token
    in it: the line goes to each subject whose rows show one of them. One person too many
    gets a ``review``; a line given to no one would leave its person decided on a record
    that lost a row.
    """
    if col.fits(raw, width) is not None:
        key = orphan_key(raw, width)
        return (key,) if key else ()
    return tuple(sorted(set(_CII_SHAPE.findall("\0".join(raw)))))


def attach_orphans(
    subject: Subject, orphans: Orphans, sid: str = "", accounts: Sequence[FileAccount] = ()
) -> None:
    """Mark the subject's record incomplete with the rejected lines that hold its CII number.

    With ``accounts`` (the read's, one a file), each line is noted there as given to ``sid``.
    """
    cii = subject.identity[CII_IDENTITY]
    for file, line in orphans.get(cii, ()) if cii else ():
        subject.mark_rejected(file, line)
        if accounts:
            accounts[file].give(line, sid)


def _value(row: Sequence[str], index: int) -> str:
    """A stripped field; the literal ``NULL`` counts as blank."""
    text = row[index].strip()
    return "" if text == "NULL" else text


def _clean(fields: Iterable[str]) -> list[str]:
    """Projected fields stripped, the literal ``NULL`` as blank (what ``_value`` gives)."""
    cleaned = list(map(str.strip, fields))
    if "NULL" in cleaned:  # rare: only then look at each field
        return ["" if text == "NULL" else text for text in cleaned]
    return cleaned


def partial_date(text: str) -> bool:
    """A ``YYYYMMDD`` date whose day, or month and day, are zeros: ``19850300``, ``19850000``.

    The year (and month) are known, the day is not: the date is missing, never completed
    by a guess (docs/facts.md "How DOJ rows become a history").
    """
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return False
    value = int(text)
    return value // 10000 > 0 and value % 100 == 0 and value // 100 % 100 <= 12


def _dates(row: list[str], subject: Subject | None, *columns: int) -> list[int | None]:
    """Parse date columns of a projected row, raising ``bad_date:<COLUMN>`` on a bad one.

    A partial date (:func:`partial_date`) is missing, and flags ``subject``
    (``partial_date``); without a subject it is bad too.
    """
    found = []
    for index in columns:
        text = row[index]
        value = parse_date(text)
        if value == _BAD:
            if subject is None or not partial_date(text):
                raise _RowError(f"bad_date:{_KEPT_COLUMNS[index]}", _date_detail(text))
            subject.flags.add(PARTIAL_DATE)
            value = None
        found.append(value)
    return found


def _is_see_comment(text: str) -> bool:
    """``text.upper() == _SEE_COMMENT``, without upper-casing a longer text.

    ``str.upper`` never shortens a text (each character becomes one to three), so a text
    longer than the marker is never it: most charge texts are.
    """
    return len(text) <= len(_SEE_COMMENT) and text.upper() == _SEE_COMMENT


def _count_order(row: list[str]) -> str:
    cnt = row[_K.CNT_ORDER]
    if len(cnt) != 12 or not cnt.isascii() or not cnt.isdigit():
        raise _RowError("bad_cnt_order", f"CNT_ORDER has {len(cnt)} characters, not 12 digits")
    return cnt


def _charge_text(row: list[str]) -> tuple[str, str]:
    """The charge text and its column (docs/doj-format.md "How rows become a history").

    The offence of conviction wins; when it reads ``SEE COMMENT FOR CHARGE``, the offence
    of conviction is the comment, never the charged offence (``OFFENSE_DESCR``).
    """
    text = row[_K.CONV_OFFENSE_DESCR]
    if text:
        if not _is_see_comment(text):
            return text, "CONV_OFFENSE_DESCR"
        return row[_K.COMMENT_TEXT], "COMMENT_TEXT"
    text = row[_K.OFFENSE_DESCR]
    if text and not _is_see_comment(text):
        return text, "OFFENSE_DESCR"
    return row[_K.COMMENT_TEXT], "COMMENT_TEXT"


def _charged_text(row: list[str]) -> str:
    """The charged offence's text: ``OFFENSE_DESCR``, or the comment it sends to."""
    text = row[_K.OFFENSE_DESCR]
    return text if text and not _is_see_comment(text) else row[_K.COMMENT_TEXT]


def _same_offence(first: str, second: str) -> bool:
    """Two charge texts name the same offence (body, section, subsections, attempt)."""
    if " ".join(first.upper().split()) == " ".join(second.upper().split()):
        return True
    a, b = normalise_charge(first), normalise_charge(second)
    return a.parsed and (a.body, a.section, a.subsections, a.attempt, a.conspiracy) == (
        b.body,
        b.section,
        b.subsections,
        b.attempt,
        b.conspiracy,
    )


def _level(row: list[str], charge: str) -> tuple[str | None, str]:
    """The level at conviction, and a flag when the row does not settle it.

    ``charge`` is the row's charge text (:func:`_charge_text`). ``CONV_STAT_DESCR`` when
    it is FELONY, MISDEMEANOR or INFRACTION. A status written but not one of those
    (``F/M``) is not replaced by a type of crime: no level, flag
    ``conviction_status_unrecognised``. A blank status: the type of crime of the offence
    of conviction (``CONV_OFFENSE_TOC``), or ``OFFENSE_TOC`` when the charged offence is the
    one convicted; the charged offence's type is not the level of another offence (a plea
    to a lesser one): no level, flag ``type_of_charged_offence_not_used``
    (docs/doj-format.md "Felony or misdemeanor").
    """
    status = row[_K.CONV_STAT_DESCR].upper()
    if status in _LEVELS:
        return _LEVELS[status], ""
    if status:
        return None, "conviction_status_unrecognised"
    convicted = row[_K.CONV_OFFENSE_DESCR]
    if convicted:
        toc = row[_K.CONV_OFFENSE_TOC].upper()
        if toc:
            return _TOC_LEVELS.get(toc), ""
        toc = row[_K.OFFENSE_TOC].upper()
        if toc and not _same_offence(charge, _charged_text(row)):
            return None, "type_of_charged_offence_not_used"
        return _TOC_LEVELS.get(toc), ""
    return _TOC_LEVELS.get(row[_K.OFFENSE_TOC].upper()), ""


#: :func:`_disposition`'s answers by text, emptied when it reaches ``_DISPOSITIONS_MAX``.
_DISPOSITIONS: Final[dict[str, tuple[str, ...] | None]] = {}
_DISPOSITIONS_MAX: Final = 1 << 12


def _disposition(text: str) -> tuple[str, ...] | None:
    """:func:`~cmr_reason.facts.doj.vocabulary.disposition`, its answers kept in a plain dict.

    Compiled, a known value is a dict look-up, where ``lru_cache`` is a call through its
    wrapper (``vocabulary`` is not compiled).
    """
    known = _DISPOSITIONS.get(text, _MISSING)
    if known is not _MISSING:
        return known
    found = vocab.disposition(text)
    if len(_DISPOSITIONS) >= _DISPOSITIONS_MAX:
        _DISPOSITIONS.clear()
    _DISPOSITIONS[text] = found
    return found


#: A sentence part's kind, length and unit (kind empty when there is none).
Sentence = tuple[str, int | None, str | None]
#: :func:`_sentence_of`'s answers by its three texts, emptied when it reaches
#: ``_SENTENCES_MAX``: a plain dict, as ``_DATES`` (a row that raises is not kept).
_SENTENCES: Final[dict[tuple[str, str, str], Sentence]] = {}
_SENTENCES_MAX: Final = 1 << 12


def _sentence_of(where: str, length_text: str, unit_code: str) -> Sentence:
    """Kind, length and unit of a sentence part (kind empty when there is none).

    From the row's three sentence columns (a handful of values repeat: kept by them).
    """
    key = (where, length_text, unit_code)
    known = _SENTENCES.get(key)
    if known is not None:
        return known
    found = _sentence_part(where, length_text, unit_code)
    if len(_SENTENCES) >= _SENTENCES_MAX:
        _SENTENCES.clear()
    _SENTENCES[key] = found
    return found


def _sentence_part(where: str, length_text: str, unit_code: str) -> Sentence:
    """:func:`_sentence_of`, not cached."""
    where = where.upper()
    unit_code = unit_code.upper()
    length = None
    if length_text:
        if not (length_text.isascii() and length_text.isdigit()):
            raise _RowError("bad_sentence_length", "SENT_LENGTH is not a whole number")
        length = int(length_text)
    if unit_code and unit_code not in _UNITS:
        raise _RowError("bad_sentence_unit", "SENT_TIME_CODE is not D, M or Y")
    unit = _UNITS.get(unit_code)
    if not where and length is None:
        return "", None, None
    kind = next((k for k in _SENTENCE_KINDS if k.upper() in where), "other")
    return kind, length, unit


Sink = Callable[[str, str, int, tuple[str, ...], int], None]


@dataclass
class FileReader:
    """Reads one file: routes each row, then keeps it in its subject's record (or sinks it)."""

    path: Path
    index: int
    account: FileAccount
    subjects: dict[str, Subject]
    sink: Sink | None = None  # when set, routed rows go here instead of being used
    routed: int = 0  # rows handed to the sink
    only: frozenset[str] | None = None  # when set, keep only these subjects' rows
    seen: set[str] = field(default_factory=set)  # every subject id met, when ``only`` is set
    width: int = col.FIELD_COUNT  # fields a row of this file has (the header may add one)
    orphans: list[tuple[str, int, int]] = field(default_factory=list)  # (cii, file, line)
    repair: ExcelRepair | None = None  # Excel damage undone in each row (excel_damage)
    # Repeated values of kept rows interned (a whole-file read holds every subject); a
    # batch's using step (use_rows) holds a thousand people and does without.
    share_values: bool = True

    def read(self, lines: Iterable[Record], first: bool = True) -> None:
        """Account for every physical line (``first``: the lines begin with the file's first).

        ``lines`` come from :func:`cmr_reason.facts.doj.lines.records`: one record a
        physical line, a damaged line (an open quote, a NUL) rejected by itself.
        """
        account = self.account
        for line, raw, damage in lines:
            if first:
                first = False
                if col.is_header(raw):
                    if damage is not None:
                        raise UserError(
                            f"{account.file}: line 1 is a header that cannot be read "
                            f"({damage.reason.replace('_', ' ')})"
                        )
                    self.width = col.check_header(raw, account.file)
                    continue
            try:
                if damage is not None:
                    raise _RowError(damage.reason, damage.detail, line_subject(raw))
                self.row(raw, line)
            except _RowError as problem:
                self.rejected(line, problem, raw)

    def rejected(self, line: int, problem: _RowError, raw: list[str] | None = None) -> None:
        """Account for a rejected row; the subject it names is marked as incomplete.

        A row that names no subject but holds a CII number (``raw``, see :func:`orphan_keys`)
        is kept in ``orphans``, for the subject whose rows show that number.
        """
        self.account.reject(line, problem.reason, problem.detail, problem.subject_id, problem.value)
        sid = problem.subject_id
        if not sid:
            if raw and problem.reason != "header_row":
                for key in orphan_keys(raw, self.width):
                    self.orphans.append((key, self.index, line))
            return
        if self.only is not None and sid not in self.only:
            return
        if self.sink is not None:
            self.sink(sid, REJECTED, line, (), self.index)
        else:
            subject = self.subjects.get(sid)
            if subject is None:
                subject = self.subjects[sid] = Subject()
            subject.mark_rejected(self.index, line)

    def route_text(self, texts: Iterable[str], first_line: int, groups: RowGroups) -> None:
        """Route decoded text, each piece whole physical lines with their line feeds.

        The range readers' path (:mod:`cmr_reason.facts.doj.split`): the same records, row
        account and routed rows as :meth:`read` over :func:`records` of the same lines with
        ``sink=groups.add``, faster. A run of lines that :func:`records` would each take as
        a whole record by itself (no NUL, quotes as RFC 4180 has them, see
        :func:`~cmr_reason.facts.doj.lines.records`) is parsed at once (split where plain,
        else by :mod:`csv`) and its common rows routed inline (:meth:`_route_rows`); any
        other line goes through
        :meth:`read` alone, which gives it the same record as the whole file would (a line
        whose quoted field runs on is read again by itself there too). Only for a reader
        with a sink into ``groups``, without ``only`` or an Excel repair.
        """
        number = first_line
        first = first_line == 1
        for text in texts:
            lines = text.split("\n")
            ended = lines.pop() == ""  # text ends with a line feed: the last piece is empty
            if not ended:  # the file's last line, without a line end: put it back
                lines.append(text[text.rfind("\n") + 1 :])
            if first and lines:  # the file's first line may be its header
                self.read(records([lines[0] + ("\n" if ended or len(lines) > 1 else "")]))
                first = False
                lines = lines[1:]
                number += 1
            nul, separator = "\0" in text, "\x1f" in text
            paired = not nul and _quotes_paired(text)
            self._route_lines(lines, number, groups, ended, nul, separator, paired)
            number += len(lines)

    def _route_lines(
        self,
        lines: list[str],
        number: int,
        groups: RowGroups,
        ended: bool,
        nul: bool,
        separator: bool,
        paired: bool = False,
    ) -> None:
        """:meth:`route_text` of one piece: ``lines`` without their line feeds from ``number``.

        ``paired``: :func:`_quotes_paired` holds for the piece, so no line's quote test fails.
        """
        if nul:  # rare: every line read as the serial read reads it
            for at in range(len(lines)):
                self._read_line(lines, at, number, ended)
            return
        odd: list[int] = []
        if not paired:
            # A line whose quotes are not all openings and closings of fields (see records).
            quotes = map(str.count, lines, repeat('"'))
            openings = map(
                add, map(str.count, lines, repeat(',"')), map(_opens, lines, repeat('"'))
            )
            odd = list(compress(count(), map(ne, quotes, map(mul, openings, repeat(2)))))
        start = 0
        for stop in [*odd, len(lines)]:
            while stop > start:  # lines[start:stop]: each should be one record by itself
                clean = lines[start:stop]
                done = self._route_rows(clean, number + start, groups, separator)
                start += done
                if start < stop:  # a quoted field that runs on, a field too long...
                    self._read_line(lines, start, number, ended)
                    start += 1
            if stop < len(lines):
                self._read_line(lines, stop, number, ended)
            start = stop + 1

    def _read_line(self, lines: list[str], at: int, number: int, ended: bool) -> None:
        """:meth:`read` of ``lines[at]`` alone, its line feed put back (unless the file's last)."""
        text = lines[at] + ("\n" if ended or at + 1 < len(lines) else "")
        self.read(records((text,), number + at), first=False)

    def _route_rows(self, lines: list[str], number: int, groups: RowGroups, separator: bool) -> int:
        """Route ``lines`` (from line ``number``), each one record, as :meth:`row` would.

        Returns how many lines were routed: all of them, unless :mod:`csv` reads a line
        that is not a record by itself (a quoted field running on, a field too long), which
        is left, with the lines after it, to the caller. A plain line is split by
        :func:`_plain_fields`, any other read by :mod:`csv` by itself (a record ends with its
        line, so it is read as one reader over all the lines reads it). The common row (the
        file's width, a
        printable subject id, a used step type) is packed and kept here; any other goes
        through :meth:`row`. ``separator``: some field may hold the packing's separator, so
        each row is packed by :func:`_pack`.
        """
        width = self.width if self.width == col.FIELD_COUNT else -1  # else: row() checks the last
        index = self.index
        account = self.account
        step_kind = vocab.step_kind
        disposition = vocab.disposition
        procedural = vocab.PROCEDURAL
        join = _FIELD_SEP.join
        project = _project
        prefix = f"{index}{_PART_SEP}"
        budget = groups.budget
        sid_at, step_at, disp_at = col.SUBJECT_ID, col.STP_TYPE_DESCR, col.DISP_DESCR
        routed = 0
        line = number - 1
        kinds: dict[str, tuple[str, str] | None] = {}  # a step type's kind, and its packing
        held, size = groups.groups, groups.size
        limit = csv.field_size_limit()
        for text in lines:
            line += 1
            raw = _plain_fields(text, limit)
            if raw is None:  # not a plain line: csv reads it alone
                try:
                    raw = next(csv.reader((text,), strict=True), [])
                except csv.Error:  # a quoted field running on, a field too long...
                    line -= 1
                    break  # the line is left to the caller
            if len(raw) == width:
                step = raw[step_at].strip()
                known = kinds.get(step, _MISSING)
                if known is _MISSING:
                    used = step_kind(step) if step and step != "NULL" else None
                    middle = f"{_PART_SEP}{used}{_PART_SEP}"
                    known = kinds[step] = None if used is None else (used, middle)
                sid = raw[sid_at].strip()
                if (
                    known is not None
                    and sid
                    and sid != "NULL"
                    and sid.isprintable()
                    and _HEADER_MARK not in raw[0]
                ):
                    kind, middle = known
                    if kind == "court":
                        found = disposition(raw[disp_at])
                        if found is not None and found[0] == procedural:
                            account.ignore(line, vocab.COURT_PROCEDURAL)
                            continue
                    routed += 1
                    if separator:
                        packed = _pack(kind, line, project(raw), index)
                        size += _ROW_OVERHEAD + (
                            len(packed) if packed.__class__ is str else _TUPLE_SIZE
                        )
                    else:
                        # _project, as a compiled comprehension: the itemgetter indexes
                        # the list through its Python type, item by item
                        kept_fields = [raw[at] for at in _KEPT_INDEX]
                        packed = f"{prefix}{line}{middle}{join(kept_fields)}"
                        size += _ROW_OVERHEAD + len(packed)
                    kept = held.get(sid)
                    if kept is None:
                        held[sid] = [packed]
                        size += _SUBJECT_OVERHEAD
                    else:
                        kept.append(packed)
                    if size > budget:
                        groups.size = size
                        groups.spill()
                        held, size = groups.groups, groups.size
                    continue
            groups.size = size
            try:
                self.row(raw, line)
            except _RowError as problem:
                self.rejected(line, problem, raw)
            held, size = groups.groups, groups.size
        groups.size = size
        self.routed += routed
        return line - number + 1

    def row(self, raw: list[str], line: int) -> None:
        """Route one record: account for it now, or keep what a history needs."""
        row = col.fits(raw, self.width)
        if row is None:
            if not any(field.strip() for field in raw):
                self.account.ignore(line, "blank_row")
                return
            raise _RowError(
                "wrong_field_count",
                f"{len(raw)} fields, expected {self.width}",
                line_subject(raw),
            )
        repaired = self.repair is not None and self.repair.row(row)
        sid = _value(row, col.SUBJECT_ID)
        if not sid:  # only then look for a blank row: checking every row would cost
            if not any(field.strip() for field in raw):
                self.account.ignore(line, "blank_row")
                return
            raise _RowError("blank_subject_id", "SUBJECT_ID is blank")
        if not sid.isprintable():  # a zero-width space, a BOM, a control character
            raise _RowError("bad_subject_id", "SUBJECT_ID holds a character that is not printable")
        if self.only is not None and sid not in self.only:
            self.seen.add(sid)
            self.account.ignore(line, "other_subject")
            return None
        if col.is_header(row):
            raise _RowError("header_row", "a header line inside the data")
        step = _value(row, col.STP_TYPE_DESCR)
        if not step:
            raise _RowError("blank_step_type", "STP_TYPE_DESCR is blank", sid)
        kind = vocab.step_kind(step)
        extra: tuple[str, ...] = ()
        if kind is None:
            known = vocab.irrelevant_step(step)
            if known is not None:
                self.account.ignore(line, known)
                return
            if not vocab.looks_like_court_event(row):
                self.account.ignore(line, vocab.OTHER_STEP)
                return
            # Rejected in the using step, so that its subject and count are flagged.
            kind, extra = _UNKNOWN_STEP, (step,)
        elif kind == "court":
            found = vocab.disposition(row[col.DISP_DESCR])
            if found is not None and found[0] == vocab.PROCEDURAL:
                self.account.ignore(line, vocab.COURT_PROCEDURAL)
                return
        fields = _project(row) + extra if extra else _project(row)
        if repaired:
            kind = _REPAIRED + kind
        if self.sink is not None:
            self.routed += 1
            self.sink(sid, kind, line, fields, self.index)
        else:
            self.use(_clean(fields), line, sid, kind)

    def use(self, row: list[str], line: int, sid: str, kind: str) -> None:
        """Keep a projected, cleaned row of a used step, or reject it (flagging its subject)."""
        subject = self.subjects.get(sid)
        if subject is None:
            subject = self.subjects[sid] = Subject()
        if kind[0] == _REPAIRED:
            kind = kind[1:]
            subject.flags.add(EXCEL_REPAIRED)
        try:
            used_as = getattr(self, kind)(row, line, subject)
        except _RowError as problem:
            problem.subject_id = sid
            subject.flags.add("some_rows_rejected")
            if kind in ("court", _UNKNOWN_STEP) and problem.reason != "bad_cnt_order":
                subject.rejected_counts.add(row[_K.CNT_ORDER])
            raise
        person = _person_fields(row)
        if person != subject.last_identity:  # usually the same as the previous row's
            self.identity(person, subject, (self.index, line))
        if used_as is None:
            self.account.ignore(line, "duplicate_row")
            return
        if subject.first is None:
            subject.first = (self.index, line)
        self.account.use(line, used_as)

    @staticmethod
    def identity(person: tuple[str, ...], subject: Subject, where: tuple[int, int]) -> None:
        """Compare a row's person fields (``_person_fields``) with the subject's.

        The first (file, line) of each birth date is kept, so that an explanation can name
        the rows that disagree (never the dates themselves).
        """
        subject.last_identity = person
        name, birth, gender, race, race_code, cii = person
        parsed = parse_date(birth)
        if parsed == _BAD:
            subject.flags.add("birth_date_invalid")
        if parsed is None or parsed == _BAD:
            birth = ""  # missing or invalid: not a value to compare
        else:
            lines = subject.birth_lines
            if lines is None:
                subject.birth_lines = {birth: where}
            elif birth not in lines:
                lines[birth] = where
        subject.note_identity((name, birth, gender.upper(), race, race_code, cii))

    def court(self, row: list[str], line: int, subject: Subject) -> str | None:
        """A count of a court action: a conviction, a dismissal, or a later update.

        The disposition's class comes from ``doj_vocabulary``: a conviction (the row is one
        sentence part), a disposition without conviction, or a later update of the
        conviction; an unknown value rejects the row.
        """
        cnt = row[_K.CNT_ORDER]
        if len(cnt) != 12 or not cnt.isascii() or not cnt.isdigit():
            _count_order(row)  # raises
        step_date = parse_date(row[_K.STP_EVENT_DATE])
        disp_date = parse_date(row[_K.DISP_DATE])
        cyc_date = parse_date(row[_K.CYC_DATE])
        if step_date == _BAD or disp_date == _BAD or cyc_date == _BAD:  # rare
            # raises for a malformed one; a partial one is missing
            step_date, disp_date, cyc_date = _dates(
                row, subject, _K.STP_EVENT_DATE, _K.DISP_DATE, _K.CYC_DATE
            )
        disposition = row[_K.DISP_DESCR]
        found = _disposition(disposition)
        if found is None:
            if not disposition:
                raise _RowError("unknown_disposition", "DISP_DESCR is blank or NULL")
            raise _RowError(
                "unknown_disposition",
                "DISP_DESCR is not a known court disposition",
                value=vocab.shown(disposition),
            )
        convicted = found[0] == vocab.CONVICTION
        update = found[1]
        if update and not (disp_date or step_date):
            raise _RowError(
                "later_disposition_date_missing",
                "a later disposition with neither DISP_DATE nor STP_EVENT_DATE",
            )
        disposition = disposition.upper()
        text = row[_K.CONV_OFFENSE_DESCR]  # _charge_text, inline
        if not text:
            text = row[_K.OFFENSE_DESCR]
            if text and not _is_see_comment(text):
                column = "OFFENSE_DESCR"
            else:
                text, column = row[_K.COMMENT_TEXT], "COMMENT_TEXT"
        elif not _is_see_comment(text):
            column = "CONV_OFFENSE_DESCR"
        else:  # the offence of conviction is in the comment (rare)
            text, column = row[_K.COMMENT_TEXT], "COMMENT_TEXT"
        sent_kind, sent_length, sent_unit = "", None, None
        level, level_flag = None, ""
        if convicted:
            if not text:
                raise _RowError(
                    "empty_charge", "no charge in CONV_OFFENSE_DESCR, OFFENSE_DESCR or COMMENT_TEXT"
                )
            level = _LEVELS.get(row[_K.CONV_STAT_DESCR].upper())
            if level is None:
                level, level_flag = _level(row, text)
            sent_kind, sent_length, sent_unit = _sentence_of(
                row[_K.SENT_LOC_DESCR], row[_K.SENT_LENGTH], row[_K.SENT_TIME_CODE]
            )
        comment, ori_code = row[_K.COMMENT_TEXT], row[_K.STP_ORI_CODE]
        ori_descr, county = row[_K.STP_ORI_DESCR], row[_K.STP_ORI_CNTY_NAME]
        if self.share_values:  # one shared copy of a repeated value (county, charge, court...)
            disposition, text, comment = intern(disposition), intern(text), intern(comment)
            ori_code, ori_descr, county = intern(ori_code), intern(ori_descr), intern(county)
        kept: CourtRow = _new_row(_COURT_ROW, (
            self.index, line, convicted, update, disposition, step_date, disp_date, cyc_date,
            text, column, comment, level, level_flag, row[_K.SENT_ORDER], sent_kind,
            sent_length, sent_unit, ori_code, ori_descr, county, row[_K.OFN],
            row[_K.FE_NUM_CRT_CASE],
        ))  # fmt: skip
        rows = subject.counts.setdefault(cnt, [])
        # A count's rows mostly differ in their sentence part's order: compared first, the
        # rows' values (all but file and line) are sliced only when it is the same.
        if rows and any(
            other.sent_order == kept.sent_order and kept[2:] == other[2:] for other in rows
        ):
            return None
        first_conviction = convicted and (not rows or not any(other[2] for other in rows))
        rows.append(kept)
        if update:
            return "later_disposition"
        if not convicted:
            return "dismissal"
        return "conviction" if first_conviction else "sentence_part"

    @staticmethod
    def unknown_step(row: list[str], line: int, subject: Subject) -> str | None:
        """A row of an unknown step type that looks like a court event: rejected."""
        raise _RowError(
            "unknown_step_type",
            "STP_TYPE_DESCR is not a known step type on a row with court data",
            value=vocab.shown(row[-1]),
        )

    def arrest(self, row: list[str], line: int, subject: Subject) -> str | None:
        """A count of an arrest, detention or citation step."""
        cnt = row[_K.CNT_ORDER]
        if len(cnt) != 12 or not cnt.isascii() or not cnt.isdigit():
            _count_order(row)  # raises
        step_date = parse_date(row[_K.STP_EVENT_DATE])
        cyc_date = parse_date(row[_K.CYC_DATE])
        if step_date == _BAD or cyc_date == _BAD:  # rare: as in court
            step_date, cyc_date = _dates(row, subject, _K.STP_EVENT_DATE, _K.CYC_DATE)
        text = row[_K.CONV_OFFENSE_DESCR]  # _charge_text, inline
        if not text:
            text = row[_K.OFFENSE_DESCR]
            if not text or _is_see_comment(text):
                text = row[_K.COMMENT_TEXT]
        elif _is_see_comment(text):
            text = row[_K.COMMENT_TEXT]
        ori_code, ori_descr = row[_K.STP_ORI_CODE], row[_K.STP_ORI_DESCR]
        county, disposition = row[_K.STP_ORI_CNTY_NAME], row[_K.DISP_DESCR]
        if disposition:  # a conviction written on the arrest step is not an arrest's end
            found = _disposition(disposition)
            if found is not None and found[0] == vocab.CONVICTION:
                raise _RowError(
                    "conviction_on_arrest_step", "DISP_DESCR is a conviction on an arrest step"
                )
        if self.share_values:
            text, ori_code, ori_descr = intern(text), intern(ori_code), intern(ori_descr)
            county, disposition = intern(county), intern(disposition)
        kept: ArrestRow = _new_row(_ARREST_ROW, (
            self.index, line, cnt, step_date, cyc_date, text, ori_code, ori_descr, county,
            disposition,
        ))  # fmt: skip
        rows = subject.arrests.setdefault(cnt[:6], [])
        # A step's rows are its counts: the count compared first, as for a court row.
        if rows and any(other.count_order == cnt and kept[2:] == other[2:] for other in rows):
            return None
        rows.append(kept)
        return "arrest"

    def registration(self, row: list[str], line: int, subject: Subject) -> str | None:
        """A registration step (PC 290, HS 11590, ...)."""
        (date,) = _dates(row, subject, _K.STP_EVENT_DATE)
        text, _ = _charge_text(row)
        if not text:
            raise _RowError("empty_charge", "a registration without its code section")
        return self.event(subject.registrations, EventRow(self.index, line, date, intern(text)))

    def death(self, row: list[str], line: int, subject: Subject) -> str | None:
        """A ``DECEASED`` step."""
        (date,) = _dates(row, subject, _K.STP_EVENT_DATE)
        return self.event(subject.deaths, EventRow(self.index, line, date, ""), "death")

    @staticmethod
    def event(rows: list[EventRow], kept: EventRow, kind: str = "registration") -> str | None:
        """Keep an event row unless it repeats one already kept."""
        if any(kept[2:] == other[2:] for other in rows):
            return None
        rows.append(kept)
        return kind


@dataclass
class DojRead:
    """The result of reading DOJ files: the histories (lazily built) and the row account."""

    files: tuple[str, ...]
    account: RowAccount
    subjects: dict[str, Subject]
    subject_ids: list[str] = field(init=False)
    other_ids: frozenset[str] = frozenset()  # subjects a filtered read met and left out
    orphans: Orphans = field(default_factory=dict)  # rejected lines by the CII they hold

    def __post_init__(self) -> None:
        for sid, subject in self.subjects.items():
            attach_orphans(subject, self.orphans, sid, self.account.files)
        # A subject whose rows were all rejected or duplicates has no history.
        self.subject_ids = sorted(s for s, rows in self.subjects.items() if rows.first)

    def __len__(self) -> int:
        return len(self.subject_ids)

    def __iter__(self) -> Iterator[History]:
        for sid in self.subject_ids:
            yield build_history(sid, self.subjects[sid], self.files)

    def history(self, subject_id: str) -> History | None:
        """The history of one subject, or None when the id is not in the files."""
        subject = self.subjects.get(subject_id)
        return None if subject is None else build_history(subject_id, subject, self.files)

    def items(self) -> Iterator[tuple[str, Subject]]:
        """Each subject's compact rows, in subject order (cheap to send to a worker)."""
        for sid in self.subject_ids:
            yield sid, self.subjects[sid]


def check_encoding(encoding: str) -> str:
    """The codec to read a DOJ file in (a BOM-tolerant UTF-8 for utf-8), or a one-line error."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise UserError(f"unknown encoding {encoding!r}; try utf-8 or latin-1") from None
    try:
        io.TextIOWrapper(io.BytesIO(), encoding=name)
    except LookupError:  # rot13, base64...: codecs, but not of text
        raise UserError(f"{encoding!r} is not a text encoding; try utf-8 or latin-1") from None
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


def check_file(path: Path, encoding: str) -> None:
    """Raise :class:`UserError` for a missing, empty or binary file."""
    if not path.exists():
        raise UserError(f"{path}: file not found")
    if not path.is_file():
        raise UserError(f"{path}: not a file")
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror})") from None
    if not head.removeprefix(codecs.BOM_UTF8).strip():
        raise UserError(f"{path}: the file is empty")
    # Text in UTF-16 or UTF-32 read as 8-bit, or a binary file, is NUL bytes all through;
    # a NUL here and there is damage to its line only (rejected with it, doj_lines).
    binary = head.count(b"\x00") * 100 >= len(head)
    if binary and not encoding.startswith(("utf-16", "utf-32")):
        raise UserError(f"{path}: contains NUL bytes; this is not a text CSV file")


_LINE_END = re.compile(rb"\r\n?|\n")


def _bad_line(path: Path, encoding: str) -> int:
    """The 1-based line holding the first byte that does not decode (0 if not found).

    Lines are counted as text mode counts them: a lone carriage return ends one too.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    number = 1
    with path.open("rb") as handle:
        for raw in handle:
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as error:
                return number + len(_LINE_END.findall(raw, 0, max(error.start, 0)))
            except UnicodeError:
                return 0
            number += len(_LINE_END.findall(raw))
    return 0


@contextmanager
def reading_errors(path: Path, encoding: str) -> Iterator[None]:
    """Turn text that does not decode into a one-line :class:`UserError` naming its line."""
    try:
        yield
    except UnicodeDecodeError:
        line = _bad_line(path, encoding)
        where = f"line {line}" if line else "a line"
        raise UserError(
            f"{path}: {where} is not valid {encoding.removesuffix('-sig')}; "
            "give the file's encoding with --encoding (e.g. --encoding latin-1)"
        ) from None
    except UnicodeError:  # e.g. UTF-16 or UTF-32 without a byte order mark
        # Not the codec's message: some quote the text they could not decode.
        raise UserError(
            f"{path}: cannot be read as {encoding.removesuffix('-sig')} (for UTF-16 and "
            "UTF-32, the file does not start with a byte order mark); give the file's "
            "encoding with --encoding (e.g. --encoding utf-16-le)"
        ) from None


def read_file(reader: FileReader, encoding: str) -> None:
    """Route (or read) every record of the reader's file."""
    path = reader.path
    with path.open("r", encoding=encoding, newline="") as handle, reading_errors(path, encoding):
        reader.read(records(handle if reader.repair is None else reader.repair.lines(handle)))


def repair_of(repairs: Repairs | None, index: int) -> ExcelRepair | None:
    """The Excel repair of the input file at ``index``, if there is one."""
    found = repairs[index] if repairs is not None and index < len(repairs) else None
    return found or None


def header_width(path: Path, codec: str, repair: ExcelRepair | None = None) -> int:
    """The width of the file's rows, as its first line fixes it (95 without a header)."""
    try:
        with path.open("r", encoding=codec, newline="") as handle:
            first = handle.readline()
    except (OSError, UnicodeError):
        return col.FIELD_COUNT  # the whole read reports it
    fields, damage = parse_line(first if repair is None else repair.line(first))
    if damage is not None or not col.is_header(fields):
        return col.FIELD_COUNT
    try:
        return col.check_header(fields, str(path))
    except UserError:
        return col.FIELD_COUNT


def read_doj(
    paths: Sequence[str | Path],
    encoding: str = "utf-8",
    only: Iterable[str] | None = None,
    repairs: Repairs | None = None,
) -> DojRead:
    """Read DOJ files; subjects are grouped across rows and files by ``SUBJECT_ID``.

    With ``only``, the rows of other subjects are counted as ``other_subject`` and not kept,
    so one person of a large file is read in one pass and little memory. ``repairs``: each
    file's Excel repair (:mod:`cmr_reason.facts.doj.excel_damage`), if any.
    """
    codec = check_encoding(encoding)
    account = RowAccount()
    subjects: dict[str, Subject] = {}
    wanted = None if only is None else frozenset(only)
    others: set[str] = set()
    orphans: list[tuple[str, int, int]] = []
    for index, given in enumerate(paths):
        path = Path(given)
        check_file(path, codec)
        file_account = FileAccount(str(given))
        account.files.append(file_account)
        reader = FileReader(path, index, file_account, subjects, only=wanted, seen=others,
                            repair=repair_of(repairs, index))  # fmt: skip
        read_file(reader, codec)
        orphans += reader.orphans
        if file_account.rows_in == 0:
            raise UserError(f"{path}: no data rows (only a header)")
    files = tuple(str(p) for p in paths)
    return DojRead(files, account, subjects, frozenset(others), group_orphans(orphans))


def group_orphans(orphans: Iterable[tuple[str, int, int]]) -> Orphans:
    """``(cii, file, line)`` of rejected lines without a subject, grouped by CII number."""
    grouped: dict[str, list[tuple[int, int]]] = {}
    for cii, file, line in orphans:
        grouped.setdefault(cii, []).append((file, line))
    return {cii: tuple(sorted(lines)) for cii, lines in sorted(grouped.items())}


# --- Streaming: bounded memory for files of any size ---------------------------------------

#: Default memory budget for routed rows held before they are spilled to a run file.
DEFAULT_BUDGET_BYTES = 192 << 20
_ROW_OVERHEAD: Final = 64  # bytes a kept row costs beyond its text (str header, list slot)
_SUBJECT_OVERHEAD: Final = 200  # bytes a new subject costs (dict entry, list, id string)
_RUN_CHUNK: Final = 2000  # subjects per pickle record in a run file
_TUPLE_SIZE: Final = 2000  # bytes counted for a row kept as a tuple (a field holds the separator)

#: A routed row kept for the *using* step: ``"file<RS>line<RS>kind<RS>field<US>field..."``,
#: or a tuple ``(file, line, kind, fields)`` when a field holds the separator.
Packed = str | tuple[int, int, str, tuple[str, ...]]


def _pack(kind: str, line: int, fields: tuple[str, ...], index: int) -> Packed:
    text = _FIELD_SEP.join(fields)
    if fields and text.count(_FIELD_SEP) != len(_KEPT_COLUMNS) - 1:
        return (index, line, kind, fields)
    return f"{index}{_PART_SEP}{line}{_PART_SEP}{kind}{_PART_SEP}{text}"


def _unpack(packed: Packed) -> tuple[int, int, str, list[str]]:
    """A packed row's file, line, kind and cleaned fields."""
    if isinstance(packed, tuple):
        index, line, kind, fields = packed
        return index, line, kind, _clean(fields)
    file, number, kind, text = packed.split(_PART_SEP, 3)
    return int(file), int(number), kind, _clean(text.split(_FIELD_SEP))


def _read_run(path: Path) -> Iterator[tuple[str, list[Packed]]]:
    for chunk in _run_chunks(path):
        yield from chunk


def _run_chunks(path: Path) -> Iterator[list[tuple[str, list[Packed]]]]:
    """A run file's chunks: lists of ``(sid, rows)``, sorted by id, each id once in the run."""
    with path.open("rb") as handle:
        while True:
            try:
                chunk = pickle.load(handle)
            except EOFError:
                return
            yield chunk


_sid = itemgetter(0)


def _merge_runs(paths: Sequence[Path]) -> Iterator[tuple[str, list[Packed]]]:
    """The subjects of sorted runs in id order, a subject's rows in the runs' order.

    A chunk at a time rather than a subject at a time (``heapq.merge``): every subject up to
    the smallest last id of the runs' current chunks is in those chunks (a run's later
    chunks hold greater ids only); they are sorted at once, stably, so that a subject in
    several runs keeps their order, and a subject in one run is passed on as it was read.
    """
    sources = [_run_chunks(path) for path in paths]
    heads: list[list[tuple[str, list[Packed]]]] = []
    open_sources: list[Iterator[list[tuple[str, list[Packed]]]]] = []
    for source in sources:
        chunk = next(source, None)
        if chunk:
            heads.append(chunk)
            open_sources.append(source)
    while heads:
        bound = min(chunk[-1][0] for chunk in heads)
        taken: list[tuple[str, list[Packed]]] = []
        left_heads: list[list[tuple[str, list[Packed]]]] = []
        left_sources: list[Iterator[list[tuple[str, list[Packed]]]]] = []
        for chunk, source in zip(heads, open_sources, strict=True):
            cut = bisect_right(chunk, bound, key=_sid)
            taken.extend(chunk[:cut])
            rest = chunk[cut:] if cut < len(chunk) else next(source, None)
            if rest:
                left_heads.append(rest)
                left_sources.append(source)
        heads, open_sources = left_heads, left_sources
        taken.sort(key=_sid)  # stable: a subject's parts stay in the runs' order
        ids = [item[0] for item in taken]
        if not any(map(eq, ids, islice(ids, 1, None))):
            yield from taken  # no subject in two runs here: as read
            continue
        for sid, parts in groupby(taken, key=_sid):
            rows: list[Packed] = []
            for _, part in parts:
                rows.extend(part)
            yield sid, rows


class RowGroups(Protocol):
    """What routing keeps rows in: :class:`Groups` (or a test's stand-in for it).

    Its ``groups`` is any mapping of anything a row can be appended to: compiled by mypyc,
    a ``dict`` of lists would be read by their own methods, not by those a stand-in has
    (``tests/test_doj_route_text.py`` records each row as it is appended).
    """

    budget: int
    size: int

    @property
    def groups(self) -> MutableMapping[str, Any]:
        """The held rows by subject."""

    def add(self, sid: str, kind: str, line: int, fields: tuple[str, ...], index: int) -> None:
        """Keep one routed row under its subject."""

    def spill(self) -> None:
        """Write the held subjects to disk and forget them."""


def _python_class(cls: type[_C]) -> type[_C]:
    """Leaves a class as it is; mypyc compiles a class it decorates as a Python class.

    (Its instances then take weak references, which :class:`Groups`' clean-up needs and
    mypyc's native classes do not have: docs/scale.md "Compiled modules".)
    """
    return cls


@_python_class
class Groups:
    """Routed rows by subject; above the budget, spilled to sorted run files on disk."""

    def __init__(
        self,
        budget_bytes: int,
        temp_root: str | None,
        run_dir: Path | None = None,
        run_tag: str = "",
    ) -> None:
        self.budget = max(budget_bytes, 1)
        self.temp_root = temp_root
        self.temp_dir: Path | None = None
        self.given_dir = run_dir  # another's folder (a range reader's): not removed here
        self.run_tag = run_tag
        self.groups: dict[str, list[Packed]] = {}
        self.size = 0
        self.runs: list[Path] = []

    def run_directory(self) -> Path:
        """The folder of the run files, made (owner-only) on first use."""
        if self.given_dir is not None:
            return self.given_dir
        if self.temp_dir is None:
            self.temp_dir = Path(tempfile.mkdtemp(prefix="cmr-reason-runs-", dir=self.temp_root))
            # Rows are confidential: removed on close(), else when collected or at exit.
            self._cleanup = weakref.finalize(self, shutil.rmtree, self.temp_dir, True)
        return self.temp_dir

    def add(self, sid: str, kind: str, line: int, fields: tuple[str, ...], index: int) -> None:
        """Keep one routed row under its subject."""
        packed = _pack(kind, line, fields, index)
        rows = self.groups.get(sid)
        if rows is None:
            self.groups[sid] = [packed]
            self.size += _SUBJECT_OVERHEAD
        else:
            rows.append(packed)
        self.size += _ROW_OVERHEAD + (len(packed) if isinstance(packed, str) else _TUPLE_SIZE)
        if self.size > self.budget:
            self.spill()

    def spill(self) -> None:
        """Write the held subjects, sorted by id, to a new run file and forget them."""
        if not self.groups:
            return
        path = self.run_directory() / f"run-{self.run_tag}{len(self.runs):05d}.pickle"
        with open_private_binary(path, exclusive=True) as handle:
            chunk: list[tuple[str, list[Packed]]] = []
            for sid in sorted(self.groups):
                chunk.append((sid, self.groups[sid]))
                if len(chunk) >= _RUN_CHUNK:
                    pickle.dump(chunk, handle, protocol=pickle.HIGHEST_PROTOCOL)
                    chunk = []
            if chunk:
                pickle.dump(chunk, handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.runs.append(path)
        self.groups = {}
        self.size = 0

    def __iter__(self) -> Iterator[tuple[str, list[Packed]]]:
        if not self.runs:
            groups, self.groups = self.groups, {}
            for sid in sorted(groups):
                yield sid, groups.pop(sid)
            return
        self.spill()
        yield from _merge_runs(self.runs)  # runs in reading order, so rows stay in file order

    def close(self) -> None:
        """Remove the run files."""
        if self.temp_dir is not None:
            self._cleanup()
            self.temp_dir = None
        self.groups = {}


@dataclass
class DojStream:
    """Routed DOJ files: the row account so far and the subjects' rows, in subject order.

    ``items()`` yields ``(subject_id, rows)``; :func:`use_rows` turns a list of them into
    subjects and the rest of the row account, which :meth:`absorb` adds to ``account``.
    """

    files: tuple[str, ...]
    account: RowAccount
    groups: Groups = field(repr=False)
    routed_rows: int = 0
    spilled_runs: int = 0
    reader_peaks_kib: list[int] = field(default_factory=list)  # processes that read ranges
    reader_cpu_seconds: float = 0.0
    orphans: Orphans = field(default_factory=dict)  # for use_rows: lines without a subject

    def items(self) -> Iterator[tuple[str, list[Packed]]]:
        """Each subject's routed rows, in subject order (cheap to send to a worker)."""
        self.spilled_runs = len(self.groups.runs)
        return iter(self.groups)

    def absorb(self, parts: Sequence[FileAccount]) -> None:
        """Add the row account of some subjects' *using* step."""
        for mine, part in zip(self.account.files, parts, strict=True):
            merge_account(mine, part)

    def close(self) -> None:
        """Remove temporary files."""
        self.groups.close()

    def __enter__(self) -> DojStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def merge_account(into: FileAccount, part: FileAccount) -> None:
    """Add a partial account of the same file."""
    into.used.update(part.used)
    into.irrelevant.update(part.irrelevant)
    into.rejects.extend(part.rejects)
    into.used_lines.extend(part.used_lines)
    into.irrelevant_lines.extend(part.irrelevant_lines)
    for line, subjects in part.given.items():
        into.given.setdefault(line, set()).update(subjects)


def use_rows(
    items: Iterable[tuple[str, Sequence[Packed]]],
    files: Sequence[str],
    orphans: Orphans | None = None,
) -> tuple[list[tuple[str, Subject]], list[FileAccount]]:
    """The *using* step for some subjects: their records and their rows' account.

    ``orphans`` are the stream's rejected lines that name no subject (:class:`DojStream`).
    Subjects whose rows were all rejected or duplicates are left out, as in :class:`DojRead`.
    Each row is checked and kept as :meth:`FileReader.use` would (same subject, flags and
    account), with the unpacking (:func:`_unpack`) and the subject's look-up done inline.
    """
    accounts = [FileAccount(name) for name in files]
    readers = [
        FileReader(Path(name), index, accounts[index], {}, share_values=False)
        for index, name in enumerate(files)
    ]
    # Rows used, by kind, a file: added to the accounts' counters at the end, in the same
    # order (a counter's item costs a call through its Python class each time).
    counted: list[dict[str, int]] = [{} for _ in files]
    # Used lines, a file: added to the accounts' arrays at the end, in the same order (an
    # array's append is a method call through its Python type each time).
    used_lines: list[list[int]] = [[] for _ in files]
    kept: list[tuple[str, Subject]] = []
    for sid, rows in items:
        subject = Subject()
        first = None
        for packed in rows:
            if isinstance(packed, str):
                # Split at the fields' separator first: the head (file, line, kind) is in
                # the first field's piece, so the fields' text is not copied once more.
                row = packed.split(_FIELD_SEP)
                file, number, kind, row[0] = row[0].split(_PART_SEP, 3)
                index, line = 0 if file == "0" else int(file), int(number)
                row = [value.strip() for value in row]
                if "NULL" in packed and "NULL" in row:  # a field is NULL only if the text has it
                    row = ["" if value == "NULL" else value for value in row]
            else:
                index, line, kind, fields = packed
                row = _clean(fields)
            if kind == REJECTED:  # rejected when routed, and accounted for then
                subject.mark_rejected(index, line)
                continue
            if kind[0] == _REPAIRED:
                kind = kind[1:]
                subject.flags.add(EXCEL_REPAIRED)
            reader = readers[index]
            try:
                if kind == "court":  # called directly: a compiled call, not a bound method's
                    used_as = reader.court(row, line, subject)
                elif kind == "arrest":
                    used_as = reader.arrest(row, line, subject)
                elif kind == "registration":
                    used_as = reader.registration(row, line, subject)
                elif kind == "death":
                    used_as = reader.death(row, line, subject)
                elif kind == _UNKNOWN_STEP:
                    used_as = reader.unknown_step(row, line, subject)
                else:
                    raise KeyError(kind)
            except _RowError as problem:
                subject.flags.add("some_rows_rejected")
                if kind in ("court", _UNKNOWN_STEP) and problem.reason != "bad_cnt_order":
                    subject.rejected_counts.add(row[_K.CNT_ORDER])
                accounts[index].reject(
                    line, problem.reason, problem.detail, sid, problem.value
                )  # as FileReader.rejected does for a row naming its subject
                subject.mark_rejected(index, line)
                continue
            person: tuple[str, ...] = (  # _person_fields(row), without a call through it
                row[_K.PRI_NAME], row[_K.PRI_DOB], row[_K.GENDER], row[_K.RACE_DESCR],
                row[_K.RACE_CODE], row[_K.CII_NUMBER],
            )  # fmt: skip
            if person != subject.last_identity:  # usually the same as the previous row's
                FileReader.identity(person, subject, (index, line))
            if used_as is None:
                accounts[index].ignore(line, "duplicate_row")
                continue
            if first is None:
                first = subject.first = (index, line)
            counts = counted[index]
            counts[used_as] = counts.get(used_as, 0) + 1
            used_lines[index].append(line)
        if first is not None:
            if orphans:
                attach_orphans(subject, orphans, sid, accounts)
            kept.append((sid, subject))
    for account, counts, lines in zip(accounts, counted, used_lines, strict=True):
        for kind, used in counts.items():
            account.used[kind] += used
        account.used_lines.extend(lines)
    return kept, accounts


@dataclass
class Routed:
    """One file routed: its row account so far, the rows routed, and what range readers used."""

    account: FileAccount
    rows: int
    peaks_kib: list[int] = field(default_factory=list)
    cpu_seconds: float = 0.0
    orphans: list[tuple[str, int, int]] = field(default_factory=list)  # (cii, file, line)
