"""The bulk run: read whole DOJ files, decide every conviction in batches, write the outputs.

Outputs (``docs/outputs.md``), the manifest among them, are written into a directory beside
the target and put in place only when complete (:mod:`cmr_reason.reasoner.run.replace_dir`), so
a crash or a full disk leaves the previous run whole; spilled rows go to a scratch directory
removed with the run (:mod:`cmr_reason.reasoner.run.scratch_dir`), and worker processes end with
it. Files are readable by their owner only. The same input gives the same bytes whatever
the number of workers; timings appear only in ``manifest.json``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import errno
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from itertools import chain, islice
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from cmr_reason.facts.doj import split as ranges_split
from cmr_reason.facts.doj.accounting import RowAccount, public_reason
from cmr_reason.facts.doj.direct import unread_parts
from cmr_reason.facts.doj.excel_damage import ExcelRepair, FileScan
from cmr_reason.facts.doj.reader import DEFAULT_BUDGET_BYTES, DojStream
from cmr_reason.facts.doj.stream import stream_doj
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.file_hash import FileDigests
from cmr_reason.facts.history_reader import LpRead, input_kind, read_lp_histories
from cmr_reason.facts.private_files import open_private
from cmr_reason.facts.process_stats import peak_rss_kib
from cmr_reason.reasoner.engine.catalogue import Catalogue, load_catalogue
from cmr_reason.reasoner.engine.program_prune import needed
from cmr_reason.reasoner.engine.program_set import ProgramSet
from cmr_reason.reasoner.engine.solver import absent_settings
from cmr_reason.reasoner.run.batch_child import BatchProcessLost, lost_error
from cmr_reason.reasoner.run.batch_worker import BatchResult, BatchSpec, Item, run_batch
from cmr_reason.reasoner.run.contents import RUN
from cmr_reason.reasoner.run.fault_points import checkpoint
from cmr_reason.reasoner.run.impact_summary import ImpactSummary
from cmr_reason.reasoner.run.input_check import (
    RejectCheck,
    excel_manifest,
    excel_warnings,
    reject_check,
    repairs_of,
    scan_inputs,
)
from cmr_reason.reasoner.run.inputs import input_entry
from cmr_reason.reasoner.run.pool import (
    decided_batches,
    forks_per_batch,
    in_batch_order,
    in_batches,
    pool_context,
    process_pool,
)
from cmr_reason.reasoner.run.remedy_output import RemedySummary, open_remedy_files, remedy_manifest
from cmr_reason.reasoner.run.replace_dir import replacing
from cmr_reason.reasoner.run.rows import (
    CASE_COLUMNS,
    CONVICTION_COLUMNS,
    PEOPLE_COLUMNS,
    REJECT_COLUMNS,
)
from cmr_reason.reasoner.run.sanity import (
    RunCounts,
    RunWarning,
    lp_settings_warnings,
    run_warnings,
    warnings_entry,
)
from cmr_reason.reasoner.run.scratch_dir import scratch_dir
from cmr_reason.reasoner.run.write_errors import WriteFailed, reason, write_failed

DEFAULT_BATCH = 1000
MAX_DASK_READERS = 8  # processes that read a large file for the Dask engine (the client's cores)
ENGINES = ("local", "dask")
# Errors of a file system that is full or refuses writes (the rest are reported as they are).
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def tool_version() -> str:
    """The installed cmr-reason version."""
    try:
        return version("cmr-reason")
    except PackageNotFoundError:
        return "unknown"


@dataclass
class RunConfig:
    """Everything a run depends on."""

    inputs: list[Path]
    programs: ProgramSet
    as_of: dt.date
    out_dir: Path
    county: str | None = None
    workers: int = 1
    batch_size: int = DEFAULT_BATCH
    force: bool = False
    encoding: str = "utf-8"
    extra_facts: str = ""
    engine: str = "local"  # local | dask
    scheduler: str | None = None  # Dask scheduler address (None: a LocalCluster)
    memory_budget: int = DEFAULT_BUDGET_BYTES  # bytes of input rows held before spilling
    temp_dir: str | None = None  # where spilled run files go (default: the system's)
    extra_files: dict[str, str] = field(default_factory=dict)  # more files of the run (text)
    manifest_extra: dict[str, Any] = field(default_factory=dict)  # more manifest entries
    today: dt.date | None = None  # for the as-of date's sanity warning only (None: the clock)
    repair_excel: bool = False  # undo what is certain of Excel's damage (input_check)
    excel_scans: list[FileScan] | None = None  # the inputs' whole scans, if already made


@dataclass
class RunReport:
    """What a finished run reports back to the CLI."""

    out_dir: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    internal_errors: list[str] = field(default_factory=list)
    warnings: list[RunWarning] = field(default_factory=list)
    rejects: RejectCheck | None = None  # the rejected rows, and whether they are too many


# (people done, convictions done, input rows done, input rows in all); rows give the ETA.
ProgressHook = Callable[[int, int, int, int], None]


def _nothing() -> None:
    """Nothing to do."""


def _results(
    batches: Iterator[list[Item]], spec: BatchSpec, config: RunConfig, scratch: Path
) -> Generator[BatchResult, None, None]:
    """Batch results in batch order: in-process, by a pool of workers, or on Dask."""
    workers = config.workers
    if config.engine == "dask":
        from cmr_reason.reasoner.run.dask_engine import dask_results

        yield from dask_results(batches, spec, workers, config.scheduler, scratch)
        return
    if workers <= 1:
        ahead = list(islice(batches, 2))
        if len(ahead) < 2:  # one batch: decided here, no process to start
            yield from in_batch_order(run_batch, ahead, spec)
            return
        # Several: clingo never frees its symbol table, so deciding them all here would
        # make this process grow with the run (about 25 KB a person).
        batches = chain(ahead, batches)
    yield from decided_batches(run_batch, batches, spec, workers)


class _Ahead:
    """What deciding needs that the routed rows do not change, made while the file is routed.

    The rule catalogue, the run's bulk program (pruned by its settings) and the fork server
    of the batch workers (:func:`~cmr_reason.reasoner.run.pool.pool_context`) are made or
    started by :meth:`start`, which the read calls while the range readers route and this
    process only waits for them (:func:`~cmr_reason.facts.doj.stream.stream_doj`), else when
    first needed. An error is kept and raised by :meth:`made`, where the work was done before
    (after the read), so a run that fails both ways reports what it reported before.
    """

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.started = False
        self._made: tuple[Catalogue, str] | None = None
        self._error: Exception | None = None

    def start(self) -> None:
        """Make what is needed (once); start the fork server if the batches will use it."""
        if self.started:
            return
        self.started = True
        config = self.config
        if config.engine == "local" and config.workers > 1 and forks_per_batch():
            # The fork server starts here: it imports the batch code in its own process,
            # beside the readers; a failure to start is the pool's to report when it starts.
            pool_context()
        try:
            catalogue = load_catalogue(config.programs)
            program = config.programs.bulk_program_without(
                absent_settings(config.county, config.extra_facts)
            )
        except Exception as exc:  # raised by made(), after the read as before
            self._error = exc
        else:
            self._made = (catalogue, program)

    def made(self) -> tuple[Catalogue, str]:
        """The catalogue and the bulk program."""
        self.start()
        if self._error is not None:
            raise self._error
        assert self._made is not None
        return self._made


def _then(items: Iterator[Any], done: Callable[[], None]) -> Iterator[Any]:
    """``items``, then ``done()`` once they are exhausted."""
    yield from items
    done()


def _write_rejects(path: Path, account: RowAccount) -> None:
    with open_private(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(REJECT_COLUMNS)
        for file_account in account.files:
            for reject in file_account.listed():
                writer.writerow([reject.file, reject.line, reject.reason, reject.csv_detail(),
                                 reject.subject_id])  # fmt: skip


def _input_counts(account: RowAccount) -> dict[str, Any]:
    used: dict[str, int] = {}
    irrelevant: dict[str, int] = {}
    rejected: dict[str, int] = {}
    for fa in account.files:
        for key, value in fa.used.items():
            used[key] = used.get(key, 0) + value
        for key, value in fa.irrelevant.items():
            irrelevant[key] = irrelevant.get(key, 0) + value
        for reject in fa.rejects:
            reason = public_reason(reject.reason)
            rejected[reason] = rejected.get(reason, 0) + 1
    return {
        "rows_in": sum(fa.rows_in for fa in account.files),
        "rows_used": sum(fa.rows_used for fa in account.files),
        "rows_irrelevant": sum(fa.rows_irrelevant for fa in account.files),
        "rows_rejected": sum(fa.rows_rejected for fa in account.files),
        "used_by_kind": dict(sorted(used.items())),
        "irrelevant_by_kind": dict(sorted(irrelevant.items())),
        "rejected_by_reason": dict(sorted(rejected.items())),
    }


def run(
    config: RunConfig,
    progress: ProgressHook | None = None,
    notes: list[str] | None = None,
    forked: Callable[[], None] = _nothing,
) -> RunReport:
    """Run the whole job, write the output files beside ``out_dir`` and put them in place.

    ``notes`` receives what an earlier interrupted run left and this one finished.
    ``forked`` is called once the processes that the run forks from itself are forked (the
    range readers: :func:`route_doj`), before the input is read; a caller that starts a
    thread (a progress display) starts it there.
    """
    started = time.perf_counter()
    with replacing(config.out_dir, config.force, RUN, notes) as build:
        kept = f"{config.out_dir} is unchanged" if config.out_dir.exists() else ""
        try:
            scratch = scratch_dir(config.temp_dir)
        except OSError as exc:
            raise _temp_failed(exc, config, kept) from None
        ahead = _Ahead(config)
        try:
            with scratch as folder, _inputs(config, folder, kept, ahead.start, forked) as read:
                try:
                    report = _decide_and_write(
                        config, read, build, folder, progress, started, kept, ahead
                    )
                except OSError as exc:
                    raise write_failed(exc, f"the run {config.out_dir}", kept) from None
        except BatchProcessLost as exc:  # a reader, worker or batch process: not the outputs
            written = "no output was written" + (f", {kept}" if kept else "")
            raise lost_error(exc, written, "fewer --workers or a smaller --batch-size") from None
    report.out_dir = config.out_dir
    return report


def _temp_failed(exc: OSError, config: RunConfig, kept: str) -> WriteFailed:
    where = config.temp_dir or os.environ.get("TMPDIR") or "the temporary directory"
    return write_failed(
        exc, f"temporary files in {where} (TMPDIR)", "; ".join(filter(None, [kept, (
            "free space there or point TMPDIR at a folder with room")]))
    )  # fmt: skip


def _spilled(items: Iterator[Any], config: RunConfig, kept: str) -> Iterator[Any]:
    """The reader's subjects; a full or read-only scratch folder is one line."""
    try:
        yield from items
    except OSError as exc:
        if exc.errno in _DISK_ERRNOS:
            raise _temp_failed(exc, config, kept) from None
        raise UserError(f"cannot read the input: {reason(exc)}") from None


