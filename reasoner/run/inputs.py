"""Where a run's input files are: recorded three ways, found again from any directory.

The manifest records each input as given on the command line (``path``, which the output
files name), as an absolute path (``absolute``) and relative to the run folder
(``relative``, absent where there is no such path, e.g. another drive on Windows). Commands
that reopen a run (``file``, ``serve``, a re-run) look for the absolute path first, then the
path relative to the run folder (the run and its input moved together), then, for runs made
before these were recorded, the path as given, from the current directory. Whichever is
found, the caller checks its SHA-256 against the recorded one.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any


def input_entry(path: str | Path, run_dir: Path, sha256: str, rows: int) -> dict[str, Any]:
    """The manifest entry of one input file of a run written to ``run_dir``."""
    absolute = os.path.abspath(path)
    entry: dict[str, Any] = {"path": str(path), "absolute": absolute}
    with contextlib.suppress(ValueError):  # no relative path between them (another drive)
        entry["relative"] = Path(os.path.relpath(absolute, os.path.abspath(run_dir))).as_posix()
    entry.update(sha256=sha256, rows=rows)
    return entry


def candidates(run_dir: Path, entry: dict[str, Any]) -> list[Path]:
    """Where the input of ``entry`` may be, in the order they are tried."""
    found = []
    if entry.get("absolute"):
        found.append(Path(entry["absolute"]))
    if entry.get("relative"):
        found.append(Path(run_dir) / entry["relative"])
    found.append(Path(entry["path"]))
    return found


def locate_input(run_dir: Path, entry: dict[str, Any]) -> Path | None:
    """The first place where the input of ``entry`` is a file, or None."""
    return next((p for p in candidates(run_dir, entry) if p.is_file()), None)


def shown_path(entry: dict[str, Any]) -> str:
    """The input's path as a message names it: absolute where recorded."""
    return str(entry.get("absolute") or entry["path"])
