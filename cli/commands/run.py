"""``cmr-reason run``: the bulk run over whole DOJ files, with the impact figures."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from cmr_reason.cli.console import err_console, out_console
from cmr_reason.cli.options import AsOfOption, RemedyOption, parse_as_of
from cmr_reason.facts.doj.reader import DEFAULT_BUDGET_BYTES
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.file_hash import sha256_text
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.program_set import ProgramSet, load_program_set
from cmr_reason.reasoner.explain.policy_compare import parse_policy_list
from cmr_reason.reasoner.review.decision_facts import PROBLEMS, prepare_decisions
from cmr_reason.reasoner.run.bulk import (
    DEFAULT_BATCH,
    ENGINES,
    RunConfig,
    RunReport,
    check_inputs,
    excel_scans,
    run,
)
from cmr_reason.reasoner.run.compare import COMPARISON_FILES, TEMPORARY, compare_runs
from cmr_reason.reasoner.run.contents import FACTS_FILE, run_problem
from cmr_reason.reasoner.run.input_check import EXIT_REJECTS, repairs_of
from cmr_reason.reasoner.run.remedy_output import remedy_headline
from cmr_reason.reasoner.run.replace_dir import LEFTOVER, describe, entries
from cmr_reason.reasoner.run.sanity import RunWarning
from cmr_reason.reasoner.run.settings import GivenSettings, first_run_settings, resolve_settings


def summary_table(figures: dict[str, Any]) -> Table:
    """The headline impact figures as a rich table."""
    people, convs, rows = figures["people"], figures["convictions"], figures["input"]
    table = Table(title="Impact", show_header=False, title_justify="left")
    table.add_column("figure")
    table.add_column("count", justify="right")
    lines = [
        ("People", people["total"]),
        ("People with a cannabis conviction", people["with_cannabis_conviction"]),
        ("People relieved", people["relieved"]),
        ("  left with no felony", people["relieved_no_felony_after"]),
        ("  left with no conviction", people["relieved_no_conviction_after"]),
        ("Convictions", convs["total"]),
        ("Cannabis-related convictions", convs["cannabis_related"]),
        ("Dismissed and sealed", convs["dismissed"]),
        ("  felonies", convs["dismissed_felonies"]),
        ("  misdemeanors", convs["dismissed_misdemeanors"]),
        ("  infractions", convs["dismissed_infractions"]),
        ("Redesignated", convs["redesignated"]),
        ("Resentenced", convs["resentenced"]),
        ("Needs review", convs["review"]),
        ("Not eligible", convs["not_eligible"]),
        ("Input rows (used / irrelevant / rejected)",
         f"{rows['rows_in']} ({rows['rows_used']} / {rows['rows_irrelevant']} / "
         f"{rows['rows_rejected']})"),
    ]  # fmt: skip
    # The remedies beside Prop 64 (run --remedy), after Prop 64's figures.
    lines += [(f"  {label}" if sub else label, n) for label, n, sub in remedy_headline(figures)]
    for label, value in lines:
        table.add_row(label, str(value))
    return table


def run_command(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="DOJ files or .lp histories. Without any: the inputs of the run in --out, "
            "or the bundled demo file.",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOption = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("cmr-out"),
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy",
            help="Policy name (see `cmr-reason policies`) or a path to a policy .lp or .toml "
            "file. Default: the policy of the run in --out, else statute.",
            show_default=False,
        ),
    ] = None,
    county: Annotated[
        str | None,
        typer.Option(
            help="Decide only convictions in this county (e.g. 'LOS ANGELES'; '' for every "
            "county). Default: the county of the run in --out, else every county.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    batch_size: Annotated[int, typer.Option(min=1, help="People per clingo grounding.")] = (
        DEFAULT_BATCH
    ),
    force: Annotated[
        bool, typer.Option(help="Replace the output directory if it holds a previous run.")
    ] = False,
    force_settings: Annotated[
        bool,
        typer.Option(
            "--force-settings",
            help="Re-decide the run in --out with a --policy, --as-of or --county other than "
            "its own (refused without this).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or table.")] = False,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="Text encoding of DOJ input files, e.g. latin-1. Default: that of the run in "
            "--out, else utf-8.",
            show_default=False,
        ),
    ] = None,
    decisions: Annotated[
        Path | None,
        typer.Option(
            "--decisions",
            help="Reviewers' decisions to apply: a review database (RUN_DIR/review.sqlite3) "
            "or a file exported by `cmr-reason decisions export` (.json, or .csv with its "
            ".sig); the whole log is verified first and refused if any entry is not.",
        ),
    ] = None,
    decisions_key: Annotated[
        Path | None,
        typer.Option(
            "--decisions-key",
            help="The decision key that signed --decisions (default: review.key beside it, "
            "or in --out for an export).",
        ),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            help="Run under each of these policies (comma-separated) into OUT/<policy>/ and "
            "write OUT/comparison.csv and comparison.json: where they decide differently.",
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option(help="Where batches run: local (worker processes) or dask.")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address (with --engine dask); default a LocalCluster."),
    ] = None,
    memory_budget: Annotated[
        int,
        typer.Option(min=16, help="MiB of input rows held in memory before spilling to disk."),
    ] = DEFAULT_BUDGET_BYTES >> 20,
    repair_excel: Annotated[
        bool,
        typer.Option(
            "--repair-excel",
            help="Undo the damage of a DOJ file opened and saved again in Excel where the "
            "original is certain (CNT_ORDER's leading zeros, dates in one Excel format, ';' "
            "separators); every person with a repaired row is flagged excel_repaired and "
            "manifest.json lists the repairs. Kept by a re-run of the run in --out.",
        ),
    ] = False,
    accept_rejects: Annotated[
        bool,
        typer.Option(
            "--accept-rejects",
            help=f"Exit 0 even when many input rows are rejected (otherwise {EXIT_REJECTS}; "
            "the outputs are written either way).",
        ),
    ] = False,
    remedy: RemedyOption = None,
) -> None:
    """Decide every conviction of the input and write the results, figures and manifest.

    A run into a folder that holds a run (--force, --decisions) keeps that run's input,
    policy, as-of date and county unless given, and refuses other values without
    --force-settings. When over 5 % of the input rows are rejected, or one reason rejects
    most of them, the run lists the top reasons and exits 5 unless --accept-rejects.
    """
    if engine.strip().lower() not in ENGINES:
        raise UserError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if scheduler and engine.strip().lower() != "dask":
        raise UserError("--scheduler needs --engine dask")
    given = GivenSettings(
        inputs=tuple(inputs or ()),
        policy=policy,
        as_of=parse_as_of(as_of) if as_of is not None else None,
        county=county,
        encoding=encoding,
        repair_excel=repair_excel,
        remedy=remedy,
    )
    if compare is not None:  # a comparison folder holds no run to take settings from
        settings = first_run_settings(given, demo_inputs)
    else:
        settings = resolve_settings(
            out, given, force_settings=force_settings, default_inputs=demo_inputs
        )
    if not quiet:
        for note in settings.notes:
            err_console.print(escape(note[0].upper() + note[1:]))
    check_inputs(settings.inputs)
    config = settings.run_config(
        out,
        workers=workers,
        batch_size=batch_size,
        force=force,
        engine=engine.strip().lower(),
        scheduler=scheduler,
        memory_budget=memory_budget << 20,
    )
    if decisions_key is not None and decisions is None:
        raise UserError("--decisions-key goes with --decisions")
    if compare is not None:
        if decisions is not None:
            raise UserError("give --compare or --decisions, not both")
        reports = _run_compare(
            [load_program_set(p, config.programs.remedies) for p in parse_policy_list(compare)],
            config,
            quiet,
        )
        _check_rejects(reports[0], out, accept_rejects, quiet)
        return
    reviewed = None
    if decisions is not None:
        reviewed = prepare_decisions(
            decisions, config.inputs, config.encoding, key=decisions_key, out_dir=out,
            repairs=repairs_of(excel_scans(config)),
        )  # fmt: skip
        # The facts file and its manifest entry are written with the other outputs.
        config.extra_facts = reviewed.facts
        config.extra_files = {FACTS_FILE: reviewed.facts}
        digest = sha256_text(reviewed.facts)
        config.manifest_extra = {"decisions": reviewed.manifest_entry(digest)}
        for item in reviewed.conviction_only:
            err_console.print(
                f"[yellow]warning:[/] decision {item.id} on conviction "
                f"{escape(item.conviction_id)} was recorded before the record check: only its "
                "conviction was checked"
            )
        for item, problem in reviewed.not_applied:
            err_console.print(
                f"[yellow]warning:[/] decision {item.id} on conviction "
                f"{escape(item.conviction_id)} not applied: {PROBLEMS[problem]}"
            )
    report = _run(config, quiet)
    if reviewed is not None and not quiet:
        err_console.print(
            f"Applied {len(reviewed.applied)} reviewer decision(s); "
            f"{len(reviewed.not_applied)} not applied (listed in manifest.json)"
        )
    if report.internal_errors:
        raise UserError(
            f"{len(report.internal_errors)} internal error(s) in the rules, e.g. "
            f"{report.internal_errors[0]}; outputs written to {out}",
            exit_code=3,
        )
    if not quiet:
        out_console.print(summary_table(report.summary))
    print_warnings(report.warnings)
    if not quiet:
        err_console.print(f"Wrote {escape(str(out))}/ (convictions, people, cases, summary, "
                          "rejects, manifest)")  # fmt: skip
    _check_rejects(report, out, accept_rejects, quiet)


def _check_rejects(report: RunReport, out: Path, accept: bool, quiet: bool) -> None:
    """Exit non-zero when too many rows were rejected (its warnings list them), unless ``accept``.

    Also says when ``--repair-excel`` found nothing it could repair.
    """
    repaired = report.manifest.get("excel_repair")
    files = repaired.get("files") or [] if isinstance(repaired, dict) else []
    if repaired is not None and not quiet and not any(item.get("repair") for item in files):
        err_console.print("[yellow]note:[/] --repair-excel found nothing it could repair")
    check = report.rejects
    if check is None or not check.loud:
        return
    if accept:
        if not quiet:
            err_console.print("[yellow]note:[/] rejected rows accepted (--accept-rejects)")
        return
    raise UserError(
        f"{check.rejected:,} of {check.rows_in:,} input rows were rejected (reasons above); "
        f"the outputs were written to {out}: read rejects.csv, fix the input and run again, "
        "or add --accept-rejects to accept this run",
        exit_code=EXIT_REJECTS,
    )


def print_warnings(found: list[RunWarning], which: str = "") -> None:
    """The run's sanity warnings on stderr (also with --quiet: they are not progress)."""
    for warning in found:
        err_console.print(
            f"[bold yellow]warning{escape(which)}:[/] {escape(warning.message)}", soft_wrap=True
        )


