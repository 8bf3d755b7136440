"""Reviewers' decisions as facts for a run (``cmr-reason run --decisions DB_OR_FILE``).

The latest decision per conviction (from the review database or an exported CSV/JSON file)
becomes ``reviewer_decision/7`` and ``reviewer_note/2`` facts, which
``programs/core/review_decisions.lp`` applies. Before that, each decision is checked
against the run's input: a decision whose conviction is gone, whose conviction changed
since the reviewer saw it (its fingerprint differs), or whose person's record changed
around it (the record fingerprint differs: another conviction, the date of birth, a death,
a registration) is reported and not applied. This is input validation, like a checksum;
what a decision means in law is left to the program, and nothing here judges it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.fact_writer import quote
from cmr_reason.facts.history import Conviction, History
from cmr_reason.facts.history_reader import read_histories
from cmr_reason.reasoner.review_db import (
    DECISION_FIELDS,
    ReviewDB,
    StoredDecision,
    check_decision_values,
    clean_note,
    is_sqlite,
)

FACTS_FILE = "decisions.lp"
FINGERPRINT_VERSION = "v1"
RECORD_FINGERPRINT_VERSION = "r1"


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _hashed_end(conv: Conviction) -> dt.date | None:
    """The sentence end that fingerprint v1 has always hashed.

    The latest end of a timed part (the disposition date for a fine alone), None when a
    part's end is unknown.

    Only a hash input, kept so that decisions recorded before the programs took over the
    sentence (programs/core/sentence.lp, which decides what counts) keep their fingerprint;
    nothing is decided from it.
    """
    if conv.disposition_date is None or not conv.sentence:
        return None
    end = conv.disposition_date
    for part in conv.sentence:
        if part.kind == "fine" and part.length is None:
            continue
        if part.end is None:
            return None
        end = max(end, part.end)
    return end


def conviction_fingerprint(conv: Conviction) -> str:
    """A hash of what a conviction is: charge, level, dates, sentence, county, court, updates.

    The updates are its later dispositions (a reduction, a set-aside, a revocation, relief
    already granted), hashed only when there are any.

    It leaves out where the conviction sits in the input (file name, line), which changes
    with every new DOJ extract; a decision must survive that, but not a changed charge,
    level, date, sentence or later disposition.
    """
    parts = {
        "case_id": conv.case_id,
        "charge": conv.charge.code_section(),
        "raw_charge": conv.charge.raw,
        "level": conv.level.value if conv.level else "",
        "disposition_date": _iso(conv.disposition_date),
        "offence_date": _iso(conv.offence_date),
        "arrest_date": _iso(conv.arrest_date),
        "sentence_end": _iso(_hashed_end(conv)),
        "sentence": [[p.kind, p.length, p.unit] for p in conv.sentence],
        "county": conv.county,
        "court": conv.court.code or conv.court.description,
    }
    if conv.later_dispositions:  # absent otherwise, so earlier fingerprints stay the same
        parts["later"] = [[d.kind, _iso(d.date)] for d in conv.later_dispositions]
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return f"{FINGERPRINT_VERSION}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}"


def record_fingerprint(history: History) -> str:
    """A hash of a person's whole record as far as the rules read it.

    The sorted fingerprints of every conviction (with its data flags and arresting agency,
    which the rules also read), the date of birth, the date of death, the registrations
    and the person's data flags. A decision on one conviction may rest on the others (a
    prior super-strike, a felony inside a policy's look-back window), so a decision taken
    on one record must not be applied silently to another. File names and lines are left
    out, as in :func:`conviction_fingerprint`, so a new extract of the same record keeps it.
    """
    convictions = sorted(
        [
            conviction_fingerprint(conv),
            sorted(conv.flags),
            [conv.arrest_agency.kind, conv.arrest_agency.place],
        ]
        for conv in history.convictions
    )
    registrations = sorted(
        [reg.charge.code_section(), reg.charge.raw, _iso(reg.date)] for reg in history.registrations
    )
    parts = {
        "convictions": convictions,
        "birth_date": _iso(history.person.birth_date),
        "deceased_date": _iso(history.person.deceased_date),
        "registrations": registrations,
        "flags": sorted(history.flags),
    }
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    return f"{RECORD_FINGERPRINT_VERSION}:{digest}"


# --- Reading decisions --------------------------------------------------------------------
def _from_mapping(row: dict[str, Any], where: str) -> StoredDecision:
    required = ("id", "conviction_id", "subject_id", "action")
    missing = [name for name in required if not row.get(name)]
    if missing:
        raise UserError(f"{where}: missing {', '.join(missing)}")
    values: dict[str, Any] = {name: row.get(name) or "" for name in DECISION_FIELDS}
    try:
        values["id"] = int(values["id"])
        values["supersedes"] = int(values["supersedes"]) if values["supersedes"] else None
    except (TypeError, ValueError):
        raise UserError(f"{where}: id and supersedes must be whole numbers") from None
    # Files exported before the record check have no record_fingerprint: it reads as empty.
    values = {k: v if k in ("id", "supersedes") else str(v) for k, v in values.items()}
    try:
        check_decision_values(values["action"], values["relief"], values["ground"])
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    return StoredDecision(**values)


def read_decisions(path: Path) -> list[StoredDecision]:
    """Every decision in a review database, or in a CSV or JSON file it was exported to."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"decisions file not found: {path}")
    if is_sqlite(path):
        # Read only: an older database is not changed here (its new columns read empty).
        try:
            return ReviewDB.open_existing(path, migrate=False).decisions()
        except sqlite3.Error as exc:
            raise UserError(f"cannot read decisions from the database {path}: {exc}") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
            return [_from_mapping(r, f"{path}:{n}") for n, r in enumerate(rows, start=2)]
        if suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            items = data.get("decisions", []) if isinstance(data, dict) else data
            if not isinstance(items, list):
                raise UserError(f"{path}: expected a list of decisions")
            return [_from_mapping(r, f"{path}: decision {n}") for n, r in enumerate(items, 1)]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"cannot read decisions from {path}: {exc}") from None
    raise UserError(f"{path}: decisions come from a review database, a .csv or a .json file")


