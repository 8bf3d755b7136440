"""The bulk run: read whole DOJ files, decide every conviction in batches, write the outputs.

Outputs (``docs/outputs.md``), the manifest among them, are written into a directory beside
the target and put in place only when complete (:mod:`cmr_reason.reasoner.replace_dir`), so
a crash or a full disk leaves the previous run whole; spilled rows go to a scratch directory
removed with the run (:mod:`cmr_reason.reasoner.scratch_dir`), and worker processes end with
it. Files are readable by their owner only. The same input gives the same bytes whatever
the number of workers; timings appear only in ``manifest.json``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import errno
import json
import os
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from cmr_reason.facts.doj_reader import DEFAULT_BUDGET_BYTES, DojStream, stream_doj
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.history_reader import LpRead, input_kind, read_lp_histories
from cmr_reason.facts.process_stats import peak_rss_kib
from cmr_reason.facts.row_accounting import RowAccount, public_reason
from cmr_reason.reasoner.batch_worker import BatchResult, BatchSpec, Item, run_batch
from cmr_reason.reasoner.catalogue import load_catalogue
from cmr_reason.reasoner.fault_points import checkpoint
from cmr_reason.reasoner.file_hash import sha256_of
from cmr_reason.reasoner.impact_summary import ImpactSummary
from cmr_reason.reasoner.private_files import open_private
from cmr_reason.reasoner.program_set import ProgramSet
from cmr_reason.reasoner.remedy_output import RemedySummary, open_remedy_files, remedy_manifest
from cmr_reason.reasoner.replace_dir import replacing
from cmr_reason.reasoner.run_contents import RUN
from cmr_reason.reasoner.run_inputs import input_entry
from cmr_reason.reasoner.run_rows import (
    CASE_COLUMNS,
    CONVICTION_COLUMNS,
    PEOPLE_COLUMNS,
    REJECT_COLUMNS,
)
from cmr_reason.reasoner.run_warnings import RunCounts, RunWarning, run_warnings, warnings_entry
from cmr_reason.reasoner.scratch_dir import scratch_dir
from cmr_reason.reasoner.worker_watch import watch_parent
from cmr_reason.reasoner.write_errors import WriteFailed, reason, write_failed

DEFAULT_BATCH = 1000
# Where workers are spawned (no fork server), restart one after this many batches: clingo
# never frees its symbol table, and grounding slows down as the table grows.
BATCHES_PER_WORKER = 6
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


@dataclass
class RunReport:
    """What a finished run reports back to the CLI."""

    out_dir: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    internal_errors: list[str] = field(default_factory=list)
    warnings: list[RunWarning] = field(default_factory=list)


# (people done, convictions done, input rows done, input rows in all); rows give the ETA.
ProgressHook = Callable[[int, int, int, int], None]


def _batches(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _pool_context() -> tuple[BaseContext, int]:
    """How worker processes start, and how many batches each runs before it is replaced.

    Where the platform has a fork server, every batch runs in a fresh process forked from a
    server that has already imported the worker: clingo's symbol table, which never
    shrinks, starts empty for each batch (grounding a batch in a fresh process is about a
    fifth faster than in one that has ground several; docs/performance.md), for a few
    milliseconds a fork. Elsewhere workers are spawned and restarted every few batches.
    """
    if "forkserver" in get_all_start_methods():
        context = get_context("forkserver")
        context.set_forkserver_preload(["cmr_reason.reasoner.batch_worker"])
        return context, 1
    return get_context("spawn"), BATCHES_PER_WORKER


def _results(
    batches: Iterator[list[Item]], spec: BatchSpec, config: RunConfig, scratch: Path
) -> Generator[BatchResult, None, None]:
    """Batch results in batch order: in-process, by a pool of workers, or on Dask."""
    workers = config.workers
    if config.engine == "dask":
        from cmr_reason.reasoner.dask_engine import dask_results

        yield from dask_results(batches, spec, workers, config.scheduler, scratch)
        return
    if workers <= 1:
        for index, batch in enumerate(batches):
            yield run_batch(index, batch, spec)
        return
    context, batches_per_worker = _pool_context()
    with _pool(workers, context, batches_per_worker) as pool:
        pending: list[Future[BatchResult]] = []
        for index, batch in enumerate(batches):
            pending.append(pool.submit(run_batch, index, batch, spec))
            while len(pending) > 2 * workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


@contextlib.contextmanager
def _pool(
    workers: int, context: BaseContext, tasks_per_child: int | None = None
) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers end with the run: stopped at once if the run fails."""
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, max_tasks_per_child=tasks_per_child,
        initializer=watch_parent, initargs=(os.getpid(),),
    )  # fmt: skip
    try:
        yield pool
    except BaseException:
        # Not the batches still queued: the workers themselves (the pool offers no public way).
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


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
    config: RunConfig, progress: ProgressHook | None = None, notes: list[str] | None = None
) -> RunReport:
    """Run the whole job, write the output files beside ``out_dir`` and put them in place.

    ``notes`` receives what an earlier interrupted run left and this one finished.
    """
    started = time.perf_counter()
    with replacing(config.out_dir, config.force, RUN, notes) as build:
        kept = f"{config.out_dir} is unchanged" if config.out_dir.exists() else ""
        try:
            scratch = scratch_dir(config.temp_dir)
        except OSError as exc:
            raise _temp_failed(exc, config, kept) from None
        with scratch as folder:
            report = _run_into(config, build, folder, progress, started, kept)
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


