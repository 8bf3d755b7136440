"""A batch decided in a child process forked for it: the child's side, and its failure.

Used by :func:`cmr_reason.reasoner.run.pool.forked` (one batch at a time, from the run's own
process) and by :mod:`cmr_reason.reasoner.run.fork_pool` (workers holding their next batch).
"""

from __future__ import annotations

import os
import pickle
import warnings
from collections.abc import Callable
from typing import Any, NoReturn

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.run.worker_watch import watch_parent

_IN_CHILD = False


def in_batch_child() -> bool:
    """Whether this process is a batch's forked child, which ends by ``os._exit``.

    What such a child makes need not be freed: the kernel takes its memory back at once
    when it ends, where freeing clingo's control and the batch's objects one by one costs
    CPU time (tests/bench/analysis.md, fifth round).
    """
    return _IN_CHILD


def fork_quietly() -> int:
    """``os.fork()``, without the warning Python 3.12 gives beside other threads.

    The callers' children take none of the other threads' locks: they neither print nor log.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def run_in_child(
    work: Callable[[int, Any, Any], Any],
    index: int,
    batch: Callable[[], Any],
    spec: Any,
    out: int,
    decided: Callable[[], None] | None = None,
) -> NoReturn:
    """In a forked child: ``work``'s result or its exception, pickled into ``out``; then exit.

    ``batch`` gives the batch (it may unpickle it, or wait, here); ``decided`` is called once
    ``work`` has returned or raised, before the result is pickled. The child ends with the
    process that forked it (and so with the run: workers end with the run,
    :mod:`cmr_reason.reasoner.run.worker_watch`).
    """
    global _IN_CHILD
    _IN_CHILD = True
    code = 0
    try:
        watch_parent(os.getppid())
        try:
            items = batch()  # kept until the exit: never freed object by object
            payload: tuple[bool, object] = (True, work(index, items, spec))
        except BaseException as exc:  # sent to the worker, which raises it for the run
            payload = (False, exc)
        if decided is not None:
            decided()
        try:
            data = pickle.dumps(payload, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception that cannot be pickled: its text instead
            data = pickle.dumps((False, RuntimeError(f"batch {index}: {exc!r}")))
        with os.fdopen(out, "wb") as pipe:
            pipe.write(data)
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # no interpreter teardown: the kernel frees the batch's memory


class BatchProcessLost(RuntimeError):
    """A process of the run ended without its result: killed (out of memory, say), or failed.

    ``by_signal``: the signal that ended it, if one did; ``at_start``: it ended as it started,
    before it could take any work (the run's own machinery, or an import, failed there);
    ``refused``: the system refused to start it (too many processes, too little memory).
    """

    def __init__(
        self,
        message: str,
        by_signal: int | None = None,
        at_start: bool = False,
        refused: bool = False,
    ) -> None:
        super().__init__(message)
        self.by_signal = by_signal
        self.at_start = at_start or refused
        self.refused = refused


def exit_text(code: int) -> str:
    """``signal N`` or ``exit status N``, from an exit code as multiprocessing gives it."""
    return f"signal {-code}" if code < 0 else f"exit status {code}"


def child_failed(index: int, status: int) -> BatchProcessLost:
    """The error of a batch whose child ended (``waitpid`` status) without a result."""
    code = os.waitstatus_to_exitcode(status)
    return BatchProcessLost(
        f"batch {index}: its process ended without a result ({exit_text(code)})",
        by_signal=-code if code < 0 else None,
    )


#: What a script must do for worker processes that start from a fork server or are spawned:
#: each imports the script that started the run, which would otherwise start it again.
MAIN_GUARD = (
    'a Python script that starts the run must do so under `if __name__ == "__main__":` '
    "(each worker process imports the script)"
)


def lost_error(exc: BatchProcessLost, written: str, smaller: str) -> UserError:
    """One line for a process of the run that ended without its result (exit status 2).

    Says which process ended and how (the signal or exit status), ``written``: that the
    outputs were not written (and what is unchanged), and what to try: for a process killed
    by a signal, ``smaller`` (the options that use less memory: the bulk run has
    --batch-size, the filing does not); for one the system refused, room for it; for one
    that exited, its own error, printed above by Python, and how a script must start the run.
    """
    if exc.by_signal is not None:
        advice = f"if the machine ran out of memory, use {smaller}"
    elif exc.refused:
        advice = "the system has too many processes or too little memory; end other programs"
    else:
        advice = f"see the process's error above, if any; {MAIN_GUARD}, or use --workers 1"
    return UserError(f"{exc}; {written}: {advice}")
