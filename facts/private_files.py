"""Files only their owner can read (mode 600), and written whole: the one home of both.

Used by the bulk run (its files, written into a 700 directory that
:mod:`cmr_reason.reasoner.run.replace_dir` puts in place), the DOJ reader's spilled rows,
the court filing, the impact report, the reviewers' database, key, secret and exports, and
the workbench's SQLite caches.

The filing's files carry names and dates of birth (PC 11105, 13300), so each is created
with mode 600 inside a directory of mode 700, whatever the umask; a file that was already
there is tightened to 600 when it is written again. :func:`written_whole` writes a file
beside its target and renames it into place, so a reader never sees half a file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

MODE = 0o600


def _open(path: Path, exclusive: bool) -> int:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, MODE)
    if not exclusive:
        os.chmod(path, MODE)  # O_TRUNC keeps the mode of a file that was there
    return fd


def open_private(path: Path, *, exclusive: bool = False) -> TextIO:
    """Open a text file (UTF-8, newlines as written) readable and writable by its owner only.

    The file is emptied if it exists, or, ``exclusive``, must not exist yet.
    """
    return os.fdopen(_open(path, exclusive), "w", encoding="utf-8", newline="")


def open_private_binary(path: Path, *, exclusive: bool = False) -> BinaryIO:
    """Open a binary file readable and writable by its owner only (as :func:`open_private`)."""
    return os.fdopen(_open(path, exclusive), "wb")


def write_private(path: Path, data: bytes | str, *, exclusive: bool = False) -> None:
    """Write ``data`` (text as UTF-8) to a file readable and writable by its owner only."""
    with open_private_binary(path, exclusive=exclusive) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)


def make_private(path: Path) -> None:
    """Make a file another library wrote, or one found in place, its owner's only."""
    os.chmod(path, MODE)


def keep_private(path: Path) -> None:
    """Create ``path`` empty and private, or make the file already there private."""
    if path.exists():
        make_private(path)
        return
    os.close(_open(path, exclusive=True))


def create_private(path: Path) -> None:
    """Create ``path`` empty, readable and writable by its owner only (e.g. for a database).

    A file left at ``path`` is replaced.
    """
    path.unlink(missing_ok=True)
    os.close(_open(path, exclusive=True))


def temporary_beside(final: Path) -> Path:
    """The hidden name ``final`` is written under, with this process's id: ``.NAME.tmp-PID``."""
    name = final.name if final.name.startswith(".") else f".{final.name}"
    return final.with_name(f"{name}.tmp-{os.getpid()}")


@contextmanager
def written_whole(final: Path) -> Iterator[Path]:
    """A private, empty file beside ``final`` to write; renamed onto ``final`` at the end.

    When the block raises, the temporary file is removed and ``final`` is left as it was.
    """
    temp = temporary_beside(final)
    try:
        create_private(temp)
        yield temp
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
