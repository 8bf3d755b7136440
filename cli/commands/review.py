"""``cmr-reason serve``, ``users`` and ``decisions``: the reviewers' workbench from the shell.

Everything here needs the optional ``review`` extra: ``serve`` for Flask and waitress, the
``users`` commands for werkzeug's password hashing. ``decisions export``, ``verify`` and
``migrate`` use the standard library and pydantic only. Every command runs with a umask of
077, so whatever it creates (the database, its journal, the keys, an export) is owner-only.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cmr_reason.cli.console import err_console
from cmr_reason.cli.workbench.auth import hash_password
from cmr_reason.cli.workbench.paths import AllowedFolders
from cmr_reason.cli.workbench.workspace import Workspace
from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.review.db import ReviewDB
from cmr_reason.reasoner.review.decision_files import (
    key_candidates,
    read_verified,
    signature_path,
    write_export,
)
from cmr_reason.reasoner.review.migrate import migrate_database
from cmr_reason.reasoner.run.contents import default_db_path, key_path
from cmr_reason.reasoner.run.directory import open_run

users_app = typer.Typer(
    help="Reviewers and supervisors of the workbench.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
decisions_app = typer.Typer(
    help="Reviewers' decisions: export, verify, or sign an older database.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


class Role(StrEnum):
    """Workbench roles."""

    reviewer = "reviewer"
    supervisor = "supervisor"


RunDirArgument = Annotated[
    Path,
    typer.Argument(
        help="The run directory (output of `cmr-reason run`), or a workspace "
        "(`serve --workspace`).",
        show_default=False,
    ),
]
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", help="Review database (default: RUN_DIR/review.sqlite3).", show_default=False
    ),
]


def _db_path(
    run_dir: Path, db: Path | None, *, whole_run: bool = False, workspace_ok: bool = False
) -> Path:
    """The review database of a run folder (or, with ``workspace_ok``, of a workspace).

    With ``whole_run`` (``serve``, ``users add``: they make a database or open the run) the
    folder must hold a run, checked first, before any password prompt, database or index:
    a folder that is not a run says so in one line. ``workspace_ok`` (``users add``) also
    accepts a workspace (docs/workbench.md): an empty folder, or one holding ``runs/`` or a
    review database and no manifest. The other commands need an existing database, which
    says so itself.
    """
    os.umask(0o077)  # anything created from here on is owner-only
    if workspace_ok and _is_workspace(run_dir):
        pass
    elif whole_run:
        open_run(run_dir)
    elif not run_dir.is_dir():
        raise UserError(f"not a run directory: {run_dir}")
    return db if db is not None else default_db_path(run_dir)


def _is_workspace(folder: Path) -> bool:
    """``folder`` is (or can become) a workspace: no run, and empty or holding runs or users."""
    if not folder.is_dir() or (folder / "manifest.json").exists():
        return False
    return (
        not any(folder.iterdir()) or (folder / "runs").is_dir() or default_db_path(folder).is_file()
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_command(
    run_dir: Annotated[
        Path | None,
        typer.Argument(
            help="The run directory (output of `cmr-reason run`); or give --workspace.",
            show_default=False,
        ),
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    host: Annotated[
        str, typer.Option(help="Address to listen on; keep the default to stay on this machine.")
    ] = "127.0.0.1",
    db: DbOption = None,
    threads: Annotated[int, typer.Option(min=1, max=32, help="Request threads.")] = 4,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            help="Serve a workspace instead of one run: a folder holding runs (WORKSPACE/runs/), "
            "their reports and filings, and the users (WORKSPACE/review.sqlite3); supervisors "
            "start new runs from the browser (docs/workbench.md).",
            show_default=False,
        ),
    ] = None,
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            help="With --workspace: a folder whose DOJ files and settings the browser may open "
            "(repeatable; default the current directory). Nothing outside them can be read.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start the reviewers' workbench over a run, or a workspace of runs (a local web app)."""
    if (run_dir is None) == (workspace is None):
        raise UserError("give a run directory, or --workspace FOLDER (not both)")
    if data and workspace is None:
        raise UserError("--data goes with --workspace")
    folder = run_dir if run_dir is not None else workspace
    assert folder is not None
    if workspace is not None:
        os.umask(0o077)
        space = Workspace.prepare(workspace)
        allowed = AllowedFolders(data or [Path.cwd()])
    db_path = _db_path(folder, db, whole_run=run_dir is not None)
    if not db_path.is_file():
        raise UserError(
            f"no review database at {db_path}; create the first user with "
            f"`cmr-reason users add NAME --role supervisor {folder}`"
        )
    try:
        from waitress import serve

        from cmr_reason.cli.workbench.app import create_app, create_workspace_app
    except ImportError:
        raise UserError(
            "the workbench needs the 'review' extra: pip install 'cmr-reason[review]'"
        ) from None
    if not _is_loopback(host):
        err_console.print(
            f"[bold yellow]warning:[/] listening on {escape(host)}: other machines can reach "
            "the workbench, and plain HTTP carries names and dates of birth unencrypted"
        )
    if workspace is not None:
        web = create_workspace_app(space, db_path, allowed, host)
        roots = ", ".join(str(r) for r in allowed.roots)
        err_console.print(
            f"Workspace {escape(str(space.path))}; files readable from {escape(roots)}"
        )
    else:
        err_console.print(
            "Opening the run; a first start also indexes its input and output rows "
            "(about 2 minutes for a million people)"
        )
        web = create_app(folder, db_path, host)
    err_console.print(f"Workbench on http://{escape(host)}:{port}/ (Ctrl-C to stop)")
    try:
        serve(web, host=host, port=port, threads=threads, ident="cmr-reason")
    finally:
        jobs = web.config.get("REVIEW_JOBS")
        if jobs is not None:
            jobs.stop_all()  # a run in progress stops cleanly with the server


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
    """Add a user (creates the review database, mode 600, when missing).

    RUN_DIR is a run, or a workspace (an empty folder, or one `serve --workspace` made).
    """
    db_path = _db_path(run_dir, db, whole_run=True, workspace_ok=True)
    password = _read_password(password_stdin)
    new = not db_path.exists()
    database = ReviewDB.create(db_path)
    database.add_user(name, role.value, hash_password(password))
    err_console.print(f"Added {role.value} {escape(name)} to {escape(str(db_path))}")
    if new:
        err_console.print(
            f"Created the decision key {escape(str(key_path(db_path)))}: keep it with the "
            "database; without it no decision can be verified"
        )


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="User name.")],
    run_dir: RunDirArgument,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Set a user's password (which ends the user's sessions in the workbench)."""
    database = ReviewDB.open_existing(_db_path(run_dir, db))
    database.set_password(name, hash_password(_read_password(password_stdin)))
    err_console.print(f"Password of {escape(name)} changed; their sessions are ended")


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
    """Export the whole decision log, verified and signed, for `run --decisions FILE`.

    A .json file holds its signature; a .csv file gets it in FILE.csv.sig beside it.
    """
    database = ReviewDB.open_existing(_db_path(run_dir, db))
    count = write_export(database, out)
    also = f" and its signature {signature_path(out).name}" if out.suffix.lower() == ".csv" else ""
    err_console.print(f"Wrote {count} decision(s) to {escape(str(out))}{escape(also)}")


@decisions_app.command("verify")
def decisions_verify(
    source: Annotated[
        Path,
        typer.Argument(
            help="A run directory (its review database), a review database or an export.",
            show_default=False,
        ),
    ],
    key: Annotated[
        Path | None,
        typer.Option(
            "--key", help="The decision key (default: review.key beside the database or file)."
        ),
    ] = None,
) -> None:
    """Check a decision log: chain, signatures, reviewers and head, as `run --decisions` does."""
    os.umask(0o077)
    path = default_db_path(source) if source.is_dir() else source
    log = read_verified(path, key_candidates(path, key, None))
    err_console.print(
        f"{escape(str(path))}: {len(log.entries)} decision(s) verified "
        f"(chain, signatures, reviewers, head; key id {log.key_id})"
    )


@decisions_app.command("migrate")
def decisions_migrate(run_dir: RunDirArgument, db: DbOption = None) -> None:
    """Sign a review database made before decisions were signed (once; see docs/review.md).

    This vouches for the database as it is now: run it only on a database nobody could have
    changed. Decisions recorded before the record fingerprint keep the conviction check only.
    """
    db_path = _db_path(run_dir, db)
    done = migrate_database(db_path)
    if done.already:
        err_console.print(f"{escape(str(db_path))} is already signed; nothing to do")
        return
    if done.key_created:
        err_console.print(f"Created the decision key {escape(str(key_path(db_path)))}")
    err_console.print(
        f"Signed {done.decisions} decision(s) and {done.users} user(s) in "
        f"{escape(str(db_path))}; {done.conviction_only} decision(s) recorded before the record "
        "fingerprint keep the conviction check only. This vouches that the database was not "
        "changed before today."
    )


def register(app: typer.Typer) -> None:
    """Add ``users``, ``decisions``, ``serve`` to the application."""
    app.add_typer(users_app, name="users")
    app.add_typer(decisions_app, name="decisions")
    app.command("serve")(serve_command)
