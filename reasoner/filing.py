"""``cmr-reason file``: a finished run's court filing, written into one private directory.

The motions and proposed orders (DOCX + PDF) come from the county template; Exhibit 1 and
the lists (CSV + XLSX + PDF) from the run's rows; ``filing.json`` records the counts, the
template, the settings and each file's SHA-256. The motions' counts are the Exhibit's rows,
checked against the run before anything is written. The directory is built beside its
target and put in place whole (:mod:`cmr_reason.reasoner.replace_dir`); ``--force`` replaces
only an earlier filing, the folder holding ``filing.json`` and the files it lists.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.exhibit_writer import table_csv, table_xlsx
from cmr_reason.reasoner.filing_counts import check_counts, dismissal_counts, redesignation_counts
from cmr_reason.reasoner.filing_rows import FilingRows, Table, gather_rows
from cmr_reason.reasoner.filing_settings import FilingSettings
from cmr_reason.reasoner.filing_template import FilingTemplate
from cmr_reason.reasoner.owner_mark import MARKER
from cmr_reason.reasoner.pleading_docx import pleading_docx
from cmr_reason.reasoner.pleading_pdf import pleading_pdf
from cmr_reason.reasoner.private_files import write_private
from cmr_reason.reasoner.replace_dir import Contents, describe, entries, replacing
from cmr_reason.reasoner.run_dir import RunDir
from cmr_reason.reasoner.table_pdf import table_pdf
from cmr_reason.reasoner.write_errors import write_failed

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


def _table_heading(table: Table, settings: FilingSettings, count_text: str) -> tuple[str, ...]:
    return (
        TABLE_TITLES[table.name],
        f"People of the State of California v. Defendants in Exhibit 1 - Superior Court of "
        f"California, County of {settings.court.county}",
        f"{count_text}; sorted by name, date of birth and court case number. "
        "To be filed under seal (PC 13300 et seq.).",
    )


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
        self.hashes[name] = hashlib.sha256(data).hexdigest()

    def table(self, table: Table, noun: str) -> None:
        count = f"{len(table.rows):,} {noun}{'' if len(table.rows) == 1 else 's'}"
        heading = _table_heading(table, self.settings, count)
        banner = BANNER if self.settings.example else ""
        self.put(f"{table.name}.csv", table_csv(table))
        self.put(f"{table.name}.xlsx", table_xlsx(table, heading[0], self.when))
        self.put(f"{table.name}.pdf", table_pdf(table, heading, self.when, banner))

    def documents(self, template: FilingTemplate, kind: str, context: dict[str, Any]) -> None:
        for part in ("motion", "order"):
            pleading = template.render(f"{kind}_{part}", context)
            pleading.banner = BANNER if self.settings.example else ""
            self.put(
                f"{kind}_{part}.docx", pleading_docx(pleading, self.when, self.settings.office.name)
            )
            self.put(f"{kind}_{part}.pdf", pleading_pdf(pleading, self.when))  # fmt: skip


def make_filing(
    run: RunDir,
    settings: FilingSettings,
    template: FilingTemplate,
    out_dir: Path,
    force: bool = False,
) -> FilingReport:
    """Gather, check and write the whole filing; nothing is left behind on failure."""
    county = settings.county_key
    if run.county and run.county != county:
        raise UserError(f"the run covers {run.county} County only, but the settings file's "
                        f"court is in {county}")  # fmt: skip
    rows: FilingRows = gather_rows(run, county)
    basis = check_counts(rows, run.summary, run.county)
    counts = {
        "dismissal": dismissal_counts(rows),
        "redesignation": redesignation_counts(rows),
        "challenge": len(rows.challenge.rows),
        "review": len(rows.review.rows),
        "resentence": len(rows.resentence.rows),
        "sealing_cases": len(rows.sealing.rows),
    }
    try:
        with replacing(out_dir, force, FILING) as temp:
            hashes = _write(_Writer(temp, run, settings), template, rows, counts, basis)
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
) -> dict[str, str]:
    """Write every file of the filing and ``filing.json``; return the files' SHA-256."""
    run, settings = writer.run, writer.settings
    for kind in ("dismissal", "redesignation"):
        if counts[kind]["convictions"]:
            writer.documents(template, kind, _context(settings, run, counts[kind]))
            writer.table(getattr(rows, kind), "conviction")
    writer.table(rows.sealing, "case")
    writer.table(rows.challenge, "conviction")
    writer.table(rows.review, "conviction")
    writer.table(rows.resentence, "conviction")
    record = {
        "tool": "cmr-reason",
        "run": str(run.path.resolve()),
        "as_of": run.as_of.isoformat(),
        "policy": run.manifest["policy"]["name"],
        "run_county": run.county or "",
        "court_county": settings.county_key,
        "template": template.name,
        "settings": settings.model_dump(mode="json"),
        "counts_checked_against": basis,
        "other_county_convictions_left_out": rows.other_county_rows,
        "counts": counts,
        "files": dict(sorted(writer.hashes.items())),
    }
    writer.put("filing.json", (json.dumps(record, indent=2, sort_keys=True) + "\n").encode())
    return writer.hashes
