"""The run the workbench shows, kept whole while ``run --force`` replaces it.

A re-run replaces the run directory by renaming (the new directory is built beside the old,
the old renamed aside and removed). The workbench opens a run as a :class:`RunView`: the
run's manifest, summary and decision facts in memory, its row store and subject index
through connections opened at once and kept (:class:`PinnedReader`), so the view keeps
answering from the old files after they are renamed or removed. At every request the
holder looks at the directory (its inode and its manifest's); when a complete new run is
there it opens it and turns to it, one request doing the work while the others go on with
the old view. While the directory is missing or incomplete, or when the new run cannot be
opened (it is tried again a few seconds later), the old view is kept.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.review.row_store import RowStore, open_store
from cmr_reason.reasoner.run.directory import RunDir, open_run
from cmr_reason.reasoner.run.sqlite_cache import BeingReplaced

#: The run directory's device and inode, and its manifest's inode and modification time.
Identity = tuple[int, int, int, int]
RETRY_SECONDS = 5.0  # before trying again to open a new run that failed to open
log = logging.getLogger("cmr_reason.review")


def warm_up(run: RunDir) -> RowStore:
    """Load what every page needs, so errors show at start and pages stay quick.

    Neither the input nor the output rows are held: a DOJ input is indexed on disk
    (:meth:`RunDir.index_input`) and the output files are copied into a row store
    (:mod:`cmr_reason.reasoner.review.row_store`), both built at the first start, so each page reads
    one person's rows, and the queue page is worked out in SQLite.
    """
    _ = run.programs, run.catalogue, run.decision_facts
    store = open_store(run.path)
    run.index_input()
    return store


def identity_of(path: Path) -> Identity | None:
    """What tells one run in ``path`` from the next; None while there is no manifest."""
    try:
        folder = os.stat(path)
        manifest = os.stat(Path(path) / "manifest.json")
    except OSError:
        return None
    return folder.st_dev, folder.st_ino, manifest.st_ino, manifest.st_mtime_ns


@dataclass(frozen=True)
class RunView:
    """One opened run: its files in memory and its caches pinned."""

    run: RunDir
    store: RowStore
    identity: Identity


class RunHolder:
    """The view the workbench answers from: the newest complete run in ``path``."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self.clock = clock
        #: Held while re-deciding a person (the run's caches and clingo are not shared).
        self.lock = threading.RLock()
        self._state = threading.Lock()
        self._view: RunView | None = None
        self._opening = False
        self._failed: tuple[Identity | None, float] | None = None

    def _open(self, identity: Identity | None) -> RunView:
        run = open_run(self.path)
        store = warm_up(run)
        after = identity_of(self.path)
        if identity is None or after != identity:  # replaced again while it was opened
            raise BeingReplaced(f"the run in {self.path} changed while it was opened")
        return RunView(run, store, identity)

    def _keep(self, current: RunView | None, identity: Identity | None) -> bool:
        """Whether to answer from ``current`` rather than open what ``path`` holds now."""
        if current is None:
            return False
        if identity is None or identity == current.identity or self._opening:
            return True
        failed = self._failed
        return (
            failed is not None
            and failed[0] == identity
            and self.clock() - failed[1] < (RETRY_SECONDS)
        )

    def view(self) -> RunView:
        """The view for one request (fetch it once a request: it stays whole)."""
        identity = identity_of(self.path)
        with self._state:
            current = self._view
            if self._keep(current, identity):
                assert current is not None
                return current
            self._opening = True
        try:
            new = self._open(identity)
        except (UserError, OSError, sqlite3.Error) as exc:
            with self._state:
                self._opening = False
                self._failed = (identity, self.clock())
            if current is None:
                raise
            log.warning("the run in %s could not be opened; still showing the last one: %s",
                        self.path, exc)  # fmt: skip
            return current
        except BaseException:
            with self._state:
                self._opening = False
            raise
        with self._state:
            self._view, self._opening, self._failed = new, False, None
        if current is not None:
            log.info("turned to the new run in %s", self.path)
        return new
