"""Route whole DOJ files into subjects in bounded memory: serially, or in byte ranges.

:func:`stream_doj` routes each file with the reader (:mod:`cmr_reason.facts.doj.reader`), or,
with a process pool and a large file, in byte ranges at once
(:mod:`cmr_reason.facts.doj.split`), and holds the routed rows in
:class:`~cmr_reason.facts.doj.reader.Groups`, spilled to disk above a memory budget. The
result is the same as a serial read's.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path

from cmr_reason.facts.doj import split as ranges_split
from cmr_reason.facts.doj.accounting import FileAccount, RowAccount
from cmr_reason.facts.doj.excel_damage import ExcelRepair
from cmr_reason.facts.doj.reader import (
    DEFAULT_BUDGET_BYTES,
    DojStream,
    FileReader,
    Groups,
    Repairs,
    Routed,
    check_encoding,
    check_file,
    group_orphans,
    read_file,
    repair_of,
)
from cmr_reason.facts.errors import UserError


def _nothing() -> None:
    """Nothing to do while a file is routed."""


def _route_file(
    path: Path,
    index: int,
    codec: str,
    groups: Groups,
    pool: Executor | None,
    parts: int,
    repair: ExcelRepair | None = None,
    meanwhile: Callable[[], None] = _nothing,
) -> Routed:
    """Route one file into ``groups``: in byte ranges when possible, else serially.

    Byte ranges need a ``pool``, a large enough file and cuts that hold
    (:mod:`cmr_reason.facts.doj.split`). ``meanwhile`` is called once the ranges are being
    routed, else before the serial read.
    """
    if pool is not None and parts > 1:
        ranges = ranges_split.split(path, codec, parts)
        if len(ranges) > 1:
            done = ranges_split.route_in_parallel(
                path, index, codec, groups, pool, ranges, repair, meanwhile
            )
            if done is not None:
                return done
    meanwhile()
    account = FileAccount(str(path))
    reader = FileReader(path, index, account, {}, sink=groups.add, repair=repair)
    read_file(reader, codec)
    return Routed(account, reader.routed, orphans=reader.orphans)


def stream_doj(
    paths: Sequence[str | Path],
    encoding: str = "utf-8",
    budget_bytes: int = DEFAULT_BUDGET_BYTES,
    temp_dir: str | None = None,
    pool: Executor | None = None,
    parts: int = 1,
    repairs: Repairs | None = None,
    meanwhile: Callable[[], None] = _nothing,
) -> DojStream:
    """Route DOJ files, holding at most ``budget_bytes`` of rows in memory (the rest on disk).

    With a process ``pool``, a large file is cut into ``parts`` byte ranges routed at once
    (:mod:`cmr_reason.facts.doj.split`); the result is the same as a serial read's. Close
    the result (or use it as a context manager) to remove its temporary files. ``repairs``:
    each file's Excel repair, as for :func:`~cmr_reason.facts.doj.reader.read_doj`.
    ``meanwhile``: the caller's work that does not need the routed rows, called once, while
    the first file's byte ranges are routed (the caller's process waits then), else before
    its serial read; what it raises is raised.
    """
    pending = [meanwhile]

    def once() -> None:
        if pending:
            pending.pop()()

    codec = check_encoding(encoding)
    account = RowAccount()
    groups = Groups(budget_bytes, temp_dir)
    stream = DojStream(tuple(str(p) for p in paths), account, groups)
    collecting = gc.isenabled()
    gc.disable()  # routing makes no reference cycles; scanning millions of lists costs 3-4 %
    orphans: list[tuple[str, int, int]] = []
    try:
        for index, given in enumerate(paths):
            path = Path(given)
            check_file(path, codec)
            repair = repair_of(repairs, index)
            routed = _route_file(path, index, codec, groups, pool, parts, repair, once)
            account.files.append(routed.account)
            stream.routed_rows += routed.rows
            stream.reader_peaks_kib += routed.peaks_kib
            stream.reader_cpu_seconds += routed.cpu_seconds
            orphans += routed.orphans
            if routed.account.rows_in + routed.rows == 0:
                raise UserError(f"{path}: no data rows (only a header)")
        stream.orphans = group_orphans(orphans)
    except BaseException:
        groups.close()
        raise
    finally:
        if collecting:
            gc.enable()
    return stream
