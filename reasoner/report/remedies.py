"""The impact report's sections on the remedies beside Proposition 64 (``docs/report.md``).

Built from the ``remedies`` entry of ``summary.json`` (``reasoner/run/remedy_output.py``),
only for a run that decided such a remedy: people whose whole record clears under Prop 64,
under the remedy and under the two together; the remedy's convictions by outcome and
reason; the convictions that clear now and in each year ahead (a chart); those the record
blocks, by the fact it lacks. Every count passes through the run's :class:`Suppression`,
and its additive groups are registered with the page's (``suppression/remedy_groups.py``),
so a hidden count cannot be worked out. ``report --remedy`` chooses which remedies are
shown (:func:`remedies_shown`). With several remedies, a section puts them together: the
people whose whole record clears under each remedy that clears a conviction, under all of
them, and with relief at the court's discretion too. PC 17(b) and Proposition 47 lower a
conviction rather than clear it (``remedy_clears/1``): their sections count relief, not
cleared records.
"""

from __future__ import annotations

from typing import Any

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.engine.remedies import (
    fact_text,
    reason_text,
    remedy_vocabulary,
)
from cmr_reason.reasoner.report.figures import Chart, Part, Row, Section, Series, Suppression, Table
from cmr_reason.reasoner.report.suppression.remedy_groups import remedy_keys

Summary = dict[str, Any]


def remedies_shown(summary: Summary, names: tuple[str, ...] | None) -> Summary:
    """The summary with only the remedies ``names`` (user names; None: all the run decided).

    A remedy the run did not decide is a one-line error: the report shows what the run
    decided, it decides nothing.
    """
    entry = summary.get("remedies")
    if names is None:
        return summary
    decided = remedy_keys(summary)
    missing = [n for n in names if n not in decided]
    if missing:
        had = ", ".join(decided) or "Prop 64 alone"
        raise UserError(
            f"the run did not decide {', '.join(missing)} (it decided {had}); re-run it with "
            f"--remedy {','.join(['prop64', *names])} --force"
        )
    shown = {k: v for k, v in summary.items() if k != "remedies"}
    if names and entry:
        clears = entry["whole_record_clears"]
        kept = {"prop64", *names, *(f"prop64+{n}" for n in names)}
        if set(names) == set(decided):  # the figures of every remedy together
            kept |= {"all", "all+discretion"}
        shown["remedies"] = {
            "people": entry["people"],
            "whole_record_clears": {k: v for k, v in clears.items() if k in kept},
            **{n: entry[n] for n in names},
        }
    return shown


def _lead(name: str) -> tuple[str, ...]:
    remedy = remedy_vocabulary().by_code(name.replace(".", "_"))
    if remedy.code != "pc1203_425":
        return (
            f"{remedy.citation}: {remedy.title}. Decided for every conviction of the input, as "
            "of the run's date: relief by right (the court shall grant it), at the court's "
            "discretion, on a later date, a candidate (a fact outside the record decides), "
            "blocked by the record (a condition the record cannot show, which an office can "
            "fix), not eligible, or not applicable "
            '(docs/remedies.md "The petition remedies").',
        )
    return (
        f"{remedy.citation}: {remedy.title}. Decided for every conviction of the input, as of "
        "the run's date. Eligible now: granted, or due at the Department's next monthly "
        "review; eligible on a date: the earliest date the record allows, if nothing changes "
        "before it; blocked by the record: a condition the record cannot show, which an "
        "office can fix by completing the record; not eligible: the record shows a condition "
        "fails (docs/remedies.md).",
    )


def _clears(entry: dict[str, Any], name: str, sup: Suppression) -> Part:
    """People whose whole record clears under Prop 64, the remedy, and the two together."""
    citation = remedy_vocabulary().by_code(name.replace(".", "_")).citation
    people = sup.count(entry["people"], ("remedies", "people"))
    clears = [
        ("Under Prop 64: every conviction dismissed and sealed", "prop64"),
        (f"Under {citation}: every conviction eligible now", name),
        ("Under the two together: each conviction by one or the other", f"prop64+{name}"),
    ]
    rows = []
    for label, key in clears:
        cell = sup.count(entry["whole_record_clears"][key], ("remedies", "clears", key))
        rows.append(Row(label, (cell, sup.share(cell, people))))
    chart = Chart(
        "bars",
        "People whose whole record clears",
        (Series("people", "people"),),
        tuple(Row(r.label, r.cells[:1], (f"{r.cells[1].text} of people",)) for r in rows),
        f"Of the people with a conviction in the input: those every one of whose convictions "
        f"is cleared under Prop 64, under {citation}, or under the two together.",
    )
    return Part(chart, (Table("Whole records cleared", ("Remedy", "People", "% of people"),
                              tuple(rows)),))  # fmt: skip


