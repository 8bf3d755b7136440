"""Batches of people on worker processes: how workers start, and results in batch order.

Shared by the bulk run (:mod:`cmr_reason.reasoner.run.bulk`) and the filing's readers
(:mod:`cmr_reason.reasoner.filing.rows`).
"""

from __future__ import annotations

import os
import pickle
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from typing import NoReturn, TypeVar

from cmr_reason.reasoner.run.worker_watch import watch_parent

Item = TypeVar("Item")
Spec = TypeVar("Spec")
Result = TypeVar("Result")

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
        return context, 1
    return get_context("spawn"), BATCHES_PER_WORKER


def forks_per_batch() -> bool:
    """Whether a pool's long-lived workers fork a child a batch (POSIX, with a fork server)."""
    return hasattr(os, "fork") and "forkserver" in get_all_start_methods()


# Children forked for batches that sent their result and may still be exiting, as
# (the process that forked it, the child): a process forked from this one inherits the list.
_CHILDREN: list[tuple[int, int]] = []


def start_worker(run_pid: int) -> None:
    """A pool worker's start: end with the run (process ``run_pid``)."""
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


def fork_quietly() -> int:
    """``os.fork()``, without the warning Python 3.12 gives beside other threads.

    The callers' children take none of the other threads' locks: they neither print nor log.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def run_in_child(
    work: Callable[[int, Item, Spec], Result],
    index: int,
    batch: Callable[[], Item],
    spec: Spec,
    out: int,
    decided: Callable[[], None] | None = None,
) -> NoReturn:
    """In a forked child: ``work``'s result or its exception, pickled into ``out``; then exit.

    ``batch`` gives the batch (it may unpickle it, or wait, here); ``decided`` is called once
    ``work`` has returned or raised, before the result is pickled. The child ends with the
    process that forked it (and so with the run: workers end with the run,
    :mod:`cmr_reason.reasoner.run.worker_watch`).
    """
    code = 0
    try:
        watch_parent(os.getppid())
        try:
            payload: tuple[bool, object] = (True, work(index, batch(), spec))
        except BaseException as exc:  # sent to the worker, which raises it for the run
            payload = (False, exc)
        if decided is not None:
            decided()
        try:
            data = pickle.dumps(payload, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception that cannot be pickled: its text instead
            data = pickle.dumps((False, RuntimeError(f"batch {index}: {exc!r}")))
        with os.fdopen(out, "wb") as pipe:
            pipe.write(data)
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # no interpreter teardown: the kernel frees the batch's memory


class BatchProcessLost(RuntimeError):
    """A process deciding batches ended without a result (killed: out of memory, say)."""


def child_failed(index: int, status: int) -> BatchProcessLost:
    """The error of a batch whose child ended (``waitpid`` status) without a result."""
    how = (
        f"signal {os.WTERMSIG(status)}"
        if os.WIFSIGNALED(status)
        else f"exit status {os.waitstatus_to_exitcode(status)}"
    )
    return BatchProcessLost(f"batch {index}: its process ended without a result ({how})")


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
    pid = fork_quietly()
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
