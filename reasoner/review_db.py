"""The reviewers' database: users, decisions (an append-only audit trail) and assignments.

One SQLite file beside a run (``RUN_DIR/review.sqlite3`` by default), readable by its owner
only. Decisions are never updated or deleted (triggers refuse it); a later decision on the
same conviction supersedes the earlier one and names it. Timestamps come from the wall
clock: they record when a reviewer acted, they are not legal dates (those come from the
run's as-of date). Nothing here judges the law: what a decision means is decided by
``programs/core/review_decisions.lp``.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.row_store import STORE_FILE
from cmr_reason.reasoner.subject_index import INDEX_FILE
from cmr_reason.reasoner.vocabulary import vocabulary

DB_NAME = "review.sqlite3"
SECRET_SUFFIX = ".secret"
ROLES = ("reviewer", "supervisor")
# The vocabularies of the decision form, as the programs declare them (review_action/3 and
# challenge_ground_label/3 in programs/core/review_decisions.lp, relief_outcome/1 in
# programs/core/vocabulary.lp).
ACTIONS = vocabulary().actions
RELIEFS = vocabulary().reliefs
GROUNDS = vocabulary().grounds
NOTE_LIMIT = 2000
SQLITE_MAGIC = b"SQLite format 3\x00"

Clock = Callable[[], dt.datetime]

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN {ROLES!r}),
    created_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conviction_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN {ACTIONS!r}),
    relief TEXT NOT NULL DEFAULT '' CHECK (relief IN {("", *RELIEFS)!r}),
    ground TEXT NOT NULL DEFAULT '' CHECK (ground IN {("", *GROUNDS)!r}),
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL REFERENCES users(name),
    decided_at TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    supersedes INTEGER REFERENCES decisions(id),
    seen_outcome TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    record_fingerprint TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS decisions_by_conviction ON decisions (conviction_id, id);
CREATE INDEX IF NOT EXISTS decisions_by_subject ON decisions (subject_id, id);
CREATE TRIGGER IF NOT EXISTS decisions_append_only_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_append_only_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TABLE IF NOT EXISTS assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_id TEXT NOT NULL,
    assignee TEXT REFERENCES users(name),
    assigned_by TEXT NOT NULL REFERENCES users(name),
    assigned_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS assignments_by_subject ON assignments (subject_id, id);
"""
SCHEMA_VERSION = "2"
# Columns added since schema 1, with their definition: an existing database gets them, empty,
# when it is opened for writing. An empty ``record_fingerprint`` means "decided before the
# record check existed": only the conviction's own fingerprint is checked for it.
_ADDED_COLUMNS = {"record_fingerprint": "TEXT NOT NULL DEFAULT ''"}


def utc_now() -> dt.datetime:
    """The wall clock, in UTC, to the second (audit timestamps only)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class StoredDecision:
    """One row of the decisions table (or of an exported file)."""

    id: int
    conviction_id: str
    subject_id: str
    action: str
    relief: str
    ground: str
    note: str
    reviewer: str
    decided_at: str
    fingerprint: str
    supersedes: int | None = None
    seen_outcome: str = ""
    source: str = ""
    record_fingerprint: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The row as a plain dict (for export)."""
        return asdict(self)


DECISION_FIELDS = tuple(StoredDecision.__dataclass_fields__)


@dataclass(frozen=True)
class User:
    """A reviewer or supervisor."""

    name: str
    role: str
    password_hash: str
    active: bool = True

    @property
    def is_supervisor(self) -> bool:
        """True for the supervisor role."""
        return self.role == "supervisor"


class StaleDecision(UserError):
    """Someone decided the conviction after the form was shown."""


def default_db_path(run_dir: Path) -> Path:
    """Where a run's review database lives."""
    return Path(run_dir) / DB_NAME


def secret_path(db_path: Path) -> Path:
    """The session-signing secret beside a database: ``review.secret``."""
    return Path(db_path).with_suffix(SECRET_SUFFIX)


def review_files(directory: Path) -> list[Path]:
    """The review database and its companions in a run directory, if any.

    With them go the workbench's subject index and row store: each records what it was
    built from and is rebuilt when the run's input or output files differ, so after a
    re-run of the same input the workbench starts without rebuilding them.
    """
    db = default_db_path(directory)
    names = [db, Path(f"{db}-journal"), Path(f"{db}-wal"), Path(f"{db}-shm"), secret_path(db)]
    names += [Path(directory) / INDEX_FILE, Path(directory) / STORE_FILE]
    return [p for p in names if p.exists()]


