"""``cmr-reason explain``: one person's convictions, each with its decision and the why."""

from __future__ import annotations

import difflib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cmr_reason.cli.app import app
from cmr_reason.cli.console import out_console
from cmr_reason.cli.inputs import load_histories
from cmr_reason.cli.options import AsOfOption, EncodingOption, PolicyOption, parse_as_of
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.history import History
from cmr_reason.reasoner.catalogue import load_catalogue
from cmr_reason.reasoner.explanation_render import conviction_tree, person_json, person_markdown
from cmr_reason.reasoner.justification import build_tree
from cmr_reason.reasoner.program_set import load_program_set
from cmr_reason.reasoner.solver import decide


class Format(StrEnum):
    """Output formats of ``explain``."""

    text = "text"
    json = "json"
    md = "md"


def find_person(histories: list[History], subject_id: str) -> History:
    """The history of ``subject_id``, or a one-line error naming the closest ids."""
    for history in histories:
        if history.subject_id == subject_id:
            return history
    ids = [h.subject_id for h in histories]
    close = difflib.get_close_matches(subject_id, ids, n=5, cutoff=0.5)
    hint = f"; closest ids: {', '.join(close)}" if close else ""
    raise UserError(f"no person {subject_id!r} in the input ({len(ids)} people){hint}")


def person_report(
    history: History, policy: str, as_of_text: str | None, fallback_as_of: Any = None
) -> dict[str, Any]:
    """Decide one person's convictions and build the report the renderers take."""
    as_of = parse_as_of(as_of_text, fallback_as_of)
    programs = load_program_set(policy)
    solved = decide([history], programs, as_of)
    catalogue = load_catalogue(programs)
    trees = [
        build_tree(solved.decisions[c.conviction_id], catalogue, history)
        for c in history.convictions
        if c.conviction_id in solved.decisions
    ]
    return {
        "subject_id": history.subject_id,
        "as_of": as_of.isoformat(),
        "policy": programs.policy_name,
        "rules_sha256": programs.sha256,
        "convictions": trees,
        "internal_errors": solved.internal_errors,
    }


@app.command()
def explain(
    person: Annotated[str, typer.Argument(help="Subject id of the person.")],
    input_file: Annotated[
        list[Path], typer.Option("--input", "-i", help="DOJ file or .lp history (repeatable).")
    ],
    as_of: AsOfOption = None,
    policy: PolicyOption = "statute",
    output_format: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
    encoding: EncodingOption = "utf-8",
) -> None:
    """Explain the decision on each of one person's convictions, in date order."""
    loaded = load_histories(input_file, encoding)
    history = find_person(loaded.histories, person)
    report = person_report(history, policy, as_of, loaded.as_of)
    if output_format is Format.json:
        typer.echo(person_json(report))
        return
    if output_format is Format.md:
        typer.echo(person_markdown(report))
        return
    out_console.print(
        f"[bold]Person {report['subject_id']}[/] - as of {report['as_of']}, "
        f"policy {report['policy']}, {len(report['convictions'])} conviction(s)"
    )
    for tree in report["convictions"]:
        out_console.print(conviction_tree(tree))
    if not report["convictions"]:
        out_console.print("No convictions on this record.")
