"""One-line errors for outputs that cannot be written: disk full, file-size limit, read-only.

The bulk run and the filing turn an ``OSError`` met while writing into a :class:`WriteFailed`
naming the place, the reason in plain words and what was kept, with exit status 4
(docs/outputs.md). Nothing is replaced when writing fails.
"""

from __future__ import annotations

import errno

from cmr_reason.facts.errors import UserError

WRITE_FAILED = 4  # the exit status

REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "a file reached the file-size limit (ulimit -f)",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}


class WriteFailed(UserError):
    """An output or temporary file could not be written."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=WRITE_FAILED)


def reason(exc: OSError) -> str:
    """What went wrong, in plain words, with the file when the error names one."""
    text = REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
    return f"{text} ({exc.filename})" if exc.filename else text


def write_failed(exc: OSError, place: str, kept: str = "") -> WriteFailed:
    """``cannot write PLACE: REASON; KEPT``."""
    return WriteFailed(f"cannot write {place}: {reason(exc)}" + (f"; {kept}" if kept else ""))
