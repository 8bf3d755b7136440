"""Long-lived workers that fork a child per batch, the next child ready before it is needed.

The bulk run's pool where the platform has a fork server (:func:`pool.forks_per_batch`).
Each worker is started once from the fork server with the run's spec, then, for each batch,
forks a child that decides it (:func:`pool.run_in_child`): clingo's symbol table, which
never shrinks, starts empty for each batch.

A worker holds two batches at a time. It forks the child of the second as soon as that batch
arrives; the child unpickles its batch and then waits for the one before it to have decided
its own (a "baton": a pipe the earlier child closes when its work is done, or when it ends),
so a core goes from one batch to the next without waiting for a result's way back to the
run, the next batch's way in, a fork or an unpickling (about 40 ms a batch with
``concurrent.futures`` and a child forked on demand; tests/bench/analysis.md). Batches and
results cross the pipes pickled once: a worker passes them on as bytes.

A worker reads the run's pipe in a thread of its own, so the run never waits to hand it a
batch while it is passing a result back. Results come back in batch order; a batch's error
is raised there, as :func:`pool.in_batch_order` would.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import select
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

from cmr_reason.reasoner.run.batch_child import (
    BatchProcessLost,
    child_failed,
    exit_text,
    fork_quietly,
    run_in_child,
)
from cmr_reason.reasoner.run.worker_watch import watch_parent

Work = Callable[[int, Any, Any], Any]

# Batches a worker holds at once: the one its child decides and the next.
HELD = 2
_STOP = b""
_READY = b""  # a worker's first message: it has started and read the spec


def _unpickled_after(message: bytes, baton: int | None) -> Callable[[], Any]:
    """The batch of ``message``, unpickled, once the child before has closed ``baton``."""

    def batch() -> Any:
        value = pickle.loads(memoryview(message)[8:])
        if baton is not None:
            os.read(baton, 1)  # end of file: the child before has decided, or has ended
            os.close(baton)
        return value

    return batch


def _fork_child(
    work: Work, message: bytes, spec: Any, baton: int | None
) -> tuple[tuple[int, int, int], int]:
    """Fork the child of the pickled ``(index, batch)``, to start once ``baton`` is closed.

    Returns the child (index, pid, the pipe of its result) and the baton the next child
    waits on.
    """
    index = int.from_bytes(message[:8], "little")
    read_end, write_end = os.pipe()
    next_baton, my_baton = os.pipe()
    pid = fork_quietly()
    if pid == 0:
        os.close(read_end)
        os.close(next_baton)
        run_in_child(
            work, index, _unpickled_after(message, baton), spec, write_end,
            decided=lambda: os.close(my_baton),
        )  # fmt: skip
    os.close(write_end)
    os.close(my_baton)
    if baton is not None:
        os.close(baton)
    return (index, pid, read_end), next_baton


def _finish(index: int, pid: int, read_end: int, ending: list[int]) -> bytes:
    """The child's pickled result (or its error, pickled), once it has written it.

    A child that sent its result is left to end on its own (the kernel freeing its memory
    takes a while) and is collected later (``ending``); one that sent nothing is waited for,
    for its exit status.
    """
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    if data:
        ending.append(pid)
    else:
        _, status = os.waitpid(pid, 0)
        data = pickle.dumps((False, child_failed(index, status)))
    return index.to_bytes(8, "little") + data


def _collect(ending: list[int], wait: bool = False) -> None:
    """Collect the children in ``ending`` that have ended (``wait``: all of them)."""
    for pid in list(ending):
        if os.waitpid(pid, 0 if wait else os.WNOHANG)[0]:
            ending.remove(pid)


def _receive(conn: Connection, inbox: queue.SimpleQueue[bytes], wake: int) -> None:
    """The worker's reading thread: every message of the run, as it comes (a byte on ``wake``)."""
    message = _STOP
    try:
        while True:
            message = conn.recv_bytes()
            inbox.put(message)
            os.write(wake, b".")
            if message == _STOP:
                return
    except (EOFError, OSError):  # the run closed its end: stop
        if message != _STOP:
            inbox.put(_STOP)
            os.write(wake, b".")


