"""Every physical line exactly once, line by line: the reader's own account, read in-process.

A run publishes counts (``summary.json``) and the rejected lines (``rejects.csv``), not the
used and irrelevant lines. :func:`line_account` reads a file with the bulk run's reader
(routing, then the *using* step a few thousand people at a time), serially or in byte
ranges on a pool, and keeps the number of every line in each of the three; :func:`check_lines`
checks that they cover the file's lines exactly once and agree with the run's outputs.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import Executor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from cmr_reason.facts.doj.reader import use_rows
from cmr_reason.facts.doj.stream import stream_doj

from .check import Verdict
from .runs import RunResult, rejects

_BATCH = 2000  # people a use_rows call takes


@dataclass
class LineAccount:
    """Where each line of one file went, by the reader's own account."""

    used: list[int] = field(default_factory=list)
    irrelevant: list[int] = field(default_factory=list)
    rejected: dict[int, tuple[str, str]] = field(default_factory=dict)  # line -> reason, subject
    rejected_count: int = 0
    used_by_kind: Counter[str] = field(default_factory=Counter)
    irrelevant_by_kind: Counter[str] = field(default_factory=Counter)


def line_account(
    path: Path,
    encoding: str = "utf-8",
    *,
    pool: Executor | None = None,
    parts: int = 1,
    temp_dir: str | None = None,
) -> LineAccount:
    """Read one file as the bulk run does and return where each of its lines went."""
    with stream_doj([path], encoding, pool=pool, parts=parts, temp_dir=temp_dir) as stream:
        items = stream.items()
        while batch := list(islice(items, _BATCH)):
            _, accounts = use_rows(batch, stream.files, stream.orphans)
            stream.absorb(accounts)
        (account,) = stream.account.files
    found = LineAccount(list(account.used_lines), list(account.irrelevant_lines))
    found.rejected = {r.line: (r.reason, r.subject_id) for r in account.listed()}
    found.rejected_count = len(account.rejects)
    found.used_by_kind = Counter(account.used)
    found.irrelevant_by_kind = Counter(account.irrelevant)
    return found


def check_lines(
    verdict: Verdict, found: LineAccount, data_lines: int, result: RunResult, label: str
) -> None:
    """Each line after the header once in ``found``, which agrees with the run's outputs."""
    every = sorted([*found.used, *found.irrelevant, *found.rejected])
    if found.rejected_count != len(found.rejected) or every != list(range(2, data_lines + 2)):
        seen = Counter(every)
        twice = sorted(n for n, k in seen.items() if k > 1)[:5]
        missing = sorted(set(range(2, data_lines + 2)) - seen.keys())[:5]
        verdict.violate("line_sets", f"{label}: lines twice {twice}, missing {missing}")
    if result.out is None:
        return
    summary = result.summary_input
    published = {
        int(row["source_line"]): (row["reason"], row["subject_id"]) for row in rejects(result.out)
    }
    if (
        published != found.rejected
        or summary["used_by_kind"] != dict(found.used_by_kind)
        or summary["irrelevant_by_kind"] != dict(found.irrelevant_by_kind)
    ):
        differ = sorted(set(published.items()) ^ set(found.rejected.items()))[:3]
        verdict.violate("serial_parallel", f"{label} read differs from the run's: {differ}")
