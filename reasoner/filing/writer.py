"""``cmr-reason file``: a finished run's court filing, written into one private directory.

The motions and proposed orders (DOCX + PDF) come from the county template; Exhibit 1 and
the lists (CSV + XLSX + PDF) from the run's rows; ``filing.json`` records the counts, the
template, the settings and each file's SHA-256. The motions' counts are the Exhibit's rows,
checked against the run before anything is written. The directory is built beside its
target and put in place whole (:mod:`cmr_reason.reasoner.run.replace_dir`); ``--force`` replaces
only an earlier filing, the folder holding ``filing.json`` and the files it lists.

Each table is written to its CSV first; its XLSX and PDF are then written from that CSV,
row by row, by as many processes as ``workers`` (one file per task), so the rows are never
held twice and a county's Exhibit 1 of thousands of pages is written in parallel.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.file_hash import sha256_bytes, sha256_of
from cmr_reason.facts.private_files import make_private, write_private
from cmr_reason.reasoner.filing.counts import (
    check_counts,
    dismissal_counts,
    redesignation_counts,
)
from cmr_reason.reasoner.filing.deadlines import (
    DEFAULT_WINDOW_DAYS,
    deadline_entries,
    has_deadline_lists,
)
from cmr_reason.reasoner.filing.deadlines import ORDER as DEADLINE_ORDER
from cmr_reason.reasoner.filing.deadlines import TITLES as DEADLINE_TITLES
from cmr_reason.reasoner.filing.deadlines import USES as DEADLINE_USES
from cmr_reason.reasoner.filing.exhibit import (
    column_widths,
    read_table_csv,
    table_csv,
    table_xlsx,
)
from cmr_reason.reasoner.filing.petitions import KINDS as PETITION_KINDS
from cmr_reason.reasoner.filing.petitions import TITLE as PETITIONS_TITLE
from cmr_reason.reasoner.filing.petitions import USE as PETITIONS_USE
from cmr_reason.reasoner.filing.petitions import (
    case_context,
    case_groups,
    has_petitions,
    petition_entries,
)
from cmr_reason.reasoner.filing.pleading_docx import pleading_docx, pleadings_docx
from cmr_reason.reasoner.filing.pleading_pdf import pleading_pdf, pleadings_pdf
from cmr_reason.reasoner.filing.rows import FilingRows, Progress, gather_rows
from cmr_reason.reasoner.filing.settings import FilingSettings
from cmr_reason.reasoner.filing.table_pdf import table_pdf
from cmr_reason.reasoner.filing.tables import Column, Table
from cmr_reason.reasoner.filing.template import FilingTemplate, load_template
from cmr_reason.reasoner.run.directory import RunDir
from cmr_reason.reasoner.run.owner_mark import MARKER
from cmr_reason.reasoner.run.pool import pool_context
from cmr_reason.reasoner.run.replace_dir import Contents, describe, entries, replacing
from cmr_reason.reasoner.run.write_errors import write_failed

BANNER = "EXAMPLE SETTINGS - INVENTED NAMES AND BAR NUMBERS - NOT FOR FILING"
TABLE_TITLES = {
    "dismissal_exhibit1": "EXHIBIT 1 - CANNABIS CONVICTIONS TO DISMISS AND SEAL",
    "redesignation_exhibit1": "EXHIBIT 1 - CANNABIS CONVICTIONS TO REDESIGNATE",
    "sealing_list": "CASES TO SEAL, AND CASES THAT CANNOT BE SEALED",
    "challenge_list": "CONVICTIONS THE PEOPLE CHALLENGE (HS 11361.9(d))",
    "review_list": "CONVICTIONS AWAITING REVIEW BEFORE FILING",
    "resentence_list": "CONVICTIONS STILL BEING SERVED: RECALL OR DISMISSAL OF SENTENCE "
    "(HS 11361.8(A)-(B))",
}
UNDER_SEAL = "To be filed under seal (PC 13300 et seq.)."
#: What each table is for, as its heading says: a court filing, or the office's working list.
TABLE_USE = {
    "dismissal_exhibit1": UNDER_SEAL,
    "redesignation_exhibit1": UNDER_SEAL,
    "sealing_list": "Lodged with the motion to dismiss and seal: the cases the order seals. "
    + UNDER_SEAL,
    "challenge_list": "The People's notice of challenges to the court and the Public Defender "
    "(HS 11361.9(d)). " + UNDER_SEAL,
    "review_list": "The office's working list, not for filing: decide each conviction, re-run "
    "and file again.",
    "resentence_list": "The office's working list, not for filing: relief is by petition and "
    "hearing (HS 11361.8(a)-(b)).",
}
WORKING_LISTS = ("review_list", "resentence_list", *DEADLINE_TITLES)
TABLE_TITLES.update(DEADLINE_TITLES)  # PC 1203.425(b) (reasoner/filing/deadlines.py)
TABLE_USE.update(DEADLINE_USES)
TABLE_TITLES["petitions_list"] = PETITIONS_TITLE  # the petitions (reasoner/filing/petitions.py)
TABLE_USE["petitions_list"] = PETITIONS_USE


@dataclass
class FilingReport:
    """What was written: counts for the terminal (no names), and the file names."""

    out_dir: Path
    counts: dict[str, Any]
    files: list[str] = field(default_factory=list)
    checked_against: str = ""
    other_county_rows: int = 0


def _context(settings: FilingSettings, run: RunDir, counts: dict[str, Any]) -> dict[str, Any]:
    defenders = settings.defenders
    return {
        "office": settings.office,
        "court": settings.court,
        "defenders": defenders,
        "defender_names": [n for n in (defenders.public_defender,
                                       defenders.alternate_public_defender) if n],
        "jurisdiction": settings.jurisdiction,
        "example": settings.example,
        "counts": counts,
        "run": {"as_of": run.as_of, "policy": run.manifest["policy"]["name"],
                "county": run.county or ""},
    }  # fmt: skip


def petition_counts(table: Table) -> dict[str, dict[str, int]]:
    """Counts and cases of each kind of petition (no names)."""
    counts: dict[str, dict[str, int]] = {}
    for kind, rows in case_groups(table):
        entry = counts.setdefault(kind, {"cases": 0, "counts": 0})
        entry["cases"] += 1
        entry["counts"] += len(rows)
    return dict(sorted(counts.items()))


def _table_heading(name: str, settings: FilingSettings, count_text: str) -> tuple[str, ...]:
    court = f"Superior Court of California, County of {settings.court.county}"
    if name in WORKING_LISTS:
        caption = f"{settings.office.name} - convictions in the {court}"
    else:
        caption = f"People of the State of California v. Defendants in Exhibit 1 - {court}"
    order = (
        DEADLINE_ORDER
        if name in DEADLINE_TITLES
        else ("sorted by name, date of birth and court case number")
    )
    return (TABLE_TITLES[name], caption, f"{count_text}; {order}. {TABLE_USE[name]}")


@dataclass(frozen=True)
class _TableJob:
    """One XLSX or PDF to write from a table's CSV (picklable: runs in a worker process)."""

    kind: str  # xlsx | pdf
    name: str
    columns: tuple[Column, ...]
    source: Path
    target: Path
    heading: tuple[str, ...]
    when: dt.date
    banner: str
    widths: tuple[int, ...]
    rows: int


