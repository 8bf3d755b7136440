"""The ``cmr-reason`` command-line application (typer + rich).

Each command lives in its own module and registers itself on :data:`app`.
Expected problems raise :class:`UserError`, printed as one line with exit status 2;
tracebacks never show local variables (criminal-history data stays out of them).
"""

from __future__ import annotations

import sys

import typer

from cmr_reason.cli.console import err_console
from cmr_reason.facts.errors import UserError

app = typer.Typer(
    name="cmr-reason",
    help="Automatic record clearance for California cannabis convictions (HS 11361.8).",
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Automatic record clearance for California cannabis convictions (HS 11361.8)."""
    # A callback keeps ``cmr-reason <command>`` a command group even while only one
    # command is registered (typer would otherwise run that command as the root).


def _register() -> None:
    """Import the command modules; each adds its commands to :data:`app`."""
    from cmr_reason.cli import commands  # noqa: F401


def main() -> None:
    """Console-script entry point."""
    _register()
    try:
        app()
    except UserError as exc:
        err_console.print(f"[bold red]error:[/] {exc.escaped()}")
        sys.exit(exc.exit_code)
