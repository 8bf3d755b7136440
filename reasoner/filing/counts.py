"""The counts a motion states, taken from its Exhibit 1 rows, and their check against the run.

The motion's numbers are computed from the very rows written to Exhibit 1, then compared
with ``summary.json``: exactly when the run was scoped to the filing's county, otherwise
with the run's rows of that county (``summary.json`` then covers every county).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.filing.rows import DEFAULT_AGENCY, FilingRows, Table


def _distinct(table: Table, key: str) -> int:
    return len({row[key] for row in table.rows})


def dismissal_counts(rows: FilingRows) -> dict[str, Any]:
    """Counts for the motion and order to dismiss and seal."""
    table = rows.dismissal
    levels = Counter(row["level"] for row in table.rows)
    sealed = {row["case_id"] for row in rows.sealing.rows if row["case_sealed"] == "yes"}
    statutory = {r["conviction_id"]: r["statutory_outcome"] for r in rows.source_rows["dismissal"]}
    agencies = Counter(row["prosecuting_agency"] for row in table.rows)
    return {
        "convictions": len(table.rows),
        "people": _distinct(table, "subject_id"),
        "cases": len(rows.sealing.rows),
        "felonies": levels["felony"],
        "misdemeanors": levels["misdemeanor"],
        "infractions": levels["infraction"],
        "level_unknown": len(table.rows) - sum(levels[k] for k in
                                               ("felony", "misdemeanor", "infraction")),
        "sealable_cases": len(sealed),
        "unsealable_cases": len(rows.sealing.rows) - len(sealed),
        "beyond_statute": sum(statutory.get(row["conviction_id"]) != "dismiss_and_seal"
                              for row in table.rows),
        "other_agencies": sum(n for a, n in agencies.items() if a != DEFAULT_AGENCY),
        "by_agency": dict(sorted(agencies.items())),
    }  # fmt: skip


def redesignation_counts(rows: FilingRows) -> dict[str, Any]:
    """Counts for the motion and order to redesignate, by outcome code (never by label)."""
    table = rows.redesignation
    outcome = {r["conviction_id"]: r["outcome"] for r in rows.source_rows["redesignation"]}
    relief = Counter((outcome.get(row["conviction_id"], ""), row["level"]) for row in table.rows)
    to_misd = sum(n for (o, _), n in relief.items() if o == "redesignate_misdemeanor")
    to_inf = sum(n for (o, _), n in relief.items() if o == "redesignate_infraction")
    return {
        "convictions": len(table.rows),
        "people": _distinct(table, "subject_id"),
        "cases": _distinct(table, "case_id"),
        "to_misdemeanor": to_misd,
        "to_infraction": to_inf,
        "felony_to_infraction": relief[("redesignate_infraction", "felony")],
        "misdemeanor_to_infraction": relief[("redesignate_infraction", "misdemeanor")],
    }


def expected_from_summary(summary: dict[str, Any]) -> dict[str, int]:
    """What a filing scoped like the run must hold, from ``summary.json``."""
    outcomes = summary.get("by_outcome", {})
    convs = summary.get("convictions", {})
    return {
        "dismissal": convs.get("dismissed", 0),
        "dismissal_felonies": convs.get("dismissed_felonies", 0),
        "dismissal_misdemeanors": convs.get("dismissed_misdemeanors", 0),
        "dismissal_infractions": convs.get("dismissed_infractions", 0),
        "redesignation": convs.get("redesignated", 0),
        "redesignate_misdemeanor": outcomes.get("redesignate_misdemeanor", 0),
        "redesignate_infraction": outcomes.get("redesignate_infraction", 0),
        "challenge": convs.get("not_eligible", 0),
        "review": convs.get("review", 0),
        "resentence": convs.get("resentenced", 0),
    }


def actual(rows: FilingRows) -> dict[str, int]:
    """The same figures counted from the filing's tables."""
    dismissal = dismissal_counts(rows)
    redesignation = redesignation_counts(rows)
    return {
        "dismissal": dismissal["convictions"],
        "dismissal_felonies": dismissal["felonies"],
        "dismissal_misdemeanors": dismissal["misdemeanors"],
        "dismissal_infractions": dismissal["infractions"],
        "redesignation": redesignation["convictions"],
        "redesignate_misdemeanor": redesignation["to_misdemeanor"],
        "redesignate_infraction": redesignation["to_infraction"],
        "challenge": len(rows.challenge.rows),
        "review": len(rows.review.rows),
        "resentence": len(rows.resentence.rows),
    }


def check_counts(rows: FilingRows, summary: dict[str, Any], run_county: str | None) -> str:
    """Compare the tables with the run; return how they were checked, or raise (exit 3)."""
    got = actual(rows)
    if run_county == rows.county:
        want = expected_from_summary(summary)
        basis = "summary.json"
    else:
        source = rows.source_rows
        levels = Counter(r["level"] for r in source["dismissal"])
        outcomes = Counter(r["outcome"] for r in source["redesignation"])
        want = {
            "dismissal": len(source["dismissal"]),
            "dismissal_felonies": levels["felony"],
            "dismissal_misdemeanors": levels["misdemeanor"],
            "dismissal_infractions": levels["infraction"],
            "redesignation": len(source["redesignation"]),
            "redesignate_misdemeanor": outcomes["redesignate_misdemeanor"],
            "redesignate_infraction": outcomes["redesignate_infraction"],
            "challenge": len(source["challenge"]),
            "review": len(source["review"]),
            "resentence": len(source["resentence"]),
        }
        basis = "convictions.csv"
    wrong = [f"{key} {got[key]} != {want[key]}" for key in want if got[key] != want[key]]
    if wrong:
        raise UserError(f"the filing disagrees with the run's {basis}: {', '.join(wrong)}",
                        exit_code=3)  # fmt: skip
    return basis
