"""Read the histories named on a command line: DOJ files and hand-written ``.lp`` files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cmr_reason.facts.dates import from_yyyymmdd
from cmr_reason.facts.doj.reader import DojRead
from cmr_reason.facts.history import History
from cmr_reason.facts.history_reader import LpRead, read_histories
from cmr_reason.facts.lp_reader import read_lp


@dataclass
class LoadedInput:
    """Histories from the input files, and an as-of date an ``.lp`` file may state."""

    histories: list[History] = field(default_factory=list)
    as_of: dt.date | None = None
    read: DojRead | LpRead | None = None  # the read itself (its subject ids, for hints)


def load_histories(
    paths: list[Path], encoding: str = "utf-8", only: Iterable[str] | None = None
) -> LoadedInput:
    """Read every file; an ``.lp`` file may also give the as-of date (``as_of/1``).

    ``only`` keeps just those subjects of DOJ files: one pass over a large file, holding
    only their rows.
    """
    read = read_histories(paths, encoding=encoding, only=only)
    loaded = LoadedInput(histories=list(read), read=read)
    for path in paths:
        if path.suffix.lower() == ".lp":
            as_of = read_lp(path).setting("as_of")
            if as_of:
                value = as_of[0].arguments[0].number
                loaded.as_of = from_yyyymmdd(value)
                break
    return loaded
