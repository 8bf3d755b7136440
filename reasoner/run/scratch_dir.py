"""A private scratch directory for one run's temporary files (spilled rows, Dask workers).

The reader spills sorted runs of rows (names and dates of birth among them) to disk above
its memory budget. A run gives it ``cmr-reason-scratch-PID-*`` in the temporary directory
(``TMPDIR``, or the run's ``temp_dir``), marked with its process (:mod:`owner_mark`) and
removed when the run ends, however it ends short of a kill; a later run removes the scratch
directories whose process is gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cmr_reason.reasoner.run import owner_mark

PREFIX = "cmr-reason-scratch-"


def sweep_scratch(base: Path) -> None:
    """Remove the scratch directories in ``base`` of runs that are gone."""
    try:
        found = list(os.scandir(base))
    except OSError:
        return
    for entry in found:
        if not entry.name.startswith(PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        with contextlib.suppress(OSError):
            mine = entry.stat(follow_symlinks=False).st_uid == os.getuid()
            if mine and owner_mark.abandoned(Path(entry.path)):
                shutil.rmtree(entry.path)


@contextlib.contextmanager
def scratch_dir(root: str | None = None) -> Iterator[Path]:
    """A new owner-only scratch directory, removed on exit; raises ``OSError`` if none."""
    base = Path(root or tempfile.gettempdir())
    sweep_scratch(base)
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))
    try:
        owner_mark.mark(path)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