@dataclass(frozen=True)
class _PleadingJob:
    """One DOCX or PDF of a kind of petition: a pleading per case (picklable, as above)."""

    kind: str  # docx | pdf
    name: str
    template: str  # the template folder, loaded again in the worker
    document: str  # the template's document (petition_motion, ...)
    contexts: tuple[dict[str, Any], ...]  # one per case, settings included
    target: Path
    when: dt.date
    banner: str
    author: str
    rows: int


@cache
def _template(folder: str) -> FilingTemplate:
    return load_template(folder)


def _write_pleadings(job: _PleadingJob) -> str:
    """Render each case's pleading and write them as one file; return its SHA-256."""
    template = _template(job.template)
    pleadings = []
    for context in job.contexts:
        pleading = template.render(job.document, context)
        pleading.banner = job.banner
        pleadings.append(pleading)
    title = job.name.replace("_", " ")
    if job.kind == "docx":
        data = pleadings_docx(pleadings, job.when, job.author, title)
    else:
        data = pleadings_pdf(pleadings, job.when, title)
    write_private(job.target, data)
    return sha256_bytes(data)


def _write_job(job: _TableJob | _PleadingJob) -> str:
    """Write one file of a table from its CSV, or of the petitions; return its SHA-256."""
    if isinstance(job, _PleadingJob):
        return _write_pleadings(job)
    rows = read_table_csv(job.source)
    if job.kind == "xlsx":
        table_xlsx(job.name, job.columns, rows, job.target, job.heading[0], job.when, job.widths)
    else:
        table_pdf(job.columns, rows, job.target, job.heading, job.when, job.banner)
    make_private(job.target)
    return sha256_of(job.target)


