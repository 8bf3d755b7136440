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
import fcntl
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
    read_exactly,
    serve_in_child,
)
from cmr_reason.reasoner.run.worker_watch import watch_parent

Work = Callable[[int, Any, Any], Any]

# Batches a worker holds at once: the one its child decides and the next.
HELD = 2
# Batches a child decides in a row before it ends: the later ones reuse the memory the first
# faulted in (tests/bench/analysis.md, issue 18's seventh round).
BATCHES_PER_CHILD = 3
# The size asked for a child's batches' pipe (a batch of 1,000 people is about 2 MB pickled):
# most of the next batch is in the pipe when the child is ready for it.
PIPE_BYTES = 1 << 20
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


class _Child:
    """A batch child as its worker sees it: the batches it was given, their way in and out."""

    def __init__(self, pid: int, inbox: int, results: int) -> None:
        self.pid = pid
        self.inbox = inbox  # the write end of its batches' pipe; -1 once closed
        self.results = results  # the read end of its results' pipe
        self.taken = 1  # batches given to it
        self.owed = 1  # batches given whose result has not been read
        self.unsent: deque[memoryview] = deque()  # of batches given, not yet in the pipe
        self.closing = False  # its pipe is to be closed once ``unsent`` is written
        self.status: int | None = None  # its wait status, once it ended without a result

    def give(self, message: bytes) -> None:
        """Another batch for the child (written as the pipe takes it: :meth:`flush`)."""
        self.unsent += (memoryview(len(message).to_bytes(8, "little")), memoryview(message))
        self.taken += 1
        self.owed += 1
        self.flush()

    def close_inbox(self) -> None:
        """No more batches for the child: its pipe ends once what it was given is written."""
        self.closing = True
        self.flush()

    def flush(self) -> None:
        """Write what the pipe takes without waiting; close it if due; a dead child: drop."""
        try:
            while self.unsent:
                part = self.unsent[0]
                written = os.write(self.inbox, part)
                if written < len(part):
                    self.unsent[0] = part[written:]
                    return
                self.unsent.popleft()
        except BlockingIOError:
            return
        except OSError:  # the child is gone: its results pipe tells the worker
            self.unsent.clear()
        if self.closing and self.inbox >= 0:
            os.close(self.inbox)
            self.inbox = -1

    def result(self, index: int) -> bytes:
        """The pickled result of the child's next batch (``index``), or its end, pickled.

        A child that ended without a result is waited for, for its exit status, once.
        """
        header = read_exactly(self.results, 8)
        data = header and read_exactly(self.results, int.from_bytes(header, "little"))
        self.owed -= 1
        if not data:
            if self.status is None:
                self.status = os.waitpid(self.pid, 0)[1]
            data = pickle.dumps((False, child_failed(index, self.status)))
        return index.to_bytes(8, "little") + data

    @property
    def done(self) -> bool:
        """Whether every result the child will send has been read."""
        return self.owed == 0 and (self.inbox < 0 or self.taken >= BATCHES_PER_CHILD)


def _fork_child(
    work: Work, message: bytes, spec: Any, baton: int | None, others: Iterable[_Child]
) -> tuple[_Child, int]:
    """Fork a child for the pickled ``(index, batch)`` and those after, once ``baton`` closes.

    Returns the child and the baton the next child waits on. The child closes its copies of
    the ``others``' pipes, so that each sees its batches' pipe end when its worker closes it.
    """
    index = int.from_bytes(message[:8], "little")
    read_end, write_end = os.pipe()
    inbox_read, inbox = os.pipe()
    next_baton, my_baton = os.pipe()
    with contextlib.suppress(AttributeError, OSError):  # Linux: a batch fits in the pipe
        fcntl.fcntl(inbox, fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # type: ignore[attr-defined]
    pid = fork_quietly()
    if pid == 0:
        for fd in (read_end, inbox, next_baton):
            os.close(fd)
        for other in others:
            for fd in (other.inbox, other.results):
                if fd >= 0:
                    os.close(fd)
        serve_in_child(
            work, index, _unpickled_after(message, baton), spec, inbox_read, write_end,
            BATCHES_PER_CHILD, decided=lambda: os.close(my_baton),
        )  # fmt: skip
    for fd in (write_end, inbox_read, my_baton):
        os.close(fd)
    os.set_blocking(inbox, False)
    if baton is not None:
        os.close(baton)
    return _Child(pid, inbox, read_end), next_baton


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
    """A worker: decide the batches the run sends in forked children, send back each result.

    A child takes up to :data:`BATCHES_PER_CHILD` batches; the next is forked when a batch
    arrives that its predecessor will not take. The run's first message is the spec
    (pickled); the worker answers that it is ready. Ctrl+C reaches the whole process group:
    the run stops its workers itself, so they and their children ignore SIGINT rather than
    print a traceback each.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(run_pid)
    spec = pickle.loads(conn.recv_bytes())
    conn.send_bytes(_READY)
    inbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    wake, woken = os.pipe()
    threading.Thread(
        target=_receive, args=(conn, inbox, woken), name="batches", daemon=True
    ).start()
    pending: deque[tuple[int, _Child]] = deque()  # batches given to children, in order
    filling: _Child | None = None  # the child that may take the next batch
    live: list[_Child] = []  # children whose results are still to be read
    baton: int | None = None  # what the next child waits on
    ending: list[int] = []  # children that sent their results, not yet collected
    stopping = False
    while pending or not stopping:
        watched = [] if stopping else [wake]
        if pending:
            watched.append(pending[0][1].results)
        writing = [child.inbox for child in live if child.unsent]
        ready, writable, _ = select.select(watched, writing, [])
        for child in live:
            if child.inbox in writable:
                child.flush()
        if wake in ready:
            os.read(wake, 1)
            message = inbox.get()
            if message == _STOP:
                stopping = True
                if filling is not None:
                    filling.close_inbox()
            else:
                if filling is not None and filling.taken < BATCHES_PER_CHILD:
                    filling.give(message)
                else:
                    filling, baton = _fork_child(work, message, spec, baton, live)
                    live.append(filling)
                if filling.taken >= BATCHES_PER_CHILD:
                    filling.close_inbox()
                pending.append((int.from_bytes(message[:8], "little"), filling))
        if pending and pending[0][1].results in ready:
            index, child = pending.popleft()
            conn.send_bytes(child.result(index))
            if child.done:
                os.close(child.results)
                live.remove(child)
                if child.status is None:
                    ending.append(child.pid)
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
