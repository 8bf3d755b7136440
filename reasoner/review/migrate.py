"""Sign a review database made before decisions were signed (``cmr-reason decisions migrate``).

A database of schema 1 or 2 has decisions without chain or signature, and users without
signatures. The migration, run once and on purpose, creates the decision key (unless one is
already beside the database and nothing is signed with it yet), adds the missing columns,
links and signs every existing decision in id order, signs every user, restores the
append-only triggers and records the signed head, all in one transaction: it either
happens whole or not at all.

What it trusts: that nobody changed the database before the migration. It cannot tell an
edited old decision from a genuine one; it only makes every change after it visible. A
decision recorded before the record fingerprint existed (an empty one) is marked
``conviction_only`` in its signed content, so runs check its conviction alone, as before,
and say so; any other blank fingerprint is refused at every run.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.review.db import (
    SCHEMA_VERSION,
    TRIGGERS,
    ReviewDB,
    decision_from_row,
    is_sqlite,
    read_head,
    set_meta,
    write_head,
)
from cmr_reason.reasoner.review.decision_log import (
    GENESIS,
    chained,
    create_key,
    key_id,
    load_key,
    new_head,
    sign_password,
    sign_user,
)
from cmr_reason.reasoner.run.contents import key_path

_DECISION_COLUMNS = {
    "record_fingerprint": "TEXT NOT NULL DEFAULT ''",
    "record_check": "TEXT NOT NULL DEFAULT 'record'",
    "prev_hash": "TEXT NOT NULL DEFAULT ''",
    "entry_hash": "TEXT NOT NULL DEFAULT ''",
    "signature": "TEXT NOT NULL DEFAULT ''",
}
_USER_COLUMNS = {
    "signature": "TEXT NOT NULL DEFAULT ''",
    "password_signature": "TEXT NOT NULL DEFAULT ''",
    "session_generation": "INTEGER NOT NULL DEFAULT 0",
}


@dataclass(frozen=True)
class Migration:
    """What a migration did."""

    decisions: int
    conviction_only: int
    users: int
    key_created: bool
    already: bool = False


def _add_columns(conn: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    for name, definition in columns.items():
        if name not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")


def migrate_database(path: Path) -> Migration:
    """Sign an older review database in place (see the module's docstring for what it trusts)."""
    path = Path(path)
    if not path.is_file() or not is_sqlite(path):
        raise UserError(f"no review database at {path}")
    db = ReviewDB(path)
    if db.schema_version() == SCHEMA_VERSION:
        return Migration(0, 0, 0, key_created=False, already=True)
    keyfile = key_path(path)
    created = not keyfile.exists()
    key = create_key(keyfile) if created else load_key(keyfile)
    try:
        with db.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            if read_head(conn) is not None:
                raise UserError(f"{path} has a signed head but an older schema; not migrated")
            _add_columns(conn, "decisions", _DECISION_COLUMNS)
            _add_columns(conn, "users", _USER_COLUMNS)
            for name in TRIGGERS:
                conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            prev, count, conviction_only = GENESIS, 0, 0
            for row in conn.execute("SELECT * FROM decisions ORDER BY id").fetchall():
                item = decision_from_row(row).as_dict()
                if not item["fingerprint"]:
                    raise UserError(
                        f"{path}: decision id {item['id']} has no conviction fingerprint; "
                        "not migrated (it could never be checked against a record)"
                    )
                item["record_check"] = "record" if item["record_fingerprint"] else "conviction_only"
                conviction_only += item["record_check"] == "conviction_only"
                entry = chained(key, item, prev)
                sets = ", ".join(f"{n} = ?" for n in ("record_check", "prev_hash", "entry_hash",
                                                       "signature"))  # fmt: skip
                conn.execute(
                    f"UPDATE decisions SET {sets} WHERE id = ?",
                    [entry[n] for n in ("record_check", "prev_hash", "entry_hash", "signature")]
                    + [entry["id"]],
                )
                prev, count = entry["entry_hash"], count + 1
            users = conn.execute(
                "SELECT name, role, created_at, password_hash FROM users"
            ).fetchall()
            for name, role, created_at, password_hash in users:
                conn.execute(
                    "UPDATE users SET signature = ?, password_signature = ? WHERE name = ?",
                    (sign_user(key, name, role, created_at),
                     sign_password(key, name, password_hash), name),
                )  # fmt: skip
            for sql in TRIGGERS.values():
                conn.execute(sql)
            write_head(conn, new_head(key, count, prev))
            set_meta(conn, "key_id", key_id(key))
            set_meta(conn, "migrated_at", db.now())
            set_meta(conn, "migrated_entries", str(count))
            set_meta(conn, "schema_version", SCHEMA_VERSION)
    except sqlite3.Error as exc:
        if created:
            keyfile.unlink(missing_ok=True)
        raise UserError(f"cannot migrate the review database {path}: {exc}") from None
    except UserError:
        if created:
            keyfile.unlink(missing_ok=True)
        raise
    return Migration(count, conviction_only, len(users), key_created=created)
