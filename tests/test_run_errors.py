"""The bulk run's and the filing's processes that end without their result, told as they are.

A worker, range reader or batch process that ends is one line naming it and how it ended,
that nothing was written, and what to try (reasoner/run/batch_child.py ``lost_error``), never
"cannot write the run: Broken pipe". And the range readers fork from the run even when it
shows its progress display, whose thread starts once they are forked (bulk.route_doj).
"""

from __future__ import annotations

import datetime as dt
import errno
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cli_runs import AS_OF
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.cli.commands import run as run_command
from cmr_reason.facts.doj import split as doj_split
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.run import bulk as bulk_module
from cmr_reason.reasoner.run import pool as pool_module
from cmr_reason.reasoner.run.batch_child import BatchProcessLost, lost_error
from cmr_reason.reasoner.run.fork_pool import ForkPool
from cmr_reason.reasoner.run.pool import forks_per_batch, pool_context, process_pool

pytestmark = pytest.mark.skipif(not forks_per_batch(), reason="no fork server on this platform")

runner = CliRunner()
OUTPUTS = ("convictions.csv", "people.csv", "cases.csv", "rejects.csv", "summary.json")


class _EndsWhenRead:
    """A spec whose unpickling, in the worker, ends the worker (``exit`` status, or SIGKILL)."""

    def __init__(self, exit: int | None) -> None:
        self.exit = exit

    def __reduce__(self) -> tuple[Any, ...]:
        if self.exit is None:
            return (signal.raise_signal, (signal.SIGKILL,))
        return (os._exit, (self.exit,))


def _square(index: int, batch: list[int], spec: object) -> list[int]:
    return [n * n for n in batch]


def _exits(*args: object) -> None:
    os._exit(4)


@pytest.mark.parametrize(("ends", "how"), [(3, "exit status 3"), (None, "signal 9")])
def test_a_worker_that_ends_as_it_starts_is_named_so(ends: int | None, how: str) -> None:
    """Before, its start wrote the whole spec to it and failed on a broken pipe (an OSError,
    which the run blamed on its output folder); the spec's bulk is what made the pipe full."""
    context, _ = pool_context()
    spec = (_EndsWhenRead(ends), b"x" * (1 << 20))
    with pytest.raises(BatchProcessLost) as raised:
        pool = ForkPool(2, context, _square, spec)
        try:
            list(pool.results([[1], [2], [3]]))
        finally:
            pool.terminate()
    assert str(raised.value) == f"a worker process ended as it started ({how})"
    assert raised.value.at_start
    assert raised.value.by_signal == (9 if ends is None else None)


def test_a_worker_that_started_and_ended_is_not_said_to_have_ended_at_its_start() -> None:
    context, _ = pool_context()
    pool = ForkPool(1, context, _square, None)
    try:
        assert list(pool.results([[2], [3]])) == [[4], [9]]  # it has said it is ready
        os.kill(pool.processes[0].pid, signal.SIGKILL)
        pool.processes[0].join()
        with pytest.raises(BatchProcessLost, match=r"^a worker process ended without a result"):
            list(pool.results([[4]]))
    finally:
        pool.terminate()


def test_a_pool_process_that_ends_is_named_with_its_exit_status() -> None:
    """A broken ``ProcessPoolExecutor`` (the range readers) names what ended, and how."""
    fork = multiprocessing.get_context("fork")
    with pytest.raises(BatchProcessLost) as raised, process_pool(2, fork, what="a reader") as pool:
        pool.submit(_exits).result()
    assert str(raised.value) == "a reader ended without a result (exit status 4)"
    assert raised.value.by_signal is None


def test_the_one_line_says_what_ended_that_nothing_was_written_and_what_to_try() -> None:
    killed = BatchProcessLost("batch 3: its process ended without a result (signal 9)", 9)
    assert str(lost_error(killed, "no output was written, out is unchanged", "fewer X")) == (
        "batch 3: its process ended without a result (signal 9); no output was written, out "
        "is unchanged: if the machine ran out of memory, use fewer X"
    )
    started = BatchProcessLost("a worker process ended as it started (exit status 1)")
    text = str(lost_error(started, "no output was written", "fewer X"))
    assert text.startswith("a worker process ended as it started (exit status 1); no output")
    assert "see the process's error above" in text
    assert 'if __name__ == "__main__":' in text and "--workers 1" in text
    assert "memory" not in text and lost_error(started, "w", "s").exit_code == 2


def test_a_script_without_the_main_guard_is_told_so_not_blamed_on_the_output(
    tmp_path: Path,
) -> None:
    """The reported case: each fork server worker imports the script, which starts the run
    again there and fails; the run said "cannot write the run ...: Broken pipe", exit 4."""
    out = tmp_path / "out"
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(f"""\
            import sys
            from cmr_reason.cli.app import main
            sys.argv = ["cmr-reason", "run", "--as-of", "{AS_OF}", "--out", {str(out)!r},
                        "--workers", "2", "-q"]
            main()
        """),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 2, done.stderr[-3000:]
    assert last.startswith("error: a worker process ended as it started (exit status 1); no "
                           "output was written: see the process's error above"), last  # fmt: skip
    assert 'under `if __name__ == "__main__":`' in last
    assert "cannot write" not in done.stderr and "Broken pipe" not in done.stderr
    assert not out.exists()