@contextmanager
def preserve_review_files(run_dir: Path) -> Iterator[None]:
    """Keep a run directory's review database when the run is replaced (``run --force``).

    The bulk run replaces its output directory whole; the reviewers' audit trail must
    survive that. The files wait in a private folder beside the run and are moved back into
    the new directory, or into the old one if the run failed before replacing it.
    """
    run_dir = Path(run_dir)
    files = review_files(run_dir) if run_dir.is_dir() else []
    if not files:
        yield
        return
    keep = run_dir.resolve().parent / f".{run_dir.name}.review-{os.getpid()}"
    keep.mkdir(mode=0o700)
    for path in files:
        path.rename(keep / path.name)
    try:
        yield
    finally:
        run_dir.mkdir(mode=0o700, exist_ok=True)
        for path in sorted(keep.iterdir()):
            path.rename(run_dir / path.name)
        keep.rmdir()


def _private_file(path: Path) -> None:
    """Create ``path`` empty with mode 600, or tighten an existing file to 600."""
    if path.exists():
        os.chmod(path, 0o600)
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def is_sqlite(path: Path) -> bool:
    """True when ``path`` starts with SQLite's header."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


class ReviewDB:
    """Access to one review database. Each method opens its own short transaction."""

    def __init__(self, path: Path, clock: Clock = utc_now) -> None:
        self.path = Path(path)
        self.clock = clock

    @classmethod
    def create(cls, path: Path, clock: Clock = utc_now) -> ReviewDB:
        """Open the database, creating it (mode 600) and its tables when missing."""
        path = Path(path)
        if not path.parent.is_dir():
            raise UserError(f"no such directory for the review database: {path.parent}")
        if path.exists() and path.stat().st_size and not is_sqlite(path):
            raise UserError(f"{path} is not an SQLite database")
        _private_file(path)
        db = cls(path, clock)
        with db.connect() as conn:
            conn.executescript(_SCHEMA)
        db.migrate()
        return db

    @classmethod
    def open_existing(cls, path: Path, clock: Clock = utc_now, *, migrate: bool = True) -> ReviewDB:
        """Open a database that must already exist, adding any newer columns (``migrate``).

        Reading decisions only (``migrate=False``) leaves the file as it is: rows of an
        older database read with the missing columns empty.
        """
        path = Path(path)
        if not path.is_file() or not is_sqlite(path):
            raise UserError(f"no review database at {path}")
        db = cls(path, clock)
        if migrate:
            db.migrate()
        return db

    def migrate(self) -> None:
        """Bring an older database to this schema: add missing columns, empty."""
        try:
            with self.connect() as conn:
                have = {row["name"] for row in conn.execute("PRAGMA table_info(decisions)")}
                if not have:
                    raise UserError(f"{self.path} has no decisions table: not a review database")
                missing = [name for name in _ADDED_COLUMNS if name not in have]
                for name in missing:
                    conn.execute(f"ALTER TABLE decisions ADD COLUMN {name} {_ADDED_COLUMNS[name]}")
                known = conn.execute("SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone()
                if missing or not known:  # nothing is written to an up-to-date database
                    conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                        (SCHEMA_VERSION,),
                    )
        except sqlite3.Error as exc:
            raise UserError(f"cannot update the review database {self.path}: {exc}") from None

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction: committed on success, rolled back on error."""
        conn = sqlite3.connect(self.path, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def now(self) -> str:
        """The clock as ISO text."""
        return self.clock().isoformat()

    # --- users ---------------------------------------------------------------------
    def add_user(self, name: str, role: str, password_hash: str) -> None:
        """Add a user; the name must be new."""
        check_user_name(name)
        if role not in ROLES:
            raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        try:
            with self.connect() as conn:
                conn.execute(
                    "INSERT INTO users (name, password_hash, role, created_at) VALUES (?,?,?,?)",
                    (name, password_hash, role, self.now()),
                )
        except sqlite3.IntegrityError:
            raise UserError(f"user {name!r} already exists") from None

    def set_password(self, name: str, password_hash: str) -> None:
        """Replace a user's password hash."""
        with self.connect() as conn:
            found = conn.execute(
                "UPDATE users SET password_hash = ? WHERE name = ?", (password_hash, name)
            ).rowcount
        if not found:
            raise UserError(f"no user {name!r}")

    def user(self, name: str) -> User | None:
        """An active user by name."""
        with self.connect() as conn:
            row = conn.execute(
                "SELECT name, role, password_hash, active FROM users WHERE name = ? AND active",
                (name,),
            ).fetchone()
        return _user(row) if row else None

    def users(self) -> list[User]:
        """Every user, by name."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT name, role, password_hash, active FROM users ORDER BY name"
            ).fetchall()
        return [_user(r) for r in rows]

    # --- decisions -------------------------------------------------------------------
    def add_decision(
        self,
        *,
        conviction_id: str,
        subject_id: str,
        action: str,
        reviewer: str,
        fingerprint: str,
        record_fingerprint: str = "",
        relief: str = "",
        ground: str = "",
        note: str = "",
        seen_outcome: str = "",
        source: str = "",
        expected_latest: int | None = None,
        check_latest: bool = False,
    ) -> StoredDecision:
        """Append a decision; it supersedes the conviction's latest one.

        With ``check_latest``, the caller says which decision it saw as the latest
        (``expected_latest``, None for none); if another was added since, nothing is
        stored and :class:`StaleDecision` is raised.
        """
        check_decision_values(action, relief, ground)
        note = clean_note(note)
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute(
                "SELECT max(id) FROM decisions WHERE conviction_id = ?", (conviction_id,)
            ).fetchone()
            latest = row[0]
            if check_latest and latest != expected_latest:
                raise StaleDecision(
                    f"conviction {conviction_id} was decided by someone else meanwhile; "
                    "read the new decision and decide again"
                )
            cursor = conn.execute(
                "INSERT INTO decisions (conviction_id, subject_id, action, relief, ground, note,"
                " reviewer, decided_at, fingerprint, supersedes, seen_outcome, source,"
                " record_fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (conviction_id, subject_id, action, relief, ground, note, reviewer, self.now(),
                 fingerprint, latest, seen_outcome, source, record_fingerprint),
            )  # fmt: skip
            new_id = cursor.lastrowid
            stored = conn.execute("SELECT * FROM decisions WHERE id = ?", (new_id,)).fetchone()
        return _decision(stored)

    def decisions(
        self, *, subject_id: str | None = None, conviction_id: str | None = None
    ) -> list[StoredDecision]:
        """Decisions in the order they were made, optionally for one person or conviction."""
        query, args = "SELECT * FROM decisions", []
        if subject_id is not None:
            query, args = query + " WHERE subject_id = ?", [subject_id]
        elif conviction_id is not None:
            query, args = query + " WHERE conviction_id = ?", [conviction_id]
        with self.connect() as conn:
            rows = conn.execute(query + " ORDER BY id", args).fetchall()
        return [_decision(r) for r in rows]

    def latest_decisions(self) -> dict[str, StoredDecision]:
        """The latest decision of each conviction."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM decisions WHERE id IN "
                "(SELECT max(id) FROM decisions GROUP BY conviction_id) ORDER BY id"
            ).fetchall()
        return {r["conviction_id"]: _decision(r) for r in rows}

    # --- assignments -----------------------------------------------------------------
    def assign(self, subject_id: str, assignee: str | None, assigned_by: str) -> None:
        """Assign a person's convictions to a user (None: unassign). Kept as a history."""
        with self.connect() as conn:
            conn.execute(
                "INSERT INTO assignments (subject_id, assignee, assigned_by, assigned_at)"
                " VALUES (?,?,?,?)",
                (subject_id, assignee, assigned_by, self.now()),
            )

    def assignments(self) -> dict[str, str]:
        """Current assignee of each assigned person."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT subject_id, assignee FROM assignments WHERE id IN "
                "(SELECT max(id) FROM assignments GROUP BY subject_id)"
            ).fetchall()
        return {r["subject_id"]: r["assignee"] for r in rows if r["assignee"]}

    def assignment_history(self, subject_id: str) -> list[dict[str, Any]]:
        """Every assignment of one person, oldest first."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT assignee, assigned_by, assigned_at FROM assignments"
                " WHERE subject_id = ? ORDER BY id",
                (subject_id,),
            ).fetchall()
        return [dict(r) for r in rows]


