"""The bulk run's output for the remedies beside Proposition 64 (``docs/outputs.md``).

One file per remedy, ``remedies/<remedy>.csv`` (``remedies/pc1203_425.csv``), one row per
conviction, and the remedies' figures in ``summary.json`` (key ``remedies``), written only
for a run that asks for such a remedy: a Prop 64 run's files are unchanged. Nothing here
decides: every value is the programs' (``reasoner/engine/remedy_decision.py``).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cmr_reason.facts.history import History
from cmr_reason.facts.private_files import open_private
from cmr_reason.reasoner.engine.catalogue import Catalogue
from cmr_reason.reasoner.engine.decision import Decision
from cmr_reason.reasoner.engine.remedies import fact_text, remedy_vocabulary
from cmr_reason.reasoner.engine.remedy_decision import RemedyDecision, RemedyDecisions
from cmr_reason.reasoner.explain.justification import Record, fill, iso
from cmr_reason.reasoner.run.contents import REMEDIES_DIR
from cmr_reason.reasoner.run.rows import code_section

REMEDY_COLUMNS = (
    "subject_id", "case_id", "conviction_id", "county", "disposition_date", "code_section",
    "level", "remedy", "outcome", "reason", "eligible_on", "objection_deadline",
    "missing_fact", "stays_true", "rule_ids", "citations", "flags", "explanation",
    "reviewer_decides",  # what a reviewer or the court must decide (the petition remedies)
)  # fmt: skip


def remedy_path(out_dir: Path, remedy: str) -> Path:
    """Where a run writes the rows of a remedy: ``remedies/<remedy>.csv``."""
    return out_dir / REMEDIES_DIR / f"{remedy}.csv"


def _day(value: int | None) -> str:
    return iso(value) if value is not None else ""


def remedy_sentence(dec: RemedyDecision, catalogue: Catalogue, record: Record) -> str:
    """One sentence: the outcome, the deciding rule's text, the missing facts, what must hold."""
    label = remedy_vocabulary().label(dec.outcome)
    deciding = dec.deciding
    if deciding is not None:
        because = fill(catalogue.rule(deciding.rule_id).template, deciding.args, record)
    else:
        because = dec.reason.replace("_", " ")
    text = f"{label}: {because}"
    others = [f for f in dec.missing_facts if f != dec.reason]
    if dec.outcome == "blocked_by_record" and others:
        text += " Also missing: " + "; ".join(fact_text(dec.remedy, f) for f in others) + "."
    if dec.stays_true:
        text += " Until then: " + "; ".join(fact_text(dec.remedy, c) for c in dec.stays_true) + "."
    return text


def remedy_row(
    history: History,
    cid: str,
    dec: RemedyDecision,
    catalogue: Catalogue,
) -> list[str]:
    """One row of ``remedies/<remedy>.csv``."""
    conv = next(c for c in history.convictions if c.conviction_id == cid)
    rule_ids = sorted({f.rule_id for f in dec.firings}, key=lambda r: (r != dec.decided_by, r))
    citations = dict.fromkeys(catalogue.rule(r).citation for r in rule_ids)
    return [
        history.subject_id,
        conv.case_id,
        cid,
        conv.county,
        conv.disposition_date.isoformat() if conv.disposition_date else "",
        code_section(conv.charge),
        conv.level.value if conv.level else "",
        dec.remedy.replace("_", "."),
        dec.outcome,
        dec.reason,
        _day(dec.eligible_on),
        _day(dec.objection_deadline),
        ";".join(dec.missing_facts),
        ";".join(dec.stays_true),
        ";".join(rule_ids),
        ";".join(filter(None, citations)),
        ";".join(dec.flags),
        remedy_sentence(dec, catalogue, Record(history)),
        ";".join(dec.reviewer_decides),
    ]


