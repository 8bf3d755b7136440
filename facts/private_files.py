"""Output files only their owner can read (mode 600).

Used by the bulk run (its files, written into a 700 directory that
:mod:`cmr_reason.reasoner.run.replace_dir` puts in place), the court filing and the
workbench's SQLite caches.

The filing's files carry names and dates of birth (PC 11105, 13300), so each is created
with mode 600 inside a directory of mode 700, whatever the umask.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO


def open_private(path: Path) -> TextIO:
    """Open a new text file readable and writable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file readable and writable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    path.chmod(0o600)


def create_private(path: Path) -> None:
    """Create ``path`` empty, readable and writable by its owner only (e.g. for a database).

    A file left at ``path`` is replaced.
    """
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