def _user(row: sqlite3.Row) -> User:
    return User(row["name"], row["role"], row["password_hash"], bool(row["active"]))


def _decision(row: sqlite3.Row) -> StoredDecision:
    # A column an older database lacks (it was not migrated: read only) reads as empty.
    have = set(row.keys())
    return StoredDecision(**{name: row[name] for name in DECISION_FIELDS if name in have})


def check_user_name(name: str) -> None:
    """A user name is 1-64 letters, digits, dots, hyphens or underscores."""
    if not 1 <= len(name) <= 64 or not all(ch.isalnum() or ch in "._-" for ch in name):
        raise UserError("a user name is 1-64 letters, digits, '.', '-' or '_'")


def check_decision_values(action: str, relief: str, ground: str) -> None:
    """Refuse an action, relief or ground outside the fixed lists, or a missing one."""
    if action not in ACTIONS:
        raise UserError(f"unknown action {action!r}")
    if action == "grant_other":
        if relief not in RELIEFS:
            raise UserError("granting a different relief needs the relief")
    elif relief:
        raise UserError("a relief is given only when granting a different relief")
    if action == "challenge":
        if ground not in GROUNDS:
            raise UserError("a challenge needs its ground")
    elif ground:
        raise UserError("a ground is given only for a challenge")


def clean_note(text: str) -> str:
    """A note without control characters, runs of white space or a final full stop.

    Notes reach the programs as a string fact and the explanation as written; control and
    format characters (including bidirectional overrides) could break or disguise either,
    so they become spaces.
    """
    plain = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )
    plain = " ".join(plain.split())[:NOTE_LIMIT]
    return plain.rstrip(" .")
