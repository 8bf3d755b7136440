"""Spilled runs merged a chunk at a time give what a subject-at-a-time merge gives.

``Groups`` merges its sorted run files by :func:`~cmr_reason.facts.doj.reader._merge_runs`:
the subjects in id order, each once, a subject's rows in the runs' order (reading order).
Here it is compared with the plain merge (``heapq.merge`` and ``groupby``, as it was) on
runs whose chunks end at different ids, with subjects in one run, in several runs, in
every run, and with runs that end early or hold nothing.
"""

import heapq
import pickle
import random
from itertools import groupby
from operator import itemgetter

import pytest

from cmr_reason.facts.doj import reader
from cmr_reason.facts.doj.reader import Groups, _merge_runs, _read_run


def _plain(paths):
    """The merge as it was: a subject at a time, rows of a subject in the runs' order."""
    merged = heapq.merge(*(_read_run(p) for p in paths), key=itemgetter(0))
    out = []
    for sid, parts in groupby(merged, key=itemgetter(0)):
        rows = []
        for _, part in parts:
            rows.extend(part)
        out.append((sid, rows))
    return out


def _write_runs(tmp_path, runs, chunk):
    """Each run (a dict sid -> rows) written as Groups.spill writes it, ``chunk`` a record."""
    paths = []
    for k, run in enumerate(runs):
        path = tmp_path / f"run-{k}.pickle"
        items = sorted(run.items())
        with path.open("wb") as handle:
            for start in range(0, len(items), chunk):
                pickle.dump(items[start : start + chunk], handle, protocol=5)
        paths.append(path)
    return paths


def _runs(seed, count, subjects, share):
    """``count`` runs; a subject is in one run, or (with probability ``share``) in several."""
    rng = random.Random(seed)
    runs = [{} for _ in range(count)]
    for n in range(subjects):
        sid = f"{rng.randrange(10**8):08d}-{n}"
        where = [rng.randrange(count)]
        if rng.random() < share:
            where = sorted(set(where + rng.sample(range(count), rng.randint(1, count))))
        for k in where:
            runs[k][sid] = [f"{k}:{sid}:{j}" for j in range(rng.randint(1, 4))]
    return runs


@pytest.mark.parametrize(
    ("seed", "count", "subjects", "share", "chunk"),
    [
        (1, 2, 500, 0.0, 7),  # disjoint runs
        (2, 2, 500, 0.2, 7),  # some subjects in both
        (3, 3, 800, 0.5, 5),
        (4, 4, 300, 1.0, 3),  # every subject in several runs
        (5, 2, 200, 0.1, 1),  # a subject a chunk
        (6, 3, 1000, 0.05, 2000),  # one chunk a run
        (7, 5, 50, 0.3, 4),  # some runs short or empty
    ],
)
def test_chunk_merge_equals_the_plain_merge(tmp_path, seed, count, subjects, share, chunk):
    runs = _runs(seed, count, subjects, share)
    paths = _write_runs(tmp_path, runs, chunk)
    expected = _plain(paths)
    got = [(sid, list(rows)) for sid, rows in _merge_runs(paths)]
    assert got == expected
    assert [sid for sid, _ in got] == sorted({sid for run in runs for sid in run})
    if share:  # rows of a subject in several runs: in the runs' order
        assert any(len({row.split(":")[0] for row in rows}) > 1 for _, rows in got)


def test_groups_merge_their_spilled_runs(tmp_path):
    """A small budget spills many runs; the merged subjects are the rows in reading order."""
    fields = tuple("x" * (k % 3) for k in range(len(reader._KEPT_COLUMNS)))
    groups = Groups(1, str(tmp_path))  # every add spills
    rng = random.Random(8)
    added = {}
    for line in range(400):
        sid = f"S{rng.randrange(60):03d}"
        groups.add(sid, "court", line, fields, 0)
        added.setdefault(sid, []).append(line)
    assert len(groups.runs) > 100
    merged = list(groups)
    assert [sid for sid, _ in merged] == sorted(added)
    for sid, rows in merged:
        assert [int(row.split(reader._PART_SEP)[1]) for row in rows] == added[sid]
    groups.close()