def _reader_count(config: RunConfig) -> int:
    """How many local processes route a large file: the local workers, or the client's cores.

    The Dask engine's workers are elsewhere; the file is read where the command runs, so
    there it is cut into as many byte ranges as this machine has cores (at most 8).
    """
    if config.engine == "local":
        return config.workers
    return min(os.cpu_count() or 1, MAX_DASK_READERS)


def excel_scans(config: RunConfig) -> list[FileScan]:
    """The whole scans of a run's DOJ inputs for ``--repair-excel`` (made once, kept)."""
    if not config.repair_excel or input_kind(config.inputs) == "lp":
        return []
    if config.excel_scans is None:
        config.excel_scans = scan_inputs(config.inputs, config.encoding)
    return config.excel_scans


def _open_inputs(
    config: RunConfig,
    scratch: Path,
    repairs: list[ExcelRepair | None],
    meanwhile: Callable[[], None],
    forked: Callable[[], None] = _nothing,
) -> DojStream | LpRead:
    """The inputs read; ``meanwhile`` is called while the first file is (see stream_doj).

    ``forked`` is called before anything is read, once the range readers are forked.
    """
    if input_kind(config.inputs) == "lp":
        forked()
        meanwhile()
        return read_lp_histories(config.inputs)
    return route_doj(
        config.inputs, config.encoding, _reader_count(config), repairs,
        budget_bytes=config.memory_budget, temp_dir=str(scratch), meanwhile=meanwhile,
        forked=forked,
    )  # fmt: skip


