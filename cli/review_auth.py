"""Passwords, the session secret and CSRF tokens of the reviewers' workbench.

Passwords are hashed with scrypt from the standard library (no C extension to install),
with a random salt and parameters stored in the hash, and compared in constant time. The
secret that signs session cookies lives beside the database, readable by its owner only;
deleting it logs everybody out. Every POST carries a CSRF token bound to the session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cmr_reason.facts.errors import UserError

# scrypt cost: N=2**15, r=8, p=1 takes ~50-100 ms and 32 MiB per check on this kind of
# machine (OWASP's minimum is N=2**17 with r=8 for servers facing the internet; the
# workbench listens on 127.0.0.1 and users are few, so log-in time matters more).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MIN_PASSWORD = 10


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` for a password of at least MIN_PASSWORD characters."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
        maxmem=128 * 1024 * 1024, dklen=32,
    )  # fmt: skip
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
            p=int(p), maxmem=128 * 1024 * 1024, dklen=len(expected),
        )  # fmt: skip
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


# A hash of a random password: checking it costs what checking a real user costs, so the
# time of a failed log-in does not tell whether the user name exists.
_DUMMY: list[str] = []


def dummy_hash() -> str:
    """A hash to check against when the user does not exist."""
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def load_secret(path: Path) -> bytes:
    """The session-signing secret at ``path``, created (mode 600) when missing."""
    path = Path(path)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    os.chmod(path, 0o600)
    text = path.read_text(encoding="ascii").strip()
    if len(text) < 32:
        raise UserError(f"the session secret {path} is too short; delete it to make a new one")
    return text.encode("ascii")


def new_csrf_token() -> str:
    """A fresh random CSRF token."""
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of the session's CSRF token with the form's."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