def latest_per_conviction(decisions: Sequence[StoredDecision]) -> dict[str, StoredDecision]:
    """The latest decision of each conviction (the highest id: ids only grow)."""
    latest: dict[str, StoredDecision] = {}
    for item in decisions:
        found = latest.get(item.conviction_id)
        if found is None or item.id > found.id:
            latest[item.conviction_id] = item
    return dict(sorted(latest.items()))


def dump_decisions(decisions: Sequence[StoredDecision], handle: TextIO, fmt: str) -> None:
    """Write decisions as CSV or JSON (``fmt``) to an open text handle."""
    if fmt == "csv":
        writer = csv.DictWriter(handle, fieldnames=DECISION_FIELDS, lineterminator="\n")
        writer.writeheader()
        for item in decisions:
            writer.writerow(item.as_dict())
    else:
        json.dump({"decisions": [d.as_dict() for d in decisions]}, handle, indent=2)
        handle.write("\n")


def write_decisions(decisions: Sequence[StoredDecision], out: Path) -> int:
    """Export decisions to CSV or JSON (by the suffix), readable by the owner only."""
    out = Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "json"):
        raise UserError("export to a .csv or a .json file")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        dump_decisions(decisions, handle, fmt)
    return len(decisions)


# --- Checking them against the run's input and writing the facts -------------------------
@dataclass
class DecisionSet:
    """The decisions a run applies, those it does not, and their facts."""

    source: Path
    applied: list[StoredDecision] = field(default_factory=list)
    not_applied: list[tuple[StoredDecision, str]] = field(default_factory=list)

    @property
    def facts(self) -> str:
        """``reviewer_decision/7`` and ``reviewer_note/2`` facts, one decision per line."""
        return "".join(decision_fact(d) for d in self.applied)

    def manifest_entry(self, facts_sha256: str) -> dict[str, Any]:
        """What the run's manifest records about its decisions."""
        return {
            "source": str(self.source),
            "source_sha256": _sha256_file(self.source),
            "file": FACTS_FILE,
            "file_sha256": facts_sha256,
            "applied": [
                {"conviction_id": d.conviction_id, "decision_id": d.id, "action": d.action}
                for d in self.applied
            ],
            "not_applied": [
                {"conviction_id": d.conviction_id, "decision_id": d.id, "problem": problem}
                for d, problem in self.not_applied
            ],
        }


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _day(decided_at: str) -> int:
    try:
        when = dt.datetime.fromisoformat(decided_at).date()
    except ValueError:
        raise UserError(f"decision time {decided_at!r} is not an ISO date and time") from None
    return when.year * 10000 + when.month * 100 + when.day


