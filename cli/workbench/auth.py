"""Passwords, log-in throttling, the session secret and CSRF tokens of the workbench.

Passwords are hashed by ``werkzeug.security`` with scrypt (N=2**15, r=8, p=1, a random
16-character salt; the method and salt are stored in the hash) and compared in constant
time. Hashes written before (``scrypt$N$r$p$salt$hash``, base64, made with the standard
library's scrypt) keep verifying. Failed log-ins are counted per user name: after a few, the
name is locked for a time that doubles with every further failure (:class:`LoginThrottle`).
The secret that signs session cookies lives beside the database, readable by its owner
only; deleting it logs everybody out. Every POST carries a CSRF token bound to the session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.private_files import make_private, write_private

# scrypt cost: N=2**15, r=8, p=1 takes ~50-100 ms and 32 MiB per check on this kind of
# machine (OWASP's minimum is N=2**17 with r=8 for servers facing the internet; the
# workbench listens on 127.0.0.1 and users are few, so log-in time matters more).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
METHOD = f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}"
SALT_LENGTH = 16
MIN_PASSWORD = 10


def _security() -> ModuleType:
    try:
        from werkzeug import security
    except ImportError:
        raise UserError(
            "passwords need the 'review' extra: pip install 'cmr-reason[review]'"
        ) from None
    return security


def hash_password(password: str) -> str:
    """A werkzeug scrypt hash of a password of at least MIN_PASSWORD characters."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    return str(_security().generate_password_hash(password, METHOD, SALT_LENGTH))


def _verify_legacy(password: str, stored: str) -> bool:
    """A hash from before werkzeug: ``scrypt$N$r$p$salt$hash`` (base64, standard library)."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
            p=int(p), maxmem=128 * 1024 * 1024, dklen=len(expected),
        )  # fmt: skip
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the stored hash (werkzeug's, or the older form)."""
    if stored.startswith("scrypt$"):
        return _verify_legacy(password, stored)
    try:
        return bool(_security().check_password_hash(stored, password))
    except (ValueError, TypeError):
        return False


# A hash of a random password: checking it costs what checking a real user costs, so the
# time of a failed log-in does not tell whether the user name exists.
_DUMMY: list[str] = []


def dummy_hash() -> str:
    """A hash to check against when the user does not exist."""
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_urlsafe(16)))
    return _DUMMY[0]


@dataclass
class LoginThrottle:
    """Failed log-ins per user name, with a lock-out that doubles with each failure.

    ``free`` failures cost nothing; the next locks the name for ``first_lock`` seconds, and
    each failure after a lock ends doubles it, up to ``max_lock``. While a name is locked
    no password is checked for it, the right one included. A success forgets the name's
    failures; so do ``forget_after`` seconds without one. Names that do not exist are
    counted like the others, so the answers do not tell which names exist. The counts live
    in the server's memory (a restart of ``serve`` clears them).
    """

    free: int = 5
    first_lock: float = 30.0
    max_lock: float = 900.0
    forget_after: float = 24 * 3600.0
    clock: Callable[[], float] = time.monotonic
    limit: int = 10_000  # names remembered at most
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _lock_seconds(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.max_lock, self.first_lock * 2 ** (failures - self.free))

    def wait(self, name: str) -> float:
        """Seconds before ``name`` may try again (0 when it may now)."""
        with self._lock:
            failures, last = self._failures.get(name, (0, 0.0))
            if not failures:
                return 0.0
            now = self.clock()
            if now - last > self.forget_after:
                del self._failures[name]
                return 0.0
            return max(0.0, last + self._lock_seconds(failures) - now)

    def failed(self, name: str) -> float:
        """Count a failed log-in of ``name``; the seconds it is now locked for."""
        with self._lock:
            now = self.clock()
            failures, last = self._failures.get(name, (0, now))
            if now - last > self.forget_after:
                failures = 0
            failures += 1
            self._failures[name] = (failures, now)
            if len(self._failures) > self.limit:  # forget the oldest names first
                oldest = sorted(self._failures, key=lambda n: self._failures[n][1])
                for stale in oldest[: len(self._failures) - self.limit]:
                    del self._failures[stale]
            return self._lock_seconds(failures)

    def succeeded(self, name: str) -> None:
        """Forget a name's failures after a successful log-in."""
        with self._lock:
            self._failures.pop(name, None)


def load_secret(path: Path) -> bytes:
    """The session-signing secret at ``path``, created (mode 600) when missing."""
    path = Path(path)
    if not path.exists():
        write_private(path, secrets.token_hex(32) + "\n", exclusive=True)
    make_private(path)
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
