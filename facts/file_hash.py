"""SHA-256 digests in hexadecimal, the one home of them: of a file, of bytes, of text.

A run records the digests of its input files (:class:`FileDigests`: in a thread, while the
run's last batches are decided), the workbench those of its files; the rules' hash, a run's
decision facts and the reviewers' fingerprints are digests of text.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from pathlib import Path


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    """SHA-256 of ``text`` in UTF-8."""
    return sha256_bytes(text.encode("utf-8"))


class FileDigests:
    """The SHA-256 of some files, made in a thread of their own from :meth:`start` on.

    hashlib releases the GIL while it hashes a large chunk, so the thread hashes on a core
    the caller leaves idle (the bulk run starts it once its last batch is handed out).
    :meth:`of` waits for the thread (or hashes here, if it never started) and raises what
    reading a file raised.
    """

    def __init__(self, paths: Iterable[str | Path]) -> None:
        self._paths = [str(path) for path in paths]
        self._digests: dict[str, str] = {}
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start hashing (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._hash, name="sha256", daemon=True)
            self._thread.start()

    def _hash(self) -> None:
        try:
            for path in self._paths:
                self._digests[path] = sha256_of(Path(path))
        except BaseException as exc:  # re-raised by of(), in the caller's thread
            self._error = exc

    def of(self, path: str | Path) -> str:
        """The SHA-256 of ``path`` (one of the files given)."""
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._digests[str(path)]
