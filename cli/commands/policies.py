"""``cmr-reason policies``: each bundled policy with its source, parameters and defaults."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from cmr_reason.cli.console import out_console
from cmr_reason.cli.records import Column, print_fields, print_records
from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.engine.policy_catalogue import PolicySpec, bundled_policy_specs


def _as_dict(spec: PolicySpec) -> dict[str, object]:
    return {
        "name": spec.name,
        "title": spec.title,
        "source": spec.source,
        "file": f"policies/{spec.file.name}",
        "params": [
            {
                "name": p.name,
                "kind": p.kind,
                "default": p.default_text(),
                "choices": list(p.choices),
                "description": p.doc,
            }
            for p in spec.params.values()
        ],
    }


def policies(
    name: Annotated[
        str | None, typer.Argument(help="Show only this policy (e.g. los-angeles-2020).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """List the bundled policies: title, source, parameters and their defaults.

    Tune a policy with a TOML file (`policy = "NAME"` and a [params] table) passed as
    --policy FILE.toml; see programs/policies/examples/.
    """
    specs = bundled_policy_specs()
    if name is not None:
        wanted = name.strip().lower().replace("_", "-")
        specs = [s for s in specs if s.name == wanted]
        if not specs:
            valid = ", ".join(s.name for s in bundled_policy_specs())
            raise UserError(f"unknown policy {name!r}; valid policies: {valid}")
    if as_json:
        typer.echo(json.dumps([_as_dict(s) for s in specs], indent=2, ensure_ascii=False))
        return
    for spec in specs:
        out_console.print(f"[bold]{escape(spec.name)}[/]")
        print_fields(
            out_console,
            [
                ("title", spec.title),
                ("source", spec.source),
                ("file", f"programs/policies/{spec.file.name}"),
                ("parameters", "" if spec.params else "none"),
            ],
        )
        if not spec.params:
            out_console.print()
            continue
        columns = (
            Column("parameter", no_wrap=True),
            Column("default", no_wrap=True),
            Column("values"),
            Column("meaning"),
        )
        rows = [
            (p.name, p.default_text(), ", ".join(p.choices) if p.choices else p.kind, p.doc)
            for p in spec.params.values()
        ]
        print_records(out_console, columns, rows, indent=2)
        out_console.print()


def register(app: typer.Typer) -> None:
    """Add ``policies`` to the application."""
    app.command()(policies)
