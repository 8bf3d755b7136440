"""The reading path's fast paths of issue 18's ninth round, each against its plain form.

- ``_quotes_paired``: a block whose quotes pair up skips the per-line quote test of the
  range readers, so every one of its lines must pass that test;
- ``_sentence_of``'s plain-dict cache answers as the uncached ``_sentence_part``;
- ``_is_see_comment`` answers as ``text.upper() == _SEE_COMMENT``;
- a duplicate court or arrest row is found as comparing every value would find it;
- ``_plain_fields`` splits a plain line into the fields :mod:`csv` reads.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from cmr_reason.facts.doj.accounting import FileAccount
from cmr_reason.facts.doj.reader import (
    _K,
    _KEPT_COLUMNS,
    _SEE_COMMENT,
    FileReader,
    _is_see_comment,
    _plain_fields,
    _quotes_paired,
    _RowError,
    _sentence_of,
    _sentence_part,
)
from cmr_reason.facts.doj.rows import Subject


def _quote_test(line: str) -> bool:
    """The range readers' per-line test (``FileReader._route_lines``, ``records``)."""
    return line.count('"') == 2 * (line.count(',"') + line.startswith('"'))


def test_paired_quotes_pass_the_quote_test_on_every_line():
    rng = random.Random(18)
    pieces = ['"', '"', ",", ",", ",", "\n", "a", "b", '""', ',"', '",']
    paired = 0
    for _ in range(60_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12)))
        if _quotes_paired(text):
            paired += 1
            assert all(_quote_test(line) for line in text.split("\n")), repr(text)
    assert paired > 5_000  # the property was tried on many texts that pass


@pytest.mark.parametrize(
    ("text", "paired"),
    [
        (',"SMITH,JOHN",M\n,"LEE,ANN",F\n', True),
        ('"SMITH,JOHN",M\n', True),  # a quote at the start of the text opens a field
        (',"",x\n', True),  # an empty quoted field
        ("no quotes at all\n", True),
        ('a"b\n', False),  # a quote inside an unquoted field
        (',"a,",b\n,c"d"\n', False),  # a closing quote after a comma: the test counts it
        (',"a\nb",c\n', False),  # a pair over two lines: each line is odd
        (',"open\n', False),  # never closed
        (',"a""b",c\n', False),  # a doubled quote: left to the per-line test
        ('x"\n,"a",\n', False),  # a stray quote, then a line whose opening would pair it
    ],
)
def test_quotes_paired(text, paired):
    assert _quotes_paired(text) is paired


def test_sentence_cache_answers_as_the_plain_sentence():
    triples = [
        (where, length, unit)
        for where in ("PROBATION", "jail", "STATE PRISON", "", "FINE AND JAIL")
        for length in ("", "3", "36", "x3", "٣")
        for unit in ("", "D", "m", "Y", "W")
    ]
    for _ in range(2):  # asked again: the cached answers
        random.Random(7).shuffle(triples)
        for triple in triples:
            try:
                plain = _sentence_part(*triple)
            except _RowError as error:
                with pytest.raises(_RowError) as raised:
                    _sentence_of(*triple)
                assert raised.value.reason == error.reason
                continue
            assert _sentence_of(*triple) == plain, triple


@pytest.mark.parametrize(
    "text",
    [
        _SEE_COMMENT,
        _SEE_COMMENT.lower(),
        "See Comment For Charge",
        _SEE_COMMENT + " ",
        _SEE_COMMENT[:-1],
        "11359 HS-POSSESS MARIJUANA FOR SALE",
        "see comment for charge and more text",
        "ß" * 11,  # upper-cases to 22 characters
        "",
    ],
)
def test_see_comment_as_upper_case_compares_it(text):
    assert _is_see_comment(text) == (text.upper() == _SEE_COMMENT)


def _row(**values: str) -> list[str]:
    row = [""] * len(_KEPT_COLUMNS)
    base = {
        "PRI_NAME": "DOE,JANE", "CII_NUMBER": "A12345678", "CYC_DATE": "20100101",
        "STP_EVENT_DATE": "20100105", "STP_ORI_CODE": "CA0190000",
        "STP_ORI_DESCR": "CASC LOS ANGELES", "STP_ORI_CNTY_NAME": "LOS ANGELES",
        "CNT_ORDER": "001001001000", "OFFENSE_DESCR": "11359 HS-POSSESS MARIJUANA FOR SALE",
        "OFFENSE_TOC": "F", "DISP_DESCR": "CONVICTED", "CONV_STAT_DESCR": "FELONY",
        "SENT_ORDER": "1", "SENT_LOC_DESCR": "PROBATION", "SENT_LENGTH": "3",
        "SENT_TIME_CODE": "Y",
    }  # fmt: skip
    for name, value in {**base, **values}.items():
        row[_KEPT_COLUMNS.index(name)] = value
    return row


