"""Worker processes that end when the run that started them is gone.

Local workers are forked from a fork server, which lives as long as any worker holds its
pipe: when the run itself is killed (SIGKILL, out of memory), nothing tells them, and they
would wait for work forever. :func:`watch_parent`, the pool's initializer, starts a thread
that waits for the run's process to end (a Linux pidfd where there is one, else a check
every second) and then ends the worker.
"""

from __future__ import annotations

import os
import select
import threading
import time

from cmr_reason.reasoner.run import windows_process

POLL_SECONDS = 1.0
_WINDOWS = os.name == "nt"


def _wait_for_exit(pid: int) -> None:
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        if _WINDOWS:  # there os.kill(pid, 0) is Ctrl+C (windows_process)
            windows_process.wait_for_exit(pid)
            return
        while True:
            time.sleep(POLL_SECONDS)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            except PermissionError:
                pass
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    poller.poll()


def _watch(pid: int) -> None:
    _wait_for_exit(pid)
    os._exit(1)  # the run is gone: its results have nowhere to go


def watch_parent(pid: int) -> None:
    """End this process when process ``pid`` (the run) ends (a pool initializer)."""
    threading.Thread(target=_watch, args=(pid,), name="watch-run", daemon=True).start()