def serve(conn: Connection, work: Work, run_pid: int) -> None:
    """A worker: decide each batch the run sends in a forked child, send back its result.

    The run's first message is the spec (pickled); the worker answers that it is ready.
    Ctrl+C reaches the whole process group: the run stops its workers itself, so they and
    their children ignore SIGINT rather than print a traceback each.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(run_pid)
    spec = pickle.loads(conn.recv_bytes())
    prepare = getattr(spec, "prepare", None)
    if prepare is not None:  # what every child would do first, done once before the forks
        prepare()
    conn.send_bytes(_READY)
    inbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    wake, woken = os.pipe()
    threading.Thread(
        target=_receive, args=(conn, inbox, woken), name="batches", daemon=True
    ).start()
    children: deque[tuple[int, int, int]] = deque()  # forked, in batch order
    baton: int | None = None  # what the next child waits on
    ending: list[int] = []  # children that sent their result, not yet collected
    stopping = False
    while children or not stopping:
        watched = [] if stopping else [wake]
        if children:
            watched.append(children[0][2])
        ready = select.select(watched, [], [])[0]
        if wake in ready:
            os.read(wake, 1)
            message = inbox.get()
            if message == _STOP:
                stopping = True
            else:
                child, baton = _fork_child(work, message, spec, baton)
                children.append(child)
        if children and children[0][2] in ready:
            conn.send_bytes(_finish(*children.popleft(), ending))
            _collect(ending)
    if baton is not None:
        os.close(baton)
    _collect(ending, wait=True)
    conn.close()


class ForkPool:
    """``workers`` worker processes (:func:`serve`) and the batches each holds.

    A worker that ends before it has said it is ready (:data:`_READY`) ended as it started:
    a script that starts the run without ``if __name__ == "__main__":`` is imported again
    by each worker, and fails there. The spec goes to the workers through their pipes once
    they have started, not with their start, which would then fail on a broken pipe and
    leave no exit status to report.
    """

    def __init__(self, workers: int, context: BaseContext, work: Work, spec: Any) -> None:
        self.conns: list[Connection] = []
        self.processes: list[BaseProcess] = []
        self.ready = [False] * workers
        self.held = [0] * workers
        try:
            for _ in range(workers):
                mine, theirs = context.Pipe()
                process: BaseProcess = context.Process(  # type: ignore[attr-defined]
                    target=serve, args=(theirs, work, os.getpid()), daemon=True
                )
                try:
                    process.start()
                except OSError as exc:  # its start's pipe: the process ended at once
                    mine.close()
                    raise BatchProcessLost(
                        f"a worker process ended as it started ({exc.strerror})", at_start=True
                    ) from None
                finally:
                    theirs.close()
                self.conns.append(mine)
                self.processes.append(process)
            payload = pickle.dumps(spec, pickle.HIGHEST_PROTOCOL)
            for worker, conn in enumerate(self.conns):
                try:
                    conn.send_bytes(payload)
                except OSError:
                    raise self._lost(worker) from None
        except BaseException:
            self.terminate()
            raise

    def results(self, batches: Iterable[Any]) -> Iterator[Any]:
        """Each batch's result, in batch order; at most ``HELD`` batches on a worker."""
        todo = iter(enumerate(batches))
        done: dict[int, bytes] = {}
        upcoming = 0  # the index of the next result to yield
        sent = 0
        exhausted = False
        window = HELD * len(self.conns) + len(self.conns)  # results held back for order, at most
        while True:
            while not exhausted and sent < upcoming + window:
                free = [n for n, count in enumerate(self.held) if count < HELD]
                if not free:
                    break
                item = next(todo, None)
                if item is None:
                    exhausted = True
                    break
                index, batch = item
                worker = min(free, key=lambda n: self.held[n])
                payload = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
                try:
                    self.conns[worker].send_bytes(index.to_bytes(8, "little") + payload)
                except OSError:  # not the run's folder: the worker is gone
                    raise self._lost(worker) from None
                self.held[worker] += 1
                sent += 1
            while upcoming in done:
                yield _value(done.pop(upcoming))
                upcoming += 1
            if exhausted and upcoming == sent:
                return
            for conn in wait(self.conns):
                worker = self.conns.index(conn)  # type: ignore[arg-type]
                try:
                    message = conn.recv_bytes()  # type: ignore[union-attr]
                except (EOFError, OSError):
                    raise self._lost(worker) from None
                if message == _READY:
                    self.ready[worker] = True
                    continue
                self.held[worker] -= 1
                done[int.from_bytes(message[:8], "little")] = message[8:]

    def _lost(self, worker: int) -> BatchProcessLost:
        """The error of a worker gone: as it started (not ready), or without a result."""
        conn = self.conns[worker]
        if not self.ready[worker]:  # its first message may wait unread in the pipe
            with contextlib.suppress(EOFError, OSError):
                self.ready[worker] = conn.poll() and conn.recv_bytes() == _READY
        process = self.processes[worker]
        process.join(timeout=5)
        code = process.exitcode
        how = "still running" if code is None else exit_text(code)
        at_start = not self.ready[worker]
        what = "ended as it started" if at_start else "ended without a result"
        return BatchProcessLost(
            f"a worker process {what} ({how})",
            by_signal=-code if code is not None and code < 0 else None,
            at_start=at_start,
        )

    def close(self) -> None:
        """Let the workers end once their children have (normal end)."""
        for conn in self.conns:
            with contextlib.suppress(OSError):  # a worker already gone
                conn.send_bytes(_STOP)
        for process in self.processes:
            process.join()
        for conn in self.conns:
            conn.close()

    def terminate(self) -> None:
        """Stop the workers now (the run failed or was stopped); their children follow."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.join()
        for conn in self.conns:
            conn.close()


def _value(data: bytes) -> Any:
    ok, value = pickle.loads(data)
    if ok:
        return value
    raise value


def fork_pool_results(
    work: Work, batches: Iterable[Any], spec: Any, workers: int, context: BaseContext
) -> Iterator[Any]:
    """``work(index, batch, spec)`` of each batch on a :class:`ForkPool`, in batch order."""
    pool = ForkPool(workers, context, work, spec)
    try:
        yield from pool.results(batches)
    except BaseException:
        pool.terminate()
        raise
    pool.close()
