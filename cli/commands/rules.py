"""``cmr-reason rules``: the rule catalogue (every rule id, citation and sentence), by remedy."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cmr_reason.cli.console import out_console
from cmr_reason.cli.options import PolicyOption, RulesRemedyOption
from cmr_reason.cli.records import Column, print_records
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.remedies import beside_prop64, parse_remedies, remedy_vocabulary
from cmr_reason.reasoner.explain.rules_doc import rules_by_remedy, rules_markdown


def rules(
    policy: PolicyOption = "statute",
    remedy: RulesRemedyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print docs/rules.md (the catalogue as Markdown).")
    ] = False,
    rule_id: Annotated[
        str | None, typer.Option("--id", help="Show only rules whose id starts with this.")
    ] = None,
) -> None:
    """Print the rule catalogue: Prop 64, a policy and the remedies beside Prop 64."""
    codes = parse_remedies("all" if remedy is None else remedy)
    programs = load_program_set(policy, beside_prop64(codes))
    catalogue = load_catalogue(programs)
    if markdown:
        typer.echo(rules_markdown(catalogue, programs.policy_name, codes), nl=False)
        return
    grouped = {
        code: [e for e in entries if not rule_id or e.rule_id.startswith(rule_id)]
        for code, entries in rules_by_remedy(catalogue, codes).items()
    }
    vocab = remedy_vocabulary()
    if as_json:
        data = [
            {
                "id": e.rule_id,
                "citation": e.citation,
                "text": e.template,
                "rank": e.rank,
                "program": e.program,
                "remedy": vocab.by_code(code).name,
            }
            for code, entries in grouped.items()
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
    if not any(grouped.values()):
        typer.echo("0 rules")
        return
    for code, entries in grouped.items():
        if not entries:
            continue
        remedy_entry = vocab.by_code(code)
        rows = [
            (e.rule_id, e.citation, e.template, "" if e.rank is None else str(e.rank))
            for e in entries
        ]
        title = f"{remedy_entry.name} ({remedy_entry.citation}): {len(entries)} rules"
        print_records(out_console, columns, rows, title=title)


def register(app: typer.Typer) -> None:
    """Add ``rules`` to the application."""
    app.command()(rules)
