"""What a run directory holds: the files ``run --force`` may replace and those it carries over.

A run directory holds the output files of docs/outputs.md, ``decisions.lp`` when reviewers'
decisions were applied, and the workbench's own files (docs/review.md): the review
database with its SQLite companions and session secret, the subject index and the row
store, and their temporary files while they are written. ``run --force`` replaces a
directory that holds its ``manifest.json`` and nothing else; the workbench's files are
carried into the new run (:mod:`cmr_reason.reasoner.replace_dir`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cmr_reason.reasoner.decision_facts import FACTS_FILE
from cmr_reason.reasoner.owner_mark import MARKER
from cmr_reason.reasoner.remedy_output import REMEDIES_DIR
from cmr_reason.reasoner.replace_dir import Contents, describe, entries
from cmr_reason.reasoner.review_db import DB_NAME, review_files
from cmr_reason.reasoner.row_store import STORE_FILE
from cmr_reason.reasoner.subject_index import INDEX_FILE

OUTPUT_FILES = (
    "convictions.csv",
    "people.csv",
    "cases.csv",
    "summary.json",
    "rejects.csv",
    "manifest.json",
)
#: The workbench's caches while they are written (``sqlite_cache.write_private_sqlite``).
CACHE_TEMPORARY = re.compile(
    r"^\.(?:" + "|".join(re.escape(n) for n in (INDEX_FILE, STORE_FILE)) + r")\.tmp-(\d+)$"
)


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
        *OUTPUT_FILES, REMEDIES_DIR, FACTS_FILE, MARKER, *(p.name for p in review_files(path))
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
