"""``cmr-reason serve``, ``users`` and ``decisions``: the reviewers' workbench from the shell.

``serve`` needs the optional ``review`` extra (Flask, waitress); the other commands use the
standard library only, so a data team can create users and export decisions anywhere.
"""

from __future__ import annotations

import ipaddress
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cmr_reason.cli.app import app
from cmr_reason.cli.console import err_console
from cmr_reason.cli.review_auth import hash_password
from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.decision_facts import write_decisions
from cmr_reason.reasoner.review_db import ReviewDB, default_db_path

users_app = typer.Typer(
    help="Reviewers and supervisors of the workbench.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
decisions_app = typer.Typer(
    help="Reviewers' decisions: export them for a run or an archive.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(users_app, name="users")
app.add_typer(decisions_app, name="decisions")


class Role(StrEnum):
    """Workbench roles."""

    reviewer = "reviewer"
    supervisor = "supervisor"


RunDirArgument = Annotated[
    Path, typer.Argument(help="The run directory (output of `cmr-reason run`).", show_default=False)
]
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", help="Review database (default: RUN_DIR/review.sqlite3).", show_default=False
    ),
]


def _db_path(run_dir: Path, db: Path | None) -> Path:
    if not run_dir.is_dir():
        raise UserError(f"not a run directory: {run_dir}")
    return db if db is not None else default_db_path(run_dir)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve_command(
    run_dir: RunDirArgument,
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    host: Annotated[
        str, typer.Option(help="Address to listen on; keep the default to stay on this machine.")
    ] = "127.0.0.1",
    db: DbOption = None,
    threads: Annotated[int, typer.Option(min=1, max=32, help="Request threads.")] = 4,
) -> None:
    """Start the reviewers' workbench over a finished run (a local web app)."""
    db_path = _db_path(run_dir, db)
    if not db_path.is_file():
        raise UserError(
            f"no review database at {db_path}; create the first user with "
            f"`cmr-reason users add NAME --role supervisor {run_dir}`"
        )
    try:
        from waitress import serve

        from cmr_reason.cli.review_app import create_app
    except ImportError:
        raise UserError(
            "the workbench needs the 'review' extra: pip install 'cmr-reason[review]'"
        ) from None
    if not _is_loopback(host):
        err_console.print(
            f"[bold yellow]warning:[/] listening on {escape(host)}: other machines can reach "
            "the workbench, and plain HTTP carries names and dates of birth unencrypted"
        )
    err_console.print(
        "Opening the run; a first start also indexes its input and output rows "
        "(about 2 minutes for a million people)"
    )
    web = create_app(run_dir, db_path, host)
    err_console.print(f"Workbench on http://{escape(host)}:{port}/ (Ctrl-C to stop)")
    serve(web, host=host, port=port, threads=threads, ident="cmr-reason")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . - _).")],
    run_dir: RunDirArgument,
    role: Annotated[Role, typer.Option("--role", help="reviewer or supervisor.")] = Role.reviewer,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a user (creates the review database, mode 600, when missing)."""
    db_path = _db_path(run_dir, db)
    password = _read_password(password_stdin)
    database = ReviewDB.create(db_path)
    database.add_user(name, role.value, hash_password(password))
    err_console.print(f"Added {role.value} {escape(name)} to {escape(str(db_path))}")


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="User name.")],
    run_dir: RunDirArgument,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Set a user's password."""
    database = ReviewDB.open_existing(_db_path(run_dir, db))
    database.set_password(name, hash_password(_read_password(password_stdin)))
    err_console.print(f"Password of {escape(name)} changed")


@users_app.command("list")
def users_list(run_dir: RunDirArgument, db: DbOption = None) -> None:
    """List the users and their roles."""
    database = ReviewDB.open_existing(_db_path(run_dir, db))
    for user in database.users():
        typer.echo(f"{user.name}\t{user.role}")


@decisions_app.command("export")
def decisions_export(
    run_dir: RunDirArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="A .csv or .json file to write.")],
    db: DbOption = None,
) -> None:
    """Export every decision (the whole audit trail) for `run --decisions FILE`."""
    database = ReviewDB.open_existing(_db_path(run_dir, db))
    count = write_decisions(database.decisions(), out)
    err_console.print(f"Wrote {count} decision(s) to {escape(str(out))}")
