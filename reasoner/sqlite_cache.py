"""The workbench's SQLite caches in a run directory (subject index, row store).

Each is written owner-only through a temporary file, opened read-only, and trusted only when
the key it records (a format version and the SHA-256 of what it was built from) is the one
the caller expects; otherwise it is rebuilt, never used.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.private_files import create_private


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection (temporary tables are still allowed)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def recorded_key(path: Path) -> str | None:
    """The key a cache file records in its ``meta`` table; None when missing or unreadable."""
    if not path.is_file():
        return None
    try:
        with closing(connect_read_only(path)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
    except sqlite3.Error:
        return None  # not a cache of this format (or damaged): rebuilt
    return row[0] if row else None


def write_private_sqlite(
    final: Path, fill: Callable[[sqlite3.Connection], None], what: str
) -> None:
    """Write the SQLite file ``final`` readable by its owner only, replacing any.

    ``fill`` fills a private temporary file beside it, which is then renamed into place, so
    an interrupted build leaves nothing that looks complete. ``what`` names the file in an
    error ("the subject index").
    """
    temp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    try:
        create_private(temp)
        with closing(sqlite3.connect(temp)) as db:
            fill(db)
        os.replace(temp, final)
    except OSError as exc:
        raise UserError(f"cannot write {what} in {final.parent}: {exc.strerror}") from None
    except sqlite3.Error as exc:
        raise UserError(f"cannot write {what} in {final.parent}: {exc}") from None
    finally:
        temp.unlink(missing_ok=True)
