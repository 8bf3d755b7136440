"""``cmr-reason explain``: one person's convictions, each with its decision and the why."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from cmr_reason.cli.console import out_console
from cmr_reason.cli.inputs import LoadedInput, load_histories
from cmr_reason.cli.options import (
    AsOfOption,
    EncodingOption,
    RemedyOption,
    RunPolicyOption,
    parse_as_of,
)
from cmr_reason.cli.records import Column, print_records
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.history import History
from cmr_reason.facts.history_reader import closest_ids
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.remedies import (
    manifest_remedies,
    remedy_codes,
    remedy_names,
    shows_prop64,
)
from cmr_reason.reasoner.engine.solver import decide
from cmr_reason.reasoner.explain.justification import build_tree, outcome_label
from cmr_reason.reasoner.explain.picture import picture_markdown, picture_table, whole_picture
from cmr_reason.reasoner.explain.policy_compare import compare_policies, parse_policy_list
from cmr_reason.reasoner.explain.remedy import (
    remedy_brief,
    remedy_markdown,
    remedy_report,
    remedy_rich_tree,
)
from cmr_reason.reasoner.explain.render import (
    brief_line,
    brief_row,
    conviction_tree,
    person_heading,
    person_json,
    person_markdown,
)
from cmr_reason.reasoner.run.directory import RunDir, open_run


class Format(StrEnum):
    """Output formats of ``explain``."""

    text = "text"
    json = "json"
    md = "md"


def find_person(loaded: LoadedInput, subject_id: str) -> History:
    """The history of ``subject_id``, or a one-line error naming the closest ids."""
    for history in loaded.histories:
        if history.subject_id == subject_id:
            return history
    read = loaded.read
    close = closest_ids(read, subject_id) if read is not None else []
    hint = f"; closest ids: {', '.join(close)}" if close else ""
    count = len(read.subject_ids) + len(read.other_ids) if read is not None else 0
    raise UserError(f"no person {subject_id!r} in the input ({count} subject ids){hint}")


def person_report(
    history: History,
    policy: str,
    as_of_text: str | None,
    fallback_as_of: Any = None,
    remedies: tuple[str, ...] = (),
    scope_county: str = "",
    extra_facts: str = "",
) -> dict[str, Any]:
    """Decide one person's convictions and build the report the renderers take.

    ``remedies`` (codes beside Prop 64) add a ``remedies`` entry (reasoner/explain/remedy.py);
    ``scope_county`` and ``extra_facts`` (policy parameters, reviewers' decisions) are an
    ``.lp`` file's settings, decided as ``cmr-reason check`` decides them.
    """
    as_of = parse_as_of(as_of_text, fallback_as_of)
    programs = load_program_set(policy, remedies)
    solved = decide([history], programs, as_of, scope_county or None, extra_facts)
    catalogue = load_catalogue(programs)
    trees = [
        build_tree(solved.decisions[c.conviction_id], catalogue, history)
        for c in history.convictions
        if c.conviction_id in solved.decisions
    ]
    report: dict[str, Any] = {
        "subject_id": history.subject_id,
        "name": history.person.name,
        "as_of": as_of.isoformat(),
        "policy": programs.policy_name,
        "rules_sha256": programs.sha256,
        "convictions": trees,
        "internal_errors": solved.internal_errors,
    }
    if remedies:
        report["remedies"] = remedy_report(history, solved, catalogue)
    if len(remedies) >= 2:  # several remedies: every one side by side, the best marked
        report["picture"] = whole_picture(report)
    return report


def run_folder(paths: list[Path]) -> RunDir | None:
    """The finished run given as the input (a folder ``run --out`` wrote), if one is."""
    folders = [path for path in paths if path.is_dir()]
    if not folders:
        return None
    if len(paths) > 1:
        raise UserError("give either one run folder or input files, not both")
    return open_run(folders[0])


def run_person_report(
    run: RunDir,
    subject_id: str,
    policy: str | None,
    as_of_text: str | None,
    remedies: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One person's report exactly as the run decided it (its policy, date and decisions).

    The run's own remedies are shown; ``remedies`` may name only remedies the run decided.
    """
    if policy is not None and policy != run.programs.policy_name:
        raise UserError(
            f"the run was decided under {run.programs.policy_name!r}; explain of a run folder "
            "shows the run's decisions: leave out --policy, or give the input file instead"
        )
    if as_of_text is not None and parse_as_of(as_of_text) != run.as_of:
        raise UserError(
            f"the run was decided as of {run.as_of.isoformat()}; explain of a run folder "
            "shows the run's decisions: leave out --as-of, or give the input file instead"
        )
    decided = manifest_remedies(run.manifest)
    extra = [code for code in remedies if code not in decided]
    if extra:
        raise UserError(
            f"the run did not decide {', '.join(remedy_names(tuple(extra)))}: explain of a run "
            "folder shows the run's decisions; give the input file instead"
        )
    history = run.history(subject_id)
    if history is None:
        raise UserError(f"no person {subject_id!r} in the run {run.path}")
    solved = run.decide([history])
    trees = [
        build_tree(solved.decisions[c.conviction_id], run.catalogue, history)
        for c in history.convictions
        if c.conviction_id in solved.decisions
    ]
    report: dict[str, Any] = {
        "subject_id": history.subject_id,
        "name": history.person.name,
        "as_of": run.as_of.isoformat(),
        "policy": run.programs.policy_name,
        "rules_sha256": run.programs.sha256,
        "convictions": trees,
        "internal_errors": solved.internal_errors,
    }
    if decided:
        report["remedies"] = remedy_report(history, solved, run.catalogue)
    return report


def explain(
    person: Annotated[str, typer.Argument(help="Subject id of the person.")],
    input_file: Annotated[
        list[Path],
        typer.Option(
            "--input",
            "-i",
            help="DOJ file or .lp history (repeatable), or the folder of a finished run "
            "(`run --out`): then the person is decided exactly as that run did.",
        ),
    ],
    as_of: AsOfOption = None,
    policy: RunPolicyOption = None,
    output_format: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
    encoding: EncodingOption = "utf-8",
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            help="Decide under each of these comma-separated policies (e.g. "
            "statute,los-angeles-2020) and show where they differ, with totals.",
            show_default=False,
        ),
    ] = None,
    brief: Annotated[
        bool,
        typer.Option(
            "--brief",
            "-b",
            help="One line a conviction (id, date, charge, level, outcome, reason, "
            "alternative or a review's candidates); without it, the full tree.",
        ),
    ] = False,
    remedy: RemedyOption = None,
) -> None:
    """Explain the decision on each of one person's convictions, in date order.

    The full tree (the default) shows every rule, fact and input line behind each decision;
    --brief shows one line a conviction, to read a whole record in one screen. An .lp
    input's settings (as_of, policy, scope_county, policy_param, reviewers' decisions) are
    decided as `cmr-reason check` decides them, unless --as-of or --policy says otherwise.
    """
    run = run_folder(input_file)
    if run is not None:
        if compare is not None:
            history = run.history(person)
            if history is None:
                raise UserError(f"no person {person!r} in the run {run.path}")
            policies = parse_policy_list(compare)
            print_comparison(history, policies, as_of, run.as_of, output_format)
            return
        report = run_person_report(run, person, policy, as_of, remedy_codes(remedy))
    else:
        loaded = load_histories(input_file, encoding, only=[person])
        history = find_person(loaded, person)
        if compare is not None:
            policies = parse_policy_list(compare)
            print_comparison(history, policies, as_of, loaded.as_of, output_format)
            return
        codes = remedy_codes(remedy)
        report = person_report(
            history, policy or loaded.policy or "statute", as_of, loaded.as_of, codes,
            loaded.scope_county, loaded.extra_facts,
        )  # fmt: skip
    if not shows_prop64(remedy):  # --remedy without prop64: that remedy alone
        print_remedy_report(report, output_format.value, brief)
        print_picture(report, output_format.value)
        return
    if brief:
        print_brief(report, output_format)
        print_remedy_report(report, output_format.value, brief, heading=False)
        print_picture(report, output_format.value)
        return
    if output_format is Format.json:
        typer.echo(person_json(report))  # with the remedies' trees and picture, if any
        return
    if output_format is Format.md:
        typer.echo(person_markdown(report))
        print_remedy_report(report, output_format.value, brief, heading=False)
        print_picture(report, output_format.value)
        return
    out_console.print(
        f"[bold]{escape(person_heading(report))}[/] - as of {report['as_of']}, "
        f"policy {escape(report['policy'])}, {len(report['convictions'])} conviction(s)"
    )
    for tree in report["convictions"]:
        out_console.print(conviction_tree(tree))
    if not report["convictions"]:
        out_console.print("No convictions on this record.")
    print_remedy_report(report, output_format.value, brief, heading=False)
    print_picture(report, output_format.value)


