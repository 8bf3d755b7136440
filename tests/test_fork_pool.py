"""The bulk run's pool of forking workers (reasoner/run/fork_pool.py): order, errors, ends."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from cmr_reason.reasoner.run.fork_pool import ForkPool, fork_pool_results
from cmr_reason.reasoner.run.pool import forks_per_batch, pool_context

pytestmark = pytest.mark.skipif(not forks_per_batch(), reason="no fork server on this platform")


def _square_all(index: int, batch: list[int], spec: int) -> tuple[int, int, int, list[int]]:
    if index % 3 == 0:
        time.sleep(0.05)  # some batches slower than others: results come back out of order
    return index, os.getpid(), os.getppid(), [n * n + spec for n in batch]


def _fails_on_four(index: int, batch: list[int], spec: int) -> int:
    if index == 4:
        raise ValueError(f"bad batch {index}")
    return index


def _dies_on_two(index: int, batch: list[int], spec: int) -> int:
    if index == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return index


def _sleeps(index: int, batch: list[int], spec: str) -> None:
    with open(f"{spec}.{index}", "w") as out:
        out.write(str(os.getpid()))
    time.sleep(60)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as stat:  # ended but not yet collected: a zombie
        return stat.read().rsplit(")", 1)[1].split()[0] == "Z"


def _wait_for(test: object, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not test() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)


def test_results_in_batch_order_each_batch_in_a_fresh_child_of_a_worker() -> None:
    context, _ = pool_context()
    batches = [[n, n + 1] for n in range(0, 40, 2)]
    results = list(fork_pool_results(_square_all, batches, 7, 2, context))
    assert [index for index, *_ in results] == list(range(20))
    assert [squares for *_, squares in results] == [[n * n + 7 for n in b] for b in batches]
    assert len({pid for _, pid, _, _ in results}) == 20  # a child a batch
    workers = {parent for _, _, parent, _ in results}
    assert len(workers) == 2 and os.getpid() not in workers  # forked by the two workers


def test_no_batches_and_fewer_batches_than_workers() -> None:
    context, _ = pool_context()
    assert list(fork_pool_results(_square_all, [], 0, 2, context)) == []
    assert [r[3] for r in fork_pool_results(_square_all, [[3]], 1, 2, context)] == [[10]]


def test_a_batch_error_is_raised_in_order_after_the_batches_before_it() -> None:
    context, _ = pool_context()
    got: list[int] = []
    with pytest.raises(ValueError, match="bad batch 4"):
        for index in fork_pool_results(_fails_on_four, [[n] for n in range(10)], 0, 2, context):
            got.append(index)
    assert got == [0, 1, 2, 3]


def test_a_child_that_dies_gives_a_clear_error() -> None:
    context, _ = pool_context()
    with pytest.raises(
        RuntimeError, match=r"batch 2: its process ended without a result \(signal 9\)"
    ):
        list(fork_pool_results(_dies_on_two, [[n] for n in range(6)], 0, 2, context))


def test_a_worker_that_dies_gives_a_clear_error_and_its_child_ends(tmp_path: Path) -> None:
    context, _ = pool_context()
    pool = ForkPool(1, context, _sleeps, str(tmp_path / "child"))
    results = pool.results([[1], [2], [3]])
    try:
        written = tmp_path / "child.0"
        with pytest.raises(RuntimeError, match=r"a worker process ended without a result"):
            # The worker is killed (as by the OOM killer) once its first child runs.
            def kill() -> None:
                _wait_for(lambda: written.exists() and written.read_text())
                os.kill(pool.processes[0].pid, signal.SIGKILL)

            threading.Thread(target=kill, daemon=True).start()
            next(results)
        child = int(written.read_text())
        _wait_for(lambda: _gone(child))
        assert _gone(child)
    finally:
        pool.terminate()


def test_stopping_early_ends_the_workers() -> None:
    """A run that fails while writing closes the results: the workers end at once."""
    context, _ = pool_context()
    results = fork_pool_results(_square_all, [[n] for n in range(50)], 0, 2, context)
    workers = {next(results)[2], next(results)[2], next(results)[2]}
    results.close()
    for pid in workers:
        _wait_for(lambda pid=pid: _gone(pid))
        assert _gone(pid)


def test_a_worker_gone_before_its_batch_is_sent_gives_the_same_error() -> None:
    """Not an OSError, which the run would report as a failure to write its folder."""
    context, _ = pool_context()
    pool = ForkPool(1, context, _square_all, 0)
    try:
        os.kill(pool.processes[0].pid, signal.SIGKILL)
        pool.processes[0].join()
        # Killed before or after it said it was ready: either is told as it is.
        ended = r"a worker process ended (as it started|without a result) \(signal 9\)"
        with pytest.raises(RuntimeError, match=ended):
            list(pool.results([[1], [2]]))
    finally:
        pool.terminate()


class _PreparedSpec:
    """A spec whose ``prepare`` a worker calls once, before it forks any batch child."""

    def __init__(self) -> None:
        self.prepared_in = 0  # the process that prepared, as each child inherits it

    def prepare(self) -> None:
        self.prepared_in = os.getpid()


def _where_prepared(index: int, batch: list[int], spec: _PreparedSpec) -> tuple[int, int]:
    return spec.prepared_in, os.getppid()


def test_each_worker_prepares_the_spec_once_before_forking_its_children() -> None:
    """BatchSpec.prepare parses the bulk program in the worker (solver.prepare_control): each
    child must inherit it from its own worker, prepared before that child was forked."""
    context, _ = pool_context()
    results = list(fork_pool_results(_where_prepared, [[n] for n in range(8)],
                                     _PreparedSpec(), 2, context))  # fmt: skip
    assert all(prepared == worker for prepared, worker in results)
    assert len({worker for _, worker in results}) == 2