def demo_inputs() -> list[Path]:
    """The inputs of a first run given none: the bundled demo file."""
    return [demo_path()]


class _Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: unwind, so the run's temporary files are removed."""


@contextlib.contextmanager
def _stoppable() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into a clean stop (Python would otherwise just exit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise _Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    except _Stopped as stopped:
        number = int(stopped.args[0])
        raise UserError(
            f"stopped by {signal.Signals(number).name}; nothing was replaced",
            exit_code=128 + number,
        ) from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run(config: RunConfig, quiet: bool) -> RunReport:
    """The bulk run (stopped cleanly by SIGTERM), with a progress bar on a terminal."""
    notes: list[str] = []
    try:
        with _stoppable():
            return _run_shown(config, quiet, notes)
    finally:
        for note in notes:
            err_console.print(f"[yellow]note:[/] {escape(note)}")


def _run_shown(config: RunConfig, quiet: bool, notes: list[str]) -> RunReport:
    show_progress = not quiet and sys.stderr.isatty()
    if show_progress:
        bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[people]} people"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            # rich's default is 10 redraws a second, about 1 ms of the parent's CPU each, taken
            # from the run's cores: at 4, the parent of a 100,000-person run (75-83 s, loaded
            # machine, 18:55) used 2.3-2.5 s of CPU instead of 3.0
            refresh_per_second=4,
        )
        task = bar.add_task("deciding", total=None, people=0, rate="")

        def on_progress(people: int, convictions: int, rows: int, rows_total: int) -> None:
            elapsed = bar.tasks[task].elapsed or 1e-9
            rate = f"{rows / elapsed:,.0f} rows/s, {people / elapsed:,.0f} people/s"
            bar.update(task, completed=rows, total=rows_total, people=people, rate=rate)

        with contextlib.ExitStack() as shown:

            def start_display() -> None:
                """Start the display and its refresh thread (the run's range readers forked).

                The run calls this a few milliseconds in: forked beside no other thread, its
                readers start from the run itself (bulk.readers_context).
                """
                shown.enter_context(bar)

            return run(config, on_progress, notes, forked=start_display)
    return run(config, None, notes)


