"""Loud when input is lost: too many rejected rows, and Excel damage said in plain words.

A run that rejects a large share of its input, or rejects many rows for one reason, gives
results that leave those rows out: a file opened and saved again in Excel once lost 1,634
of 1,643 rows to ``rejects.csv`` and ended with "Convictions 0" and exit status 0. After a
run, :func:`reject_check` reads the row account: above :data:`REJECT_SHARE` of the rows (and
at least :data:`REJECT_MIN`), or when one reason has more than :data:`DOMINANT_SHARE` of the
rejects and at least :data:`DOMINANT_MIN` rows, the run lists the top reasons with what to
do, and the command exits with :data:`EXIT_REJECTS` unless ``--accept-rejects``
(docs/outputs.md "Rejected rows and Excel damage").

The input files are scanned for Excel damage (:mod:`cmr_reason.facts.doj.excel_damage`): the
whole file with ``--repair-excel`` (before it is read, to repair it) or when the rejects are
loud (to say why), else its first lines (to warn cheaply). Nothing here decides anything,
and no message quotes a value of the input: reason codes, column names and counts only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmr_reason.facts.doj.excel_damage import (
    DATE_FORMAT,
    SAMPLE_LINES,
    SEPARATOR,
    ZEROS,
    ExcelRepair,
    FileScan,
    scan_file,
)
from cmr_reason.reasoner.run.sanity import RunWarning

#: A run rejecting more than this share of its input rows is loud ...
REJECT_SHARE = 0.05
#: ... when they are at least this many (a few lines of a small test file are no lost file);
REJECT_MIN = 10
#: ... or one whose top reject reason has more than this share of the rejects ...
DOMINANT_SHARE = 0.80
#: ... and at least this many rows (fewer say nothing about the file).
DOMINANT_MIN = 100
#: Exit status of ``run`` when it is loud and ``--accept-rejects`` was not given.
EXIT_REJECTS = 5
TOP_REASONS = 5  # reasons listed

# What to do about each reject reason (docs/facts.md "How DOJ rows become a history", its
# reject reasons), in plain words.
_HINTS = {
    "unclosed_quote": "a quoted field runs past the end of its line: the file's quotes are "
    "damaged; re-export it from the DOJ extract",
    "stray_quote": "a quote inside a field breaks the CSV quoting: re-export the file from the "
    "DOJ extract",
    "nul_byte": "the line holds a NUL character (binary damage): re-export the file",
    "field_too_long": "a field is longer than any DOJ field: the line is damaged; re-export it",
    "unreadable_line": "the line cannot be read as CSV: re-export the file",
    "wrong_field_count": "the row does not have the header's 95 fields: an unquoted comma "
    "inside a field, a cut line, or another separator; check how the file was exported",
    "header_row": "a header line inside the data: files were joined with their headers; "
    "give them to the run as separate files",
    "blank_subject_id": "SUBJECT_ID is blank, so the row names no person",
    "blank_step_type": "STP_TYPE_DESCR is blank, so the row is no known step",
    "unknown_step_type": "a step type this reader does not know on a row with court data "
    "(rejects.csv shows each value): if it is a real DOJ step type, it must be added to "
    "facts/doj_vocabulary.py",
    "unknown_disposition": "a court disposition this reader does not know (rejects.csv shows "
    "each value): if it is a real DOJ disposition, it must be added to "
    "facts/doj_vocabulary.py",
    "later_disposition_date_missing": "an update of a conviction without any date",
    "bad_cnt_order": "CNT_ORDER must be 12 digits (cycle, step and count of three digits, "
    "then 000); check how the file was exported",
    "bad_date": "dates must be written YYYYMMDD; check how the file was exported",
    "empty_charge": "a conviction or registration without any charge text",
    "bad_sentence_length": "SENT_LENGTH must be a whole number",
    "bad_sentence_unit": "SENT_TIME_CODE must be D, M or Y",
}
# The hint when the scan found the Excel damage that explains the reason.
_EXCEL_HINTS = {
    ZEROS: (
        "bad_cnt_order",
        "CNT_ORDER must be 12 digits; it looks like the file was saved by Excel, which "
        "strips leading zeros: run with --repair-excel, or re-export it from the DOJ extract",
    ),
    SEPARATOR: (
        "wrong_field_count",
        "the file is separated by ';' (as Excel saves CSV in some locales): run with "
        "--repair-excel, or re-export it from the DOJ extract",
    ),
    DATE_FORMAT: (
        "bad_date",
        "dates must be written YYYYMMDD; the file holds dates in an Excel date format: run "
        "with --repair-excel where every date of a column is in one format, or re-export the "
        "file from the DOJ extract",
    ),
}


@dataclass(frozen=True)
class RejectCheck:
    """The rejects of a run and whether they are too many (``loud``)."""

    rows_in: int
    rejected: int
    reasons: tuple[tuple[str, int], ...]  # (reason code, rows), most first
    loud: bool

    @property
    def share(self) -> float:
        """Rejected rows as a share of the input rows."""
        return self.rejected / self.rows_in if self.rows_in else 0.0

    def message(self, scans: Sequence[FileScan] = ()) -> str:
        """The top reasons with their counts and what to do (scans: the damage found)."""
        percent = f"{100 * self.share:.1f}".removesuffix(".0")
        lines = [
            f"{self.rejected:,} of {self.rows_in:,} input rows ({percent} %) were rejected: "
            "the results leave them out, and every decision of a person with a rejected row "
            "that rests on the record's silence is review. Top reasons:"
        ]
        for reason, rows in self.reasons[:TOP_REASONS]:
            hint = self.hint(reason, scans)
            lines.append(
                f"- {reason}: {rows:,} row{'s' if rows != 1 else ''}. {hint[0].upper()}{hint[1:]}."
            )
        rest = sum(rows for _, rows in self.reasons[TOP_REASONS:])
        if rest:
            lines.append(f"- {len(self.reasons) - TOP_REASONS} other reasons: {rest:,} rows")
        lines.append("rejects.csv lists every rejected line with its reason.")
        return "\n".join(lines)

    @staticmethod
    def hint(reason: str, scans: Sequence[FileScan] = ()) -> str:
        """What to do about rows rejected for ``reason`` (an Excel cause where one was found)."""
        hints = _hints(scans)
        return hints.get(reason) or hints.get(reason.split(":")[0]) or "see rejects.csv"


def _hints(scans: Sequence[FileScan]) -> dict[str, str]:
    hints = dict(_HINTS)
    for scan in scans:
        for found in scan.findings:
            if found.kind in _EXCEL_HINTS:
                reason, hint = _EXCEL_HINTS[found.kind]
                hints[reason] = hint
    return hints


def reject_check(counts: Mapping[str, Any]) -> RejectCheck:
    """Whether a run's rejects are loud, from ``summary.json``'s ``input`` figures."""
    rows_in, rejected = int(counts["rows_in"]), int(counts["rows_rejected"])
    by_reason: Mapping[str, int] = counts.get("rejected_by_reason") or {}
    reasons = tuple(sorted(by_reason.items(), key=lambda item: (-item[1], item[0])))
    top = reasons[0][1] if reasons else 0
    loud = (rejected >= REJECT_MIN and rejected > REJECT_SHARE * rows_in) or (
        top >= DOMINANT_MIN and top > DOMINANT_SHARE * rejected
    )
    return RejectCheck(rows_in, rejected, reasons, loud)


def scan_inputs(paths: Sequence[Path], encoding: str, whole: bool = True) -> list[FileScan]:
    """Each input file's Excel damage: the whole file, or its first lines (``whole`` False)."""
    limit = None if whole else SAMPLE_LINES
    return [scan_file(Path(path), encoding, limit) for path in paths]


