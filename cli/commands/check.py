"""``cmr-reason check``: run legal edge cases written as fact files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cmr_reason.cli.console import out_console
from cmr_reason.cli.options import RemedyOption
from cmr_reason.cli.records import Column, print_records
from cmr_reason.reasoner.engine.case_runner import case_files, failure_report, run_case
from cmr_reason.reasoner.engine.remedies import remedy_codes


def check(
    paths: Annotated[list[Path], typer.Argument(help="Case files or folders of them.")],
    policy: Annotated[
        str | None, typer.Option("--policy", help="Run every case under this policy instead.")
    ] = None,
    remedy: RemedyOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show passing cases.")] = False,
) -> None:
    """Run edge cases; show expected against actual; exit 1 if any fails."""
    loaded = remedy_codes(remedy)
    results = [run_case(p, policy, loaded) for p in case_files(paths)]
    failed = [r for r in results if not r.passed]
    if not failed and not verbose:
        noun = "case passes" if len(results) == 1 else f"{len(results)} cases pass"
        out_console.print(f"[green]{'the one ' if len(results) == 1 else 'all '}{noun}[/]")
        return
    rows: list[tuple[str, str, str, str, str]] = []
    for result in results:
        if result.passed and not verbose:
            continue
        key = f"{'pass' if result.passed else 'FAIL'} {result.path}"
        for problem in result.problems:
            rows.append((key, "", "problem", problem, ""))
        for c in result.checks:
            if c.ok and not verbose:
                continue
            rows.append((key, c.conviction_id, c.what, c.expected, c.got))
    columns = (
        Column("case", no_wrap=True),
        Column("conviction", no_wrap=True),
        Column("check"),
        Column("expected"),
        Column("got"),
    )
    title = f"{len(results)} case(s), {len(failed)} failed"
    print_records(out_console, columns, rows, title=title)
    for result in failed:
        out_console.print(escape(failure_report(result)), highlight=False)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``check`` to the application."""
    app.command()(check)
