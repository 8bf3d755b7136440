"""Batches of people on worker processes: how workers start, and results in batch order.

Shared by the bulk run (:mod:`cmr_reason.reasoner.run.bulk`) and the filing's readers
(:mod:`cmr_reason.reasoner.filing.rows`).
"""

from __future__ import annotations

import contextlib
import multiprocessing.forkserver
import os
import pickle
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import TypeVar

from cmr_reason.reasoner.run.batch_child import (
    BatchProcessLost,
    child_failed,
    exit_text,
    fork_quietly,
    run_in_child,
)
from cmr_reason.reasoner.run.fork_pool import fork_pool_results
from cmr_reason.reasoner.run.worker_watch import watch_parent

Item = TypeVar("Item")
Spec = TypeVar("Spec")
Result = TypeVar("Result")

#: glibc's malloc backs its heap with transparent huge pages where this tunable is set: each
#: batch's child then takes far fewer page faults for its fresh memory (tests/bench/analysis.md,
#: issue 18's seventh round); other C libraries ignore it.
HUGE_PAGES_TUNABLE = "glibc.malloc.hugetlb=1"
_TUNABLES = "GLIBC_TUNABLES"
_server_started = False

# Where workers are spawned (no fork server), restart one after this many batches: clingo
# never frees its symbol table, and grounding slows down as the table grows.
BATCHES_PER_WORKER = 6


def in_batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def pool_context() -> tuple[BaseContext, int]:
    """How worker processes start, and how many batches each runs before it is replaced.

    Where the platform has a fork server, workers are forked from a server that has already
    imported the worker code; the bulk run's workers then live for the whole run and fork a
    child for each batch (:mod:`cmr_reason.reasoner.run.fork_pool`), so that clingo's
    symbol table, which never shrinks, starts empty for each batch (grounding a batch in a
    fresh process is about a fifth faster than in one that has ground several;
    docs/performance.md). Elsewhere workers are spawned and restarted every few batches.
    """
    if "forkserver" in get_all_start_methods():
        context = get_context("forkserver")
        context.set_forkserver_preload(["cmr_reason.reasoner.run.batch_worker"])
        _start_fork_server()
        return context, 1
    return get_context("spawn"), BATCHES_PER_WORKER


def tunables_with_huge_pages(tunables: str | None) -> str:
    """``GLIBC_TUNABLES`` with :data:`HUGE_PAGES_TUNABLE` added, unless it sets hugetlb itself."""
    if not tunables:
        return HUGE_PAGES_TUNABLE
    if "glibc.malloc.hugetlb=" in tunables:
        return tunables
    return f"{tunables}:{HUGE_PAGES_TUNABLE}"


def _start_fork_server() -> None:
    """Start the fork server once, its malloc on huge pages (:data:`HUGE_PAGES_TUNABLE`).

    The tunable is read when a program starts: it is put in the environment only while the
    server is started (by fork and exec), so the workers forked from it have it and this
    process's environment is as it was. A failure to start is left to the pool's start,
    which reports it.
    """
    global _server_started
    if _server_started:
        return
    _server_started = True
    saved = os.environ.get(_TUNABLES)
    os.environ[_TUNABLES] = tunables_with_huge_pages(saved)
    try:
        with contextlib.suppress(Exception):
            multiprocessing.forkserver.ensure_running()
    finally:
        if saved is None:
            del os.environ[_TUNABLES]
        else:
            os.environ[_TUNABLES] = saved


def forks_per_batch() -> bool:
    """Whether a pool's long-lived workers fork a child a batch (POSIX, with a fork server)."""
    return hasattr(os, "fork") and "forkserver" in get_all_start_methods()


# Children forked for batches that sent their result and may still be exiting, as
# (the process that forked it, the child): a process forked from this one inherits the list.
_CHILDREN: list[tuple[int, int]] = []


def start_worker(run_pid: int) -> None:
    """A pool worker's start: end with the run (process ``run_pid``), and on SIGTERM or SIGHUP.

    A worker forked from the run itself (the range readers) would otherwise keep the run's
    handlers, which unwind the run.
    """
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    watch_parent(run_pid)


def _reap(wait: bool = False) -> None:
    """Collect this process's batch children that have ended (``wait``: all of them)."""
    me = os.getpid()
    for entry in list(_CHILDREN):
        parent, pid = entry
        try:
            done = parent != me or os.waitpid(pid, 0 if wait else os.WNOHANG)[0]
        except ChildProcessError:  # already collected (SIGCHLD ignored, say)
            done = True
        if done:
            _CHILDREN.remove(entry)


def reap_children() -> None:
    """Wait for the children this process forked for its batches (each has sent its result)."""
    _reap(wait=True)


