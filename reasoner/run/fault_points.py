"""Named steps of writing a run, where the fault tests stop the process or make a step fail.

:func:`checkpoint` does nothing unless the environment variable ``CMR_REASON_KILL_AT`` names
the step: then the process kills itself with SIGKILL there, as a crash or an operator's
``kill -9`` would (tests/test_replace_faults.py runs ``cmr-reason run`` in a subprocess with
it). In-process tests replace :func:`checkpoint` to raise an ``OSError`` at a step instead.
The steps are listed in docs/reliability.md.
"""

from __future__ import annotations

import os
import signal

KILL_AT_ENV = "CMR_REASON_KILL_AT"


def checkpoint(step: str) -> None:
    """Mark that the run reached ``step``; under a fault test, die here."""
    if os.environ.get(KILL_AT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)