Job = _TableJob | _PleadingJob


def _run_jobs(jobs: list[Job], workers: int) -> Iterator[tuple[Job, str]]:
    """Each job with its file's hash, as they finish: here, or by a pool of processes."""
    if workers <= 1:
        for job in jobs:
            yield job, _write_job(job)
        return
    context, _ = pool_context()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        # The largest first, so the last file to finish is a small one.
        futures: dict[Future[str], Job] = {
            pool.submit(_write_job, job): job
            for job in sorted(jobs, key=lambda j: (-j.rows, j.kind, j.name))
        }
        for future in as_completed(futures):
            yield futures[future], future.result()


def _tell(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress:
        progress(stage, done, total)


def filing_problem(path: Path) -> str | None:
    """Why ``path`` is not an earlier filing that ``file --force`` may replace (None: it is)."""
    names = entries(path)
    try:
        record = json.loads((path / "filing.json").read_text(encoding="utf-8"))
        listed = set(record["files"]) if record.get("tool") == "cmr-reason" else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        listed = None
    if listed is None:
        return f"it is not a cmr-reason filing (no filing.json of one; it holds {describe(names)})"
    other = [name for name in names if name not in {*listed, "filing.json", MARKER}]
    if other:
        return (
            f"besides a filing it holds {describe(other)}; move them away or choose another --out"
        )
    return None


FILING = Contents(what="filing", problem=filing_problem)


class _Writer:
    """Writes the filing's files into a private directory and keeps their hashes."""

    def __init__(self, folder: Path, run: RunDir, settings: FilingSettings) -> None:
        self.folder = folder
        self.run = run
        self.when = run.as_of
        self.settings = settings
        self.hashes: dict[str, str] = {}

    def put(self, name: str, data: bytes) -> None:
        write_private(self.folder / name, data)
        self.hashes[name] = sha256_bytes(data)

    def table(self, table: Table, noun: str) -> list[_TableJob]:
        """Write the table's CSV, let go of its rows, and return its XLSX and PDF to write."""
        count = len(table.rows)
        heading = _table_heading(table.name, self.settings, f"{count:,} {noun}"
                                 f"{'' if count == 1 else 's'}")  # fmt: skip
        width = len(table.columns)
        cells = [row.cells[:width] for row in table.rows]
        table.rows.clear()
        source = self.folder / f"{table.name}.csv"
        table_csv(table.columns, cells, source)
        self.hashes[source.name] = sha256_of(source)
        widths = tuple(column_widths(table.columns, cells))
        del cells
        banner = BANNER if self.settings.example else ""
        return [
            _TableJob(kind, table.name, table.columns, source,
                      self.folder / f"{table.name}.{kind}", heading, self.when, banner, widths,
                      count)
            for kind in ("xlsx", "pdf")
        ]  # fmt: skip

    def documents(self, template: FilingTemplate, kind: str, context: dict[str, Any]) -> None:
        for part in ("motion", "order"):
            pleading = template.render(f"{kind}_{part}", context)
            pleading.banner = BANNER if self.settings.example else ""
            self.put(
                f"{kind}_{part}.docx", pleading_docx(pleading, self.when, self.settings.office.name)
            )
            self.put(f"{kind}_{part}.pdf", pleading_pdf(pleading, self.when))  # fmt: skip

    def petitions(
        self, template: FilingTemplate, table: Table, base: dict[str, Any]
    ) -> list[_PleadingJob]:
        """Each kind of petition: its motions, one per case, in one DOCX and one PDF; its orders.

        Returned as jobs, written like the tables' XLSX and PDF (``--workers`` processes).
        """
        banner = BANNER if self.settings.example else ""
        by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in PETITION_KINDS}
        for kind, rows in case_groups(table):
            by_kind[kind].append({**base, **case_context(kind, rows)})
        jobs = []
        for kind, cases in by_kind.items():
            if not cases:
                continue
            for part, document in zip(("motions", "orders"), PETITION_KINDS[kind], strict=True):
                name = f"{kind}_{part}"
                jobs += [
                    _PleadingJob(fmt, name, str(template.folder), document, tuple(cases),
                                 self.folder / f"{name}.{fmt}", self.when, banner,
                                 self.settings.office.name, len(cases))
                    for fmt in ("docx", "pdf")
                ]  # fmt: skip
        return jobs


