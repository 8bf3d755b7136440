"""The reviewers' decision log: a hash chain of signed entries, and its verification.

Every decision carries the SHA-256 of the decision before it (``prev_hash``; the first
carries :data:`GENESIS`), its own SHA-256 over a canonical serialisation of all its fields
and that link (``entry_hash``), and an HMAC-SHA256 of that hash (``signature``) made with
the decision key: 32 random bytes in ``review.key`` beside the review database, mode 600,
created with the database. The log's head (how many entries, the last hash), every user
(name, role, creation time; the password hash separately) and every export are signed
with the same key. Each signature covers a kind label, so one kind cannot stand for
another.

:func:`verify_log` is what ``run --decisions`` trusts: it refuses the whole log, naming the
first bad entry, when an entry was changed, forged, removed, inserted or reordered, when its
reviewer is not a signed user whose role may decide, or when a fingerprint is blank. Only
the standard library is used (``hmac``, ``hashlib``, ``secrets``): one party both signs and
checks, so a shared secret is enough and public-key signatures would add a dependency for
nothing. What this protects against, and what not, is in ``docs/review.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.file_hash import sha256_bytes
from cmr_reason.facts.private_files import make_private, write_private

GENESIS = "0" * 64
ENTRY_FORMAT = "cmr-reason decision 1"
#: The roles whose members may decide a conviction (both roles of the workbench today).
DECIDING_ROLES = ("reviewer", "supervisor")
#: How a decision's record is checked at a run: against its record fingerprint, or (a
#: decision recorded before the record fingerprint existed, signed by the migration) by its
#: conviction's fingerprint alone.
RECORD_CHECKS = ("record", "conviction_only")
#: The fields an entry's hash covers, in the order of ``StoredDecision``.
SIGNED_FIELDS = (
    "id", "conviction_id", "subject_id", "action", "relief", "ground", "note", "reviewer",
    "decided_at", "fingerprint", "supersedes", "seen_outcome", "source", "record_fingerprint",
    "record_check", "prev_hash",
)  # fmt: skip


class TamperedLog(UserError):
    """The decision log, an export of it or its key does not verify."""


@dataclass(frozen=True)
class StoredDecision:
    """One entry of the decision log (a row of the decisions table or of an export)."""

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
    record_check: str = "record"
    prev_hash: str = ""
    entry_hash: str = ""
    signature: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The entry as a plain dict (for export and hashing)."""
        return asdict(self)


# --- the key ------------------------------------------------------------------------------
def create_key(path: Path) -> bytes:
    """Write a new random key to ``path`` (mode 600); an existing file is never replaced."""
    key = secrets.token_bytes(32)
    try:
        write_private(path, key.hex() + "\n", exclusive=True)
    except FileExistsError:
        raise UserError(f"a decision key already exists at {path}; it is never replaced") from None
    return key


