"""Batches of people on worker processes: how workers start, and results in batch order.

Shared by the bulk run (:mod:`cmr_reason.reasoner.run.bulk`) and the filing's readers
(:mod:`cmr_reason.reasoner.filing.rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from typing import TypeVar

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

    Where the platform has a fork server, every batch runs in a fresh process forked from a
    server that has already imported the worker: clingo's symbol table, which never
    shrinks, starts empty for each batch (grounding a batch in a fresh process is about a
    fifth faster than in one that has ground several; docs/performance.md), for a few
    milliseconds a fork. Elsewhere workers are spawned and restarted every few batches.
    """
    if "forkserver" in get_all_start_methods():
        context = get_context("forkserver")
        context.set_forkserver_preload(["cmr_reason.reasoner.run.batch_worker"])
        return context, 1
    return get_context("spawn"), BATCHES_PER_WORKER


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
        for index, batch in enumerate(batches):
            yield work(index, batch, spec)
        return
    pending: list[Future[Result]] = []
    for index, batch in enumerate(batches):
        pending.append(pool.submit(work, index, batch, spec))
        while len(pending) > 2 * workers:
            yield pending.pop(0).result()
    for future in pending:
        yield future.result()