@dataclass
class RemedySummary:
    """The figures of the remedies beside Prop 64, mergeable batch by batch."""

    outcomes: dict[str, Counter[str]] = field(default_factory=dict)  # remedy -> outcome
    reasons: dict[str, Counter[str]] = field(default_factory=dict)  # remedy -> outcome/reason
    missing: dict[str, Counter[str]] = field(default_factory=dict)  # blocked, by fact
    by_year: dict[str, Counter[str]] = field(default_factory=dict)  # eligible_on, by year
    people: Counter[str] = field(default_factory=Counter)  # whose whole record clears

    def add_person(
        self, history: History, prop64: dict[str, Decision], remedies: RemedyDecisions
    ) -> None:
        """Count one person's convictions under each remedy and whose record clears.

        A conviction clears under a remedy whose relief clears it (``remedy_clears/1``: a
        dismissal, or relief DOJ grants; PC 17(b) and Proposition 47 lower it instead) when
        its outcome is relief now (kind ``relief``). With several remedies, ``all`` counts
        the people whose every conviction clears under Prop 64 or some remedy, and
        ``all+discretion`` also counts relief at the court's discretion.
        """
        cids = [c.conviction_id for c in history.convictions]
        if not cids:
            return
        vocab = remedy_vocabulary()
        cleared_p64 = {c for c in cids if prop64[c].record_after == "removed"}
        self.people["people"] += 1
        self.people["prop64"] += len(cleared_p64) == len(cids)
        cleared_all, cleared_discretion = set(cleared_p64), set(cleared_p64)
        for remedy, by_cid in sorted(remedies.items()):
            outcomes = self.outcomes.setdefault(remedy, Counter())
            reasons = self.reasons.setdefault(remedy, Counter())
            missing = self.missing.setdefault(remedy, Counter())
            years = self.by_year.setdefault(remedy, Counter())
            relieved = set()
            for cid in cids:
                dec = by_cid.get(cid)
                if dec is None:
                    continue
                outcomes[dec.outcome] += 1
                reasons[f"{dec.outcome}/{dec.reason}"] += 1
                kind = vocab.kinds.get(dec.outcome)
                if remedy in vocab.clearing and kind == "relief":
                    relieved.add(cid)
                if remedy in vocab.clearing and kind == "discretionary":
                    cleared_discretion.add(cid)
                if dec.outcome == "eligible_on" and dec.eligible_on is not None:
                    years[str(dec.eligible_on // 10000)] += 1
                elif dec.outcome == "blocked_by_record":
                    missing.update(dec.missing_facts)
            self.people[remedy] += len(relieved) == len(cids)
            self.people[f"prop64+{remedy}"] += len(relieved | cleared_p64) == len(cids)
            cleared_all |= relieved
            cleared_discretion |= relieved
        if len(remedies) >= 2:
            self.people["all"] += len(cleared_all) == len(cids)
            self.people["all+discretion"] += len(cleared_discretion) == len(cids)

    def merge(self, other: RemedySummary) -> None:
        """Add another batch's figures."""
        for mine, theirs in (
            (self.outcomes, other.outcomes),
            (self.reasons, other.reasons),
            (self.missing, other.missing),
            (self.by_year, other.by_year),
        ):
            for key, counts in theirs.items():
                mine.setdefault(key, Counter()).update(counts)
        self.people.update(other.people)

    def to_dict(self) -> dict[str, Any]:
        """The ``remedies`` entry of ``summary.json``: counts in a fixed order."""
        vocab = remedy_vocabulary()
        result: dict[str, Any] = {
            "people": self.people["people"],
            "whole_record_clears": {"prop64": self.people["prop64"]},
        }
        for remedy in sorted(self.outcomes):
            name = remedy.replace("_", ".")
            if remedy in vocab.clearing:  # PC 17(b), Prop 47 lower a conviction, never clear it
                result["whole_record_clears"][name] = self.people[remedy]
                result["whole_record_clears"][f"prop64+{name}"] = self.people[f"prop64+{remedy}"]
            outcomes = self.outcomes[remedy]
            result[name] = {
                "convictions": sum(outcomes.values()),
                "by_outcome": {o: outcomes[o] for o in vocab.outcomes_of[remedy]},
                "by_reason": dict(sorted(self.reasons[remedy].items())),
                "eligible_on_by_year": dict(sorted(self.by_year[remedy].items())),
                "blocked_by_missing_fact": dict(
                    sorted(self.missing[remedy].items(), key=lambda kv: (-kv[1], kv[0]))
                ),
            }
        if len(self.outcomes) >= 2:
            result["whole_record_clears"]["all"] = self.people["all"]
            result["whole_record_clears"]["all+discretion"] = self.people["all+discretion"]
        return result


def remedy_batch_rows(
    histories: list[History],
    prop64: dict[str, Decision],
    remedies: RemedyDecisions,
    codes: tuple[str, ...],
    catalogue: Catalogue,
) -> tuple[dict[str, str], RemedySummary]:
    """The rows of each remedy file for a batch, and the batch's remedy figures."""
    buffers = {code: io.StringIO() for code in codes}
    writers = {code: csv.writer(buf, lineterminator="\n") for code, buf in buffers.items()}
    summary = RemedySummary()
    for history in histories:
        for code in codes:
            by_cid = remedies.get(code, {})
            for conv in history.convictions:
                dec = by_cid.get(conv.conviction_id)
                if dec is not None:
                    writers[code].writerow(remedy_row(history, conv.conviction_id, dec, catalogue))
        summary.add_person(history, prop64, {c: remedies.get(c, {}) for c in codes})
    return {code: buf.getvalue() for code, buf in buffers.items()}, summary


def open_remedy_files(out_dir: Path, codes: tuple[str, ...]) -> dict[str, IO[str]]:
    """Create ``remedies/<remedy>.csv`` for each remedy, with its header."""
    if not codes:
        return {}
    (out_dir / REMEDIES_DIR).mkdir(mode=0o700, exist_ok=True)
    files: dict[str, IO[str]] = {code: open_private(remedy_path(out_dir, code)) for code in codes}
    for handle in files.values():
        csv.writer(handle, lineterminator="\n").writerow(REMEDY_COLUMNS)
    return files


def remedy_manifest(codes: tuple[str, ...]) -> dict[str, Any]:
    """The manifest's ``remedies`` entry: only for a run with a remedy beside Prop 64."""
    if not codes:
        return {}
    vocab = remedy_vocabulary()
    return {
        "remedies": [
            {
                "name": vocab.by_code(code).name,
                "citation": vocab.by_code(code).citation,
                "file": f"{REMEDIES_DIR}/{code}.csv" if code != "prop64" else "convictions.csv",
            }
            for code in ("prop64", *codes)
        ]
    }


def remedy_headline(figures: dict[str, Any]) -> list[tuple[str, int, bool]]:
    """The remedies' headline figures of ``summary.json`` (label, count, indented).

    What ``run`` prints and the workbench's results page shows beside Prop 64's figures:
    for each remedy, its convictions by outcome and the people whose whole record it clears,
    alone and with Prop 64. None for a run that decided Prop 64 alone.
    """
    entry = figures.get("remedies")
    if not isinstance(entry, dict):
        return []
    vocab = remedy_vocabulary()
    clears = entry.get("whole_record_clears", {})
    lines: list[tuple[str, int, bool]] = []
    for name in sorted(k for k, v in entry.items() if isinstance(v, dict) and "by_outcome" in v):
        data = entry[name]
        citation = vocab.by_code(name.replace(".", "_")).citation
        lines.append((f"{citation}: convictions decided", data["convictions"], False))
        lines += [(vocab.label(o), n, True) for o, n in data["by_outcome"].items()]
        if name in clears:  # a remedy that clears a conviction (not PC 17(b), Prop 47)
            lines.append((f"{citation}: people whose whole record clears", clears[name], False))
            lines.append(("with Prop 64 too", clears.get(f"prop64+{name}", 0), True))
    if "all" in clears:
        together = "Every remedy together: people whose whole record clears"
        lines.append((together, clears["all"], False))
        lines.append(("with relief at the court's discretion too", clears["all+discretion"], True))
    return lines
