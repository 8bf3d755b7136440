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
    """Histories from the input files, and the settings an ``.lp`` file may state.

    ``as_of``, ``policy`` and ``scope_county``: the first ``.lp`` file's that states each;
    ``extra_facts``: every ``.lp`` file's policy parameters and reviewers' decisions, as
    ``cmr-reason check`` passes them to the programs.
    """

    histories: list[History] = field(default_factory=list)
    as_of: dt.date | None = None
    read: DojRead | LpRead | None = None  # the read itself (its subject ids, for hints)
    policy: str | None = None
    scope_county: str = ""
    extra_facts: str = ""


def load_histories(
    paths: list[Path], encoding: str = "utf-8", only: Iterable[str] | None = None
) -> LoadedInput:
    """Read every file; an ``.lp`` file may also give settings (:class:`LoadedInput`).

    ``only`` keeps just those subjects of DOJ files: one pass over a large file, holding
    only their rows.
    """
    read = read_histories(paths, encoding=encoding, only=only)
    loaded = LoadedInput(histories=list(read), read=read)
    for path in paths:
        if path.suffix.lower() != ".lp":
            continue
        doc = read_lp(path)
        as_of = doc.as_of()
        if as_of is not None and loaded.as_of is None:
            loaded.as_of = from_yyyymmdd(as_of)
        loaded.policy = loaded.policy or doc.policy()
        loaded.scope_county = loaded.scope_county or doc.scope_county()
        loaded.extra_facts += doc.setting_facts()
    return loaded
