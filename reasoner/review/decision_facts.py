"""Reviewers' decisions as facts for a run (``cmr-reason run --decisions DB_OR_FILE``).

The decision log (the review database or a signed export of it) is verified first, whole
(:mod:`cmr_reason.reasoner.review.decision_files`): a changed, forged, removed or reordered entry,
an unknown reviewer or a blank fingerprint refuses the whole source. Then the latest
decision per conviction becomes ``reviewer_decision/7`` and ``reviewer_note/2`` facts, which
``programs/core/review_decisions.lp`` applies. Before that, each decision is checked
against the run's input: a decision whose conviction is gone, whose conviction changed
since the reviewer saw it (its fingerprint differs), or whose person's record changed
around it (the record fingerprint differs: another conviction, the date of birth, a death,
a registration) is reported and not applied. This is input validation, like a checksum;
what a decision means in law is left to the program, and nothing here judges it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmr_reason.facts.dates import to_yyyymmdd
from cmr_reason.facts.doj.reader import Repairs
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.fact_writer import quote
from cmr_reason.facts.file_hash import sha256_of, sha256_text
from cmr_reason.facts.history import Conviction, History
from cmr_reason.facts.history_reader import read_histories
from cmr_reason.reasoner.review.db import clean_note
from cmr_reason.reasoner.review.decision_files import VerifiedLog, key_candidates, read_verified
from cmr_reason.reasoner.review.decision_log import StoredDecision, TamperedLog
from cmr_reason.reasoner.run.contents import FACTS_FILE

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
    return f"{FINGERPRINT_VERSION}:{sha256_text(text)[:32]}"


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
    digest = sha256_text(text)[:32]
    return f"{RECORD_FINGERPRINT_VERSION}:{digest}"


# --- Reading decisions --------------------------------------------------------------------
def latest_per_conviction(decisions: Sequence[StoredDecision]) -> dict[str, StoredDecision]:
    """The latest decision of each conviction (the highest id: ids only grow)."""
    latest: dict[str, StoredDecision] = {}
    for item in decisions:
        found = latest.get(item.conviction_id)
        if found is None or item.id > found.id:
            latest[item.conviction_id] = item
    return dict(sorted(latest.items()))


# --- Checking them against the run's input and writing the facts -------------------------
@dataclass
class DecisionSet:
    """The decisions a run applies, those it does not, and their facts."""

    source: Path
    applied: list[StoredDecision] = field(default_factory=list)
    not_applied: list[tuple[StoredDecision, str]] = field(default_factory=list)
    log: VerifiedLog | None = None

    @property
    def conviction_only(self) -> list[StoredDecision]:
        """Applied decisions recorded before the record check (signed by the migration)."""
        return [d for d in self.applied if d.record_check == "conviction_only"]

    @property
    def facts(self) -> str:
        """``reviewer_decision/7`` and ``reviewer_note/2`` facts, one decision per line."""
        return "".join(decision_fact(d) for d in self.applied)

    def manifest_entry(self, facts_sha256: str) -> dict[str, Any]:
        """What the run's manifest records about its decisions."""
        entry: dict[str, Any] = {
            "source": str(self.source),
            "source_sha256": sha256_of(self.source),
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
        if self.log is not None:  # the verified log: its key and its signed head
            entry["log"] = {
                "key_id": self.log.key_id,
                "entries": self.log.head.count,
                "head": self.log.head.hash,
            }
        return entry


def _day(decided_at: str) -> int:
    try:
        when = dt.datetime.fromisoformat(decided_at).date()
    except ValueError:
        raise UserError(f"decision time {decided_at!r} is not an ISO date and time") from None
    return to_yyyymmdd(when)


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

    A decision recorded before the record check existed (``record_check`` is
    ``conviction_only``, which only the signed migration sets) is checked against its
    conviction's fingerprint only; every other is checked against its record fingerprint,
    and a blank one never matches.
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
        if item.record_check != "conviction_only":
            if item.subject_id not in records:
                records[item.subject_id] = record_fingerprint(history)
            if records[item.subject_id] != item.record_fingerprint:
                result.not_applied.append((item, "record_changed"))
                continue
        result.applied.append(item)
    return result


def prepare_decisions(
    source: Path,
    inputs: Sequence[Path],
    encoding: str = "utf-8",
    *,
    key: Path | None = None,
    out_dir: Path | None = None,
    repairs: Repairs | None = None,
) -> DecisionSet:
    """Verify the decision log, read the decided people from the input, check each decision.

    The log's key is ``key`` or found beside the source (or in ``out_dir``, the run's
    directory, for an export). Only the decided people are kept (``read_histories(...,
    only=...)``): one pass over the input, holding a few histories, not the whole file.
    ``repairs``: the Excel repairs the run applies to its inputs (``run --repair-excel``).
    """
    log = read_verified(source, key_candidates(source, key, out_dir))
    if out_dir is not None:
        check_not_older(log, Path(out_dir))
    latest = latest_per_conviction(log.entries)
    if not latest:
        return DecisionSet(source=Path(source), log=log)
    subjects = sorted({d.subject_id for d in latest.values()})
    read = read_histories(list(inputs), encoding=encoding, only=subjects, repairs=repairs)
    histories = {sid: read.history(sid) for sid in subjects}
    checked = check_decisions(latest, histories, source)
    checked.log = log
    return checked


def check_not_older(log: VerifiedLog, out_dir: Path) -> None:
    """Refuse a log that lacks entries the previous run in ``out_dir`` applied.

    The previous run's manifest records the length and last hash of the log it verified.
    A log signed with the same key must still hold that entry at that place: an older copy
    of the database or an older export (which would bring back decisions superseded since)
    is refused. A log with another key, or a directory without such a run, is not compared.
    """
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        before = manifest["decisions"]["log"]
        count, head, key = int(before["entries"]), str(before["head"]), str(before["key_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return  # no earlier verified log to compare with
    if key != log.key_id:
        return
    if count > len(log.entries) or (count and log.entries[count - 1].entry_hash != head):
        raise TamperedLog(
            f"{log.source}: the run in {out_dir} applied a log of {count} decision(s) that this "
            f"one does not continue (it has {len(log.entries)}): an older copy of the database "
            "or an older export; nothing was applied"
        )