def decision_fact(item: StoredDecision) -> str:
    """The facts of one decision."""
    note_id = f"d{item.id}"
    relief = item.relief or "none"
    ground = item.ground or "none"
    head = (
        f"reviewer_decision({quote(item.conviction_id)}, {item.action}, {relief}, {ground}, "
        f"{_day(item.decided_at)}, {quote(item.reviewer)}, {quote(note_id)})."
    )
    note = clean_note(item.note)
    return head + (f" reviewer_note({quote(note_id)}, {quote(note)}).\n" if note else "\n")


PROBLEMS = {
    "conviction_missing": "its conviction is not in this run's input",
    "conviction_changed": "its conviction changed since the decision (charge, level, dates, "
    "sentence, county or court)",
    "record_changed": "the person's record changed since the decision (another conviction, "
    "the date of birth, a death or a registration)",
}


def check_decisions(
    latest: dict[str, StoredDecision], histories: dict[str, History | None], source: Path
) -> DecisionSet:
    """Split decisions into those whose conviction and record are unchanged and the rest.

    A decision without a record fingerprint (recorded before the record check existed) is
    checked against its conviction's fingerprint only.
    """
    result = DecisionSet(source=Path(source))
    records: dict[str, str] = {}
    for cid, item in latest.items():
        history = histories.get(item.subject_id)
        conv = None
        if history is not None:
            conv = next((c for c in history.convictions if c.conviction_id == cid), None)
        if history is None or conv is None:
            result.not_applied.append((item, "conviction_missing"))
            continue
        if conviction_fingerprint(conv) != item.fingerprint:
            result.not_applied.append((item, "conviction_changed"))
            continue
        if item.record_fingerprint:
            if item.subject_id not in records:
                records[item.subject_id] = record_fingerprint(history)
            if records[item.subject_id] != item.record_fingerprint:
                result.not_applied.append((item, "record_changed"))
                continue
        result.applied.append(item)
    return result


def prepare_decisions(source: Path, inputs: Sequence[Path], encoding: str = "utf-8") -> DecisionSet:
    """Read the decisions, read the decided people from the input and check each decision.

    Only the decided people are kept (``read_histories(..., only=...)``): one pass over the
    input, holding a few histories, not the whole file.
    """
    latest = latest_per_conviction(read_decisions(source))
    if not latest:
        return DecisionSet(source=Path(source))
    subjects = sorted({d.subject_id for d in latest.values()})
    read = read_histories(list(inputs), encoding=encoding, only=subjects)
    histories = {sid: read.history(sid) for sid in subjects}
    return check_decisions(latest, histories, source)


def record_in_run(out_dir: Path, decisions: DecisionSet) -> None:
    """Write the applied facts into the run directory and list the decisions in its manifest."""
    facts = decisions.facts
    path = Path(out_dir) / FACTS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(facts)
    manifest_path = Path(out_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["decisions"] = decisions.manifest_entry(
        hashlib.sha256(facts.encode("utf-8")).hexdigest()
    )
    fd = os.open(manifest_path, os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")


def run_facts(run_dir: Path, manifest: dict[str, Any]) -> str:
    """The decision facts a finished run applied ("" when it applied none), hash-checked."""
    entry = manifest.get("decisions")
    if not entry:
        return ""
    path = Path(run_dir) / entry.get("file", FACTS_FILE)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise UserError(f"the run's decisions file is missing: {path}") from None
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != entry.get("file_sha256"):
        raise UserError(f"{path} changed since the run (SHA-256 differs)")
    return text
