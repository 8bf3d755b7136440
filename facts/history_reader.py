"""Choose the reader for input files by their suffix: DOJ bulk files or hand-written histories."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cmr_reason.facts.doj_reader import DojRead, read_doj
from cmr_reason.facts.errors import UserError

DOJ_SUFFIXES = (".csv", ".txt")
LP_SUFFIXES = (".lp",)


def read_histories(paths: Sequence[str | Path], encoding: str = "utf-8") -> DojRead:
    """Read the histories in ``paths`` (all DOJ files for now; ``.lp`` comes with lp_reader)."""
    if not paths:
        raise UserError("no input files given")
    for path in paths:
        suffix = Path(path).suffix.lower()
        if suffix in LP_SUFFIXES:
            # Hook: hand-written histories will be read by facts/lp_reader.py.
            raise UserError(f"{path}: reading .lp history files is not yet supported")
        if suffix not in DOJ_SUFFIXES:
            raise UserError(
                f"{path}: unknown input type {suffix or '(no suffix)'}; "
                "expected a DOJ file (.csv, .txt) or a history (.lp)"
            )
    return read_doj(paths, encoding)
