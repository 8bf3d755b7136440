"""``cmr-reason rules``: the rule catalogue (every rule id, citation and sentence)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cmr_reason.cli.console import out_console
from cmr_reason.cli.options import PolicyOption
from cmr_reason.cli.records import Column, print_records
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.explain.rules_doc import rules_markdown


def rules(
    policy: PolicyOption = "statute",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print docs/rules.md (the catalogue as Markdown).")
    ] = False,
    rule_id: Annotated[
        str | None, typer.Option("--id", help="Show only rules whose id starts with this.")
    ] = None,
) -> None:
    """Print the rule catalogue of the statute and a policy."""
    programs = load_program_set(policy)
    catalogue = load_catalogue(programs)
    if markdown:
        typer.echo(rules_markdown(catalogue, programs.policy_name), nl=False)
        return
    entries = [e for e in catalogue.rules.values() if not rule_id or e.rule_id.startswith(rule_id)]
    if as_json:
        data = [
            {
                "id": e.rule_id,
                "citation": e.citation,
                "text": e.template,
                "rank": e.rank,
                "program": e.program,
            }
            for e in entries
        ]
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    columns = (
        Column("id", no_wrap=True),
        Column("citation"),
        Column("rule"),
        Column("rank", justify="right"),
    )
    rows = [
        (e.rule_id, e.citation, e.template, "" if e.rank is None else str(e.rank)) for e in entries
    ]
    print_records(out_console, columns, rows, title=f"{len(entries)} rules")


def register(app: typer.Typer) -> None:
    """Add ``rules`` to the application."""
    app.command()(rules)
