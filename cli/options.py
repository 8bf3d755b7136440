"""Options shared by several commands (one definition each, as typer ``Annotated`` aliases)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from cmr_reason.facts.errors import UserError

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Evaluation date YYYY-MM-DD (ages, completed sentences, look-back windows). "
        "Every run states it; nothing reads the clock.",
        show_default=False,
    ),
]
PolicyOption = Annotated[
    str,
    typer.Option(
        "--policy",
        help="Policy name (see `cmr-reason policies`) or a path to a policy .lp or .toml file.",
    ),
]
RunPolicyOption = Annotated[
    str | None,
    typer.Option(
        "--policy",
        help="Policy name (see `cmr-reason policies`) or a path to a policy .lp or .toml file "
        "[default: an .lp input's policy/1, else statute; for a run folder, the run's "
        "policy].",
        show_default=False,
    ),
]
RemedyOption = Annotated[
    str | None,
    typer.Option(
        "--remedy",
        help="Remedies to decide: prop64 (the default), pc1203.425, several comma-separated, "
        "or all (see `cmr-reason remedies`). Prop 64 is decided by every run.",
        show_default=False,
    ),
]
RulesRemedyOption = Annotated[
    str | None,
    typer.Option(
        "--remedy",
        help="Remedies whose rules to list, as for `run --remedy`: prop64, pc1203.425, several "
        "comma-separated, or all (see `cmr-reason remedies`) [default: all]. Prop 64's rules "
        "are always listed, each other remedy's under its own heading.",
        show_default=False,
    ),
]
EncodingOption = Annotated[
    str, typer.Option("--encoding", help="Text encoding of DOJ input files, e.g. latin-1.")
]


def parse_as_of(value: str | None, fallback: dt.date | None = None) -> dt.date:
    """Parse ``--as-of``; without it use ``fallback`` (e.g. a case file's ``as_of``)."""
    if value is None:
        if fallback is not None:
            return fallback
        raise UserError("give the evaluation date with --as-of YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"--as-of must be a date YYYY-MM-DD, got {value!r}") from None


InputFiles = Annotated[
    list[Path],
    typer.Argument(
        help="DOJ bulk files (.csv, .txt) or .lp histories; several files are read as one "
        "record set.",
        show_default=False,
    ),
]