def route_doj(
    paths: Sequence[Path],
    encoding: str,
    readers: int,
    repairs: Sequence[ExcelRepair | None] | None,
    budget_bytes: int = DEFAULT_BUDGET_BYTES,
    temp_dir: str | None = None,
    meanwhile: Callable[[], None] = _nothing,
    forked: Callable[[], None] = _nothing,
) -> DojStream:
    """DOJ files routed, a large one in byte ranges by ``readers`` processes at once.

    The bulk run's read and the filing's (:func:`~cmr_reason.facts.doj.stream.stream_doj`).

    ``forked`` is called once the reader processes are forked (or none will be), before
    anything is read: a thread the caller starts there, a progress display's, can take no
    lock a reader forked beside it would inherit held (:func:`readers_context`).
    """
    if readers < 2 or not any(_large(Path(p)) for p in paths):
        forked()
        return stream_doj(
            paths, encoding, budget_bytes=budget_bytes, temp_dir=temp_dir, repairs=repairs,
            meanwhile=meanwhile,
        )  # fmt: skip
    context = readers_context()
    with process_pool(readers, context, what="a process reading the input") as pool:
        if context.get_start_method() == "fork":
            # The pool forks every reader at its first task, then starts its own threads:
            # a task that does nothing makes it fork them now, before ``forked`` is called.
            pool.submit(int)
        forked()
        return stream_doj(
            paths, encoding, budget_bytes=budget_bytes, temp_dir=temp_dir, pool=pool,
            parts=readers, repairs=repairs, meanwhile=meanwhile,
        )  # fmt: skip


