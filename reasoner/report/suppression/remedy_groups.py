"""The counts and additive groups of the remedies beside Prop 64, for small-cell suppression.

The report's remedy sections (``reasoner/report/remedies.py``) show the ``remedies`` entry of
``summary.json``; each of its counts is registered here on the report's page, with the
groups that add up (a remedy's convictions by outcome, an outcome by reason, the
``eligible_on`` convictions by year), so that a hidden count cannot be worked out from the
others (``groups.py``).
"""

from __future__ import annotations

from typing import Any

Summary = dict[str, Any]


def remedy_keys(s: Summary) -> list[str]:
    """The remedies of the ``remedies`` entry (every key holding a remedy's figures)."""
    entry = s.get("remedies") or {}
    return sorted(k for k, v in entry.items() if isinstance(v, dict) and "by_outcome" in v)


def remedy_figures(page: Any, s: Summary) -> None:
    """Register the remedies' counts and groups on the report's page (report_groups.py)."""
    entry = s.get("remedies")
    if not entry:
        return
    page.count(("remedies", "people"), entry["people"])
    for key, value in entry["whole_record_clears"].items():
        page.count(("remedies", "clears", key), value)
    for name in remedy_keys(s):
        data = entry[name]
        total = ("remedies", name, "convictions")
        page.count(total, data["convictions"])
        outcomes = [("remedies", name, "by_outcome", o) for o in data["by_outcome"]]
        for key in outcomes:
            page.count(key, data["by_outcome"][key[3]])
        page.group(total, outcomes)
        by_outcome: dict[str, list[tuple[str, ...]]] = {}
        for code, n in data["by_reason"].items():
            outcome, reason = code.split("/", 1)
            key = ("remedies", name, "by_reason", outcome, reason)
            page.count(key, n)
            by_outcome.setdefault(outcome, []).append(key)
        for outcome, keys in by_outcome.items():
            page.group(("remedies", name, "by_outcome", outcome), keys)
        years = [("remedies", name, "by_year", y) for y in data["eligible_on_by_year"]]
        for key in years:
            page.count(key, data["eligible_on_by_year"][key[3]])
        page.group(("remedies", name, "by_outcome", "eligible_on"), years)
        for fact, n in data["blocked_by_missing_fact"].items():
            page.count(("remedies", name, "missing", fact), n)