def forked(
    work: Callable[[int, Item, Spec], Result], index: int, batch: Item, spec: Spec
) -> Result:
    """``work(index, batch, spec)`` in a child process forked for this batch.

    The process that calls this never grounds anything itself, so each batch starts with
    clingo's symbol table empty (it never shrinks): the child is forked from a process that
    has already imported everything, sends its result back through a pipe and exits without
    tearing the interpreter down. Pools of workers use
    :mod:`cmr_reason.reasoner.run.fork_pool`; this serves a run of one worker, in the run's
    own process, which may have other threads, such as the progress display: the child
    takes none of their locks, as it neither prints nor logs. (A pool would need the fork
    server, which a process forked from one that started it, a test's or a job's, cannot
    use.)
    """
    _reap()
    read_end, write_end = os.pipe()
    try:
        pid = fork_quietly()
    except OSError as exc:  # the system refused a process: not the run's outputs
        os.close(read_end)
        os.close(write_end)
        raise BatchProcessLost(
            f"batch {index}: no process could be started for it ({exc.strerror})", refused=True
        ) from None
    if pid == 0:
        os.close(read_end)
        run_in_child(work, index, lambda: batch, spec, write_end)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    if not data:
        _, status = os.waitpid(pid, 0)
        raise child_failed(index, status)
    _CHILDREN.append((os.getpid(), pid))
    ok, value = pickle.loads(data)
    if ok:
        return value
    raise value


def in_batch_order(
    work: Callable[[int, list[Item], Spec], Result],
    batches: Iterable[list[Item]],
    spec: Spec,
    pool: Executor | None = None,
    workers: int = 1,
) -> Iterator[Result]:
    """``work(index, batch, spec)`` of each batch, in batch order: here, or on ``pool``.

    On a pool, at most twice as many batches as ``workers`` wait at a time.
    """
    if pool is None:
        try:
            for index, batch in enumerate(batches):
                yield work(index, batch, spec)
        finally:
            reap_children()  # of a ``work`` that forks (:func:`forked`), if any
        return
    pending: list[Future[Result]] = []
    for index, batch in enumerate(batches):
        pending.append(pool.submit(work, index, batch, spec))
        while len(pending) > 2 * workers:
            yield pending.pop(0).result()
    for future in pending:
        yield future.result()


@contextlib.contextmanager
def process_pool(
    workers: int,
    context: BaseContext,
    tasks_per_child: int | None = None,
    what: str = "a worker process",
) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers end with the run: stopped at once if the run fails.

    A worker that ended without its result (the pool is broken) is a
    :class:`~cmr_reason.reasoner.run.batch_child.BatchProcessLost` naming ``what`` it was.
    """
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, max_tasks_per_child=tasks_per_child,
        initializer=start_worker, initargs=(os.getpid(),),
    )  # fmt: skip
    try:
        yield pool
    except BaseException as exc:
        # Not the batches still queued: the workers themselves (the pool offers no public way).
        processes = list(getattr(pool, "_processes", {}).values())
        for process in processes:
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        if isinstance(exc, BrokenProcessPool):
            raise _pool_lost(processes, what) from None
        raise
    pool.shutdown(wait=True)


def _pool_lost(processes: list[BaseProcess], what: str) -> BatchProcessLost:
    """The error of a broken pool: how its first process to end ended, if known.

    The pool ends its other workers by SIGTERM once one has ended, so the exit code that is
    not SIGTERM's is the one that broke it.
    """
    codes = [code for code in (p.exitcode for p in processes) if code is not None]
    code = next((c for c in codes if c != -signal.SIGTERM), codes[0] if codes else None)
    how = "" if code is None else f" ({exit_text(code)})"
    return BatchProcessLost(
        f"{what} ended without a result{how}",
        by_signal=-code if code is not None and code < 0 else None,
    )


def decided_batches(
    work: Callable[[int, list[Item], Spec], Result],
    batches: Iterable[list[Item]],
    spec: Spec,
    workers: int,
    fresh: bool = True,
) -> Iterator[Result]:
    """``work(index, batch, spec)`` of each batch, in batch order, on ``workers`` processes.

    ``fresh``: each batch grounds in a process of its own, since clingo's symbol table only
    grows (a child forked a batch: from this process with one worker, else from each
    long-lived worker, :mod:`cmr_reason.reasoner.run.fork_pool`; where there is no fork, a
    worker replaced every few batches). Otherwise workers live on (only reading: starting
    one costs more than a batch's work), and one worker means this process.
    """
    forking = fresh and forks_per_batch()
    if workers <= 1 and (forking or not fresh):
        yield from in_batch_order(partial(forked, work) if forking else work, batches, spec)
        return
    context, per_worker = pool_context()
    if forking:
        yield from fork_pool_results(work, batches, spec, workers, context)
        return
    with process_pool(max(workers, 1), context, per_worker if fresh else None) as pool:
        yield from in_batch_order(work, batches, spec, pool, max(workers, 1))
