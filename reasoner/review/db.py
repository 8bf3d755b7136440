"""The reviewers' database: users, decisions (a signed, hash-chained log) and assignments.

One SQLite file beside a run (``RUN_DIR/review.sqlite3`` by default), readable by its owner
only, with its decision key beside it (``review.key``,
:mod:`cmr_reason.reasoner.review.decision_log`).
Decisions are never updated or deleted (triggers refuse it); each carries the hash of the
one before and a signature, and the log's signed head records how many there are, so a
changed, forged, removed or reordered decision is found by :meth:`ReviewDB.verify`. A later
decision on the same conviction supersedes the earlier one and names it. Timestamps come
from the wall clock: they record when a reviewer acted, they are not legal dates (those come
from the run's as-of date). Nothing here judges the law: what a decision means is decided by
``programs/core/review_decisions.lp``.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.private_files import keep_private
from cmr_reason.reasoner.engine.vocabulary import vocabulary
from cmr_reason.reasoner.review.decision_log import (
    GENESIS,
    Head,
    SignedUser,
    StoredDecision,
    TamperedLog,
    chained,
    create_key,
    key_id,
    load_key,
    matches,
    new_head,
    sign_head,
    sign_password,
    sign_user,
    verify_log,
)
from cmr_reason.reasoner.run.contents import key_path
from cmr_reason.reasoner.run.sqlite_cache import BeingReplaced

ROLES = ("reviewer", "supervisor")
# The vocabularies of the decision form, as the programs declare them (review_action/3 and
# challenge_ground_label/3 in programs/core/review_decisions.lp, relief_outcome/1 in
# programs/core/vocabulary.lp).
ACTIONS = vocabulary().actions
RELIEFS = vocabulary().reliefs
GROUNDS = vocabulary().grounds
NOTE_LIMIT = 2000
SQLITE_MAGIC = b"SQLite format 3\x00"
WAIT_STEP = 0.05  # seconds between looks for a database a re-run is moving
MIGRATE_HINT = "run `cmr-reason decisions migrate RUN_DIR` (with --db for another path) once"
log = logging.getLogger("cmr_reason.review")

Clock = Callable[[], dt.datetime]

_TABLES = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN {ROLES!r}),
    created_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    signature TEXT NOT NULL DEFAULT '',
    password_signature TEXT NOT NULL DEFAULT '',
    session_generation INTEGER NOT NULL DEFAULT 0
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
    record_fingerprint TEXT NOT NULL DEFAULT '',
    record_check TEXT NOT NULL DEFAULT 'record',
    prev_hash TEXT NOT NULL DEFAULT '',
    entry_hash TEXT NOT NULL DEFAULT '',
    signature TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS decisions_by_conviction ON decisions (conviction_id, id);
CREATE INDEX IF NOT EXISTS decisions_by_subject ON decisions (subject_id, id);
CREATE TABLE IF NOT EXISTS assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_id TEXT NOT NULL,
    assignee TEXT REFERENCES users(name),
    assigned_by TEXT NOT NULL REFERENCES users(name),
    assigned_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS assignments_by_subject ON assignments (subject_id, id);
"""
#: The triggers that keep the log append-only and users' identities fixed, one statement
#: each (so the migration can run them inside its transaction). ``verify`` checks that each
#: is present and unchanged.
TRIGGERS = {
    "decisions_append_only_update": "CREATE TRIGGER decisions_append_only_update BEFORE UPDATE "
    "ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END",
    "decisions_append_only_delete": "CREATE TRIGGER decisions_append_only_delete BEFORE DELETE "
    "ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END",
    "users_keep_delete": "CREATE TRIGGER users_keep_delete BEFORE DELETE ON users "
    "BEGIN SELECT RAISE(ABORT, 'users are never deleted'); END",
    "users_keep_identity": "CREATE TRIGGER users_keep_identity BEFORE UPDATE OF name, role, "
    "created_at ON users BEGIN SELECT RAISE(ABORT, 'a user''s name, role and creation are "
    "fixed'); END",
}
SCHEMA_VERSION = "3"  # 3: signed, hash-chained decisions and signed users


