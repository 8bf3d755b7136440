"""The run's output rows on disk, for ``serve``: one person's rows, or the queue, at a time.

``output_rows.sqlite`` in the run directory holds the rows of ``convictions.csv`` and
``people.csv`` (each row as the JSON list of its values, under its header) and each case's
court, indexed by subject id, conviction id and case id, plus the queue's columns of every
conviction a lawyer must decide (:mod:`cmr_reason.reasoner.review.work_queue`). It is built once,
streaming the files, and records their SHA-256 and a format version; a store that records
anything else (a re-run, an edited file) is rebuilt, never used. It holds the output's names
and dates of birth, so it is created owner-only like the files it copies.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.file_hash import sha256_of
from cmr_reason.reasoner.engine.vocabulary import vocabulary
from cmr_reason.reasoner.run.contents import STORE_FILE
from cmr_reason.reasoner.run.sqlite_cache import PinnedReader, recorded_key, write_private_sqlite

FORMAT = "2"
SOURCES = ("convictions.csv", "people.csv", "cases.csv")
# The reviewers' queue: outcomes of the kinds review and not_eligible (outcome/3 in
# programs/core/vocabulary.lp).
QUEUE_OUTCOMES = vocabulary().of_kind("review", "not_eligible")
#: A conviction's columns the queue filters, sorts or shows, in the queue table's order.
QUEUE_COLUMNS = (
    "subject_id", "case_id", "conviction_id", "county", "disposition_date", "code_section",
    "raw_charge", "level", "statutory_reason", "outcome", "reason",
)  # fmt: skip
#: A queue record: a conviction's position, columns, derived columns, court and counts.
RECORD_COLUMNS = (
    "seq", *QUEUE_COLUMNS, "code_lower", "section_head", "court", "convictions_after",
    "felonies_after",
)  # fmt: skip
#: The queue's filter choices, and the record column each is read from.
CHOICE_COLUMNS = {
    "reason": "reason",
    "level": "level",
    "court": "court",
    "county": "county",
    "code_section": "section_head",
}
_NEEDED = {
    "convictions.csv": QUEUE_COLUMNS,
    "people.csv": ("subject_id", "convictions_after", "felonies_after"),
    "cases.csv": ("case_id", "court"),
}
_BATCH = 20_000


def store_key(run_dir: Path) -> str:
    """What a store must record to be used: its format and the output files' SHA-256."""
    digests = {}
    for name in SOURCES:
        try:
            digests[name] = sha256_of(run_dir / name)
        except OSError as exc:
            raise UserError(f"cannot read {run_dir / name}: {exc.strerror}") from None
    return json.dumps({"format": FORMAT, "files": digests}, sort_keys=True)


def as_int(text: str | None) -> int:
    """A count column as a number (0 when empty or unreadable)."""
    try:
        return int(text or "")
    except ValueError:
        return 0


def queue_record(row: dict[str, str | None], seq: int, court: str, after: tuple[int, int]) -> tuple:
    """A conviction as a row of the queue table (shared by the build and the queue's extras)."""
    values = [row.get(name) or "" for name in QUEUE_COLUMNS]
    section = values[QUEUE_COLUMNS.index("code_section")]
    return (seq, *values, section.lower(), section.split("(")[0], court, *after)


class RowStore:
    """A store file checked against the run's output files, read through pinned connections.

    ``key`` is what the file recorded when it was checked; the connections are opened while
    the file records it (:class:`PinnedReader`), so a store replaced by a re-run under a
    running workbench is never read as this one.
    """

    def __init__(self, path: Path, key: str) -> None:
        self.path = Path(path)
        self.key = key
        self.reader = PinnedReader(self.path, key, "the row store")

    def connect(self) -> AbstractContextManager[sqlite3.Connection]:
        """A read-only connection for one page (the workbench answers from several threads).

        Temporary tables, which the queue uses, are still allowed; they are dropped when the
        page is done.
        """
        return self.reader.borrow()

    def _rows(self, table: str, where: str, value: str) -> list[dict[str, str | None]]:
        try:
            with self.connect() as db:
                header = json.loads(_meta(db, f"{table}_header"))
                found = db.execute(
                    f"SELECT row FROM {table} WHERE {where} = ? ORDER BY seq", (value,)
                ).fetchall()
        except sqlite3.Error as exc:
            raise UserError(f"cannot read the row store {self.path}: {exc}") from None
        return [_as_dict(header, json.loads(text)) for (text,) in found]

    def person(self, subject_id: str) -> dict[str, str | None] | None:
        """The person's row of ``people.csv`` (the last, if repeated), or None."""
        rows = self._rows("people", "subject_id", subject_id)
        return rows[-1] if rows else None

    def convictions_of(self, subject_id: str) -> list[dict[str, str | None]]:
        """The person's rows of ``convictions.csv``, in file order."""
        return self._rows("convictions", "subject_id", subject_id)

    def courts(self, case_ids: set[str]) -> dict[str, str]:
        """The court of each of these cases that the run lists (the last row of a repeat)."""
        with self.connect() as db:
            found = (
                db.execute("SELECT court FROM courts WHERE case_id = ?", (case_id,)).fetchone()
                for case_id in sorted(case_ids)
            )
            return {k: row[0] for k, row in zip(sorted(case_ids), found, strict=True) if row}


