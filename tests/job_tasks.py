"""Tasks for the workbench's job tests, in a module of their own that imports little.

A job's child process is spawned: it imports the module that defines its task, so a light
module keeps each test job to a fraction of a second.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from typing import Any

from cmr_reason.facts.errors import UserError


@dataclass(frozen=True)
class Sleeper:
    """A task that reports progress for ``seconds`` (then fails as ``error`` says, if given)."""

    seconds: float
    error: str = ""
    kind: str = "run"

    def execute(self, progress: Any, notes: list[str]) -> list[str]:
        """Report progress, then end as asked."""
        end = time.monotonic() + self.seconds
        step = 0
        while time.monotonic() < end:
            step += 1
            progress(step, step, min(10 * step, 990), 1000)
            time.sleep(0.05)
        if self.error == "user":
            raise UserError("the disk is full")
        if self.error == "other":
            raise ValueError("SMITH,JOHN 1970-01-01")  # input text must not reach the page
        if self.error == "exit":
            os._exit(7)
        notes.append("a note")
        return ["a warning"]


class _SignalledOnDelete:
    """Sends this process SIGTERM from ``__del__``, where Python ignores a raised exception."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)  # the handler runs here, inside __del__: its exception is swallowed


@dataclass(frozen=True)
class SwallowedStop:
    """A task whose SIGTERM lands where its exception is swallowed, then reports progress."""

    kind: str = "run"

    def execute(self, progress: Any, notes: list[str]) -> list[str]:
        """Lose the stop's exception, then go on as a run goes on to its next batch."""
        _SignalledOnDelete()  # deleted at once: SIGTERM inside __del__
        progress(1, 1, 10, 1000)
        notes.append("went on after the stop")
        return []
