"""A batch in a child forked by the run (reasoner/run/pool.py ``forked``): result, error, crash."""

from __future__ import annotations

import os
import signal

import pytest

from cmr_reason.reasoner.run import pool as pool_module
from cmr_reason.reasoner.run.pool import (
    forked,
    forks_per_batch,
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
