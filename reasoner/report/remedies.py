"""The impact report's section on the remedies beside Proposition 64 (``docs/report.md``).

Built from the ``remedies`` entry of ``summary.json`` (``reasoner/run/remedy_output.py``), only
for a run that decided such a remedy: people whose whole record clears under Prop 64, under
the remedy and under both; the remedy's convictions by outcome; the convictions that become
eligible, by year ahead (a chart); those the record blocks, by the fact it lacks. Every
count passes through the run's :class:`Suppression`, and its additive groups are registered
with the page's (``suppression/remedy_groups.py``), so a hidden count cannot be worked out.
"""

from __future__ import annotations

from typing import Any

from cmr_reason.reasoner.engine.remedies import catalogue_fact_texts, fact_text, remedy_vocabulary
from cmr_reason.reasoner.report.figures import Chart, Part, Row, Section, Series, Suppression, Table
from cmr_reason.reasoner.report.suppression.remedy_groups import remedy_keys

Summary = dict[str, Any]


def remedy_sections(s: Summary, sup: Suppression) -> list[Section]:
    """One section per remedy beside Prop 64 (none when the run decided none)."""
    entry = s.get("remedies")
    if not entry:
        return []
    vocab = remedy_vocabulary()
    texts = catalogue_fact_texts()
    sections = []
    for name in remedy_keys(s):
        data = entry[name]
        people = sup.count(entry["people"], ("remedies", "people"))
        clears = [
            ("Prop 64 alone", "prop64"),
            (f"{name} alone", name),
            (f"Prop 64 and {name} together", f"prop64+{name}"),
        ]
        clear_rows = []
        for label, key in clears:
            cell = sup.count(entry["whole_record_clears"][key], ("remedies", "clears", key))
            clear_rows.append(Row(label, (cell, sup.share(cell, people))))
        clear_chart = Chart(
            "bars",
            "People whose whole record clears",
            (Series("people", "people"),),
            tuple(Row(r.label, r.cells[:1], (f"{r.cells[1].text} of people",)) for r in clear_rows),
            "Every conviction of the person dismissed under Prop 64, eligible now under the "
            "remedy, or either.",
        )
        clear_table = Table(
            "Whole records cleared", ("Remedy", "People", "% of people"), tuple(clear_rows)
        )
        total = sup.count(data["convictions"], ("remedies", name, "convictions"))
        outcome_rows = []
        for outcome in vocab.outcomes:
            cell = sup.count(
                data["by_outcome"].get(outcome, 0), ("remedies", name, "by_outcome", outcome)
            )
            outcome_rows.append(
                Row(vocab.label(outcome), (cell, sup.share(cell, total)), key=outcome)
            )
        outcome_table = Table(
            f"Convictions under {name}", ("Outcome", "Convictions", "%"), tuple(outcome_rows)
        )
        year_rows = tuple(
            Row(year, (sup.count(n, ("remedies", name, "by_year", year)),))
            for year, n in sorted(data["eligible_on_by_year"].items())
        )
        year_chart = Chart(
            "bars",
            "Convictions becoming eligible, by year ahead",
            (Series("eligible_on", "convictions"),),
            year_rows,
            "The year of each eligible_on conviction's date of eligibility, if nothing changes "
            "before it.",
        )
        year_table = Table("Eligible on a later date, by year", ("Year", "Convictions"), year_rows)
        missing_rows = tuple(
            Row(
                fact_text(texts, fact).capitalize(),
                (sup.count(n, ("remedies", name, "missing", fact)),),
            )
            for fact, n in data["blocked_by_missing_fact"].items()
        )
        missing_table = Table(
            "Convictions blocked by the record, by the fact it lacks (a conviction may lack "
            "several)",
            ("Missing fact", "Convictions"),
            missing_rows,
        )
        reason_rows = tuple(
            Row(
                vocab.label(code.split("/")[0]),
                (sup.count(n, ("remedies", name, "by_reason", *code.split("/", 1))),),
                (code.split("/", 1)[1].replace("_", " "),),
            )
            for code, n in data["by_reason"].items()
        )
        reason_table = Table(
            "Convictions by outcome and reason", ("Outcome", "Reason", "Convictions"), reason_rows
        )
        lead = (
            f"{vocab.by_code(name.replace('.', '_')).citation}: "
            f"{vocab.by_code(name.replace('.', '_')).title}. Eligible now: granted, or due at "
            "the next monthly review; eligible on a date: the earliest date the record allows; "
            "blocked by the record: a condition the record cannot show, which an office can fix "
            "(docs/remedies.md).",
        )
        parts = [Part(clear_chart, (clear_table,)), Part(None, (outcome_table, reason_table))]
        if year_rows:
            parts.append(Part(year_chart, (year_table,)))
        if missing_rows:
            parts.append(Part(None, (missing_table,)))
        sections.append(
            Section(f"remedy-{name.replace('.', '-')}", f"Remedy {name}", lead, tuple(parts))
        )
    return sections
