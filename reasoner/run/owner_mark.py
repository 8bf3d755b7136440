"""Which process wrote a temporary directory, and whether that process still runs.

A directory the project makes for a while (a run being built beside its target, a scratch
directory for spilled rows) holds a small marker file naming its process: the process id
and, where ``/proc`` tells it, the process's start time, so a recycled process id is not
mistaken for the writer. A later start removes such a directory only when the marker is
there and its process is gone: never a directory the project did not write, never one a
running process still uses.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cmr_reason.facts.private_files import write_private
from cmr_reason.reasoner.run import windows_process

MARKER = ".cmr-reason-owner"
_WINDOWS = os.name == "nt"


def process_start(pid: int) -> str:
    """The start time of process ``pid`` in clock ticks since boot ("" where unknown)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""
    # The command name (field 2) is in parentheses and may hold spaces: count after it.
    fields = text[text.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""


def process_alive(pid: int, start: str = "") -> bool:
    """True while process ``pid`` runs (and, given ``start``, is the one that started then)."""
    if pid <= 0:
        return False
    if _WINDOWS:  # there os.kill(pid, 0) is Ctrl+C (windows_process)
        return windows_process.alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    now = process_start(pid)
    return not (start and now and now != start)


def mark(directory: Path) -> None:
    """Write the marker of the current process into ``directory`` (mode 600)."""
    pid = os.getpid()
    data = json.dumps({"pid": pid, "start": process_start(pid)}).encode("ascii")
    write_private(directory / MARKER, data)


def owner(directory: Path) -> tuple[int, str] | None:
    """The process id and start time a directory's marker names; None without a marker."""
    try:
        found = json.loads((directory / MARKER).read_text(encoding="ascii"))
        return int(found["pid"]), str(found.get("start", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def abandoned(directory: Path) -> bool:
    """True when ``directory`` carries a marker whose process is gone."""
    found = owner(directory)
    return found is not None and not process_alive(*found)
