"""The run's subject index: where each person's rows lie in its DOJ input (for ``serve``).

``subject_index.sqlite`` in the run directory maps each ``SUBJECT_ID`` to the file, line and
byte offset of its rows (:mod:`cmr_reason.facts.doj.offsets`), and the rejected lines that
name no subject to the hash of the CII number they hold, so the workbench reads one
person's rows, not the whole input, for each page. It is built once, streaming the input,
and records the paths and SHA-256 of the inputs from the manifest and a format version;
an index that records anything else is rebuilt, never used. It holds subject ids and
positions only (no names, dates or CII numbers), and is created owner-only like the run's
other files.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from cmr_reason.facts.doj.offsets import Span, history_at, locate_rows
from cmr_reason.facts.doj.reader import Orphans, Repairs, repair_of
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.file_hash import sha256_text
from cmr_reason.facts.history import History
from cmr_reason.reasoner.run.sqlite_cache import PinnedReader, recorded_key, write_private_sqlite

INDEX_FILE = "subject_index.sqlite"
FORMAT = "2"  # 2: rejected lines without a subject, by the hash of their CII number
_BATCH = 20_000  # rows inserted at a time while building
_SORT_CACHE_KIB = 64 << 10  # SQLite page cache while sorting; beyond it, temporary files


def index_key(
    inputs: Sequence[dict[str, Any]], encoding: str, repairs: Repairs | None = None
) -> str:
    """What an index must record to be used: format, encoding, inputs' paths and SHA-256.

    With ``repairs`` (the run's Excel repairs), those too.
    """
    files = [[entry["path"], entry["sha256"]] for entry in inputs]
    key: dict[str, Any] = {"format": FORMAT, "encoding": encoding, "inputs": files}
    if repairs:
        key["excel_repair"] = [repair.to_dict() if repair else None for repair in repairs]
    return json.dumps(key, sort_keys=True)


class SubjectIndex:
    """An index file checked against the inputs it was built for (``key``).

    Read through pinned connections (:class:`PinnedReader`), so an index replaced by a
    re-run under a running workbench is never read as this one.
    """

    def __init__(
        self,
        path: Path,
        inputs: Sequence[Path],
        encoding: str,
        key: str,
        repairs: Repairs | None = None,
    ) -> None:
        self.path = Path(path)
        self.inputs = tuple(inputs)
        self.encoding = encoding
        self.repairs = repairs
        self.reader = PinnedReader(self.path, key, "the subject index")

    def spans(self, subject_id: str) -> list[Span]:
        """Where the rows of ``subject_id`` are, in file order (none for an unknown id)."""
        with self.reader.borrow() as db:
            return db.execute(
                "SELECT file, line, byte_offset FROM subject_rows WHERE subject = ? "
                "ORDER BY file, line",
                (subject_id,),
            ).fetchall()

    def orphans(self, cii: str) -> Orphans:
        """The rejected lines that name no subject but hold CII number ``cii``."""
        if not cii:
            return {}
        with self.reader.borrow() as db:
            rows = db.execute(
                "SELECT file, line FROM orphan_rows WHERE cii_hash = ? ORDER BY file, line",
                (cii_hash(cii),),
            ).fetchall()
        return {cii: tuple((file, line) for file, line in rows)} if rows else {}

    def history(self, subject_id: str) -> History | None:
        """One person's history, read from their rows alone; None when not in the input."""
        try:
            spans = self.spans(subject_id)
            if not spans:
                return None
            return history_at(
                subject_id, spans, self.inputs, self.encoding, self.orphans, self.repairs
            )
        except sqlite3.Error as exc:
            raise UserError(f"cannot read the subject index {self.path}: {exc}") from None


def cii_hash(cii: str) -> str:
    """What the index keeps of a CII number: its SHA-256, not the number."""
    return sha256_text(cii)


def open_index(
    run_dir: Path,
    inputs: Sequence[Path],
    key: str,
    encoding: str = "utf-8",
    repairs: Repairs | None = None,
) -> SubjectIndex | None:
    """The run's index when it was built for ``key``; None when missing or stale."""
    path = Path(run_dir) / INDEX_FILE
    if recorded_key(path) != key:
        return None
    return SubjectIndex(path, inputs, encoding, key, repairs)


def build_index(
    run_dir: Path,
    inputs: Sequence[Path],
    key: str,
    encoding: str = "utf-8",
    repairs: Repairs | None = None,
) -> SubjectIndex:
    """Build the run's index by streaming ``inputs`` (checked by the caller), replacing any.

    It is written to a private temporary file beside the index, then renamed into place,
    so an interrupted build leaves no index that looks complete. ``repairs``: the run's
    Excel repairs of its inputs.
    """
    final = Path(run_dir) / INDEX_FILE
    write_private_sqlite(
        final, lambda db: _fill(db, inputs, key, encoding, repairs), "the subject index"
    )
    return SubjectIndex(final, inputs, encoding, key, repairs)


def _fill(
    db: sqlite3.Connection,
    inputs: Sequence[Path],
    key: str,
    encoding: str,
    repairs: Repairs | None = None,
) -> None:
    """Route every input once, then store the rows sorted by subject (one B-tree, no rowid)."""
    db.execute("PRAGMA journal_mode = OFF")  # a temporary file: a failed build is discarded
    db.execute("PRAGMA synchronous = OFF")
    db.execute(f"PRAGMA cache_size = -{_SORT_CACHE_KIB}")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        "CREATE TABLE subject_rows (subject TEXT NOT NULL, file INTEGER NOT NULL, "
        "line INTEGER NOT NULL, byte_offset INTEGER NOT NULL, "
        "PRIMARY KEY (subject, file, line)) WITHOUT ROWID"
    )
    # Rows arrive in file order; a temporary table (a deleted file, not in the run) takes them
    # unsorted and SQLite's external sort puts them in key order, in bounded memory.
    db.execute(
        "CREATE TABLE orphan_rows (cii_hash TEXT NOT NULL, file INTEGER NOT NULL, "
        "line INTEGER NOT NULL, PRIMARY KEY (cii_hash, file, line)) WITHOUT ROWID"
    )
    db.execute("CREATE TEMP TABLE located (subject TEXT, file INTEGER, line INTEGER, offset_ INT)")
    insert = "INSERT INTO temp.located VALUES (?, ?, ?, ?)"
    batch: list[tuple[str, int, int, int]] = []

    def found(index: int, sid: str, line: int, offset: int) -> None:
        batch.append((sid, index, line, offset))
        if len(batch) >= _BATCH:
            db.executemany(insert, batch)
            batch.clear()

    orphans: list[tuple[str, int, int]] = []

    def orphan(index: int, cii: str, line: int) -> None:
        orphans.append((cii_hash(cii), index, line))

    for index, path in enumerate(inputs):
        locate_rows(
            path, index, encoding, partial(found, index), partial(orphan, index),
            repair_of(repairs, index),
        )  # fmt: skip
    db.executemany(insert, batch)
    db.executemany("INSERT OR IGNORE INTO orphan_rows VALUES (?, ?, ?)", orphans)
    db.execute(
        "INSERT INTO subject_rows SELECT subject, file, line, offset_ FROM temp.located "
        "ORDER BY subject, file, line"
    )
    db.execute("DROP TABLE temp.located")
    db.execute("INSERT INTO meta VALUES ('key', ?)", (key,))
    db.commit()
