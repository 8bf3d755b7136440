"""The ``--remedy`` option of run, explain, check, report and the workbench (one definition)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cmr_reason.reasoner.remedies import (
    PROP64,
    beside_prop64,
    manifest_remedies,
    parse_remedies,
)

RemedyOption = Annotated[
    str | None,
    typer.Option(
        "--remedy",
        help="Remedies to decide: prop64 (the default), pc1203.425, several comma-separated, "
        "or all (see `cmr-reason remedies`). Prop 64 is decided by every run.",
        show_default=False,
    ),
]


def recorded_remedies(run_dir: Path) -> tuple[str, ...]:
    """The remedies beside Prop 64 a previous run in ``run_dir`` decided (its manifest)."""
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    return manifest_remedies(manifest)


def remedy_codes(value: str | None, run_dir: Path | None = None) -> tuple[str, ...]:
    """The remedies beside Prop 64 that ``--remedy`` names; without it, a re-run's own."""
    if value is None and run_dir is not None:
        return recorded_remedies(run_dir)
    return beside_prop64(parse_remedies(value))


__all__ = ["PROP64", "RemedyOption", "recorded_remedies", "remedy_codes"]
