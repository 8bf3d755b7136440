"""``cmr-reason report``: the impact report of a finished run, as one HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cmr_reason.cli.console import err_console
from cmr_reason.reasoner.engine.remedies import remedy_codes, remedy_names
from cmr_reason.reasoner.run.directory import open_run


def report(
    run_dir: Annotated[Path, typer.Argument(help="Output directory of `cmr-reason run`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path(
        "report.html"
    ),
    compare: Annotated[
        Path | None,
        typer.Option("--compare", help="Another run of the same input to set side by side."),
    ] = None,
    suppress_below: Annotated[
        int,
        typer.Option(
            "--suppress-below",
            min=0,
            help="For publishing: hide every count from 1 to N-1, and the other counts "
            "that would let a reader work one out.",
        ),
    ] = 0,
    force: Annotated[
        bool,
        typer.Option("--force", help="Compare runs even if their inputs or as-of dates differ."),
    ] = False,
    remedy: Annotated[
        str | None,
        typer.Option(
            "--remedy",
            help="The remedies to show beside Prop 64 (comma-separated, or all; prop64 alone "
            "shows none); without it, every remedy the run decided (`run --remedy`).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a self-contained HTML impact report with charts and the tables behind them.

    A run that decided remedies beside Prop 64 (run --remedy) gets a section for each.
    """
    # Here, not at the top: every command's start would load the report's templates.
    from cmr_reason.reasoner.report.writer import ReportOptions, write_report

    run = open_run(run_dir)
    options = ReportOptions(
        suppress_below=suppress_below,
        compare=open_run(compare) if compare is not None else None,
        force=force,
        remedies=tuple(remedy_names(remedy_codes(remedy))) if remedy is not None else None,
    )
    written = write_report(run, out, options)
    for warning in options.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    err_console.print(f"Wrote {escape(str(written))}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``report`` to the application."""
    app.command()(report)
