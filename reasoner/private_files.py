"""Output files only their owner can read: a 700 directory filled, then renamed into place.

Used by the bulk run (its six files), the court filing and the workbench's SQLite caches.

The filing's files carry names and dates of birth (PC 11105, 13300), so each is created
with mode 600 inside a directory of mode 700, whatever the umask.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TextIO

from cmr_reason.facts.errors import UserError


def prepare_dir(out_dir: Path, force: bool) -> Path:
    """A fresh private temporary directory beside ``out_dir`` (refused if it exists)."""
    if out_dir.exists() and not force:
        raise UserError(f"output directory {out_dir} exists; use --force to replace it")
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir} exists and is not a directory")
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {parent}: {exc.strerror}") from None
    temp = parent / f".{out_dir.name}.tmp-{os.getpid()}"
    if temp.exists():
        shutil.rmtree(temp)
    temp.mkdir(mode=0o700)
    temp.chmod(0o700)
    return temp


def put_in_place(temp: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by the finished temporary directory."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    temp.rename(out_dir)


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