def decided_extras(db: sqlite3.Connection, conviction_ids: list[str]) -> list[tuple]:
    """Queue records of these convictions that the run did not put in the queue itself."""
    header = json.loads(_meta(db, "convictions_header"))
    found = []
    for cid in conviction_ids:
        for seq, text in db.execute(
            "SELECT seq, row FROM convictions WHERE conviction_id = ? ORDER BY seq", (cid,)
        ):
            row = _as_dict(header, json.loads(text))
            if row["outcome"] in QUEUE_OUTCOMES:
                continue  # already a row of the queue table
            found.append(_record_at(db, seq, row))
    return found


def _record_at(db: sqlite3.Connection, seq: int, row: dict[str, str | None]) -> tuple:
    """A conviction's queue record, with its case's court and its person's counts."""
    court = db.execute("SELECT court FROM courts WHERE case_id = ?", (row["case_id"],)).fetchone()
    after = db.execute(
        "SELECT convictions_after, felonies_after FROM people_after WHERE subject_id = ?",
        (row["subject_id"],),
    ).fetchone()
    return queue_record(row, seq, (court[0] if court else "") or "", after or (0, 0))


def _as_dict(header: list[str], values: list[str]) -> dict[str, str | None]:
    """A row as :class:`csv.DictReader` gives it (a short row's missing values are None)."""
    return {name: values[i] if i < len(values) else None for i, name in enumerate(header)}


def _meta(db: sqlite3.Connection, key: str) -> str:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise sqlite3.DatabaseError(f"no {key} recorded")
    return row[0]


def open_store(run_dir: Path) -> RowStore:
    """The run's store, built (or rebuilt) unless one for these exact output files exists."""
    run_dir = Path(run_dir)
    key = store_key(run_dir)
    path = run_dir / STORE_FILE
    if recorded_key(path) == key:
        return RowStore(path, key)
    return build_store(run_dir, key)


def build_store(run_dir: Path, key: str) -> RowStore:
    """Build the store by streaming the output files, replacing any.

    Written to a private temporary file beside it, then renamed into place, so an
    interrupted build leaves no store that looks complete.
    """
    final = run_dir / STORE_FILE
    write_private_sqlite(final, lambda db: _fill(db, run_dir, key), "the row store")
    return RowStore(final, key)