@pytest.fixture
def readers_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo file cut in byte ranges, by readers forked here that end with exit status 4."""
    monkeypatch.setattr(doj_split, "MIN_SPLIT_BYTES", 1)
    monkeypatch.setattr(doj_split, "route_range", _exits)
    monkeypatch.setattr(bulk_module, "readers_context", lambda: multiprocessing.get_context("fork"))


def test_a_range_reader_that_ends_gives_one_line_and_leaves_nothing(
    tmp_path: Path, readers_end: None
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(demo_path()), "--as-of", AS_OF, "--out", str(out),
                                 "--workers", "2", "-q"])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert ("error: a process reading the input ended without a result (exit status 4); no "
            "output was written: see the process's error above") in result.output  # fmt: skip
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_filing_whose_reader_ends_gives_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = tmp_path / "run"
    made = runner.invoke(app, ["run", str(demo_path()), "--as-of", AS_OF, "--county",
                               "LOS ANGELES", "--out", str(run_dir), "-q"])  # fmt: skip
    assert made.exit_code == 0, made.output
    monkeypatch.setattr(doj_split, "MIN_SPLIT_BYTES", 1)
    monkeypatch.setattr(doj_split, "route_range", _exits)
    monkeypatch.setattr(bulk_module, "readers_context", lambda: multiprocessing.get_context("fork"))
    out = tmp_path / "filing"
    result = runner.invoke(app, ["file", str(run_dir), "--out", str(out), "--workers", "2", "-q"])
    assert result.exit_code == 2, result.output
    assert ("error: a process reading the input ended without a result (exit status 4); the "
            "filing was not written: see the process's error above") in result.output  # fmt: skip
    assert "Traceback" not in result.output
    assert not out.exists()


class _ThreadsButDask:
    """:mod:`threading`, whose ``active_count`` leaves out Dask's idle offload thread."""

    def __getattr__(self, name: str) -> Any:
        return getattr(threading, name)

    @staticmethod
    def active_count() -> int:
        return sum(not t.name.startswith("Dask-Offload") for t in threading.enumerate())


@pytest.fixture
def ranged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The demo file cut in byte ranges; the start methods of the readers' pools, as made.

    The run counts the threads but the Dask engine's idle offload thread, which an earlier
    test's cluster leaves in this process for good (it waits on a queue and holds no lock):
    the suite's order must not decide whether these tests see forked readers.
    """
    monkeypatch.setattr(bulk_module, "threading", _ThreadsButDask())
    monkeypatch.setattr(doj_split, "MIN_SPLIT_BYTES", 1)
    methods: list[str] = []
    real = bulk_module.process_pool

    def spied(workers: int, context: Any, *args: Any, **kwargs: Any) -> Any:
        methods.append(context.get_start_method())
        return real(workers, context, *args, **kwargs)

    monkeypatch.setattr(bulk_module, "process_pool", spied)
    return methods


def _config(out: Path, workers: int) -> bulk_module.RunConfig:
    return bulk_module.RunConfig(
        inputs=[demo_path()], programs=load_program_set("statute"),
        as_of=dt.date.fromisoformat(AS_OF), out_dir=out, workers=workers, batch_size=200,
    )  # fmt: skip


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def test_a_thread_started_once_the_readers_are_forked_finds_them_forked(
    tmp_path: Path, ranged: list[str]
) -> None:
    """``forked`` comes after every reader is forked (none is forked beside the caller's
    thread), before the input is read; the outputs are those of the plain, serial read."""
    seen: list[int] = []
    stop = threading.Event()
    display = threading.Thread(target=stop.wait, name="display")

    def forked() -> None:
        seen.append(len(multiprocessing.active_children()))
        display.start()

    try:
        bulk_module.run(_config(tmp_path / "ranged", 2), forked=forked)
    finally:
        stop.set()
        if display.is_alive():
            display.join()
    assert ranged == ["fork"]
    assert seen == [2]  # both readers already forked, none after
    bulk_module.run(_config(tmp_path / "serial", 1))
    assert ranged == ["fork"]  # one worker: no reader processes
    assert _outputs(tmp_path / "ranged") == _outputs(tmp_path / "serial")


def test_the_progress_display_starts_after_the_readers_fork_from_the_run(
    tmp_path: Path, ranged: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run with its progress display (no -q, on a terminal) forks its range readers:
    the display's refresh thread starts once they are forked, and runs while the file is read."""
    monkeypatch.setattr(run_command, "sys", SimpleNamespace(stderr=SimpleNamespace(
        isatty=lambda: True)))  # fmt: skip
    threads: list[list[str]] = []
    real = bulk_module.stream_doj

    def reading(*args: Any, **kwargs: Any) -> Iterator[Any]:
        threads.append([type(t).__name__ for t in threading.enumerate()])
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk_module, "stream_doj", reading)
    report = run_command._run_shown(_config(tmp_path / "shown", 2), quiet=False, notes=[])
    assert ranged == ["fork"]
    assert len(threads) == 1 and "_RefreshThread" in threads[0]  # the display, while reading
    assert report.summary["people"]["total"] > 0
    bulk_module.run(_config(tmp_path / "quiet", 2))
    assert _outputs(tmp_path / "shown") == _outputs(tmp_path / "quiet")


def test_a_batch_process_the_system_refuses_is_not_blamed_on_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One worker forks a child a batch from the run itself; a fork refused (EAGAIN: too
    many processes) was "cannot write the run ...: Resource temporarily unavailable", exit 4."""

    def refused() -> int:
        raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))

    monkeypatch.setattr(pool_module, "fork_quietly", refused)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(demo_path()), "--as-of", AS_OF, "--out", str(out),
                                 "--batch-size", "40", "-q"])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert ("error: batch 0: no process could be started for it (Resource temporarily "
            "unavailable); no output was written: the system has too many processes or too "
            "little memory; end other programs") in " ".join(result.output.split())  # fmt: skip
    assert "cannot write" not in result.output and "Traceback" not in result.output
    assert not out.exists()
