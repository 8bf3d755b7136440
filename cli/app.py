"""The ``cmr-reason`` command-line application (typer + rich).

Each command lives in its own module and registers itself on :data:`app`.
Expected problems raise :class:`UserError`, printed as one line with exit status 2;
tracebacks never show local variables (criminal-history data stays out of them).
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from cmr_reason.cli.console import err_console
from cmr_reason.facts.errors import UserError


def report(error: UserError) -> None:
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
            report(error)
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    name="cmr-reason",
    cls=_Group,
    help="Automatic record clearance for California cannabis convictions (HS 11361.8).",
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    add_completion=False,
)


def _register() -> None:
    """Import the command modules; each adds its commands to :data:`app`."""
    from cmr_reason.cli import commands  # noqa: F401


def main() -> None:
    """Console-script entry point."""
    _register()
    try:
        app()
    except UserError as exc:
        report(exc)
        sys.exit(exc.exit_code)
