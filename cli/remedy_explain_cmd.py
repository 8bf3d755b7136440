"""``explain --remedy``: one person's decisions under the remedies beside Proposition 64."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.markup import escape

from cmr_reason.cli.console import out_console
from cmr_reason.facts.history import History
from cmr_reason.reasoner.catalogue import Catalogue
from cmr_reason.reasoner.remedies import PROP64, parse_remedies
from cmr_reason.reasoner.remedy_decision import remedy_decisions
from cmr_reason.reasoner.remedy_explain import (
    remedy_brief,
    remedy_markdown,
    remedy_rich_tree,
    remedy_tree,
)
from cmr_reason.reasoner.solver import SolveResult


def shows_prop64(value: str | None) -> bool:
    """Whether ``--remedy`` asks for Prop 64's explanation (no value, prop64 or all)."""
    if value is None:
        return True
    names = [p.strip().lower() for p in value.split(",")]
    return "all" in names or PROP64 in names or parse_remedies(value) == (PROP64,)


def remedy_report(
    history: History, solved: SolveResult, catalogue: Catalogue
) -> dict[str, list[dict[str, Any]]]:
    """Each remedy's trees of the person's convictions, in the record's order."""
    report: dict[str, list[dict[str, Any]]] = {}
    for code, by_cid in sorted(remedy_decisions(solved).items()):
        report[code.replace("_", ".")] = [
            remedy_tree(by_cid[c.conviction_id], catalogue, history)
            for c in history.convictions
            if c.conviction_id in by_cid
        ]
    return report


def print_remedy_report(
    report: dict[str, Any], output_format: str, brief: bool, heading: bool = True
) -> None:
    """Print the ``remedies`` entry of a person's report (nothing when there is none)."""
    remedies = report.get("remedies") or {}
    if output_format == "json":
        if heading:  # the remedies alone (with Prop 64, the report's JSON holds them)
            shown = {k: v for k, v in report.items() if k != "convictions"}
            typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        return
    for name, trees in remedies.items():
        if output_format == "md":
            lines = [f"## {name}", ""] if not heading else [f"# Person {report['subject_id']}", ""]
            for tree in trees:
                lines.append(f"## {tree['charge']} ({tree['level']}), {tree['disposition_date']}")
                lines += remedy_markdown(tree)
            typer.echo("\n".join(lines))
            continue
        out_console.print(
            f"[bold]Person {escape(report['subject_id'])}[/] - as of {report['as_of']}, "
            f"{escape(name)}, {len(trees)} conviction(s)"
        )
        for tree in trees:
            if brief:
                out_console.print(escape(remedy_brief(tree)), soft_wrap=True)
            else:
                out_console.print(remedy_rich_tree(tree))