def _open_inputs(config: RunConfig, scratch: Path) -> DojStream | LpRead:
    if input_kind(config.inputs) == "lp":
        return read_lp_histories(config.inputs)
    readers = _reader_count(config)
    if readers < 2:
        return stream_doj(
            config.inputs, config.encoding, budget_bytes=config.memory_budget,
            temp_dir=str(scratch),
        )  # fmt: skip
    # Large files are routed in byte ranges by that many processes at once.
    context, _ = _pool_context()
    with _pool(readers, context) as pool:
        return stream_doj(
            config.inputs, config.encoding, budget_bytes=config.memory_budget,
            temp_dir=str(scratch), pool=pool, parts=readers,
        )  # fmt: skip


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


def _run_into(
    config: RunConfig,
    temp: Path,
    scratch: Path,
    progress: ProgressHook | None,
    started: float,
    kept: str,
) -> RunReport:
    if config.engine not in ENGINES:
        raise UserError(f"unknown engine {config.engine!r}; use one of {', '.join(ENGINES)}")
    checkpoint("reading")
    try:
        read = _open_inputs(config, scratch)
    except OSError as exc:
        if exc.errno in _DISK_ERRNOS:
            raise _temp_failed(exc, config, kept) from None
        raise UserError(f"cannot read the input: {reason(exc)}") from None
    try:
        return _decide_and_write(config, read, temp, scratch, progress, started, kept)
    except OSError as exc:
        raise write_failed(exc, f"the run {config.out_dir}", kept) from None
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
) -> RunReport:
    clock = time.perf_counter
    read_seconds = clock() - started
    spec = BatchSpec(
        programs=config.programs,
        as_of=config.as_of,
        scope_county=config.county,
        files=read.files,
        extra_facts=config.extra_facts,
        catalogue=load_catalogue(config.programs),
        orphans=read.orphans if isinstance(read, DojStream) else {},
    )
    batches = _Timed(_batches(_spilled(read.items(), config, kept), config.batch_size))
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
                else:
                    rows_done = rows_total * people // max(len(read), 1)
                if progress:
                    progress(people, convictions, rows_done, rows_total)
                checkpoint("batch_written")
    finally:
        for handle in [*files.values(), *remedy_files.values()]:
            handle.close()
    if people == 0:
        raise UserError("the input has no usable rows: no person could be read")
    _write_rejects(temp / "rejects.csv", read.account)
    figures = summary.to_dict()
    figures["input"] = _input_counts(read.account)
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
                sha256_of(Path(path)),
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
    )


def demo_input() -> Path:
    """The bundled synthetic demo DOJ file."""
    return Path(__file__).resolve().parent.parent / "facts" / "data" / "demo_doj.csv"


def check_inputs(paths: Sequence[Path]) -> None:
    """Fail early, with one line, on a missing input."""
    for path in paths:
        if not path.exists():
            raise UserError(f"input file not found: {path}")
