r"""Where each subject's rows lie in a DOJ file, and one subject's history read from there alone.

The workbench needs one person's history at a time from files too large to hold in memory.
:func:`locate_rows` reads a file once, routing its rows exactly as :func:`read_doj` does,
and reports the subject, line and byte offset of every row routed to a subject (rows that
belong to nobody, or to an ignored step, never reach a history). :func:`history_at` seeks
to those offsets, parses each record and hands it to the reader's own routing and *using*
steps, in file order, so the history is the one a whole read builds: same rows, line
numbers, flags and duplicates.

Offsets need the lines as the reader sees them. It reads in text mode with ``newline=""``,
which ends a line at ``\n``, ``\r\n`` or a lone ``\r``; :class:`_Lines` cuts the bytes
at the same places, so the lines, and their numbers, are the same (one record a line,
:mod:`cmr_reason.facts.doj.lines`). That holds for encodings whose bytes for ``\n`` and
``\r`` mean nothing else (:data:`BYTE_SAFE`: UTF-8, Latin-1, ...).
"""

from __future__ import annotations

import codecs
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

from cmr_reason.facts.doj.accounting import FileAccount
from cmr_reason.facts.doj.excel_damage import ExcelRepair
from cmr_reason.facts.doj.history_builder import build_history
from cmr_reason.facts.doj.lines import Record, parse_line, records
from cmr_reason.facts.doj.reader import (
    CII_IDENTITY,
    FileReader,
    Orphans,
    Repairs,
    _RowError,
    attach_orphans,
    check_encoding,
    header_width,
    line_subject,
    reading_errors,
    repair_of,
)
from cmr_reason.facts.doj.rows import Subject
from cmr_reason.facts.doj.split import BYTE_SAFE
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.history import History

_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")  # just after a carriage return that ends a line

#: ``(file index, line, byte offset)`` of one row: where :func:`history_at` finds it.
Span = tuple[int, int, int]


class OffsetMismatch(UserError):
    """A row read at a recorded offset belongs to another subject: the offsets are stale."""


def codec_of(encoding: str) -> str | None:
    """The codec the reader would use for ``encoding``, or None when offsets cannot work."""
    codec = check_encoding(encoding)
    return codec if codecs.lookup(codec).name in BYTE_SAFE else None


def _pieces(raw: bytes) -> list[bytes]:
    r"""A binary line (ending at ``\n``) cut where text mode also ends one: at a lone ``\\r``."""
    found = raw.find(b"\r")
    if found < 0 or (found == len(raw) - 2 and raw.endswith(b"\n")):
        return [raw]
    return [piece for piece in _LONE_CR.split(raw) if piece]


class _Lines:
    """The decoded lines of a binary file from byte ``start``, with the offset of each."""

    def __init__(self, handle: BinaryIO, codec: str, start: int) -> None:
        self.handle = handle
        # A byte order mark is only skipped at the start of the file, as in text mode.
        name = codec if start == 0 else codec.removesuffix("-sig")
        self.decode = codecs.getincrementaldecoder(name)().decode
        self.offset = start  # just after the last line handed out
        self.starts: deque[int] = deque()  # where each line handed out and not taken began

    def __iter__(self) -> Iterator[str]:
        readline = self.handle.readline
        while raw := readline():
            for piece in _pieces(raw):
                start = self.offset
                self.offset += len(piece)
                text = self.decode(piece)
                if text:  # a lone byte order mark decodes to nothing: not a line
                    self.starts.append(start)
                    yield text
        tail = self.decode(b"", True)  # raises on a sequence cut off at the end
        if tail:
            self.starts.append(self.offset)
            yield tail

    def take(self) -> int:
        """The byte offset where the next line not yet taken began (one record a line)."""
        return self.starts.popleft()


def locate_rows(
    path: Path,
    index: int,
    encoding: str,
    found: Callable[[str, int, int], None],
    orphan: Callable[[str, int], None] | None = None,
    repair: ExcelRepair | None = None,
) -> None:
    """Call ``found(subject_id, line, offset)`` for each row of ``path`` routed to a subject.

    A rejected line that names its subject is routed to it too (it makes the subject's
    record incomplete); one that names none but holds a CII number is reported as
    ``orphan(cii, line)`` (:func:`cmr_reason.facts.doj.reader.orphan_key`). ``index`` is
    the file's place among the run's inputs; ``repair`` its Excel repair, if any. Raises
    :class:`UserError` for an encoding offsets cannot cut, and as :func:`read_doj` does for
    an unreadable file.
    """
    codec = codec_of(encoding)
    if codec is None:
        raise UserError(f"{path}: rows cannot be located by byte offset in {encoding}")
    current = [0]

    def sink(sid: str, kind: str, line: int, fields: tuple[str, ...], file_index: int) -> None:
        found(sid, line, current[0])

    reader = FileReader(path, index, FileAccount(str(path)), {}, sink=sink, repair=repair)
    with path.open("rb") as handle:
        lines = _Lines(handle, codec, 0)
        text = lines if repair is None else repair.lines(lines)

        def located() -> Iterator[Record]:
            for record in records(text):  # one record a physical line, in order
                current[0] = lines.take()
                yield record

        with reading_errors(path, codec):
            reader.read(located())
    if orphan is not None:
        for cii, _, line in reader.orphans:
            orphan(cii, line)


def _line_at(handle: BinaryIO, codec: str, offset: int) -> str:
    """The one physical line that starts at byte ``offset``, decoded."""
    handle.seek(offset)
    return next(iter(_Lines(handle, codec, offset)), "")


def history_at(
    subject_id: str,
    spans: Sequence[Span],
    paths: Sequence[Path],
    encoding: str = "utf-8",
    orphans_of: Callable[[str], Orphans] | None = None,
    repairs: Repairs | None = None,
) -> History | None:
    """The history of ``subject_id`` from its rows at ``spans``; None when it has none.

    ``paths`` are the files the spans were located in, in the same order (their names
    label the history's sources, as in ``read_histories(paths)``). ``orphans_of(cii)``
    gives the rejected lines that name no subject but hold that CII number (as
    :func:`read_doj` attaches them); ``repairs`` each file's Excel repair, if any. Raises
    :class:`OffsetMismatch` when a span holds another subject's row.
    """
    codec = codec_of(encoding)
    if codec is None:
        raise UserError(f"rows cannot be located by byte offset in {encoding}")
    subjects: dict[str, Subject] = {}
    for index, group in groupby(sorted(spans), key=itemgetter(0)):
        path = paths[index]
        repair = repair_of(repairs, index)
        reader = FileReader(path, index, FileAccount(str(path)), subjects, repair=repair)
        reader.width = header_width(path, codec, repair)
        with path.open("rb") as handle, reading_errors(path, codec):
            for _, line, offset in group:
                text = _line_at(handle, codec, offset)
                raw, damage = parse_line(text if repair is None else repair.line(text))
                if line_subject(raw) != subject_id:
                    raise OffsetMismatch(
                        f"{path}: line {line} is not a row of {subject_id}: "
                        "the subject index does not match the file"
                    )
                # A rejected row is rejected as a whole read rejects it (its subject marked).
                try:
                    if damage is not None:
                        raise _RowError(damage.reason, damage.detail, subject_id)
                    reader.row(raw, line)
                except _RowError as problem:
                    reader.rejected(line, problem)
    subject = subjects.get(subject_id)
    if subject is None:
        return None
    if orphans_of is not None:
        attach_orphans(subject, orphans_of(subject.identity[CII_IDENTITY]))
    return build_history(subject_id, subject, tuple(map(str, paths)))
