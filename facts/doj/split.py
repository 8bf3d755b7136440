"""Route one large DOJ file in several processes, each reading a byte range of it.

The bulk run's read is otherwise serial: no batch can start before a file's last row is
routed, because a person's last row may be anywhere in it. A large file is cut at line
ends into ranges that the worker processes route at once, each into sorted run files of its
own; the parent merges them with its other runs, in reading order, so the subjects and the
row account are the same as those of a serial read.

A DOJ record is one physical line (:mod:`cmr_reason.facts.doj.lines`): a quoted field
never runs past its line, so any line end is a cut between two records, and a range reads
its lines exactly as the serial read does, line numbers included. The parent only finds the
cuts (a block read at each). The first range is routed at once; the line ends of every range
but the last are counted at the same time, each range's by a process of its own, and a later
range is routed once the ranges before it are counted: its first line's number follows the
sum of their counts, so each byte is counted once however many ranges there are (the cuts
are moved a little towards the file's end, so that a later range's wait for the counts and
its routing take about as long as the first range's routing). Only a range that cannot
be read as the serial read reads it (a lone carriage return, which text mode takes for a
line end; a byte that does not decode) gives way: the file is then read serially, which
reports what is wrong with its line. ``tests/test_doj_split.py`` checks both paths against
the serial read.

A range is decoded a block of whole lines at a time (:func:`_texts`) and routed by
:meth:`~cmr_reason.facts.doj.reader.FileReader.route_text`, which gives the same records as
reading it a line at a time (``tests/test_doj_route_text.py``); with an Excel repair, which
works on lines, it is read a line at a time (:func:`_lines`).
"""

from __future__ import annotations

import codecs
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cmr_reason.facts.doj.columns import FIELD_COUNT
from cmr_reason.facts.doj.excel_damage import ExcelRepair
from cmr_reason.facts.doj.lines import records
from cmr_reason.facts.doj.reader import (
    FileAccount,
    FileReader,
    Groups,
    Routed,
    header_width,
    merge_account,
)
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.process_stats import peak_rss_kib

#: Files smaller than this are read serially: a process start would cost more.
MIN_SPLIT_BYTES = 64 << 20
_BLOCK = 1 << 20  # bytes scanned at a time when counting line ends
#: About what a byte costs to count line ends in, as a share of what it costs to route:
#: 0.07 s of CPU to count in half the 100,000-person file, about 3.5 s to route it.
_COUNT_SHARE = 0.025
_READ_BLOCK = 1 << 22  # bytes read and decoded at a time when routing a range
_LONE_CR = re.compile(rb"\r(?!\n)")  # a carriage return that does not end a line
#: Encodings in which the bytes of ``\n``, ``\r`` and ``"`` only ever mean those characters.
BYTE_SAFE = ("utf-8", "utf-8-sig", "latin-1", "iso8859-1", "ascii", "cp1252")


@dataclass(frozen=True)
class Range:
    """Bytes ``start`` to ``end`` of a file; ``lines_before`` line ends precede ``start``.

    ``lines_before`` is None when not counted yet (:func:`route_in_parallel` counts them).
    """

    start: int
    end: int
    lines_before: int | None


@dataclass
class RangeResult:
    """What routing one range gave: run files, the rows' account, and whether it fits."""

    runs: list[Path]
    account: FileAccount
    routed: int
    failed: bool = False  # the range could not be read as the serial read reads it
    peak_kib: int = 0  # the reading process's peak memory
    cpu_seconds: float = 0.0  # CPU time the range took
    orphans: list[tuple[str, int, int]] = field(default_factory=list)  # (cii, file, line)