def _large(path: Path) -> bool:
    """Whether ``path`` may be routed in byte ranges (large enough; unknown counts as large)."""
    try:
        return path.stat().st_size >= ranges_split.MIN_SPLIT_BYTES
    except OSError:  # the read reports it
        return True


def readers_context() -> BaseContext:
    """How the range readers start: forked from this process, if it is safe, else as workers.

    Forked, they start at once, where the fork server would first import the batch code
    (0.3-0.7 s of the run's head, measured under load). Only where batches are forked too,
    and only when this process runs no other thread: a thread holding a lock, stderr's say,
    when the process forks would leave it held in the reader, which takes it when it ends.
    The command line's progress display starts its thread only once the readers are forked
    (:func:`route_doj`'s ``forked``). Threads started after that are no danger to them: the
    readers are all forked at once, before any (the pool's own threads included), and the
    pool forks no more (a reader that ends breaks it); the only process the run starts while
    they read is the batch workers' fork server, by fork and exec, which takes no lock.
    """
    if forks_per_batch() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return pool_context()[0]


class _Timed:
    """Wraps an iterator and adds the time spent in it to ``seconds``."""

    def __init__(self, items: Iterator[Any]) -> None:
        self.items = items
        self.seconds = 0.0

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        started = time.perf_counter()
        try:
            return next(self.items)
        finally:
            self.seconds += time.perf_counter() - started


@contextlib.contextmanager
def _inputs(
    config: RunConfig,
    scratch: Path,
    kept: str,
    meanwhile: Callable[[], None],
    forked: Callable[[], None],
) -> Iterator[DojStream | LpRead]:
    """The run's inputs, opened for reading (a DOJ stream is closed at the end).

    ``meanwhile`` is called while the first file is read, ``forked`` once the range readers
    are forked (:func:`_open_inputs`).
    """
    if config.engine not in ENGINES:
        raise UserError(f"unknown engine {config.engine!r}; use one of {', '.join(ENGINES)}")
    checkpoint("reading")
    try:
        read = _open_inputs(config, scratch, repairs_of(excel_scans(config)), meanwhile, forked)
    except OSError as exc:
        if exc.errno in _DISK_ERRNOS:
            raise _temp_failed(exc, config, kept) from None
        raise UserError(f"cannot read the input: {reason(exc)}") from None
    try:
        yield read
    finally:
        if isinstance(read, DojStream):
            read.close()


