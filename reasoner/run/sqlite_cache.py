"""The workbench's SQLite caches in a run directory (subject index, row store).

Each is written owner-only through a temporary file, opened read-only, and trusted only when
the key it records (a format version and the SHA-256 of what it was built from) is the one
the caller expects; otherwise it is rebuilt, never used.

A cache in use is read through a :class:`PinnedReader`: read-only connections opened while
the file is the one the caller checked, and kept. When ``run --force`` replaces the run
directory under a running workbench (renaming it aside, then removing it), those open
connections keep reading the old file, so the pages of the run being shown stay whole
until the workbench turns to the new run.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.private_files import written_whole

BORROW_TIMEOUT = 60.0  # seconds a page waits for a pinned connection another page holds


class BeingReplaced(UserError):
    """A file the workbench reads is being replaced by a re-run (the page may be retried)."""


def connect_read_only(path: Path, *, threads: bool = False) -> sqlite3.Connection:
    """A read-only connection (temporary tables are still allowed).

    ``threads``: the connection may move between threads (one user at a time).
    """
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=not threads
    )


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


def _close_all(connections: list[sqlite3.Connection]) -> None:
    for conn in connections:
        conn.close()
    connections.clear()


class PinnedReader:
    """Read-only connections to one cache file, each opened only while it records ``key``.

    The first is opened at once, so the reader holds the file it was made for even if the
    path later names another file (a re-run) or none. A page borrows a connection
    (:meth:`borrow`); when none is free a new one is opened by path, and if the path no
    longer holds the same cache the page waits for a pinned connection instead. Temporary
    tables and views a page made are dropped when it gives the connection back.
    """

    def __init__(self, path: Path, key: str, what: str) -> None:
        self.path = Path(path)
        self.key = key
        self.what = what
        self._idle: list[sqlite3.Connection] = []
        self._free = threading.Condition()
        self._idle.append(self._open())
        weakref.finalize(self, _close_all, self._idle)

    def _open(self) -> sqlite3.Connection:
        """A new connection by path, refused unless the file records this reader's key."""
        try:
            conn = connect_read_only(self.path, threads=True)
        except sqlite3.Error:
            raise BeingReplaced(f"{self.what} {self.path} is being replaced") from None
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
        except sqlite3.Error:
            row = None
        if row is None or row[0] != self.key:
            conn.close()
            raise BeingReplaced(f"{self.what} {self.path} is being replaced")
        return conn

    @contextmanager
    def borrow(self) -> Iterator[sqlite3.Connection]:
        """A connection for this page alone, given back (its temporary tables dropped) after."""
        conn = self._take()
        try:
            yield conn
        finally:
            self._give_back(conn)

    def _take(self) -> sqlite3.Connection:
        with self._free:
            if self._idle:
                return self._idle.pop()
        try:
            return self._open()
        except BeingReplaced:
            pass
        with self._free:  # the path holds another file now: wait for a pinned connection
            if not self._free.wait_for(lambda: bool(self._idle), timeout=BORROW_TIMEOUT):
                raise BeingReplaced(f"{self.what} {self.path} is busy") from None
            return self._idle.pop()

    def _give_back(self, conn: sqlite3.Connection) -> None:
        try:
            conn.rollback()
            temp = conn.execute(
                "SELECT type, name FROM temp.sqlite_master WHERE type IN ('view', 'table')"
                " ORDER BY type = 'table'"
            )
            for kind, name in temp.fetchall():
                conn.execute(f'DROP {kind.upper()} temp."{name}"')
        except sqlite3.Error:
            conn.close()
            return
        with self._free:
            self._idle.append(conn)
            self._free.notify()


def write_private_sqlite(
    final: Path, fill: Callable[[sqlite3.Connection], None], what: str
) -> None:
    """Write the SQLite file ``final`` readable by its owner only, replacing any.

    ``fill`` fills a private temporary file beside it, which is then renamed into place, so
    an interrupted build leaves nothing that looks complete. ``what`` names the file in an
    error ("the subject index").
    """
    try:
        with written_whole(final) as temp, closing(sqlite3.connect(temp)) as db:
            fill(db)
    except OSError as exc:
        raise UserError(f"cannot write {what} in {final.parent}: {exc.strerror}") from None
    except sqlite3.Error as exc:
        raise UserError(f"cannot write {what} in {final.parent}: {exc}") from None