def load_key(path: Path) -> bytes:
    """The key at ``path`` (tightened to mode 600), or a one-line error."""
    path = Path(path)
    try:
        make_private(path)
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise TamperedLog(
            f"the decision key {path} is missing: the decisions cannot be verified"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TamperedLog(f"cannot read the decision key {path}: {exc}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise TamperedLog(f"{path} is not a decision key (64 hexadecimal digits)")
    return key


def key_id(key: bytes) -> str:
    """A short public name of a key (an HMAC of a constant: it reveals nothing of the key)."""
    return _mac(key, "key id", b"")[:16]


# --- canonical forms and signatures ---------------------------------------------------------
def canonical(value: Any) -> bytes:
    """One serialisation of a JSON value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _mac(key: bytes, kind: str, payload: bytes) -> str:
    return hmac.new(key, kind.encode("ascii") + b"\x00" + payload, hashlib.sha256).hexdigest()


def matches(expected: str, given: str) -> bool:
    """Constant-time comparison of two hex strings."""
    return hmac.compare_digest(expected.encode("ascii"), str(given).encode("ascii", "replace"))


def entry_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 of an entry's signed fields (``prev_hash`` included)."""
    content = {"format": ENTRY_FORMAT, **{name: fields[name] for name in SIGNED_FIELDS}}
    return sha256_bytes(canonical(content))


def sign_entry(key: bytes, hash_hex: str) -> str:
    """The signature of an entry, over its hash."""
    return _mac(key, "decision", hash_hex.encode("ascii"))


def sign_user(key: bytes, name: str, role: str, created_at: str) -> str:
    """The signature of a user's identity (exported with the decisions)."""
    return _mac(key, "user", canonical([name, role, created_at]))


def sign_password(key: bytes, name: str, password_hash: str) -> str:
    """The signature of a user's password hash (checked at log-in, never exported)."""
    return _mac(key, "password", canonical([name, password_hash]))


def sign_head(key: bytes, count: int, last_hash: str) -> str:
    """The signature of the log's head: its length and last hash."""
    return _mac(key, "head", canonical([count, last_hash]))


def sign_export(key: bytes, payload: Mapping[str, Any]) -> str:
    """The signature of a whole export (everything in it but this signature)."""
    return _mac(key, "export", canonical(payload))


@dataclass(frozen=True)
class SignedUser:
    """A user as the log's verification sees it: identity and its signature."""

    name: str
    role: str
    created_at: str
    signature: str

    def as_dict(self) -> dict[str, str]:
        """The user as an export lists it."""
        return {
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at,
            "signature": self.signature,
        }


@dataclass(frozen=True)
class Head:
    """The log's length and last hash, signed."""

    count: int
    hash: str
    signature: str

    def as_dict(self) -> dict[str, Any]:
        """The head as an export records it."""
        return {"count": self.count, "hash": self.hash, "signature": self.signature}


def chained(key: bytes, fields: Mapping[str, Any], prev_hash: str) -> dict[str, Any]:
    """``fields`` linked after ``prev_hash``: with ``prev_hash``, ``entry_hash``, ``signature``."""
    linked = {**fields, "prev_hash": prev_hash}
    digest = entry_hash(linked)
    return {**linked, "entry_hash": digest, "signature": sign_entry(key, digest)}


def new_head(key: bytes, count: int, last_hash: str) -> Head:
    """A signed head."""
    return Head(count, last_hash, sign_head(key, count, last_hash))


# --- verification -----------------------------------------------------------------------------
def _entry_problem(
    item: StoredDecision, prev: str, key: bytes, users: Mapping[str, SignedUser]
) -> str:
    """What is wrong with one entry, or ""."""
    if not item.fingerprint:
        return "its conviction fingerprint is blank (refused, never read as a weaker check)"
    if item.record_check not in RECORD_CHECKS:
        return f"its record check {item.record_check!r} is unknown"
    if item.record_check == "record" and not item.record_fingerprint:
        return "its record fingerprint is blank (refused, never read as a weaker check)"
    if item.prev_hash != prev:
        return (
            "it does not follow the entry before it in the chain (an entry was removed, "
            "inserted or reordered)"
        )
    if not matches(entry_hash(item.as_dict()), item.entry_hash):
        return "its content does not match its hash (it was changed after it was recorded)"
    if not matches(sign_entry(key, item.entry_hash), item.signature):
        return "its signature does not match (a forged entry, or signed with another key)"
    user = users.get(item.reviewer)
    if user is None:
        return f"its reviewer {item.reviewer!r} is not a user of the review database"
    if not matches(sign_user(key, user.name, user.role, user.created_at), user.signature):
        return f"the user record of its reviewer {item.reviewer!r} is not signed by this key"
    if user.role not in DECIDING_ROLES:
        return f"its reviewer {item.reviewer!r} has the role {user.role!r}, which may not decide"
    return ""


def verify_log(
    entries: Sequence[StoredDecision],
    users: Sequence[SignedUser],
    head: Head | None,
    key: bytes,
    where: str,
) -> None:
    """Refuse the whole log (a :class:`TamperedLog` naming the first bad entry) unless it holds.

    ``entries`` in log order (ids only grow); ``users`` every user the log may name.
    """
    known = {user.name: user for user in users}
    prev = GENESIS
    for number, item in enumerate(entries, start=1):
        problem = _entry_problem(item, prev, key, known)
        if problem:
            raise TamperedLog(
                f"{where}: decision {number} (id {item.id}): {problem}; nothing was applied"
            )
        prev = item.entry_hash
    if head is None:
        raise TamperedLog(f"{where}: the log's signed head is missing; nothing was applied")
    if not matches(sign_head(key, head.count, head.hash), head.signature):
        raise TamperedLog(
            f"{where}: the log's head is not signed by this key (changed, or another key); "
            "nothing was applied"
        )
    if head.count > len(entries):
        raise TamperedLog(
            f"{where}: the log has {len(entries)} decision(s) but its signed head records "
            f"{head.count}: decisions were removed from its end; nothing was applied"
        )
    if head.count != len(entries) or not matches(head.hash, prev):
        raise TamperedLog(
            f"{where}: the log does not end where its signed head says (the head or the "
            "log was replaced); nothing was applied"
        )
