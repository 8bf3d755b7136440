"""One fuzzed file from end to end: mutate, run ``cmr-reason run``, check the guarantees."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from .accounting import check_lines, line_account
from .check import CleanRun, Verdict, check, check_whole_file
from .kinds import Kind
from .mutate import MutationLog, mutate_file
from .runs import run


@dataclass(frozen=True)
class Settings:
    """How a fuzzed file is run and checked."""

    workers: int = 2
    policy: str = "statute"
    people_share: float = 0.3
    exact: bool = True  # also read the file in-process and check every line's account
    pool: Executor | None = None  # with ``parts``: that in-process read in byte ranges
    parts: int = 1


def fuzz_file(
    clean: CleanRun,
    kinds: Sequence[Kind],
    *,
    seed: int,
    rows: int,
    work: Path,
    name: str,
    settings: Settings = Settings(),
) -> tuple[Verdict, MutationLog]:
    """Mutate the clean file into ``work/NAME.csv``, run it, and check the guarantees.

    A file holding a byte that is not UTF-8 must fail as a whole with a one-line error; it
    is then run again as Latin-1 (every other byte of a synthetic file is ASCII) and checked
    as any other.
    """
    path = work / f"{name}.csv"
    log = mutate_file(
        clean.path, path, kinds, seed=seed, rows=rows, people_share=settings.people_share
    )
    encoding = "utf-8"
    first: Verdict | None = None
    if log.whole_file:
        out = work / f"{name}-utf8-run"
        refused = run([path], out, workers=settings.workers, policy=settings.policy)
        first = Verdict(path.name)
        check_whole_file(log, refused, first)
        shutil.rmtree(out, ignore_errors=True)
        encoding = "latin-1"
    result = run(
        [path],
        work / f"{name}-run",
        workers=settings.workers,
        policy=settings.policy,
        encoding=encoding,
    )
    verdict = check(clean, log, result)
    if first is not None:
        for code, count in first.violations.items():
            verdict.violations[code] += count
            verdict.examples.setdefault(code, []).extend(first.examples[code])
    if settings.exact and result.out is not None:
        found = line_account(
            path, encoding, pool=settings.pool, parts=settings.parts, temp_dir=str(work)
        )
        label = "ranged" if settings.parts > 1 else "serial"
        check_lines(verdict, found, log.data_lines, result, label)
    return verdict, log