def repairs_of(scans: Sequence[FileScan]) -> list[ExcelRepair | None]:
    """The repair of each scanned file (None where nothing is certain)."""
    return [scan.repair() for scan in scans]


def excel_warnings(scans: Sequence[FileScan], repairing: bool) -> list[RunWarning]:
    """One warning for each file with Excel damage (``excel_repaired`` where repaired)."""
    found = []
    for scan in scans:
        if not scan.damaged:
            continue
        repaired = repairing and scan.repair() is not None
        code = "excel_repaired" if repaired else "excel_damage"
        found.append(RunWarning(code, scan.message(repaired)))
    return found


def excel_manifest(scans: Sequence[FileScan], repairing: bool) -> dict[str, Any]:
    """The manifest's entries: ``excel_repair`` (with --repair-excel) or ``excel_damage``."""
    if repairing:
        files = []
        for scan in scans:
            repair = scan.repair()
            files.append({**scan.to_dict(), "repair": repair.to_dict() if repair else None})
        return {"excel_repair": {"files": files}}
    damaged = [scan.to_dict() for scan in scans if scan.damaged]
    return {"excel_damage": {"files": damaged}} if damaged else {}


def recorded_repairs(manifest: Mapping[str, Any]) -> list[ExcelRepair | None] | None:
    """The Excel repairs a run applied to its inputs, in input order (None: none)."""
    entry = manifest.get("excel_repair")
    if not isinstance(entry, dict):
        return None
    repairs = []
    for item in entry.get("files") or []:
        repair = item.get("repair") if isinstance(item, dict) else None
        repairs.append(ExcelRepair.from_dict(repair) if isinstance(repair, dict) else None)
    return repairs if any(repairs) else None