def print_picture(report: dict[str, Any], output_format: str) -> None:
    """The whole picture (several remedies), after the trees; JSON carries it already."""
    rows = report.get("picture")
    if not rows or output_format == "json":
        return
    if output_format == "md":
        typer.echo("\n".join(picture_markdown(rows)))
        return
    out_console.print(picture_table(rows))


def print_brief(report: dict[str, Any], output_format: Format) -> None:
    """One line a conviction, in the chosen format."""
    rows = [brief_row(tree) for tree in report["convictions"]]
    if output_format is Format.json:
        brief = {k: v for k, v in report.items() if k != "convictions"}
        if "remedies" in brief:
            brief["remedies"] = _brief_remedies(report)
        typer.echo(json.dumps({**brief, "convictions": rows}, indent=2, ensure_ascii=False))
        return
    head = (
        f"{person_heading(report)} - as of {report['as_of']}, policy {report['policy']}, "
        f"{len(rows)} conviction(s)"
    )
    if output_format is Format.md:
        lines = [f"# {head}", ""] + [f"- {brief_line(row, markup=False)}" for row in rows]
        typer.echo("\n".join(lines))
        return
    out_console.print(f"[bold]{escape(head)}[/]")
    for row in rows:
        out_console.print(brief_line(row), soft_wrap=True)
    if not rows:
        out_console.print("No convictions on this record.")
    out_console.print(
        f"[dim]The full tree of each decision: cmr-reason explain {escape(report['subject_id'])}"
        " without --brief.[/]"
    )


