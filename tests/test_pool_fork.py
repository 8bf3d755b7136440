"""A batch in a child forked for it (reasoner/run/pool.py ``forked``): result, error, crash."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import pytest

from cmr_reason.reasoner.run import pool as pool_module
from cmr_reason.reasoner.run.pool import (
    forked,
    forks_per_batch,
    in_batch_order,
    pool_context,
    reap_children,
)

pytestmark = pytest.mark.skipif(not forks_per_batch(), reason="no fork server on this platform")


def _square_all(index: int, batch: list[int], spec: int) -> tuple[int, int, list[int]]:
    return index, os.getpid(), [n * n + spec for n in batch]


def _fails(index: int, batch: list[int], spec: int) -> None:
    raise ValueError(f"bad batch {index}")


def _dies(index: int, batch: list[int], spec: int) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_result_comes_back_from_a_child_of_its_own() -> None:
    index, pid, squares = forked(_square_all, 3, [1, 2, 3], 10)
    assert (index, squares) == (3, [11, 14, 19])
    assert pid != os.getpid()
    reap_children()
    assert pool_module._CHILDREN == []
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # collected


def test_children_of_another_process_or_already_collected_are_dropped() -> None:
    """A forked copy of a run's process (a test's, a job's) inherits the list of children."""
    pool_module._CHILDREN.append((os.getppid(), os.getpid()))  # the parent's child: this one
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)  # collected by someone else
    pool_module._CHILDREN.append((os.getpid(), pid))
    reap_children()  # neither raises
    assert pool_module._CHILDREN == []


def test_error_in_the_batch_is_raised_in_the_caller() -> None:
    with pytest.raises(ValueError, match="bad batch 4"):
        forked(_fails, 4, [1], 0)


def test_a_child_that_dies_gives_a_clear_error() -> None:
    with pytest.raises(
        RuntimeError, match=r"batch 5: its process ended without a result \(signal 9\)"
    ):
        forked(_dies, 5, [1], 0)


def test_pool_of_forking_workers_keeps_batch_order_and_a_process_a_batch() -> None:
    context, _ = pool_context()
    batches = [[n, n + 1] for n in range(0, 20, 2)]
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        results = list(in_batch_order(partial(forked, _square_all), batches, 0, pool, 2))
    assert [index for index, _, _ in results] == list(range(10))
    assert [squares for _, _, squares in results] == [[n * n for n in b] for b in batches]
    assert len({pid for _, pid, _ in results}) == 10  # each batch in a fresh child


def _sleeps(index: int, batch: list[int], spec: str) -> None:
    with open(spec, "w") as out:
        out.write(str(os.getpid()))
    time.sleep(60)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as stat:  # ended but not yet collected: a zombie
        return stat.read().rsplit(")", 1)[1].split()[0] == "Z"


def test_a_child_ends_with_the_worker_that_forked_it(tmp_path: Path) -> None:
    written = tmp_path / "child.pid"
    context, _ = pool_context()
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
    try:
        pool.submit(forked, _sleeps, 0, [], str(written))
        deadline = time.monotonic() + 20
        while not (written.exists() and written.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(written.read_text())
        for process in list(pool._processes.values()):  # the worker, killed as by the OOM killer
            os.kill(process.pid, signal.SIGKILL)
        while not _gone(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(child)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
