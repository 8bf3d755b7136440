"""``cmr-reason remedies``: the remedies the tool decides, with their citations and programs."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from cmr_reason.cli.console import out_console
from cmr_reason.cli.records import Column, print_records
from cmr_reason.reasoner.engine.remedies import remedy_vocabulary


def remedies(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the remedies: the name --remedy takes, the citation, what it is, its programs.

    Prop 64 (HS 11361.8) is decided by every run; another remedy is decided when a command
    names it with --remedy (docs/remedies.md).
    """
    vocab = remedy_vocabulary()
    rows: list[dict[str, Any]] = [
        {
            "name": r.name,
            "citation": r.citation,
            "title": r.title,
            "programs": list(r.files)
            or [
                "statutes/prop64.lp",
                "statutes/prop64_later.lp",
                "statutes/predecessors.lp",
                "policies/*.lp",
            ],
            "outcomes": (
                list(vocab.outcomes) if r.files else ['see docs/outputs.md "convictions.csv"']
            ),
        }
        for r in vocab.remedies
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    columns = (Column("name", no_wrap=True), Column("citation"), Column("remedy"),
               Column("programs"))  # fmt: skip
    table = [(r["name"], r["citation"], r["title"], ", ".join(r["programs"])) for r in rows]
    print_records(out_console, columns, table, title=f"{len(rows)} remedies")


def register(app: typer.Typer) -> None:
    """Add ``remedies`` to the application."""
    app.command()(remedies)
