"""Read the histories named on a command line: DOJ files and hand-written ``.lp`` files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cmr_reason.facts.history import History
from cmr_reason.facts.lp_reader import read_lp


@dataclass
class LoadedInput:
    """Histories from the input files, and an as-of date an ``.lp`` file may state."""

    histories: list[History] = field(default_factory=list)
    as_of: dt.date | None = None


def load_histories(paths: list[Path], encoding: str = "utf-8") -> LoadedInput:
    """Read every file; ``.lp`` files as fact histories, anything else as DOJ CSV."""
    loaded = LoadedInput()
    doj = [p for p in paths if p.suffix.lower() != ".lp"]
    for path in paths:
        if path.suffix.lower() == ".lp":
            doc = read_lp(path)
            loaded.histories += doc.histories
            as_of = doc.setting("as_of")
            if as_of and loaded.as_of is None:
                value = as_of[0].arguments[0].number
                loaded.as_of = dt.date(value // 10000, value // 100 % 100, value % 100)
    if doj:
        from cmr_reason.facts.history_reader import read_histories

        loaded.histories += list(read_histories(doj, encoding=encoding).histories)
    loaded.histories.sort(key=lambda h: h.subject_id)
    return loaded