def _outcomes(data: dict[str, Any], name: str, sup: Suppression) -> Part:
    """The remedy's convictions by outcome, and by outcome and reason."""
    vocab = remedy_vocabulary()
    code = name.replace(".", "_")
    total = sup.count(data["convictions"], ("remedies", name, "convictions"))
    outcome_rows = []
    for outcome in data["by_outcome"]:
        key = ("remedies", name, "by_outcome", outcome)
        cell = sup.count(data["by_outcome"].get(outcome, 0), key)
        outcome_rows.append(Row(vocab.label(outcome), (cell, sup.share(cell, total)), key=outcome))
    citation = vocab.by_code(code).citation
    outcomes = Table(f"Convictions under {citation}", ("Outcome", "Convictions", "%"),
                     tuple(outcome_rows))  # fmt: skip
    reason_rows = []
    for entry, n in data["by_reason"].items():
        outcome, reason = entry.split("/", 1)
        cell = sup.count(n, ("remedies", name, "by_reason", outcome, reason))
        reason_rows.append(Row(vocab.label(outcome), (cell,), (reason_text(code, reason),)))
    reasons = Table("Convictions by outcome and reason", ("Outcome", "Reason", "Convictions"),
                    tuple(reason_rows))  # fmt: skip
    return Part(None, (outcomes, reasons))


def _years(data: dict[str, Any], name: str, sup: Suppression) -> Part:
    """Convictions relieved now and in each year ahead (the date of eligibility's year)."""
    vocab = remedy_vocabulary()
    relief = [o for o in data["by_outcome"] if vocab.kinds.get(o) == "relief"]
    verb = "clearing" if name.replace(".", "_") in vocab.clearing else "reduced"
    rows = [  # one row a kind of relief now (each a count of the report, never a new sum)
        Row(
            "Now" if len(relief) == 1 else f"Now: {vocab.label(o).lower()}",
            (sup.count(data["by_outcome"][o], ("remedies", name, "by_outcome", o)),),
        )
        for o in relief
    ]
    rows += [
        Row(year, (sup.count(n, ("remedies", name, "by_year", year)),))
        for year, n in sorted(data["eligible_on_by_year"].items())
    ]
    chart = Chart(
        "bars",
        f"Convictions {verb}, now and by year ahead",
        (Series("convictions", "convictions"),),
        tuple(rows),
        "Eligible now, then each year in which an eligible_on conviction's date of "
        "eligibility falls, if nothing changes before it.",
    )
    table = Table(f"Convictions {verb}, by year", ("Year", "Convictions"), tuple(rows))
    return Part(chart, (table,))


def _missing(data: dict[str, Any], name: str, sup: Suppression) -> Part | None:
    """The convictions the record blocks, by the fact it lacks (none: no part)."""
    code = name.replace(".", "_")
    rows = tuple(
        Row(
            fact_text(code, fact).capitalize(),
            (sup.count(n, ("remedies", name, "missing", fact)),),
        )
        for fact, n in data["blocked_by_missing_fact"].items()
    )
    if not rows:
        return None
    table = Table(
        "Convictions blocked by the record, by the fact it lacks (a conviction may lack several)",
        ("Missing fact", "Convictions"),
        rows,
    )
    return Part(None, (table,))


def _together(entry: dict[str, Any], sup: Suppression) -> Section:
    """Every remedy together: whole records cleared under each, under all, with discretion."""
    vocab = remedy_vocabulary()
    people = sup.count(entry["people"], ("remedies", "people"))
    clears = entry["whole_record_clears"]
    labels = [("Under Prop 64 alone", "prop64")]
    labels += [
        (f"Under {vocab.by_code(k.replace('.', '_')).citation} alone", k)
        for k in clears
        if k not in ("prop64", "all", "all+discretion") and not k.startswith("prop64+")
    ]
    labels += [
        ("Under every remedy together: each conviction by one of them, now", "all"),
        ("The same, with relief at the court's discretion granted", "all+discretion"),
    ]
    rows = []
    for label, key in labels:
        cell = sup.count(clears[key], ("remedies", "clears", key))
        rows.append(Row(label, (cell, sup.share(cell, people))))
    chart = Chart(
        "bars",
        "People whose whole record clears, remedy by remedy and together",
        (Series("people", "people"),),
        tuple(Row(r.label, r.cells[:1], (f"{r.cells[1].text} of people",)) for r in rows),
        "Of the people with a conviction in the input: those every one of whose convictions "
        "is cleared (dismissed, or relieved by DOJ) under each remedy alone, and under every "
        "remedy together; PC 17(b) and Proposition 47 lower a conviction and clear none.",
    )
    table = Table("Whole records cleared", ("Remedy", "People", "% of people"), tuple(rows))
    lead = (
        "A person's record clears when every conviction on it is dismissed or relieved: under "
        "Prop 64, or under a remedy beside it. Together, each conviction may clear under a "
        'different one (docs/remedies.md "The petition remedies").',
    )
    return Section("remedies-together", "Every remedy together", lead, (Part(chart, (table,)),))


def remedy_sections(s: Summary, sup: Suppression) -> list[Section]:
    """One section per remedy beside Prop 64 (none when the run decided none)."""
    entry = s.get("remedies")
    if not entry:
        return []
    sections = []
    for name in remedy_keys(s):
        data = entry[name]
        remedy = remedy_vocabulary().by_code(name.replace(".", "_"))
        parts = [_outcomes(data, name, sup), _years(data, name, sup)]
        if name in entry["whole_record_clears"]:  # a remedy that clears a conviction
            parts.insert(0, _clears(entry, name, sup))
        missing = _missing(data, name, sup)
        if missing is not None:
            parts.append(missing)
        title = f"{remedy.citation}: {remedy.title[0].lower()}{remedy.title[1:]}"
        sections.append(Section(f"remedy-{name.replace('.', '-')}", title, _lead(name),
                                tuple(parts)))  # fmt: skip
    if "all" in entry["whole_record_clears"]:
        sections.insert(0, _together(entry, sup))
    return sections
