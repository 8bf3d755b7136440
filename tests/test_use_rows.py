"""A batch's using step (``use_rows``) keeps what ``FileReader.use`` keeps, row for row.

``use_rows`` unpacks the routed rows and checks them inline; ``FileReader.use``, which the
whole-file read still uses, is the reference. For every person of generated files with
damaged rows (and of the same rows packed as tuples or marked as repaired), both must give
the same subjects (every slot), the same row account (used, irrelevant, rejected with file,
line and reason) and leave out the same subjects.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from test_direct_facts import _files

from cmr_reason.facts.doj import vocabulary as vocab
from cmr_reason.facts.doj.accounting import FileAccount
from cmr_reason.facts.doj.reader import (
    _BAD,
    _FIELD_SEP,
    _K,
    _KEPT_COLUMNS,
    _PART_SEP,
    REJECTED,
    FileReader,
    Orphans,
    Packed,
    _charge_text,
    _disposition,
    _level,
    _RowError,
    _unpack,
    attach_orphans,
    parse_date,
    use_rows,
)
from cmr_reason.facts.doj.rows import Subject
from cmr_reason.facts.doj.stream import stream_doj
from cmr_reason.facts.synth.generator import write_file


def _plain_use_rows(
    items: Iterable[tuple[str, Sequence[Packed]]],
    files: Sequence[str],
    orphans: Orphans | None = None,
) -> tuple[list[tuple[str, Subject]], list[FileAccount]]:
    """The using step as it was: each row unpacked, then ``FileReader.use`` and ``rejected``."""
    accounts = [FileAccount(name) for name in files]
    subjects: dict[str, Subject] = {}
    readers = [
        FileReader(Path(name), index, accounts[index], subjects, share_values=False)
        for index, name in enumerate(files)
    ]
    kept = []
    for sid, rows in items:
        for packed in rows:
            index, line, kind, fields = _unpack(packed)
            if kind == REJECTED:
                subjects.setdefault(sid, Subject()).mark_rejected(index, line)
                continue
            try:
                readers[index].use(fields, line, sid, kind)
            except _RowError as problem:
                readers[index].rejected(line, problem)
        subject = subjects.pop(sid, None)
        if subject is not None and subject.first is not None:
            if orphans:
                attach_orphans(subject, orphans, sid, accounts)
            kept.append((sid, subject))
    return kept, accounts


# Subject's attributes: its __slots__, or, compiled by mypyc (facts/compiled.py), which drops
# __slots__, mypyc's own list of them.
_SUBJECT_FIELDS = getattr(Subject, "__slots__", None) or Subject.__mypyc_attrs__


def _subject(subject: Subject) -> dict[str, object]:
    return {name: getattr(subject, name) for name in _SUBJECT_FIELDS}


def _account(account: FileAccount) -> dict[str, object]:
    return {
        "file": account.file,
        "used": list(account.used.items()),
        "irrelevant": list(account.irrelevant.items()),
        "rejects": account.rejects,
        "used_lines": list(account.used_lines),
        "irrelevant_lines": list(account.irrelevant_lines),
        "given": account.given,
    }


def _vary(items: list[tuple[str, list[Packed]]], seed: int) -> list[tuple[str, list[Packed]]]:
    """Some packed rows turned into the tuple form, some marked as repaired (``+kind``)."""
    rng = random.Random(seed)
    varied = []
    for sid, rows in items:
        out: list[Packed] = []
        for packed in rows:
            if isinstance(packed, str) and rng.random() < 0.3:
                file, line, kind, text = packed.split(_PART_SEP, 3)
                if kind != REJECTED and rng.random() < 0.5:
                    kind = "+" + kind
                if rng.random() < 0.5 or kind == REJECTED:
                    packed = _PART_SEP.join((file, line, kind, text))
                else:
                    packed = (int(file), int(line), kind, tuple(text.split(_FIELD_SEP)))
            out.append(packed)
        varied.append((sid, out))
    return varied


def _compare(paths: Sequence[str], seed: int = 0) -> int:
    with stream_doj(paths) as stream:
        items = list(stream.items())
        for batch in (items, _vary(items, seed)):
            new, new_accounts = use_rows(batch, stream.files, stream.orphans)
            old, old_accounts = _plain_use_rows(batch, stream.files, stream.orphans)
            assert [sid for sid, _ in new] == [sid for sid, _ in old]
            for (sid, mine), (_, theirs) in zip(new, old, strict=True):
                assert _subject(mine) == _subject(theirs), sid
            assert [_account(a) for a in new_accounts] == [_account(a) for a in old_accounts]
        rejected = sum(len(a.rejects) for a in new_accounts)
    return rejected


def test_use_rows_on_synthetic_file_with_damaged_rows(tmp_path):
    path = tmp_path / "synth.csv"
    write_file(path, people=400, seed=5, malformed_rate=0.05)
    assert _compare([str(path)]) > 0  # damaged rows were rejected in the using step


@pytest.mark.parametrize("seed", [1, 2])
def test_use_rows_on_messy_generated_files(tmp_path, seed):
    rng = random.Random(seed)
    paths = _files(rng, tmp_path, 60)
    assert _compare(paths, seed) > 0


def _calendar_date(text: str) -> int | None:
    """``parse_date`` as it was: every 8-digit value checked by building its date."""
    if not text or not text.strip("0"):
        return None
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return _BAD
    try:
        dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return _BAD
    return int(text)


def test_parse_date_equals_the_calendar():
    """Days 00-32 of months 00-13 of plain, leap and edge years, and malformed texts."""
    texts = [
        f"{year:04d}{month:02d}{day:02d}"
        for year in (0, 1, 1900, 1999, 2000, 2019, 2020, 2100, 9999)
        for month in range(14)
        for day in range(33)
    ]
    texts += [
        "",
        "0",
        "00000000",
        "2020011",
        "202001011",
        "2020-1-1",
        "\uff12\uff10\uff12\uff10\uff10\uff11\uff10\uff11",
    ]
    assert [parse_date(text) for text in texts] == [_calendar_date(text) for text in texts]
    assert parse_date("20200229") == 20200229 and parse_date("20190229") == _BAD


_CHARGES = ("", "11357(B) HS-POSSESS", "see comment for charge", "SEE COMMENT FOR CHARGE")


def test_court_and_arrest_rows_take_the_charge_and_level_as_the_helpers_give_them():
    """Every mix of the three charge columns, conviction statuses and types of crime.

    ``court`` and ``arrest`` find the charge and the level inline; ``_charge_text`` and
    ``_level`` are the reference (blank and ``SEE COMMENT`` columns passed over, an offence
    of conviction reading ``SEE COMMENT`` sending to the comment alone, a status not known
    giving no level, with its flag).
    """
    reader = FileReader(Path("f.csv"), 0, FileAccount("f.csv"), {}, share_values=False)
    compared = 0
    for number, (conv, offense, comment, status, conv_toc, toc) in enumerate(
        itertools.product(
            _CHARGES,
            _CHARGES,
            ("", "11360 HS-TRANSPORT"),
            ("FELONY", "misdemeanor", "", "OTHER"),
            ("", "F"),
            ("", "m"),
        )
    ):
        row = [""] * len(_KEPT_COLUMNS)
        row[_K.CNT_ORDER] = "001002003004"
        row[_K.STP_EVENT_DATE] = "20200101"
        row[_K.DISP_DESCR] = "CONVICTED"
        row[_K.CONV_OFFENSE_DESCR], row[_K.OFFENSE_DESCR], row[_K.COMMENT_TEXT] = (
            conv,
            offense,
            comment,
        )
        row[_K.CONV_STAT_DESCR], row[_K.CONV_OFFENSE_TOC], row[_K.OFFENSE_TOC] = (
            status,
            conv_toc,
            toc,
        )
        text, column = _charge_text(row)
        subject = Subject()
        row[_K.DISP_DESCR] = ""  # an arrest step with a conviction is rejected (test_doj_reading)
        assert reader.arrest(row, number, subject) == "arrest"
        assert subject.arrests["001002"][0].charge_text == text
        row[_K.DISP_DESCR] = "CONVICTED"
        if not text:
            with pytest.raises(_RowError, match="empty_charge"):
                reader.court(row, number, Subject())
            continue
        assert reader.court(row, number, subject) == "conviction"
        kept = subject.counts["001002003004"][0]
        assert (kept.charge_text, kept.charge_column) == (text, column)
        assert (kept.level, kept.level_flag) == _level(row, text)
        compared += 1
    # no charge: no offence of conviction and none charged (3), or an offence of
    # conviction sending to the comment (2 x 4), with a blank comment
    assert compared == 4 * 4 * 2 * 4 * 2 * 2 - (3 + 2 * 4) * 4 * 2 * 2


def test_parse_date_answers_the_same_when_asked_again():
    """Its cache (0 stands for None) gives each answer again, blank and malformed included."""
    texts = ["", "00000000", "0", "20200101", "20201301", "2020010", "NULL", "20190229"]
    first = [parse_date(text) for text in texts]
    assert first == [None, None, None, 20200101, _BAD, _BAD, _BAD, _BAD]
    assert [parse_date(text) for text in texts] == first


def test_disposition_cache_answers_as_the_vocabulary():
    """The reader's cache of ``vocab.disposition`` gives its answers, None included, twice."""
    texts = [
        "CONVICTED",
        "convicted-prison",
        "DISMISSED",
        "",
        "NULL",
        "NOT A DISPOSITION",
        *sorted(vocab.UPDATES),
        *sorted(vocab.PROCEDURAL_VALUES),
        *sorted(vocab.NO_CONVICTION_VALUES),
    ]
    expected = [vocab.disposition(text) for text in texts]
    assert None in expected and any(found is not None for found in expected)
    assert [_disposition(text) for text in texts] == expected
    assert [_disposition(text) for text in texts] == expected
