"""What a run directory holds: the files ``run --force`` may replace and those it carries over.

A run directory holds the output files of docs/outputs.md, ``decisions.lp`` when reviewers'
decisions were applied, and the workbench's own files (docs/review.md): the review
database with its SQLite companions and session secret, the subject index and the row
store, and their temporary files while they are written. ``run --force`` replaces a
directory that holds its ``manifest.json`` and nothing else; the workbench's files are
carried into the new run (:mod:`cmr_reason.reasoner.run.replace_dir`).

The names of all these files are here, and the reviewers' side
(:mod:`cmr_reason.reasoner.review`) takes them from here: the run carries the workbench's
files over without depending on the workbench.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cmr_reason.reasoner.run.owner_mark import MARKER
from cmr_reason.reasoner.run.replace_dir import Contents, describe, entries
from cmr_reason.reasoner.run.subject_index import INDEX_FILE

#: The reviewers' decisions a run applied, as facts (``run --decisions``).
FACTS_FILE = "decisions.lp"
#: The workbench's review database, and the suffixes of its session secret and decision key.
DB_NAME = "review.sqlite3"
SECRET_SUFFIX = ".secret"
KEY_SUFFIX = ".key"
#: The workbench's row store (its subject index: :data:`~.subject_index.INDEX_FILE`).
STORE_FILE = "output_rows.sqlite"
#: The run's own output files (docs/outputs.md).
OUTPUT_FILES = (
    "convictions.csv",
    "people.csv",
    "cases.csv",
    "summary.json",
    "rejects.csv",
    "manifest.json",
)
#: The folder of the remedies beside Prop 64, one file each (``remedies/pc1203_425.csv``),
#: written only by a run that decides such a remedy (docs/outputs.md).
REMEDIES_DIR = "remedies"
#: The workbench's caches while they are written (``sqlite_cache.write_private_sqlite``).
CACHE_TEMPORARY = re.compile(
    r"^\.(?:" + "|".join(re.escape(n) for n in (INDEX_FILE, STORE_FILE)) + r")\.tmp-(\d+)$"
)


def default_db_path(run_dir: Path) -> Path:
    """Where a run's review database lives."""
    return Path(run_dir) / DB_NAME


def secret_path(db_path: Path) -> Path:
    """The session-signing secret beside a database: ``review.secret``."""
    return Path(db_path).with_suffix(SECRET_SUFFIX)


def key_path(db_path: Path) -> Path:
    """The decision key beside a review database: ``review.key``."""
    return Path(db_path).with_suffix(KEY_SUFFIX)


def review_files(directory: Path) -> list[Path]:
    """The review database and its companions in a run directory, if any.

    The companions are SQLite's journal files, the session secret and the decision key
    (without which the decisions cannot be verified). With them go the workbench's subject
    index and row store: each records what it was built from and is rebuilt when the run's
    input or output files differ, so after a re-run of the same input the workbench starts
    without rebuilding them.
    """
    db = default_db_path(directory)
    names = [db, Path(f"{db}-journal"), Path(f"{db}-wal"), Path(f"{db}-shm"), secret_path(db)]
    names += [key_path(db), Path(directory) / INDEX_FILE, Path(directory) / STORE_FILE]
    return [p for p in names if p.exists()]


def is_manifest(path: Path) -> bool:
    """True when ``path`` is a cmr-reason run's manifest."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("tool") == "cmr-reason"


def run_problem(path: Path) -> str | None:
    """Why ``path`` is not a previous run that ``run --force`` may replace (None: it is)."""
    names = entries(path)
    if "manifest.json" not in names:
        return f"it is not a cmr-reason run (no manifest.json; it holds {describe(names)})"
    if not is_manifest(path / "manifest.json"):
        return f"its manifest.json is not a cmr-reason run's (it holds {describe(names)})"
    allowed = {
        *OUTPUT_FILES,
        f"{REMEDIES_DIR}/",  # a folder: entries() marks it with a slash
        FACTS_FILE,
        MARKER,
        *(p.name for p in review_files(path)),
    }
    other = [n for n in names if n not in allowed and not CACHE_TEMPORARY.match(n)]
    if other:
        return (
            f"besides a cmr-reason run it holds {describe(other)}; move them away or choose "
            "another --out"
        )
    return None


RUN = Contents(
    what="run",
    problem=run_problem,
    kept=review_files,
    database=DB_NAME,
    files=frozenset({*OUTPUT_FILES, FACTS_FILE}),
    temporary=CACHE_TEMPORARY,
)
