"""``cmr-reason check``: run legal edge cases written as fact files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cmr_reason.cli.app import app
from cmr_reason.cli.console import out_console
from cmr_reason.reasoner.case_runner import case_files, failure_report, run_case


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="Case files or folders of them.")],
    policy: Annotated[
        str | None, typer.Option("--policy", help="Run every case under this policy instead.")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show passing cases.")] = False,
) -> None:
    """Run edge cases; show expected against actual; exit 1 if any fails."""
    results = [run_case(p, policy) for p in case_files(paths)]
    failed = [r for r in results if not r.passed]
    table = Table(title=f"{len(results)} case(s), {len(failed)} failed", show_lines=False)
    for column in ("result", "case", "conviction", "check", "expected", "got"):
        table.add_column(column, overflow="fold")
    for result in results:
        if result.passed and not verbose:
            continue
        status = "[green]pass[/]" if result.passed else "[red]FAIL[/]"
        for problem in result.problems:
            table.add_row(status, escape(str(result.path)), "", "problem", escape(problem), "")
        for c in result.checks:
            if c.ok and not verbose:
                continue
            table.add_row(
                status,
                escape(str(result.path)),
                escape(c.conviction_id),
                c.what,
                escape(c.expected),
                escape(c.got),
            )
    out_console.print(table)
    for result in failed:
        out_console.print(escape(failure_report(result)), highlight=False)
    if failed:
        raise typer.Exit(1)
