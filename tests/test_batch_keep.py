"""A batch's forked child keeps its objects until it ends; any other process frees them.

``reasoner/run/batch_worker.py`` keeps the clingo control and the batch's objects in a child
forked for the batch (``batch_child.in_batch_child``), which ends by ``os._exit``: the
kernel takes the memory back at once. These tests hold the guard: the same result either
way, nothing kept and the cycle collector back on in the run's own process.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator

import pytest
from batch_specs import batch_spec

from cmr_reason.facts.doj.stream import stream_doj
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.run import batch_worker
from cmr_reason.reasoner.run.batch_worker import BatchResult, BatchSpec, Item, run_batch
from cmr_reason.reasoner.run.pool import forked, forks_per_batch, reap_children

AS_OF = dt.date(2020, 7, 1)


@pytest.fixture(scope="module")
def batch() -> Iterator[tuple[list[Item], BatchSpec]]:
    with stream_doj([demo_path()]) as read:
        items = list(read.items())[:40]
        spec = batch_spec(read, AS_OF)
        yield items, spec


def _outputs(result: BatchResult) -> tuple[object, ...]:
    return (
        result.people,
        result.convictions,
        result.convictions_csv,
        result.people_csv,
        result.cases_csv,
        result.summary.to_dict(),
        result.internal_errors,
    )


def _kept_in_child(index: int, items: list[Item], spec: BatchSpec) -> tuple[BatchResult, int]:
    result = run_batch(index, items, spec)
    return result, len(batch_worker._KEPT)


def test_the_run_process_keeps_nothing_and_collects_again(
    batch: tuple[list[Item], BatchSpec],
) -> None:
    items, spec = batch
    assert gc.isenabled()
    result = run_batch(0, items, spec)
    assert batch_worker._KEPT == []
    assert gc.isenabled()
    assert result.convictions > 40  # a real batch: its people have convictions
    assert "p64." in result.convictions_csv


@pytest.mark.skipif(not forks_per_batch(), reason="no fork server on this platform")
def test_a_forked_child_keeps_its_objects_and_decides_the_same(
    batch: tuple[list[Item], BatchSpec],
) -> None:
    items, spec = batch
    here = run_batch(0, items, spec)
    there, kept = forked(_kept_in_child, 0, items, spec)
    reap_children()
    assert kept > 0  # the control, the answer's text, the batch's objects
    assert batch_worker._KEPT == []  # not in this process
    assert _outputs(there) == _outputs(here)
