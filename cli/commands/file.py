"""``cmr-reason file``: the court filing of a finished run (motions, orders, Exhibit 1, lists).

Prints counts only: the files hold names and dates of birth, the terminal never does.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cmr_reason.cli.console import err_console
from cmr_reason.reasoner.filing.deadlines import DEFAULT_WINDOW_DAYS

if TYPE_CHECKING:  # the filing's modules (PDF, DOCX, XLSX) load when a filing is made
    from cmr_reason.reasoner.filing.rows import Progress as ProgressHook
    from cmr_reason.reasoner.filing.writer import FilingReport

DEFAULT_TEMPLATE = "los_angeles_2020"
SETTINGS_HELP = (
    "Office settings (TOML). Without it, the template's example settings "
    "(invented names; every page says so)."
)
TEMPLATE_HELP = (
    "County template name (los_angeles_2020, generic) or folder. "
    "Default: the settings file's `template`."
)


STAGES = {
    "run": "Reading the run's convictions",
    "people": "Reading the people filed for",
    "re-decide": "Re-deciding the people filed for",
    "files": "Writing the filing's files",
}


def _show_progress() -> bool:
    """Progress bars only where someone watches: stderr is a terminal."""
    return sys.stderr.isatty()


@contextmanager
def _progress(quiet: bool) -> Iterator[ProgressHook | None]:
    """A hook that draws one bar per stage on stderr (counts only, never a name)."""
    if quiet or not _show_progress():
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def hook(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                for task in tasks.values():  # the stage before is over
                    bars.update(task, completed=bars.tasks[task].total)
                tasks[stage] = bars.add_task(STAGES.get(stage, stage), total=total or None)
            bars.update(tasks[stage], completed=done, total=total or None)

        yield hook


#: The petitions' documents (reasoner/filing/petitions.py), as the table names them.
PETITION_LABELS = {
    "pc1203_4": "PC 1203.4 motions to set aside and dismiss",
    "pc1203_4a": "PC 1203.4a motions to set aside and dismiss",
    "prop47_application": "Prop 47 applications to redesignate (PC 1170.18(f))",
    "prop47_petition": "Prop 47 petitions to resentence (PC 1170.18(a))",
}


def report_table(report: FilingReport) -> Table:
    """The filing's counts as a rich table."""
    dismissal, redesignation = report.counts["dismissal"], report.counts["redesignation"]
    table = Table(title="Filing", show_header=False, title_justify="left")
    table.add_column("figure")
    table.add_column("count", justify="right")
    lines = [
        ("Convictions to dismiss and seal", dismissal["convictions"]),
        ("  people", dismissal["people"]),
        ("  cases", dismissal["cases"]),
        ("  cases sealed whole", dismissal["sealable_cases"]),
        ("  cases that cannot be sealed", dismissal["unsealable_cases"]),
        ("Convictions to redesignate", redesignation["convictions"]),
        ("  as misdemeanors", redesignation["to_misdemeanor"]),
        ("  as infractions", redesignation["to_infraction"]),
        ("Convictions challenged (HS 11361.9(d))", report.counts["challenge"]),
        ("Convictions awaiting review", report.counts["review"]),
        ("Still serving: recall or dismissal of sentence", report.counts["resentence"]),
    ]
    for name, label in (
        ("objection_deadlines", "PC 1203.425(b) objection deadlines ahead"),
        ("objection_deadlines_passed", "  deadlines passed, relief to come"),
    ):
        if name in report.counts:  # only a run with --remedy pc1203.425
            lines.append((label, report.counts[name]))
    petitions = report.counts.get("petitions") or {}  # a run with the petition remedies
    for kind, label in PETITION_LABELS.items():
        if kind in petitions:
            lines.append((f"{label}: cases", petitions[kind]["cases"]))
            lines.append(("  counts", petitions[kind]["counts"]))
    for label, value in lines:
        table.add_row(label, f"{value:,}")
    return table


def file_command(
    run_dir: Annotated[Path, typer.Argument(help="Output directory of `cmr-reason run`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the filing.")],
    settings: Annotated[Path | None, typer.Option(help=SETTINGS_HELP)] = None,
    template: Annotated[str | None, typer.Option(help=TEMPLATE_HELP)] = None,
    force: Annotated[
        bool, typer.Option(help="Replace the output directory if it holds an earlier filing.")
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes that read the people and write the files.")
    ] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or table.")] = False,
    deadline_window: Annotated[
        int,
        typer.Option(
            "--deadline-window",
            min=1,
            help="For a run with --remedy pc1203.425: list the objection deadlines (PC "
            "1203.425(b)) falling within this many days of the run's as-of date.",
        ),
    ] = DEFAULT_WINDOW_DAYS,
) -> None:
    """Write the motions, proposed orders, Exhibit 1, sealing, challenge and review lists.

    For a run that decided PC 1203.425 (--remedy), also the office's lists of objection
    deadlines in the coming weeks and of those already passed. For a run that decided PC
    1203.4, 1203.4a or Proposition 47, also a motion and proposed order per court case
    (docs/filing.md "Petitions").
    """
    # Here, not at the top: every command's start (`cmr-reason run` included) would load
    # the PDF, DOCX and XLSX writers, about a second.
    from cmr_reason.reasoner.filing.settings import example_settings_path, load_settings
    from cmr_reason.reasoner.filing.template import load_template
    from cmr_reason.reasoner.filing.writer import make_filing
    from cmr_reason.reasoner.run.directory import open_run

    run = open_run(run_dir)
    if settings is None:
        settings = example_settings_path(template or DEFAULT_TEMPLATE)
        if not quiet:
            err_console.print(f"No --settings: using the example {escape(str(settings))} "
                              "(invented names; not for filing)")  # fmt: skip
    office = load_settings(settings)
    chosen = load_template(template or office.template)
    with _progress(quiet) as hook:
        report = make_filing(run, office, chosen, out, force, hook, workers, deadline_window)
    if quiet:
        return
    err_console.print(report_table(report))
    if report.checked_against != "summary.json":
        err_console.print(
            f"The run was not limited to {escape(office.county_key)} County: counts checked "
            f"against convictions.csv; {report.other_county_rows:,} conviction(s) of other "
            "counties left out (run with --county to file for one court)."
        )
    err_console.print(f"Wrote {escape(str(out))}/ ({len(report.files)} files, owner-only)")


def register(app: typer.Typer) -> None:
    """Add ``file`` to the application."""
    app.command("file")(file_command)
