"""Runs started from the workbench: one at a time, in a child process, with their progress.

The run is the bulk run of ``cmr-reason run`` (:func:`cmr_reason.reasoner.run.bulk.run`),
called as a function in a child process (spawned, so nothing of the server's threads is
copied): the server stays responsive, clingo's memory goes with the child, and a cancel is
a SIGTERM that the child turns into a clean stop (the half-built run folder is removed, as
for ``run`` stopped on the command line). The child reports its progress, the run's
warnings and notes, and how it ended through a queue that a thread of the server reads.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Protocol

from cmr_reason.facts.errors import UserError

log = logging.getLogger("cmr_reason.review")
CANCEL_GRACE_SECONDS = 10.0  # after SIGTERM, before the child is killed


#: (people done, convictions done, input rows done, input rows in all), as the bulk run reports.
Progress = Callable[[int, int, int, int], None]


class Task(Protocol):
    """Work done in the child: a run, an impact report or a filing (picklable)."""

    @property
    def kind(self) -> str:
        """The kind of work: run, report or filing (a request's field, read-only)."""
        ...

    def execute(self, progress: Progress, notes: list[str]) -> list[str]:
        """Do the work; return its warnings (plain words, no personal data)."""
        ...


@dataclass(frozen=True)
class RunRequest:
    """A run started from the browser: what ``cmr-reason run`` would be given."""

    inputs: tuple[Path, ...]
    policy: str  # a policy name or the path of a parameter file
    as_of: dt.date
    out_dir: Path
    county: str | None = None
    workers: int = 1
    batch_size: int = 250  # smaller than the command's, so the bar moves on small files
    encoding: str = "utf-8"
    repair_excel: bool = False  # run --repair-excel
    remedies: tuple[str, ...] = ()  # run --remedy: codes of the remedies beside Prop 64
    kind: str = "run"

    def execute(self, progress: Progress, notes: list[str]) -> list[str]:
        """The bulk run (:func:`cmr_reason.reasoner.run.bulk.run`) into ``out_dir``.

        Raises :class:`RejectedRows` when it rejected too many input rows (the outputs are
        written, as ``cmr-reason run`` writes them before it exits non-zero).
        """
        from cmr_reason.reasoner.engine.program_set import load_program_set
        from cmr_reason.reasoner.run.bulk import RunConfig, check_inputs, run

        check_inputs(list(self.inputs))
        config = RunConfig(
            inputs=list(self.inputs),
            programs=load_program_set(self.policy, self.remedies),
            as_of=self.as_of,
            out_dir=self.out_dir,
            county=self.county,
            workers=self.workers,
            batch_size=self.batch_size,
            encoding=self.encoding,
            repair_excel=self.repair_excel,
        )
        report = run(config, progress, notes)
        if report.internal_errors:
            raise UserError(
                f"{len(report.internal_errors)} internal error(s) in the rules; the outputs were "
                "written but should not be used"
            )
        check = report.rejects
        if check is not None and check.loud:
            raise RejectedRows(
                f"{check.rejected:,} of {check.rows_in:,} input rows were rejected (the reasons "
                "are below). The outputs were written: open the results to read rejects.csv, "
                "then fix the input and run again.",
                run_warnings(report),
            )
        return run_warnings(report)


class RejectedRows(Exception):
    """A run that wrote its outputs but rejected too many input rows (``run`` exits 5)."""

    def __init__(self, message: str, warnings: list[str]) -> None:
        super().__init__(message)
        self.warnings = warnings


@dataclass(frozen=True)
class ReportRequest:
    """The impact report of a run (``cmr-reason report``)."""

    run_dir: Path
    out: Path
    suppress_below: int = 0
    kind: str = "report"

    def execute(self, progress: Progress, notes: list[str]) -> list[str]:
        """Write the report to ``out``."""
        from cmr_reason.reasoner.report.writer import ReportOptions, write_report
        from cmr_reason.reasoner.run.directory import open_run

        options = ReportOptions(suppress_below=self.suppress_below)
        self.out.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_report(open_run(self.run_dir), self.out, options)
        return list(options.warnings)


@dataclass(frozen=True)
class FilingRequest:
    """The court filing of a run (``cmr-reason file``), replacing an earlier one."""

    run_dir: Path
    out_dir: Path
    settings: Path  # an office settings file, or a template's example
    kind: str = "filing"

    def execute(self, progress: Progress, notes: list[str]) -> list[str]:
        """Write the filing into ``out_dir``."""
        from cmr_reason.reasoner.filing.settings import load_settings
        from cmr_reason.reasoner.filing.template import load_template
        from cmr_reason.reasoner.filing.writer import make_filing
        from cmr_reason.reasoner.run.directory import open_run

        run = open_run(self.run_dir)
        office = load_settings(self.settings)
        self.out_dir.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        report = make_filing(run, office, load_template(office.template), self.out_dir, True)
        warnings = []
        if office.example:
            warnings.append("Made with example settings (invented names): not for filing.")
        if report.checked_against != "summary.json":
            warnings.append(
                f"The run was not limited to {office.county_key} County: "
                f"{report.other_county_rows:,} conviction(s) of other counties were left out."
            )
        return warnings


@dataclass
class Job:
    """One run started from the workbench, as the progress page shows it."""

    id: int
    name: str  # the run's name
    started_by: str
    task: Task
    # starting | reading | deciding | done | rejected (done, too many rows rejected) |
    # failed | cancelled
    state: str = "starting"
    people: int = 0
    convictions: int = 0
    rows: int = 0
    rows_total: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    cancel_asked: bool = False

    @property
    def finished(self) -> bool:
        """True once the run has ended, however it ended."""
        return self.state in ("done", "rejected", "failed", "cancelled")

    @property
    def percent(self) -> int:
        """Input rows decided so far, in percent (0 before the first batch)."""
        if self.state in ("done", "rejected"):
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows * 100 // self.rows_total)

    def status(self) -> dict[str, Any]:
        """What the progress page polls (no personal data: counts and plain words)."""
        elapsed = (self.ended or time.monotonic()) - self.started
        return {
            "id": self.id,
            "kind": self.task.kind,
            "name": self.name,
            "state": self.state,
            "percent": self.percent,
            "people": self.people,
            "rows": self.rows,
            "rows_total": self.rows_total,
            "seconds": round(elapsed, 1),
            "message": self.message,
            "warnings": self.warnings,
            "notes": self.notes,
        }


class _Stopped(BaseException):
    """SIGTERM in the child: unwind so the run's temporary folder is removed."""


def run_warnings(report: Any) -> list[str]:
    """The warnings a finished run reports (its manifest's ``warnings`` list, if any)."""
    found = getattr(report, "warnings", None) or report.manifest.get("warnings") or []
    return [warning_text(w) for w in found]


def warning_text(warning: Any) -> str:
    """A run warning's message (a ``RunWarning``, or a manifest's ``{code, message}``)."""
    if isinstance(warning, dict):
        return str(warning.get("message") or warning.get("text") or warning)
    return str(getattr(warning, "message", warning))


def _child(task: Task, out: Any) -> None:
    """The child process: ``task``, reporting to ``out`` (a multiprocessing queue)."""
    os.umask(0o077)

    stopped: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        stopped.append(signum)
        raise _Stopped(signum)

    signal.signal(signal.SIGTERM, stop)
    from cmr_reason.reasoner.run.worker_watch import watch_parent

    watch_parent(os.getppid())  # the child ends if the server is killed
    notes: list[str] = []

    def progress(people: int, convictions: int, rows: int, rows_total: int) -> None:
        # A SIGTERM whose exception was swallowed (it landed where Python ignores
        # exceptions: a fork's at-fork hook, a __del__) stops the run here, at its next
        # batch; before, the run went on until the kill, leaving its temporary folder.
        if stopped:
            raise _Stopped(stopped[0])
        out.put(("progress", people, convictions, rows, rows_total))

    try:
        out.put(("reading",))
        warnings = task.execute(progress, notes)
        out.put(("done", warnings, notes))
    except _Stopped:
        out.put(("cancelled", "Cancelled: nothing was written.", notes))
    except RejectedRows as exc:
        out.put(("rejected", str(exc), exc.warnings, notes))
    except UserError as exc:
        out.put(("failed", str(exc), notes))
    except MemoryError:
        out.put(("failed", "out of memory; try fewer worker processes", notes))
    except Exception as exc:  # reported in words; no traceback reaches the page
        # The message of an unexpected error may quote input text: only its kind is shown.
        out.put(("failed", f"unexpected error ({type(exc).__name__}); nothing was replaced",
                 notes))  # fmt: skip


class RunJobs:
    """The workbench's runs: at most one at a time, each in its own child process."""

    def __init__(self, start_method: str = "spawn") -> None:
        self._context: Any = multiprocessing.get_context(start_method)
        self._lock = threading.Lock()
        self._jobs: dict[int, Job] = {}
        self._process: BaseProcess | None = None
        self._next = 1
        self.on_done: Callable[[Job], None] | None = None

    def get(self, job_id: int) -> Job | None:
        """The job ``job_id``, if this server started it."""
        with self._lock:
            return self._jobs.get(job_id)

    def active(self) -> Job | None:
        """The run in progress, if any."""
        with self._lock:
            return next((j for j in self._jobs.values() if not j.finished), None)

    def recent(self) -> list[Job]:
        """Every job of this server, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: -j.id)

    def start(self, name: str, user: str, task: Task) -> Job:
        """Start ``task`` in a child process; refused while another is in progress."""
        with self._lock:
            busy = next((j for j in self._jobs.values() if not j.finished), None)
            if busy is not None:
                raise UserError(
                    f"the {busy.task.kind} of {busy.name} (started by {busy.started_by}) is in "
                    "progress; the workbench does one at a time"
                )
            job = Job(self._next, name, user, task)
            self._next += 1
            self._jobs[job.id] = job
            messages = self._context.Queue()
            process = self._context.Process(
                target=_child, args=(task, messages), name=f"cmr-{task.kind}-{job.id}"
            )
            try:
                process.start()
            except OSError as exc:
                del self._jobs[job.id]
                raise UserError(f"cannot start the {task.kind}: {exc.strerror}") from None
            self._process = process
        threading.Thread(
            target=self._follow, args=(job, process, messages), name=f"follow-run-{job.id}",
            daemon=True,
        ).start()  # fmt: skip
        return job

    def cancel(self, job_id: int) -> bool:
        """Ask the run ``job_id`` to stop (SIGTERM; killed if it has not ended in 10 s)."""
        with self._lock:
            job = self._jobs.get(job_id)
            process = self._process
            if job is None or job.finished or process is None:
                return False
            job.cancel_asked = True
        process.terminate()
        # Not a daemon, so a cancel is always carried through; it ends with the run's
        # process, not after the whole grace period (a Timer kept a script alive 10 s).
        threading.Thread(
            target=_kill_if_alive, args=(process,), name=f"cancel-run-{job_id}"
        ).start()
        return True

    def _follow(self, job: Job, process: BaseProcess, messages: Any) -> None:
        """Read the child's messages into ``job`` until it ends."""
        while True:
            try:
                message = messages.get(timeout=0.5)
            except queue.Empty:
                if process.is_alive():
                    continue
                try:  # the last message may arrive just after the process ends
                    message = messages.get(timeout=1.0)
                except queue.Empty:
                    self._end(job, "failed", _died(process.exitcode, job.cancel_asked))
                    break
            if self._apply(job, message):
                break
        process.join(timeout=CANCEL_GRACE_SECONDS)
        messages.close()

    def _apply(self, job: Job, message: tuple[Any, ...]) -> bool:
        """Apply one message of the child; True when it was the last."""
        kind = message[0]
        with self._lock:
            if kind == "reading":
                job.state = "reading"
            elif kind == "progress":
                job.state = "deciding"
                job.people, job.convictions, job.rows, job.rows_total = message[1:5]
                return False
        if kind == "done":
            self._end(job, "done", "", list(message[1]), list(message[2]))
            return True
        if kind in ("failed", "cancelled"):
            self._end(job, kind, str(message[1]), [], list(message[2]))
            return True
        if kind == "rejected":
            self._end(job, kind, str(message[1]), list(message[2]), list(message[3]))
            return True
        return False

    def _end(
        self,
        job: Job,
        state: str,
        text: str,
        warnings: list[str] | None = None,
        notes: list[str] | None = None,
    ) -> None:
        with self._lock:
            if state == "failed" and job.cancel_asked:
                state, text = "cancelled", "Cancelled: nothing was written."
            job.state, job.message, job.ended = state, text, time.monotonic()
            job.warnings, job.notes = warnings or [], notes or []
        log.info("run %s %s", job.name, state)
        if self.on_done is not None:
            self.on_done(job)

    def stop_all(self) -> None:
        """Stop a run in progress (the server is shutting down)."""
        active = self.active()
        if active is not None:
            self.cancel(active.id)
            process = self._process
            if process is not None:
                process.join(timeout=CANCEL_GRACE_SECONDS)


def _died(exitcode: int | None, cancelled: bool) -> str:
    if cancelled:
        return "Cancelled: nothing was written."
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else ""
        return f"the run was stopped by {name or 'a signal'} (out of memory?); nothing was replaced"
    return f"the run ended unexpectedly (exit status {exitcode}); nothing was replaced"


def _kill_if_alive(process: BaseProcess) -> None:
    """Kill ``process`` if it has not ended within the grace period after SIGTERM.

    Waits on the process's sentinel, which is ready once it has ended, so this thread never
    reaps it (``_follow`` does).
    """
    if not wait([process.sentinel], CANCEL_GRACE_SECONDS):
        process.kill()
