"""The ``cmr-reason`` command-line application (typer + rich).

Each command lives in its own module of :mod:`cmr_reason.cli.commands`, which knows nothing of
this one; its ``register`` adds it to :data:`app` here.
Expected problems raise :class:`UserError`, printed as one line with exit status 2;
tracebacks never show local variables (criminal-history data stays out of them).
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from cmr_reason.cli.commands import (
    check,
    explain,
    facts,
    file,
    policies,
    remedies,
    report,
    review,
    rules,
    run,
    summary,
    synth,
)
from cmr_reason.cli.console import err_console
from cmr_reason.facts.errors import UserError


def report_error(error: UserError) -> None:
    """Print a user error as one line on stderr."""
    err_console.print(f"[bold red]error:[/] {error.escaped()}", soft_wrap=True)


class _Group(TyperGroup):
    """Turns a :class:`UserError` raised by any command into one line and its exit status.

    Doing it here rather than only in :func:`main` makes it hold under ``CliRunner`` too.
    """

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except UserError as error:
            report_error(error)
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    name="cmr-reason",
    cls=_Group,
    help="Automatic record clearance for California cannabis convictions (HS 11361.8).",
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    add_completion=False,
)

for _command in (
    check,
    explain,
    facts,
    file,
    policies,
    remedies,
    report,
    review,
    rules,
    run,
    summary,
    synth,
):
    _command.register(app)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except UserError as exc:
        report_error(exc)
        sys.exit(exc.exit_code)
