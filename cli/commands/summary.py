"""``cmr-reason summary``: what the input files hold, and where every row went."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import islice
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cmr_reason.cli.console import out_console
from cmr_reason.cli.options import EncodingOption
from cmr_reason.facts.doj.reader import DojRead
from cmr_reason.facts.history_reader import LpRead, read_histories
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import decide

BATCH = 2000  # people per clingo call
SHOWN_REJECTS = 10
CANNABIS = "cannabis-related convictions"
# The programs need an evaluation date; which convictions are cannabis-related
# (cannabis_related/1, programs/core/after_relief.lp) depends on the charges alone, not on it
# nor on the policy, so any date gives the count `run` gives. The Act's date is used.
RECORD_AS_OF = dt.date(2016, 11, 9)


def conviction_counts(read: DojRead | LpRead) -> Counter[str]:
    """People, convictions, cannabis-related convictions and convictions by level.

    The cannabis-related convictions are the ones the programs' decisions mark so
    (``cannabis_related/1``), as a run counts them: the same figure as ``run``'s.
    """
    counts: Counter[str] = Counter()
    programs = load_program_set("statute")
    histories = iter(read)
    while batch := list(islice(histories, BATCH)):
        counts["people"] += len(batch)
        decisions = decide(batch, programs, RECORD_AS_OF, lean=True).decisions
        counts[CANNABIS] += sum(d.cannabis_related for d in decisions.values())
        for history in batch:
            counts["convictions"] += len(history.convictions)
            for conviction in history.convictions:
                level = conviction.level.value if conviction.level else "level unknown"
                counts[level] += 1
    return counts


def _rows_table(read: DojRead | LpRead) -> Table:
    table = Table(title="Input rows")
    for name in ("file", "rows in", "used", "irrelevant", "rejected"):
        table.add_column(name, justify="left" if name == "file" else "right")
    for account in read.account.files:
        table.add_row(
            escape(account.file),
            str(account.rows_in),
            str(account.rows_used),
            str(account.rows_irrelevant),
            str(account.rows_rejected),
        )
    if len(read.account.files) > 1:
        total = read.account
        table.add_row(
            "all files",
            str(total.rows_in),
            str(total.rows_used),
            str(total.rows_irrelevant),
            str(total.rows_rejected),
        )
    return table


def _record_table(counts: Counter[str]) -> Table:
    table = Table(title="Record")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name in (
        "people",
        "convictions",
        CANNABIS,
        "felony",
        "misdemeanor",
        "infraction",
        "level unknown",
    ):
        table.add_row(name, str(counts[name]))
    return table


def _kinds_table(read: DojRead | LpRead) -> Table:
    table = Table(title="Rows by kind")
    for name in ("row is", "kind", "rows"):
        table.add_column(name, justify="right" if name == "rows" else "left")
    groups = (
        ("used", read.account.used()),
        ("irrelevant", read.account.irrelevant()),
        ("rejected", read.account.reject_reasons()),
    )
    for label, kinds in groups:
        for kind, number in sorted(kinds.items()):
            table.add_row(label, escape(kind), str(number))
    return table


def summary(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="DOJ files or .lp histories. Without any, the bundled demo file."),
    ] = None,
    encoding: EncodingOption = "utf-8",
) -> None:
    """Count people, rows and convictions (cannabis-related, felony, misdemeanor) in DOJ files.

    The cannabis-related convictions are those the programs mark so, the figure `run` gives.
    """
    read = read_histories(files or [demo_path()], encoding)
    out_console.print(_rows_table(read))
    out_console.print(_record_table(conviction_counts(read)))
    out_console.print(_kinds_table(read))
    rejects = read.account.rejects()
    if rejects:
        shown = rejects[:SHOWN_REJECTS]
        out_console.print(f"First rejected rows ({len(shown)} of {len(rejects)}):")
        for reject in shown:
            line = f"  {escape(reject.label())}  {escape(reject.detail)}"
            out_console.print(line, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``summary`` to the application."""
    app.command()(summary)