def _decide_and_write(
    config: RunConfig,
    read: DojStream | LpRead,
    temp: Path,
    scratch: Path,
    progress: ProgressHook | None,
    started: float,
    kept: str,
    ahead: _Ahead,
) -> RunReport:
    clock = time.perf_counter
    read_seconds = clock() - started
    catalogue, program = ahead.made()
    spec = BatchSpec(
        programs=config.programs,
        as_of=config.as_of,
        scope_county=config.county,
        files=read.files,
        extra_facts=config.extra_facts,
        catalogue=catalogue,
        orphans=read.orphans if isinstance(read, DojStream) else {},
        program=program,
        unread=unread_parts(needed(config.programs.bulk_text)),
    )
    # Once the last batch is handed out, while the workers decide the last batches (a core is
    # then idle): the inputs are hashed for the manifest, in a thread, and the spilled run
    # files, all read, are removed.
    digests = FileDigests(read.files)

    def handed_out() -> None:
        digests.start()
        if isinstance(read, DojStream):
            read.close()

    grouped = in_batches(_spilled(read.items(), config, kept), config.batch_size)
    batches = _Timed(_then(grouped, handed_out))
    summary = ImpactSummary()
    internal_errors: list[str] = []
    stage_seconds: dict[str, float] = {}
    people = convictions = rows_done = 0
    rows_total = read.routed_rows if isinstance(read, DojStream) else read.account.rows_in
    worker_peaks: dict[int, int] = {}
    worker_cpu = 0.0
    readers = read.reader_peaks_kib if isinstance(read, DojStream) else []
    write_seconds = 0.0
    files = {
        name: open_private(temp / f"{name}.csv") for name in ("convictions", "people", "cases")
    }
    remedy_files = open_remedy_files(temp, config.programs.remedies)
    remedy_summary = RemedySummary()
    try:
        for name, columns in (
            ("convictions", CONVICTION_COLUMNS),
            ("people", PEOPLE_COLUMNS),
            ("cases", CASE_COLUMNS),
        ):
            csv.writer(files[name], lineterminator="\n").writerow(columns)
        results = _results(batches, spec, config, scratch)
        with contextlib.closing(results):  # the workers stop if writing fails
            for result in results:
                t0 = clock()
                files["convictions"].write(result.convictions_csv)
                files["people"].write(result.people_csv)
                files["cases"].write(result.cases_csv)
                for code, text in result.remedy_csv.items():
                    remedy_files[code].write(text)
                if result.remedy_summary is not None:
                    remedy_summary.merge(result.remedy_summary)
                write_seconds += clock() - t0
                summary.merge(result.summary)
                if result.accounts is not None and isinstance(read, DojStream):
                    read.absorb(result.accounts)
                internal_errors += result.internal_errors
                for stage, seconds in result.stage_seconds.items():
                    stage_seconds[stage] = stage_seconds.get(stage, 0.0) + seconds
                worker_peaks[result.pid] = max(worker_peaks.get(result.pid, 0), result.peak_rss_kib)
                worker_cpu += result.cpu_seconds
                people += result.people
                convictions += result.convictions
                if result.accounts is not None:
                    rows_done += sum(part.rows_in for part in result.accounts)
                elif isinstance(read, LpRead):  # histories, not rows (a DOJ batch has rows)
                    rows_done = rows_total * people // max(len(read), 1)
                if progress:
                    progress(people, convictions, rows_done, rows_total)
                checkpoint("batch_written")
    finally:
        for handle in [*files.values(), *remedy_files.values()]:
            handle.close()
    counts = _input_counts(read.account)
    rejects = reject_check(counts)
    scans = _diagnosis(config, read, rejects.loud or people == 0)
    if people == 0:
        raise UserError(
            f"the input has no usable rows: no person could be read{_why(rejects, scans)}"
        )
    _write_rejects(temp / "rejects.csv", read.account)
    figures = summary.to_dict()
    figures["input"] = counts
    if config.programs.remedies:  # only a run with a remedy beside Prop 64
        figures["remedies"] = remedy_summary.to_dict()
    figures["run"] = {
        "as_of": config.as_of.isoformat(),
        "policy": config.programs.policy_name,
        "county": config.county or "",
    }
    found = run_warnings(
        as_of=config.as_of,
        today=config.today or dt.date.today(),  # a warning's clock: never a decision's
        county=config.county,
        programs=config.programs,
        counts=RunCounts(
            by_county=summary.convictions_by_county(),
            addressed=summary.addressed(),
            rows_in=figures["input"]["rows_in"],
            rows_rejected=figures["input"]["rows_rejected"],
        ),
    )
    found += excel_warnings(scans, config.repair_excel)
    if isinstance(read, LpRead):
        found += lp_settings_warnings(
            read.settings, config.as_of, config.programs.policy_name, config.county
        )
    if rejects.loud:
        found.append(RunWarning("rows_rejected", rejects.message(scans)))
    with open_private(temp / "summary.json") as handle:
        json.dump(figures, handle, indent=2, sort_keys=False)
        handle.write("\n")
    for name, text in sorted(config.extra_files.items()):
        with open_private(temp / name) as handle:
            handle.write(text)
    policy: dict[str, Any] = {
        "name": config.programs.policy_name,
        "argument": config.programs.argument,
        "file": config.programs.policy_file.name,
        "parameters": config.programs.param_facts.strip().splitlines(),
    }
    if config.programs.given_file is not None:
        policy["path"] = str(config.programs.given_file)
    manifest = {
        "tool": "cmr-reason",
        "tool_version": tool_version(),
        "as_of": config.as_of.isoformat(),
        "policy": policy,
        "rules_sha256": config.programs.sha256,
        "county": config.county or "",
        "inputs": [
            input_entry(
                path,
                config.out_dir,
                digests.of(path),
                next((fa.rows_in for fa in read.account.files if fa.file == str(path)), 0),
            )
            for path in read.files
        ],
        "encoding": config.encoding,
        "counts": {
            "people": people,
            "convictions": convictions,
            "rows_in": figures["input"]["rows_in"],
            "rows_rejected": figures["input"]["rows_rejected"],
        },
        "internal_errors": len(internal_errors),
        "warnings": warnings_entry(found),
        **excel_manifest(scans, config.repair_excel),
        "timings_seconds": {
            "read_and_group": round(read_seconds + batches.seconds, 3),
            **{k: round(v, 3) for k, v in sorted(stage_seconds.items())},
            "write": round(write_seconds, 3),
            "total": round(clock() - started, 3),
        },
        "engine": config.engine,
        "workers": config.workers,
        "batch_size": config.batch_size,
        "peak_rss_kib": {
            "main": peak_rss_kib(),
            "worker_max": max(worker_peaks.values(), default=0),
            # The largest peaks of as many processes as run at once: a bound on their sum.
            "worker_sum": sum(sorted(worker_peaks.values())[-max(config.workers, 1) :]),
            "worker_processes": len(worker_peaks),
            # Processes that routed byte ranges of a large file, before any batch ran.
            "readers_sum": sum(sorted(readers)[-max(config.workers, 1) :]),
        },
        # CPU of the parent, of the processes that read byte ranges, and of the batches
        # wherever they ran (in the parent itself with one worker: then main includes them).
        "cpu_seconds": {
            "main": round(time.process_time(), 3),
            "readers": round(read.reader_cpu_seconds if isinstance(read, DojStream) else 0.0, 3),
            "batches": round(worker_cpu, 3),
        },
        **remedy_manifest(config.programs.remedies),
        **config.manifest_extra,
    }
    checkpoint("manifest")
    with open_private(temp / "manifest.json") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")
    return RunReport(
        out_dir=config.out_dir,
        summary=figures,
        manifest=manifest,
        internal_errors=internal_errors,
        warnings=found,
        rejects=rejects,
    )


def _diagnosis(config: RunConfig, read: DojStream | LpRead, whole: bool) -> list[FileScan]:
    """The inputs' Excel damage: the repair's scans, else a whole scan or the first lines."""
    if config.repair_excel or not isinstance(read, DojStream):
        return excel_scans(config)
    return scan_inputs(config.inputs, config.encoding, whole)


def _why(rejects: RejectCheck, scans: list[FileScan]) -> str:
    """The rejects of a run that read nobody, as the end of its one-line error."""
    if not rejects.reasons:
        return ""
    reason, rows = rejects.reasons[0]
    hint = rejects.hint(reason, scans)
    return f" ({rejects.rejected:,} rows rejected, {rows:,} for {reason}: {hint})"


def check_inputs(paths: Sequence[Path]) -> None:
    """Fail early, with one line, on a missing input."""
    for path in paths:
        if not path.exists():
            raise UserError(f"input file not found: {path}")