def print_comparison(
    history: History,
    policies: list[str],
    as_of_text: str | None,
    fallback_as_of: Any,
    output_format: Format,
) -> None:
    """Decide one person under several policies; print where they differ and the totals."""
    as_of = parse_as_of(as_of_text, fallback_as_of)
    result = compare_policies([history], policies, as_of)
    if output_format is Format.json:
        typer.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        return
    differing = result.differing
    name = f" ({history.person.name})" if history.person.name else ""
    out_console.print(
        f"[bold]Person {escape(history.subject_id)}{escape(name)}[/] - as of "
        f"{as_of.isoformat()}: {len(differing)} of {len(result.convictions)} conviction(s) "
        "decided differently"
    )
    if differing:
        columns = [Column("conviction", no_wrap=True), Column("charge"), Column("date")]
        columns += [Column(policy) for policy in policies]
        rows = [
            [
                conv.conviction_id,
                conv.charge,
                conv.disposition_date,
                *(
                    f"{outcome_label(o)} ({r})" if r else outcome_label(o)
                    for o, r in (conv.decisions[p] for p in policies)
                ),
            ]
            for conv in differing
        ]
        print_records(out_console, columns, rows)
    outcomes = sorted({o for t in result.totals.values() for o in t})
    totals = [
        [outcome_label(outcome), *(str(result.totals[p][outcome]) for p in policies)]
        for outcome in outcomes
    ]
    label_width = max((len(row[0]) for row in totals), default=7)
    needed = label_width + sum(max(len(p), 6) + 3 for p in policies) + 4
    print_records(
        out_console,
        [Column("outcome")] + [Column(p, justify="right") for p in policies],
        totals,
        title="totals (convictions by outcome)",
        wide_enough=needed,
    )
    for error in result.internal_errors:
        out_console.print(f"[red]internal error:[/] {escape(error)}")


def _brief_remedies(report: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """The remedies' decisions, one line each (``--brief --format json``)."""
    keys = ("conviction_id", "outcome", "reason", "eligible_on", "objection_deadline")
    return {
        name: [{**{k: tree[k] for k in keys}, "line": remedy_brief(tree)} for tree in trees]
        for name, trees in (report.get("remedies") or {}).items()
    }


def print_remedy_report(
    report: dict[str, Any], output_format: str, brief: bool, heading: bool = True
) -> None:
    """Print the ``remedies`` entry of a person's report (nothing when there is none).

    ``heading``: the remedies alone (``--remedy`` without prop64), with the person's
    heading; without it they follow Prop 64's output (whose JSON already holds them).
    """
    remedies = report.get("remedies") or {}
    if output_format == "json":
        if heading:
            shown = {k: v for k, v in report.items() if k != "convictions"}
            if brief:
                shown["remedies"] = _brief_remedies(report)
            typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        return
    for name, trees in remedies.items():
        if output_format == "md":
            lines = [f"# Person {report['subject_id']}", ""] if heading else []
            lines += [f"## {name}", "", f"As of {report['as_of']}.", ""]
            for tree in trees:
                if brief:
                    lines.append(f"- {remedy_brief(tree)}")
                    continue
                lines.append(f"### {tree['charge']} ({tree['level']}), {tree['disposition_date']}")
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


def register(app: typer.Typer) -> None:
    """Add ``explain`` to the application."""
    app.command()(explain)
