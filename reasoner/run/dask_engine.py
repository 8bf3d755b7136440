"""Run the bulk run's batches on a Dask distributed cluster (``--engine dask``).

The parent reads and groups the input exactly as for local workers, and sends each batch
(people in subject order) to the cluster as one task running
:func:`~cmr_reason.reasoner.run.batch_worker.run_batch`; results come back and are written in
batch order, so the output files are byte-identical to a local run. Without a scheduler
address a :class:`~distributed.LocalCluster` of ``workers`` single-threaded processes is
started (and stopped) for the run, its workers' files in the run's scratch directory. Dask
is an optional extra: ``pip install 'cmr-reason[dask]'``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.run.batch_worker import BatchResult, BatchSpec, Item, run_batch

# Batches in flight per worker thread: enough to keep the cluster busy, few enough to keep
# the parent's memory bounded.
IN_FLIGHT_PER_WORKER = 2


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UserError(
            "--engine dask needs Dask: pip install 'cmr-reason[dask]' (dask[distributed])"
        ) from None
    return distributed


def _client(
    distributed: Any, workers: int, scheduler: str | None, scratch: Path | None
) -> tuple[Any, Any]:
    """A client on the given scheduler, or on a new LocalCluster (returned to close)."""
    if scheduler:
        try:
            return distributed.Client(scheduler, timeout="10s"), None
        except OSError as exc:
            raise UserError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    cluster = distributed.LocalCluster(
        n_workers=max(workers, 1),
        threads_per_worker=1,  # clingo holds the GIL while grounding: one batch per process
        processes=True,
        dashboard_address=None,
        local_directory=str(scratch) if scratch else None,
    )
    return distributed.Client(cluster), cluster


def dask_results(
    batches: Iterator[list[Item]],
    spec: BatchSpec,
    workers: int,
    scheduler: str | None,
    scratch: Path | None = None,
) -> Iterator[BatchResult]:
    """Batch results in batch order, computed on a Dask cluster."""
    distributed = _import_distributed()
    client, cluster = _client(distributed, workers, scheduler, scratch)
    try:
        threads = sum(client.nthreads().values()) or max(workers, 1)
        limit = IN_FLIGHT_PER_WORKER * threads
        shared = client.scatter(spec, broadcast=True)
        pending: deque[Any] = deque()
        for index, batch in enumerate(batches):
            pending.append(client.submit(run_batch, index, batch, shared, pure=False))
            while len(pending) >= limit:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _result(future: Any) -> BatchResult:
    result = future.result()
    future.release()
    return result