def utc_now() -> dt.datetime:
    """The wall clock, in UTC, to the second (audit timestamps only)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


DECISION_FIELDS = tuple(StoredDecision.__dataclass_fields__)


@dataclass(frozen=True)
class User:
    """A reviewer or supervisor."""

    name: str
    role: str
    password_hash: str
    active: bool = True
    session_generation: int = 0

    @property
    def is_supervisor(self) -> bool:
        """True for the supervisor role."""
        return self.role == "supervisor"


@dataclass(frozen=True)
class Log:
    """Everything the log's verification reads, taken in one transaction."""

    entries: list[StoredDecision]
    users: list[SignedUser]
    head: Head | None


class StaleDecision(UserError):
    """Someone decided the conviction after the form was shown."""


class DatabaseMissing(BeingReplaced):
    """The database is not at its path (a re-run is moving it), after waiting a moment."""


def is_sqlite(path: Path) -> bool:
    """True when ``path`` starts with SQLite's header."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def reference_triggers() -> dict[str, str]:
    """Each trigger's text as SQLite records it (to compare a database's with)."""
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.executescript(_TABLES)
        for sql in TRIGGERS.values():
            conn.execute(sql)
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return {name: sql for name, sql in rows}


class ReviewDB:
    """Access to one review database. Each method opens its own short transaction.

    The file is opened for reading and writing, never created by opening (``create`` does
    that, owner-only): while a re-run moves it, a look finds nothing rather than making an
    empty database. ``wait`` seconds are spent looking again before giving up (the
    workbench waits; the commands do not).
    """

    def __init__(
        self,
        path: Path,
        clock: Clock = utc_now,
        *,
        wait: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        key_file: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self.wait = wait
        self.sleep = sleep
        self.key_file = Path(key_file) if key_file is not None else key_path(self.path)

    @classmethod
    def create(cls, path: Path, clock: Clock = utc_now) -> ReviewDB:
        """Open the database, creating it (mode 600), its tables and its key when missing."""
        path = Path(path)
        if not path.parent.is_dir():
            raise UserError(f"no such directory for the review database: {path.parent}")
        if path.exists() and path.stat().st_size and not is_sqlite(path):
            raise UserError(f"{path} is not an SQLite database")
        new = not path.exists() or path.stat().st_size == 0
        if new:
            keep_private(path)
            key = (
                load_key(key_path(path)) if key_path(path).exists() else create_key(key_path(path))
            )
        db = cls(path, clock)
        if new:
            with db.connect() as conn:
                conn.executescript(_TABLES)  # commits: one statement at a time below
                conn.execute("BEGIN IMMEDIATE")
                for sql in TRIGGERS.values():
                    conn.execute(sql)
                write_head(conn, new_head(key, 0, GENESIS))
                set_meta(conn, "key_id", key_id(key))
                set_meta(conn, "schema_version", SCHEMA_VERSION)
        db.require_signed()
        return db

    @classmethod
    def open_existing(
        cls,
        path: Path,
        clock: Clock = utc_now,
        *,
        wait: float = 0.0,
        key_file: Path | None = None,
    ) -> ReviewDB:
        """Open a database that must already exist and be signed (schema 3).

        ``key_file``: its decision key, when not beside it.
        """
        path = Path(path)
        if not path.is_file() or not is_sqlite(path):
            raise UserError(f"no review database at {path}")
        db = cls(path, clock, wait=wait, key_file=key_file)
        db.require_signed()
        return db

    def schema_version(self) -> str:
        """The schema version the database records ("1" when it records none)."""
        try:
            with self.connect() as conn:
                if not conn.execute("PRAGMA table_info(decisions)").fetchall():
                    raise UserError(f"{self.path} has no decisions table: not a review database")
                row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.Error as exc:
            raise UserError(f"cannot read the review database {self.path}: {exc}") from None
        return row[0] if row else "1"

    def require_signed(self) -> None:
        """Refuse a database made before decisions were signed, pointing to the migration."""
        version = self.schema_version()
        if version != SCHEMA_VERSION:
            raise UserError(
                f"{self.path} was made before decisions were signed (schema {version}); "
                f"{MIGRATE_HINT}: docs/review.md"
            )

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction: committed on success, rolled back on error."""
        conn = self._open()
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        uri = f"{self.path.resolve().as_uri()}?mode=rw"
        waited = 0.0
        while True:
            try:
                return sqlite3.connect(uri, uri=True, timeout=10)
            except sqlite3.OperationalError:
                if self.path.exists():
                    raise
            if waited >= self.wait:
                raise DatabaseMissing(
                    f"the review database {self.path} is not there (a re-run may be replacing "
                    "the run); try again in a moment"
                )
            self.sleep(WAIT_STEP)
            waited += WAIT_STEP

    def now(self) -> str:
        """The clock as ISO text."""
        return self.clock().isoformat()

    @cached_property
    def key(self) -> bytes:
        """The decision key (beside the database unless given)."""
        return load_key(self.key_file)

    # --- users ---------------------------------------------------------------------
    def add_user(self, name: str, role: str, password_hash: str) -> None:
        """Add a user, signed; the name must be new."""
        check_user_name(name)
        if role not in ROLES:
            raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        created = self.now()
        try:
            with self.connect() as conn:
                conn.execute(
                    "INSERT INTO users (name, password_hash, role, created_at, signature,"
                    " password_signature) VALUES (?,?,?,?,?,?)",
                    (name, password_hash, role, created, sign_user(self.key, name, role, created),
                     sign_password(self.key, name, password_hash)),
                )  # fmt: skip
        except sqlite3.IntegrityError:
            raise UserError(f"user {name!r} already exists") from None

    def set_password(self, name: str, password_hash: str) -> None:
        """Replace a user's password hash, signed, and end every session of the user."""
        with self.connect() as conn:
            found = conn.execute(
                "UPDATE users SET password_hash = ?, password_signature = ?,"
                " session_generation = session_generation + 1 WHERE name = ?",
                (password_hash, sign_password(self.key, name, password_hash), name),
            ).rowcount
        if not found:
            raise UserError(f"no user {name!r}")

    def end_sessions(self, name: str) -> None:
        """End every session of a user (log-out): their session cookies stop working."""
        with self.connect() as conn:
            conn.execute(
                "UPDATE users SET session_generation = session_generation + 1 WHERE name = ?",
                (name,),
            )

    def user(self, name: str) -> User | None:
        """An active user by name whose record and password are signed by the key.

        A user record changed without the key (a role raised, a password hash replaced)
        cannot log in; the log says so, by user name only.
        """
        with self.connect() as conn:
            row = conn.execute("SELECT * FROM users WHERE name = ? AND active", (name,)).fetchone()
        if row is None:
            return None
        identity = sign_user(self.key, row["name"], row["role"], row["created_at"])
        password = sign_password(self.key, row["name"], row["password_hash"])
        if not (
            matches(identity, row["signature"]) and matches(password, row["password_signature"])
        ):
            log.warning("user %s: the record is not signed by the decision key; refused", name)
            return None
        return _user(row)

    def users(self) -> list[User]:
        """Every user, by name."""
        with self.connect() as conn:
            rows = conn.execute("SELECT * FROM users ORDER BY name").fetchall()
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
        record_fingerprint: str,
        relief: str = "",
        ground: str = "",
        note: str = "",
        seen_outcome: str = "",
        source: str = "",
        expected_latest: int | None = None,
        check_latest: bool = False,
    ) -> StoredDecision:
        """Append a decision, chained and signed; it supersedes the conviction's latest one.

        With ``check_latest``, the caller says which decision it saw as the latest
        (``expected_latest``, None for none); if another was added since, nothing is
        stored and :class:`StaleDecision` is raised. A log whose end does not match its
        signed head takes nothing (:class:`TamperedLog`).
        """
        check_decision_values(action, relief, ground)
        if not fingerprint or not record_fingerprint:
            raise UserError("a decision needs its conviction's and its record's fingerprints")
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            latest = conn.execute(
                "SELECT max(id) FROM decisions WHERE conviction_id = ?", (conviction_id,)
            ).fetchone()[0]
            if check_latest and latest != expected_latest:
                raise StaleDecision(
                    f"conviction {conviction_id} was decided by someone else meanwhile; "
                    "read the new decision and decide again"
                )
            head = self._checked_head(conn)
            fields = {
                "id": _next_id(conn), "conviction_id": conviction_id, "subject_id": subject_id,
                "action": action, "relief": relief, "ground": ground, "note": clean_note(note),
                "reviewer": reviewer, "decided_at": self.now(), "fingerprint": fingerprint,
                "supersedes": latest, "seen_outcome": seen_outcome, "source": source,
                "record_fingerprint": record_fingerprint, "record_check": "record",
            }  # fmt: skip
            entry = chained(self.key, fields, head.hash)
            _insert_decision(conn, entry)
            write_head(conn, new_head(self.key, head.count + 1, entry["entry_hash"]))
        return StoredDecision(**{name: entry[name] for name in DECISION_FIELDS})

    def _checked_head(self, conn: sqlite3.Connection) -> Head:
        """The signed head, refused unless it is signed and the log ends where it says."""
        head = read_head(conn)
        last = conn.execute(
            "SELECT count(*), (SELECT entry_hash FROM decisions ORDER BY id DESC LIMIT 1)"
            " FROM decisions"
        ).fetchone()
        count, last_hash = last[0], last[1] or GENESIS
        if (
            head is None
            or not matches(sign_head(self.key, head.count, head.hash), head.signature)
            or head.count != count
            or head.hash != last_hash
        ):
            raise TamperedLog(
                f"the decision log in {self.path} does not end where its signed head says; "
                "no decision is recorded until it verifies (`cmr-reason decisions verify`)"
            )
        return head

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
        return [decision_from_row(r) for r in rows]

    def latest_decisions(self) -> dict[str, StoredDecision]:
        """The latest decision of each conviction."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM decisions WHERE id IN "
                "(SELECT max(id) FROM decisions GROUP BY conviction_id) ORDER BY id"
            ).fetchall()
        return {r["conviction_id"]: decision_from_row(r) for r in rows}

    def read_log(self) -> Log:
        """The entries, the users and the head, read in one transaction."""
        with self.connect() as conn:
            conn.execute("BEGIN")
            entries = [
                decision_from_row(r) for r in conn.execute("SELECT * FROM decisions ORDER BY id")
            ]
            users = [
                SignedUser(r["name"], r["role"], r["created_at"], r["signature"])
                for r in conn.execute("SELECT * FROM users ORDER BY name")
            ]
            head = read_head(conn)
        return Log(entries, users, head)

    def verify(self) -> Log:
        """The log, after checking its triggers, chain, signatures, reviewers and head.

        Raises :class:`TamperedLog` naming the first problem; the database is only read.
        """
        self.require_signed()
        with self.connect() as conn:
            found = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'"))
            recorded = _meta(conn, "key_id")
        for name, sql in reference_triggers().items():
            if found.get(name) != sql:
                what = "was dropped" if name not in found else "was changed"
                raise TamperedLog(
                    f"{self.path}: its append-only trigger {name} {what}; nothing was applied"
                )
        if recorded != key_id(self.key):
            raise TamperedLog(
                f"{self.key_file} is not the key that signed {self.path} (key id "
                f"{key_id(self.key)}; the database records {recorded}); nothing was applied"
            )
        log_ = self.read_log()
        verify_log(log_.entries, log_.users, log_.head, self.key, str(self.path))
        return log_

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


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Record ``key`` in the meta table."""
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def write_head(conn: sqlite3.Connection, head: Head) -> None:
    """Record the log's signed head."""
    set_meta(conn, "head_count", str(head.count))
    set_meta(conn, "head_hash", head.hash)
    set_meta(conn, "head_signature", head.signature)