def split(path: Path, codec: str, parts: int, min_bytes: int | None = None) -> list[Range]:
    """Ranges cut just after line ends, each about as long to count and route; one when small.

    Only the first range's ``lines_before`` is known (0); :func:`route_in_parallel` counts
    the others', a range at a time, while the first range is routed.
    """
    size = path.stat().st_size
    whole = [Range(0, size, 0)]
    smallest = MIN_SPLIT_BYTES if min_bytes is None else min_bytes
    if parts < 2 or size < smallest or codecs.lookup(codec).name not in BYTE_SAFE:
        return whole
    if b"\n" not in _head(path):
        return whole  # not \n line ends: leave the file to the serial reader
    cuts: list[int] = []
    with path.open("rb") as handle:
        for target in _targets(size, parts):
            cut = _line_end_after(handle, max(target, cuts[-1] if cuts else 0))
            if cut is None:
                break
            cuts.append(cut)
    starts = [0, *cuts]
    ends = [*cuts, size]
    return [Range(s, e, 0 if s == 0 else None) for s, e in zip(starts, ends, strict=True) if e > s]


def _targets(size: int, parts: int) -> list[int]:
    """Where to cut ``size`` bytes into ``parts`` that take about as long each.

    The first range is routed at once: it takes its length ``L``. Every range but the last
    is counted at once, at about ``_COUNT_SHARE`` (``a``) of a routed byte's cost, each by a
    process of its own, so the counts a later range waits for are done when the longest,
    the first range's, is: ``a L``; a later range then routes its length ``(1 - a) L``.
    """
    a = _COUNT_SHARE
    length = size / (1 + (parts - 1) * (1 - a))
    return [int(length + (k - 1) * (1 - a) * length) for k in range(1, parts)]


def _line_end_after(handle: BinaryIO, offset: int) -> int | None:
    """The offset just after the first line feed at or after ``offset``; None if none."""
    handle.seek(offset)
    while block := handle.read(_BLOCK):
        found = block.find(b"\n")
        if found >= 0:
            return offset + found + 1
        offset += len(block)
    return None


def line_feeds(path: Path, start: int, end: int) -> int:
    """The line feeds in bytes ``start`` to ``end`` of ``path`` (a range's own)."""
    count = 0
    left = end - start
    buffer = bytearray(_BLOCK)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as handle:
        handle.seek(start)
        while left > 0:
            got = handle.readinto(view[: min(_BLOCK, left)])
            if not got:
                break
            count += buffer.count(b"\n", 0, got)
            left -= got
    return count


def lines_before(path: Path, end: int) -> int:
    """The line feeds in the first ``end`` bytes of ``path``."""
    return line_feeds(path, 0, end)


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(1 << 16)


class _LoneCarriageReturn(Exception):
    """A carriage return not ending a line: the serial reader counts it as a line end."""


def _lines(path: Path, part: Range, codec: str) -> Iterator[str]:
    """The range's lines, decoded (a byte order mark only at the start of the file).

    Lines end at a line feed only; the serial reader (text mode, ``newline=""``) also ends
    one at a lone carriage return, so a range holding one gives way to the serial read.
    """
    decode = codecs.getdecoder(codec if part.start == 0 else codec.removesuffix("-sig"))
    with path.open("rb") as handle:
        handle.seek(part.start)
        remaining = part.end - part.start
        for raw in handle:
            if remaining <= 0:
                return
            remaining -= len(raw)
            if b"\r" in raw.rstrip(b"\r\n") or raw.endswith(b"\r"):
                raise _LoneCarriageReturn
            yield decode(raw)[0]


def _texts(path: Path, part: Range, codec: str) -> Iterator[str]:
    """The range's text, decoded a block of whole lines at a time.

    A byte order mark is dropped at the start of the file only, as the serial read does.
    Raises :class:`_LoneCarriageReturn` for a carriage return not followed by a line feed.
    """
    decode = codecs.getdecoder(codec if part.start == 0 else codec.removesuffix("-sig"))
    rest = codecs.getdecoder(codec.removesuffix("-sig"))
    carry = b""
    with path.open("rb") as handle:
        handle.seek(part.start)
        remaining = part.end - part.start
        while remaining > 0:
            data = handle.read(min(_READ_BLOCK, remaining))
            if not data:
                break
            remaining -= len(data)
            if carry:
                data = carry + data
            if remaining > 0:
                cut = data.rfind(b"\n") + 1
                data, carry = data[:cut], data[cut:]
                if not data:
                    continue
            else:
                carry = b""
            if _LONE_CR.search(data):
                raise _LoneCarriageReturn
            yield decode(data)[0]
            decode = rest
    if carry:  # the range ended inside a line (its cut is not at a line end)
        if _LONE_CR.search(carry):
            raise _LoneCarriageReturn
        yield decode(carry)[0]