def make_filing(
    run: RunDir,
    settings: FilingSettings,
    template: FilingTemplate,
    out_dir: Path,
    force: bool = False,
    progress: Progress | None = None,
    workers: int = 1,
    deadline_window: int = DEFAULT_WINDOW_DAYS,
) -> FilingReport:
    """Gather, check and write the whole filing; nothing is left behind on failure.

    ``progress(stage, done, total)`` hears of the stages ``run`` (rows of the run read),
    ``people`` (people read from the input; ``re-decide`` for a run that did not record
    the agency) and ``files`` (files written); ``workers`` processes read the people and
    write the XLSX and PDF files.
    """
    county = settings.county_key
    if run.county and run.county != county:
        raise UserError(f"the run covers {run.county} County only, but the settings file's "
                        f"court is in {county}")  # fmt: skip
    # The objection-deadline lists, only for a run with a remedy beside Prop 64 (PC 1203.425).
    deadlines = deadline_entries(run, county, deadline_window) if has_deadline_lists(run) else None
    # The petitions of PC 1203.4, 1203.4a and Prop 47, for a run that decided them.
    petitions = petition_entries(run, county) if has_petitions(run) else None
    rows: FilingRows = gather_rows(run, county, progress, workers, deadlines, petitions)
    if rows.petitions_unmatched:
        raise UserError(
            f"{rows.petitions_unmatched} count(s) a petition is filed for are not in the run's "
            "input as it was read; re-run the run before filing", exit_code=3,
        )  # fmt: skip
    basis = check_counts(rows, run.summary, run.county)
    counts = {
        "dismissal": dismissal_counts(rows),
        "redesignation": redesignation_counts(rows),
        "challenge": len(rows.challenge.rows),
        "review": len(rows.review.rows),
        "resentence": len(rows.resentence.rows),
        "sealing_cases": len(rows.sealing.rows),
    }
    for table in rows.deadlines:
        counts[table.name] = len(table.rows)
    if rows.petitions is not None:
        counts["petitions"] = petition_counts(rows.petitions)
    try:
        with replacing(out_dir, force, FILING) as temp:
            hashes = _write(_Writer(temp, run, settings), template, rows, counts, basis,
                            progress, workers)  # fmt: skip
    except OSError as exc:
        kept = f"{out_dir} is unchanged" if out_dir.exists() else ""
        raise write_failed(exc, f"the filing {out_dir}", kept) from None
    return FilingReport(out_dir, counts, sorted(hashes), basis, rows.other_county_rows)


def _write(
    writer: _Writer,
    template: FilingTemplate,
    rows: FilingRows,
    counts: dict[str, Any],
    basis: str,
    progress: Progress | None,
    workers: int,
) -> dict[str, str]:
    """Write every file of the filing and ``filing.json``; return the files' SHA-256."""
    run, settings = writer.run, writer.settings
    jobs: list[Job] = []
    for kind in ("dismissal", "redesignation"):
        if counts[kind]["convictions"]:
            writer.documents(template, kind, _context(settings, run, counts[kind]))
            jobs += writer.table(getattr(rows, kind), "conviction")
    jobs += writer.table(rows.sealing, "case")
    if rows.petitions is not None:  # PC 1203.4, 1203.4a, Prop 47: a motion and order per case
        base = {**_context(settings, run, {}), "petitions": settings.petition_settings}
        jobs += writer.petitions(template, rows.petitions, base)
        jobs += writer.table(rows.petitions, "count")
    for table in (rows.challenge, rows.review, rows.resentence, *rows.deadlines):
        jobs += writer.table(table, "conviction")
    total = len(writer.hashes) + len(jobs) + 1
    _tell(progress, "files", len(writer.hashes), total)
    for job, digest in _run_jobs(jobs, workers):
        writer.hashes[job.target.name] = digest
        _tell(progress, "files", len(writer.hashes), total)
    record = {
        "tool": "cmr-reason",
        "run": str(run.path.resolve()),
        "as_of": run.as_of.isoformat(),
        "policy": run.manifest["policy"]["name"],
        "run_county": run.county or "",
        "court_county": settings.county_key,
        "template": template.name,
        "settings": settings.model_dump(mode="json", exclude_none=True),
        "counts_checked_against": basis,
        "other_county_convictions_left_out": rows.other_county_rows,
        "counts": counts,
        "files": dict(sorted(writer.hashes.items())),
    }
    writer.put("filing.json", (json.dumps(record, indent=2, sort_keys=True) + "\n").encode())
    _tell(progress, "files", total, total)
    return writer.hashes