def _kept_as_plain(rows: list[tuple]) -> list[bool]:
    """Which rows are kept when each is compared with every one kept before, value by value."""
    kept: list[tuple] = []
    answers = []
    for row in rows:
        new = not any(row[2:] == other[2:] for other in kept)
        answers.append(new)
        if new:
            kept.append(row)
    return answers


def test_duplicate_court_and_arrest_rows_as_every_value_compared():
    reader = FileReader(Path("f.csv"), 0, FileAccount("f.csv"), {}, share_values=False)
    court = [
        _row(),
        _row(),  # a duplicate
        _row(SENT_LOC_DESCR="JAIL", SENT_LENGTH="10", SENT_TIME_CODE="D"),  # same order, other part
        _row(SENT_ORDER="2"),  # another order, the same part
        _row(SENT_ORDER="2"),  # a duplicate of that one
        _row(DISP_DESCR="DISMISSED", SENT_ORDER="", SENT_LOC_DESCR="", SENT_LENGTH=""),
        _row(SENT_ORDER="1", OFN="X1"),  # one value apart from the first
    ]
    subject = Subject()
    answers = [reader.court(row, line, subject) is not None for line, row in enumerate(court)]
    assert answers == _kept_as_plain(
        [_plain_court(reader, row, line) for line, row in enumerate(court)]
    )
    assert answers.count(False) == 2
    arrests = [
        _row(DISP_DESCR=""),
        _row(DISP_DESCR=""),  # a duplicate
        _row(DISP_DESCR="", CNT_ORDER="001001002000"),  # another count of the same step
        _row(DISP_DESCR="", CNT_ORDER="001001002000"),  # a duplicate of that one
        _row(DISP_DESCR="RELEASED"),  # the same count, another value
    ]
    subject = Subject()
    answers = [reader.arrest(row, line, subject) is not None for line, row in enumerate(arrests)]
    assert answers == [True, False, True, False, True]
    assert [len(rows) for rows in subject.arrests.values()] == [3]


def _plain_court(reader: FileReader, row: list[str], line: int) -> tuple:
    """The row as ``court`` keeps it, from a subject of its own (no duplicate check)."""
    subject = Subject()
    reader.court(row, line, subject)
    (kept,) = subject.counts[row[_K.CNT_ORDER]]
    return kept


def _csv_fields(text: str, limit: int) -> list[str] | None:
    """What strict :mod:`csv` reads in ``text`` alone, fields up to ``limit``; None: an error."""
    old = csv.field_size_limit(limit)
    try:
        return next(csv.reader((text,), strict=True), [])
    except csv.Error:
        return None
    finally:
        csv.field_size_limit(old)


def test_plain_fields_are_what_csv_reads():
    rng = random.Random(64)
    pieces = ['"', '"', ",", ",", ",", "a", "bc", " ", "\r", '""', ',"', '",', "\x1f"]
    plain = 0
    for _ in range(100_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12)))
        limit = rng.choice((4, 131_072))  # a small limit: some fields are too long for it
        fields = _plain_fields(text, limit)
        if fields is not None:
            plain += 1
            assert fields == _csv_fields(text, limit), repr(text)
    assert plain > 10_000  # the comparison was made on many plain lines


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        (',,"DOE,JANE",M,19800101\r', ["", "", "DOE,JANE", "M", "19800101"]),
        ('"A,B","",x', ["A,B", "", "x"]),
        ("a,b,c", ["a", "b", "c"]),
        ('a,"b""c",d', None),  # a doubled quote: csv reads it
        ('a,"b"c,d', None),  # a closing quote before a letter: csv refuses it
        ('a,"b', None),  # open at the line's end
        ("", None),  # a blank line: csv gives no field
        ("a\rb", None),  # a carriage return inside
    ],
)
def test_plain_fields(text, fields):
    assert _plain_fields(text, 131_072) == fields
