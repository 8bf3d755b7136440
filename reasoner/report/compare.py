"""Two runs side by side (``report --compare``): the same input under two policies."""

from __future__ import annotations

from typing import Any

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.report.figures import Chart, Part, Row, Section, Series, Suppression, Table
from cmr_reason.reasoner.run.directory import RunDir

FIGURES = (
    ("People relieved", "people", "relieved"),
    ("People left with no felony", "people", "relieved_no_felony_after"),
    ("People left with no conviction", "people", "relieved_no_conviction_after"),
    ("People who had a felony and are left with none", "people", "felony_record_cleared"),
    ("Convictions relieved", "convictions", "relieved"),
    ("Convictions dismissed and sealed", "convictions", "dismissed"),
    ("Felonies dismissed", "convictions", "dismissed_felonies"),
    ("Misdemeanors dismissed", "convictions", "dismissed_misdemeanors"),
    ("Infractions dismissed", "convictions", "dismissed_infractions"),
    ("Convictions redesignated", "convictions", "redesignated"),
    ("Convictions resentenced", "convictions", "resentenced"),
    ("Convictions needing review", "convictions", "review"),
    ("Convictions not eligible", "convictions", "not_eligible"),
)
CHARTED = 6  # the first figures, drawn as paired bars
SENTENCES = (
    ("relieved_no_felony_after", "people left with no felony"),
    ("relieved_no_conviction_after", "people left with no conviction"),
)


def _inputs(run: RunDir) -> list[str]:
    return sorted(entry["sha256"] for entry in run.manifest.get("inputs", []))


def differences(base: RunDir, other: RunDir) -> list[str]:
    """What makes two runs not comparable: different inputs or as-of dates."""
    found = []
    if _inputs(base) != _inputs(other):
        found.append("the two runs have different inputs (input SHA-256s differ)")
    if base.manifest.get("as_of") != other.manifest.get("as_of"):
        found.append(
            f"the two runs have different as-of dates ({base.manifest.get('as_of')} and "
            f"{other.manifest.get('as_of')})"
        )
    return found


def check_comparable(base: RunDir, other: RunDir, force: bool) -> list[str]:
    """Refuse runs that differ in input or as-of date unless forced; return the warnings."""
    found = differences(base, other)
    if found and not force:
        raise UserError(f"{found[0]}; use --force to compare them anyway")
    return found


def run_label(run: RunDir) -> str:
    """A run's policy (and county) as a short label."""
    label = run.manifest.get("policy", {}).get("name") or "policy"
    county = run.manifest.get("county")
    return f"{label} ({county.title()})" if county else label


def labels(base: RunDir, other: RunDir) -> tuple[str, str]:
    """Distinct labels for the two runs."""
    a, b = run_label(base), run_label(other)
    if a == b:
        a, b = f"{a} ({base.path.name})", f"{b} ({other.path.name})"
    if a == b:
        a, b = f"{a} A", f"{b} B"
    return a, b


def _sentence(diff_text: str, value: float | None, what: str, a: str, b: str) -> str:
    if value is None:
        return f"The difference in {what} between {b} and {a} is suppressed."
    if value == 0:
        return f"The same number of {what} under {b} as under {a}."
    more = "more" if value > 0 else "fewer"
    number = diff_text.lstrip("+\u2212")
    return f"{number} {more} {what} under {b} than under {a}."


def comparison_section(
    base: dict[str, Any], other: dict[str, Any], names: tuple[str, str], sup: Suppression,
    warnings: list[str],
) -> Section:  # fmt: skip
    """Headline figures of two summaries side by side, with the difference."""
    a, b = names
    rows = []
    for text, group, key in FIGURES:
        left = sup.count(base[group][key], (group, key))
        right = sup.count(other[group][key], ("other", group, key))
        rows.append(Row(text, (left, right, sup.diff(left, right))))
    table = Table(
        f"Figures under {a} and {b}",
        ("Figure", a, b, f"Difference ({b} \u2212 {a})"),
        tuple(rows),
    )
    chart = Chart(
        "grouped",
        f"Main figures under {a} and {b}",
        (Series("a", a), Series("b", b)),
        tuple(Row(r.label, r.cells[:2]) for r in rows[:CHARTED]),
        "Paired bars, one for each run.",
    )
    lead = []
    for key, what in SENTENCES:
        row = rows[[f[2] for f in FIGURES].index(key)]
        diff = row.cells[2]
        lead.append(_sentence(diff.text, diff.value, what, a, b))
    lead += [f"Warning: {w}; the figures may not be comparable." for w in warnings]
    return Section("compare", f"Comparison: {a} and {b}", tuple(lead), (Part(chart, (table,)),))