def _run_compare(program_sets: list[ProgramSet], base: RunConfig, quiet: bool) -> list[RunReport]:
    """Run each policy into its own folder under ``base.out_dir`` and compare the results."""
    out = base.out_dir
    names = [p.policy_name for p in program_sets]
    if len(set(names)) != len(names):
        raise UserError(f"--compare lists a policy twice: {', '.join(names)}")
    if out.exists():
        if not base.force:
            raise UserError(f"output directory {out} exists; use --force to replace it")
        _check_comparison(out)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    runs = {}
    reports = []
    for programs in program_sets:
        target = out / programs.policy_name
        report = _run(replace(base, programs=programs, out_dir=target, force=True), quiet)
        print_warnings(report.warnings, f" ({programs.policy_name})")
        if report.internal_errors:
            raise UserError(f"internal error in the rules under {programs.policy_name}", 3)
        runs[programs.policy_name] = target
        reports.append(report)
    result = compare_runs(runs, out)
    if quiet:
        return reports
    table = Table(title=f"Policies compared ({result['differing_convictions']} convictions differ)")
    table.add_column("figure")
    for name in names:
        table.add_column(name, justify="right")
    for figure in result["headline"][names[0]]:
        table.add_row(figure, *(str(result["headline"][n][figure]) for n in names))
    out_console.print(table)
    listed = ", ".join(names)
    out_console.print(f"Wrote {escape(str(out))}/ ({listed}, comparison.csv, comparison.json)")
    return reports


def _check_comparison(out: Path) -> None:
    """Refuse to write a comparison into a folder that is not an earlier comparison."""
    if not out.is_dir() or out.is_symlink():
        raise UserError(f"refusing to replace {out}: it is not a folder")
    other = []
    for name in entries(out):
        if LEFTOVER.match(name) or TEMPORARY.match(name):
            continue  # a run's or the comparison's own, cleaned up when they are written
        if name.endswith("/"):
            if run_problem(out / name.rstrip("/")) is not None and entries(out / name):
                other.append(name)
        elif name not in COMPARISON_FILES:
            other.append(name)
    if other:
        raise UserError(
            f"refusing to replace {out}: it is not a cmr-reason comparison (it holds "
            f"{describe(other)}); choose another --out"
        )


def register(app: typer.Typer) -> None:
    """Add ``run`` to the application."""
    app.command("run")(run_command)
