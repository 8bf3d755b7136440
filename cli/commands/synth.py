"""``cmr-reason synth``: write a synthetic DOJ bulk file (issue #9)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cmr_reason.cli.console import err_console
from cmr_reason.facts.synth.generator import MIXES, SynthStats, write_file


def synth(
    people: Annotated[int, typer.Option("--people", min=0, help="Number of people to invent.")],
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Random seed; the same seed gives the same file.")
    ],
    out: Annotated[
        Path, typer.Option("--out", dir_okay=False, help="CSV file to write (95 columns).")
    ],
    county: Annotated[
        str,
        typer.Option(
            "--county", help="County of the file: every person has a cannabis conviction there."
        ),
    ] = "LOS ANGELES",
    malformed_rate: Annotated[
        float,
        typer.Option(
            "--malformed-rate", min=0.0, max=1.0, help="Share of rows damaged on purpose (0-1)."
        ),
    ] = 0.0,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    mix: Annotated[
        str,
        typer.Option(
            "--mix",
            help=f"What the file is for: {' or '.join(MIXES)} (a file for the petition "
            "remedies: docs/synth.md).",
        ),
    ] = "prop64",
) -> None:
    """Write a synthetic DOJ criminal-history file (invented people, not real data)."""
    started = time.perf_counter()
    stats = write_file(out, people, seed, county, malformed_rate, overwrite=force, mix=mix)
    _summary(out, stats, time.perf_counter() - started)


def _summary(out: Path, stats: SynthStats, seconds: float) -> None:
    """Print what was written, on stderr."""
    table = Table(title=f"synthetic DOJ file {escape(str(out))}", show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    rate = stats.rows / seconds if seconds > 0 else 0.0
    table.add_row("people", f"{stats.people:,}")
    table.add_row("rows", f"{stats.rows:,} ({stats.rows_per_person:.2f} per person)")
    table.add_row(
        "convictions", f"{stats.convictions:,} ({stats.convictions_per_person:.2f} per person)"
    )
    table.add_row("cannabis convictions", f"{stats.cannabis_convictions:,}")
    table.add_row("malformed rows", f"{stats.malformed_rows:,}")
    table.add_row("time", f"{seconds:.2f} s ({rate:,.0f} rows/s)")
    err_console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``synth`` to the application."""
    app.command("synth")(synth)
