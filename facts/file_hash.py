"""SHA-256 digests in hexadecimal, the one home of them: of a file, of bytes, of text.

A run records the digests of its input files, the workbench those of its files; the rules'
hash, a run's decision facts and the reviewers' fingerprints are digests of text.
"""

from __future__ import annotations

import hashlib
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