def _read(path: Path) -> Iterator[list[str]]:
    """The rows of one output file, header first; a file without the needed columns is refused."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            missing = [c for c in _NEEDED[path.name] if c not in header]
            if missing:
                raise UserError(f"{path} has no column {', '.join(missing)}; re-run the run")
            yield header
            for row in reader:
                if row:  # DictReader skips blank lines too
                    yield row
    except UnicodeDecodeError as exc:
        raise UserError(f"{path} is not UTF-8 ({exc.reason}); re-run the run") from None
    except csv.Error as exc:
        raise UserError(f"cannot read {path}: {exc}") from None


def _batched(db: sqlite3.Connection, sql: str, rows: Iterator[tuple]) -> None:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _BATCH:
            db.executemany(sql, batch)
            batch.clear()
    db.executemany(sql, batch)


def _fill(db: sqlite3.Connection, run_dir: Path, key: str) -> None:
    """Load the three files, then derive the queue table from them."""
    db.execute("PRAGMA journal_mode = OFF")  # a temporary file: a failed build is discarded
    db.execute("PRAGMA synchronous = OFF")
    db.executescript(_SCHEMA)
    rows = _read(run_dir / "convictions.csv")
    header = next(rows)
    sid, cid = header.index("subject_id"), header.index("conviction_id")
    db.execute("INSERT INTO meta VALUES ('convictions_header', ?)", (json.dumps(header),))
    _batched(
        db,
        "INSERT INTO convictions (subject_id, conviction_id, row) VALUES (?, ?, ?)",
        ((_get(r, sid), _get(r, cid), json.dumps(r, ensure_ascii=False)) for r in rows),
    )
    rows = _read(run_dir / "people.csv")
    header = next(rows)
    sid = header.index("subject_id")
    db.execute("INSERT INTO meta VALUES ('people_header', ?)", (json.dumps(header),))
    _batched(
        db,
        "INSERT INTO people (subject_id, row) VALUES (?, ?)",
        ((_get(r, sid), json.dumps(r, ensure_ascii=False)) for r in rows),
    )
    cases = _read(run_dir / "cases.csv")
    header = next(cases)
    case_at, court_at = header.index("case_id"), header.index("court")
    _batched(
        db,
        "INSERT OR REPLACE INTO courts VALUES (?, ?)",
        ((_get(r, case_at), _get(r, court_at)) for r in cases),
    )
    _derive(db)
    db.execute("INSERT INTO meta VALUES ('key', ?)", (key,))
    db.commit()


def _get(row: list[str], index: int) -> str | None:
    return row[index] if index < len(row) else None


def _derive(db: sqlite3.Connection) -> None:
    """The people's counts after relief and the queue's rows, computed with the Python helpers."""
    people_header = json.loads(_meta(db, "people_header"))
    conv_header = json.loads(_meta(db, "convictions_header"))
    # The last row of a repeated subject counts, as a dict built from the rows would keep.
    _batched(
        db,
        "INSERT OR REPLACE INTO people_after VALUES (?, ?, ?)",
        (
            (
                person["subject_id"],
                as_int(person["convictions_after"]),
                as_int(person["felonies_after"]),
            )
            for person in (
                _as_dict(people_header, json.loads(text))
                for (text,) in db.execute("SELECT row FROM people ORDER BY seq")
            )
        ),
    )

    def records() -> Iterator[tuple]:
        for seq, text in db.execute("SELECT seq, row FROM convictions ORDER BY seq"):
            row = _as_dict(conv_header, json.loads(text))
            if row["outcome"] in QUEUE_OUTCOMES:
                yield _record_at(db, seq, row)

    marks = ", ".join("?" * len(RECORD_COLUMNS))
    _batched(db, f"INSERT INTO queue_rows VALUES ({marks})", records())
    # Ranked as if nobody had decided anything yet; the queue re-ranks the people decided.
    db.execute(_RANKED)
    db.execute("DROP TABLE queue_rows")
    db.execute("CREATE INDEX queue_id ON queue (conviction_id)")
    db.execute("CREATE INDEX queue_subject ON queue (subject_id)")
    for name, column in CHOICE_COLUMNS.items():
        db.execute(
            f"INSERT INTO queue_choices SELECT DISTINCT ?, {column} FROM queue "
            f"WHERE {column} != ''",
            (name,),
        )


def impact_sql(is_open: str, person_open: str, open_felonies: str) -> str:
    """The queue's impact rank as an SQL expression over a queue record.

    0: relief could leave the person no conviction (their convictions after the run are all
    open items); 1: no felony (likewise their felonies); 2: otherwise. The arguments are the
    SQL for whether the item is open and the person's open items and open felonies.
    """
    return (
        f"CASE WHEN {is_open} AND convictions_after != 0 AND convictions_after <= {person_open} "
        f"THEN 0 WHEN {is_open} AND level = 'felony' AND felonies_after != 0 "
        f"AND felonies_after <= {open_felonies} THEN 1 ELSE 2 END"
    )


# Ranked as if nobody had decided anything: every item open.
_RANKED = f"""
CREATE TABLE queue AS
SELECT {", ".join(RECORD_COLUMNS)}, count(*) OVER person AS person_open,
    {impact_sql("1", "count(*) OVER person", "sum(level = 'felony') OVER person")} AS impact
FROM queue_rows WINDOW person AS (PARTITION BY subject_id) ORDER BY seq
"""
_TEXT_COLUMNS = ", ".join(f"{c} TEXT" for c in RECORD_COLUMNS[1:-2])
_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE convictions (seq INTEGER PRIMARY KEY, subject_id TEXT, conviction_id TEXT,
    row TEXT NOT NULL);
CREATE INDEX convictions_subject ON convictions (subject_id, seq);
CREATE INDEX convictions_id ON convictions (conviction_id, seq);
CREATE TABLE people (seq INTEGER PRIMARY KEY, subject_id TEXT, row TEXT NOT NULL);
CREATE INDEX people_subject ON people (subject_id, seq);
CREATE TABLE people_after (subject_id TEXT PRIMARY KEY, convictions_after INTEGER,
    felonies_after INTEGER) WITHOUT ROWID;
CREATE TABLE courts (case_id TEXT PRIMARY KEY, court TEXT) WITHOUT ROWID;
CREATE TABLE queue_rows (seq INTEGER PRIMARY KEY, {_TEXT_COLUMNS},
    convictions_after INTEGER, felonies_after INTEGER);
CREATE TABLE queue_choices (name TEXT, value TEXT);
"""