def read_head(conn: sqlite3.Connection) -> Head | None:
    """The log's signed head, or None when the database records none."""
    names = ("head_count", "head_hash", "head_signature")
    count, last, signature = (_meta(conn, name) for name in names)
    if count is None or last is None or signature is None or not count.isdigit():
        return None
    return Head(int(count), last, signature)


def _next_id(conn: sqlite3.Connection) -> int:
    """The id the next decision gets: above every id ever given (a removed one included)."""
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'decisions'").fetchone()
    top = conn.execute("SELECT max(id) FROM decisions").fetchone()[0]
    return max(seq[0] if seq else 0, top or 0) + 1


def _insert_decision(conn: sqlite3.Connection, entry: dict[str, Any]) -> None:
    names = ", ".join(DECISION_FIELDS)
    marks = ", ".join("?" * len(DECISION_FIELDS))
    conn.execute(
        f"INSERT INTO decisions ({names}) VALUES ({marks})",
        [entry[name] for name in DECISION_FIELDS],
    )


def _user(row: sqlite3.Row) -> User:
    have = set(row.keys())
    generation = row["session_generation"] if "session_generation" in have else 0
    return User(row["name"], row["role"], row["password_hash"], bool(row["active"]), generation)


def decision_from_row(row: sqlite3.Row) -> StoredDecision:
    """A decisions row as an entry; a column an older database lacks takes its default."""
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
