"""``cmr-reason facts``: print the clingo facts of one person or of everyone."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Annotated

import typer

from cmr_reason.cli.console import err_console
from cmr_reason.cli.options import EncodingOption, InputFiles
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.fact_writer import history_facts
from cmr_reason.facts.history import History
from cmr_reason.facts.history_reader import closest_ids, read_histories


def _header(history: History) -> str:
    source = history.person.source
    return f"% person {history.subject_id} ({source.file}:{source.first_line})\n"


def facts(
    files: InputFiles,
    person: Annotated[
        str | None, typer.Option("--person", help="Only this subject id.", show_default=False)
    ] = None,
    encoding: EncodingOption = "utf-8",
) -> None:
    """Print the clingo facts the rules would see, one person after another (plain text)."""
    read = read_histories(files, encoding, only=None if person is None else [person])
    histories: Iterable[History] = read
    if person is not None:
        history = read.history(person)
        if history is None:
            close = closest_ids(read, person)
            hint = f"; closest: {', '.join(close)}" if close else ""
            raise UserError(f"no person with subject id {person!r} in the input{hint}")
        histories = [history]
    out = sys.stdout
    for history in histories:
        out.write(_header(history))
        out.write(history_facts(history))
    rejected = read.account.rows_rejected
    if rejected:
        err_console.print(
            f"note: {rejected} input rows were rejected; `cmr-reason summary` lists them",
            soft_wrap=True,
            markup=False,
        )


def register(app: typer.Typer) -> None:
    """Add ``facts`` to the application."""
    app.command()(facts)
