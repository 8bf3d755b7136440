"""Tasks for the workbench's job tests, in a module of their own that imports little.

A job's child process is spawned: it imports the module that defines its task, so a light
module keeps each test job to a fraction of a second.
"""

from __future__ import annotations

import os
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
