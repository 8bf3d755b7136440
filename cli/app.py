"""The ``cmr-reason`` command-line application (typer + rich).

Each command lives in its own module and registers itself on :data:`app`.
Expected problems raise :class:`UserError`, shown as one line with exit status 2;
tracebacks never show local variables (criminal-history data stays out of them).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from cmr_reason.cli.console import err_console
from cmr_reason.facts.errors import UserError


class UserErrorGroup(TyperGroup):
    """A command group that shows a :class:`UserError` as one line, not a traceback."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a UserError becomes one line on stderr and its exit code."""
        try:
            return super().invoke(ctx)
        except UserError as exc:
            err_console.print(f"[bold red]error:[/] {exc.escaped()}", soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    name="cmr-reason",
    cls=UserErrorGroup,
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
    app()