def route_range(
    path: Path,
    index: int,
    part: Range,
    codec: str,
    budget: int,
    temp_dir: str,
    tag: str,
    width: int = FIELD_COUNT,
    repair: ExcelRepair | None = None,
) -> RangeResult:
    """Route one range into sorted run files in ``temp_dir`` (runs in a worker process).

    The range's ``lines_before`` must be counted. ``width`` is the number of fields the
    file's header fixes for its rows (:func:`cmr_reason.facts.doj.reader.header_width`): a
    range after the first has no header. ``repair``: the file's Excel repair, if any.
    """
    cpu_started = time.process_time()
    before = part.lines_before
    if before is None:
        raise ValueError("route_range needs the line ends before its range counted")
    account = FileAccount(str(path))
    groups = Groups(budget, None, run_dir=Path(temp_dir), run_tag=tag)
    reader = FileReader(path, index, account, {}, sink=groups.add, width=width, repair=repair)
    failed = False
    try:
        if repair is None:
            reader.route_text(_texts(path, part, codec), before + 1, groups)
        else:
            text = _lines(path, part, codec)
            reader.read(records(repair.lines(text), before + 1), part.start == 0)
    except (UnicodeError, UserError, _LoneCarriageReturn):
        failed = True  # the serial read reports it, with its line
    groups.spill()
    cpu = time.process_time() - cpu_started
    return RangeResult(
        groups.runs, account, reader.routed, failed, peak_rss_kib(), cpu, reader.orphans
    )


def route_in_parallel(
    path: Path,
    index: int,
    codec: str,
    groups: Groups,
    pool: Executor,
    parts: list[Range],
    repair: ExcelRepair | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> Routed | None:
    """Route ``parts`` of one file on ``pool``, or None to read the file serially.

    None when a range could not be read as the serial read reads it (the serial read then
    says what is wrong, with its line). The first range is routed at once, the line ends of
    the others before it counted at once, a range each (:func:`line_feeds`); a later range
    is submitted once those before it are counted, its first line numbered after their sum.
    The ranges' run files join ``groups`` in reading order; their accounts are merged.
    ``meanwhile`` is called once the ranges are submitted, in this process, which only waits
    for them.
    """
    groups.spill()  # rows held from earlier files go first: runs merge in reading order
    temp_dir = groups.run_directory()
    width = header_width(path, codec, repair)

    def routed(k: int, part: Range) -> Future[RangeResult]:
        return pool.submit(route_range, path, index, part, codec, groups.budget,
                           str(temp_dir), f"{index}-{k}-", width, repair)  # fmt: skip

    first = parts[0]
    futures = [routed(0, first)]
    counts = [pool.submit(line_feeds, path, part.start, part.end) for part in parts[:-1]]
    before = first.lines_before if first.lines_before is not None else 0
    for k, part in enumerate(parts[1:], start=1):
        before += counts[k - 1].result()
        futures.append(routed(k, Range(part.start, part.end, before)))
    if meanwhile is not None:
        meanwhile()
    results = [future.result() for future in futures]
    if any(result.failed for result in results):
        _remove(results)
        return None
    account = FileAccount(str(path))
    for result in results:
        merge_account(account, result.account)
        groups.runs.extend(result.runs)
    return Routed(
        account,
        sum(result.routed for result in results),
        [result.peak_kib for result in results],
        sum(result.cpu_seconds for result in results),
        [orphan for result in results for orphan in result.orphans],
    )


def _remove(results: list[RangeResult]) -> None:
    for result in results:
        for run in result.runs:
            run.unlink(missing_ok=True)
