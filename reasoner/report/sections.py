"""The impact report's headline and sections, built from a run's ``summary.json``.

Each section holds charts and the tables behind them; every number of the summary lands in
at least one table, passed through the run's :class:`Suppression`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cmr_reason.reasoner.report.figures import (
    GENDER_LABELS,
    LEVELS,
    OUTCOME_ORDER,
    OUTCOMES,
    RELIEF_OUTCOMES,
    Cell,
    Chart,
    Headline,
    Key,
    Part,
    Row,
    Section,
    Series,
    Suppression,
    Table,
    group_label,
    level_label,
    ordered,
    outcome_label,
)

Summary = dict[str, Any]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def headlines(s: Summary, sup: Suppression) -> list[Headline]:
    """The one-page picture: what was dismissed, and who was relieved."""
    n = {k: sup.count(v, ("convictions", k)) for k, v in s["convictions"].items()}
    n |= {f"p_{k}": sup.count(v, ("people", k)) for k, v in s["people"].items()}
    return [
        Headline(
            n["dismissed"],
            "convictions dismissed and sealed",
            f"{n['dismissed_felonies'].text} felonies, {n['dismissed_misdemeanors'].text} "
            f"misdemeanors and {n['dismissed_infractions'].text} infractions",
        ),
        Headline(
            n["relieved"],
            "convictions relieved",
            f"dismissed, redesignated or resentenced, of {n['cannabis_related'].text} "
            "cannabis-related convictions",
        ),
        Headline(
            n["p_relieved"],
            "people relieved",
            f"of {n['p_with_cannabis_conviction'].text} people with a cannabis conviction",
        ),
        Headline(
            n["p_relieved_no_felony_after"],
            "people left with no felony",
            "on their California record after relief",
        ),
        Headline(
            n["p_relieved_no_conviction_after"],
            "people left with no conviction",
            "on their California record after relief",
        ),
    ]


def _share_rows(s: Summary, kind: str, sup: Suppression, relieved: Cell, labels: Any) -> list[Row]:
    """Race or gender rows, most relieved first: people, relieved, share of relieved people."""
    table, rows = s[kind], []
    relieved_counts = {k: v.get("relieved", 0) for k, v in table.items()}
    for key in by_size(relieved_counts, sup, lambda k: (kind, k, "relieved")):
        entry = table[key]
        people = sup.count(entry.get("people", 0), (kind, key, "people"))
        got = sup.count(entry.get("relieved", 0), (kind, key, "relieved"))
        share = sup.pct(entry.get("share_of_relieved_people_pct", 0.0), got, relieved)
        rows.append(Row(group_label(key, labels), (people, got, share)))
    return rows


def _under(key: str) -> Callable[[str], Key]:
    """The display key of each reason of ``key``: ``(key, reason)``."""
    return lambda reason: (key, reason)


def by_size(counts: dict[str, int], sup: Suppression, key: Callable[[str], Key]) -> list[str]:
    """Keys, largest count first; hidden counts last in key order, so order reveals nothing."""

    def hidden(k: str) -> bool:
        return sup.hides(counts[k], key(k))

    return sorted(
        counts, key=lambda k: (hidden(k), 0 if hidden(k) else -counts[k], k == "unknown", k)
    )


def share_line(s: Summary, sup: Suppression) -> str:
    """People relieved by race in one line, like Los Angeles's published picture."""
    relieved = sup.count(s["people"]["relieved"], ("people", "relieved"))
    rows = _share_rows(s, "by_race", sup, relieved, None)
    return ", ".join(
        f"{r.label} (suppressed)" if r.cells[2].suppressed else f"{r.label} {r.cells[2].text}"
        for r in rows
    )


def _cell_key(name: str, row: str, outcome: str) -> Key:
    """Display key of a stacked table's cell (the relieved table is pivoted: outcome first)."""
    return (name, outcome, row) if name == "relieved_by_level" else (name, row, outcome)


def _stacked_part(
    name: str,
    data: dict[str, dict[str, int]],
    keys: list[str],
    what: str,
    label: Any,
    sup: Suppression,
    outcomes: tuple[str, ...] = OUTCOME_ORDER,
    title: str = "",
) -> Part:
    """Rows of ``data`` (key -> outcome -> n) stacked by outcome, with a total column."""
    present = ordered(sorted({o for k in keys for o in data.get(k, {})}), outcomes)
    series = tuple(Series(o, outcome_label(o)) for o in present)
    rows = []
    for key in keys:
        cells = [sup.count(data.get(key, {}).get(o, 0), _cell_key(name, key, o)) for o in present]
        total = sup.count(sum(data.get(key, {}).values()), ("row_total", name, key))
        rows.append(Row(label(key), (*cells, total)))
    title = title or f"Cannabis-related convictions by {what}, by outcome"
    chart = Chart("stacked", title, series, tuple(rows), "Stacked bars; the total is at the end.")
    columns = (_cap(what), *(s.label for s in series), "Total")
    return Part(chart if rows else None, (Table(title, columns, tuple(rows)),))


def outcome_section(s: Summary, sup: Suppression) -> Section:
    """Every conviction by outcome, and the conviction figures."""
    by, stat, conv = s["by_outcome"], s["statutory_by_outcome"], s["convictions"]
    keys = ordered(sorted(set(by) | set(stat)), OUTCOMES)
    rows = tuple(
        Row(
            outcome_label(k),
            (
                sup.count(by.get(k, 0), ("by_outcome", k)),
                sup.count(stat.get(k, 0), ("statutory_by_outcome", k)),
            ),
            key=k,
        )
        for k in keys
    )
    policy = s["run"].get("policy") or "the policy"
    chart = Chart(
        "bars",
        "Convictions by outcome",
        (Series("people", "convictions"),),
        tuple(Row(r.label, r.cells[:1], key=r.key) for r in rows),
        "Every conviction in the input, by outcome under the run's policy.",
    )
    outcome_table = Table(
        "Convictions by outcome",
        ("Outcome", f"Convictions ({policy})", "Under HS 11361.8 alone"),
        rows,
    )
    cannabis = sup.count(conv["cannabis_related"], ("convictions", "cannabis_related"))
    figures = (
        ("Convictions in the input", "total"),
        ("Cannabis-related convictions", "cannabis_related"),
        ("Relieved: dismissed, redesignated or resentenced", "relieved"),
        ("Dismissed and sealed", "dismissed"),
        ("Dismissed felonies", "dismissed_felonies"),
        ("Dismissed misdemeanors", "dismissed_misdemeanors"),
        ("Dismissed infractions", "dismissed_infractions"),
        ("Redesignated (felony to misdemeanor or infraction, or lower)", "redesignated"),
        ("Resentenced", "resentenced"),
        ("Needs human review", "review"),
        ("Not eligible", "not_eligible"),
    )
    glance = []
    for text, key in figures:
        cell = sup.count(conv[key], ("convictions", key))
        share = Cell("", None) if key == "total" else sup.share(cell, cannabis)
        glance.append(Row(text, (cell, share)))
    glance_table = Table(
        "Conviction figures",
        ("Figure", "Convictions", "% of cannabis-related"),
        tuple(glance),
    )
    lead = (
        f"Of {sup.count(conv['total'], ('convictions', 'total')).text} convictions in the input, "
        f"{cannabis.text} are cannabis-related; "
        f"{sup.count(conv['relieved'], ('convictions', 'relieved')).text} of them are relieved.",
        "Convictions that are not cannabis-related count as not covered by HS 11361.8.",
    )
    return Section(
        "outcomes",
        "Relief by outcome",
        lead,
        (Part(chart, (outcome_table,)), Part(None, (glance_table,))),
    )


def level_section(s: Summary, sup: Suppression) -> Section:
    """Felonies, misdemeanors and infractions relieved, and all by level."""
    pivot: dict[str, dict[str, int]] = {}
    for outcome, levels in s["relieved_by_level"].items():
        for level, n in levels.items():
            pivot.setdefault(level, {})[outcome] = n
    title = "Relieved convictions by level, by kind of relief"
    levels = ordered(sorted(pivot), LEVELS)
    relieved = _stacked_part(
        "relieved_by_level", pivot, levels, "level", level_label, sup, RELIEF_OUTCOMES, title
    )
    by_level = s["by_level"]
    every = _stacked_part(
        "by_level", by_level, ordered(sorted(by_level), LEVELS), "level", level_label, sup
    )
    lead = (
        "How the relieved convictions split into felonies, misdemeanors and infractions, and "
        "what relief each got. The second table has every cannabis-related conviction by level.",
    )
    return Section(
        "levels",
        "Felonies, misdemeanors and infractions relieved",
        lead,
        (relieved, Part(None, every.tables)),
    )


def people_section(s: Summary, sup: Suppression) -> Section:
    """People relieved and what their record holds afterwards."""
    p = s["people"]
    relieved = sup.count(p["relieved"], ("people", "relieved"))
    figures = (
        ("People in the input", "total", False),
        ("With a cannabis-related conviction", "with_cannabis_conviction", False),
        ("Relieved (at least one conviction)", "relieved", False),
        ("Relieved and left with no felony", "relieved_no_felony_after", True),
        ("Relieved and left with no conviction", "relieved_no_conviction_after", True),
        ("Relieved, had a felony, left with none", "felony_record_cleared", True),
        ("Deceased (per the record)", "deceased", False),
    )
    rows = []
    for text, key, of_relieved in figures:
        cell = sup.count(p[key], ("people", key))
        share = sup.share(cell, relieved) if of_relieved else Cell("", None)
        rows.append(Row(text, (cell, share)))
    chart_rows = tuple(
        Row(r.label, r.cells[:1], (f"{r.cells[1].text} of relieved",) if r.cells[1].text else ())
        for r in rows[:-1]
    )
    chart = Chart(
        "bars",
        "People relieved, and left with no felony or no conviction",
        (Series("people", "people"),),
        chart_rows,
        "People, from everyone in the input down to those left with a clean record.",
    )
    table = Table("People", ("Figure", "People", "% of people relieved"), tuple(rows))
    lead = (
        "A person is relieved when at least one conviction is dismissed, redesignated or "
        "resentenced. \u201cLeft with no felony\u201d counts what the decisions leave on the "
        "person's California record, including people who never had a felony; \u201chad a "
        "felony, left with none\u201d counts only those whose felonies were all relieved.",
    )
    return Section("people", "People with no felony or no conviction after relief", lead,
                   (Part(chart, (table,)),))  # fmt: skip


def group_section(s: Summary, sup: Suppression) -> Section:
    """People relieved by race and by gender, as shares of the people relieved."""
    relieved = sup.count(s["people"]["relieved"], ("people", "relieved"))
    parts = []
    for what, key, labels in (("race", "by_race", None), ("gender", "by_gender", GENDER_LABELS)):
        rows = _share_rows(s, key, sup, relieved, labels)
        title = f"Share of people relieved, by {what}"
        chart = Chart(
            "bars",
            title,
            (Series("people", "share"),),
            tuple(Row(r.label, (r.cells[2],), (f"{r.cells[1].text} people",)) for r in rows),
            f"Percent of the {relieved.text} people relieved, by {what} as recorded.",
        )
        columns = (_cap(what), "People", "People relieved", "Share of people relieved")
        parts.append(Part(chart if rows else None, (Table(title, columns, tuple(rows)),)))
    lead = (
        "Race and gender as the DOJ record states them. Shares are of the people relieved, "
        "so they show who the relief reaches.",
    )
    return Section("race-gender", "People relieved by race and gender", lead, tuple(parts))


def decade_section(s: Summary, sup: Suppression) -> Section:
    """Cannabis-related convictions by decade of conviction."""
    data = s["by_decade"]
    keys = sorted(data, key=lambda k: (k == "unknown", k))
    part = _stacked_part("by_decade", data, keys, "decade of conviction", _decade_label, sup)
    lead = ("Cannabis-related convictions by the decade of their disposition date.",)
    return Section("decades", "Convictions by decade of conviction", lead, (part,))


def _decade_label(key: str) -> str:
    return "Date not recorded" if key == "unknown" else key


def section_section(s: Summary, sup: Suppression) -> Section:
    """Cannabis-related convictions by code section."""
    data = s["by_code_section"]
    part = _stacked_part("by_code_section", data, sorted(data), "code section", str, sup)
    lead = (
        "Code sections as normalised from the charge text; attempts (PC 664) and conspiracies "
        "(PC 182) are listed apart.",
    )
    return Section("code-sections", "Convictions by code section", lead, (part,))


def reason_section(s: Summary, sup: Suppression, reasons: dict[str, str]) -> Section:
    """Why convictions need review or are not eligible, and every reason."""

    def phrase(code: str) -> str:
        return _cap(reasons.get(code, code.replace("_", " ")))

    parts = []
    for outcome, key in (
        ("review", "reviews_by_reason"),
        ("not_eligible", "not_eligible_by_reason"),
    ):
        data = s[key]
        rows = tuple(
            Row(phrase(k), (sup.count(data[k], (key, k)),), key=outcome)
            for k in by_size(data, sup, _under(key))
        )
        title = f"{outcome_label(outcome)}: convictions by reason"
        chart = Chart("bars", title, (Series(outcome, outcome_label(outcome)),), rows)
        table = Table(title, ("Reason", "Convictions"), rows)
        parts.append(Part(chart if rows else None, (table,)))
    by, stat = s["by_reason"], s["statutory_by_reason"]
    rows_all = []
    for outcome in ordered(sorted(set(by) | set(stat)), OUTCOMES):
        codes = sorted(set(by.get(outcome, {})) | set(stat.get(outcome, {})))
        for code in codes:
            cells = tuple(
                sup.count(data.get(outcome, {}).get(code, 0), (name, outcome, code))
                for name, data in (("by_reason", by), ("statutory_by_reason", stat))
            )
            rows_all.append(Row(phrase(code), cells, (outcome_label(outcome),)))
    policy = s["run"].get("policy") or "the policy"
    parts.append(
        Part(
            None,
            (
                Table(
                    "Every conviction by outcome and reason",
                    ("Reason", "Outcome", f"Convictions ({policy})", "Under HS 11361.8 alone"),
                    tuple(rows_all),
                ),
            ),
        )
    )
    lead = (
        "Reasons are the rules' own phrases (programs/core/reasons.lp). Review means a person "
        "must read the record before the court is told anything.",
    )
    return Section("reasons", "Review and not-eligible reasons", lead, tuple(parts))


def input_section(s: Summary, sup: Suppression) -> Section:
    """Where every input row went."""
    rows_in = s["input"]
    total = sup.count(rows_in["rows_in"], ("input", "rows_in"))
    kinds = (("Used", "rows_used", "used"), ("Judged irrelevant", "rows_irrelevant", "irrelevant"),
             ("Rejected", "rows_rejected", "rejected"))  # fmt: skip
    rows = []
    for text, key, colour in kinds:
        cell = sup.count(rows_in[key], ("input", key))
        rows.append(Row(text, (cell, sup.share(cell, total)), key=colour))
    chart = Chart(
        "bars",
        "Input rows: used, irrelevant, rejected",
        (Series("used", "rows"),),
        tuple(Row(r.label, r.cells[:1], (r.cells[1].text,), r.key) for r in rows),
        f"What became of the {total.text} rows read.",
    )
    table = Table(
        "Input rows",
        ("Rows", "Rows", "% of rows read"),
        (Row("Read", (total, Cell("100.0%", 100.0))), *rows),
    )
    detail = []
    for caption, key, head in (
        ("Rows used, by kind", "used_by_kind", "Kind"),
        ("Rows judged irrelevant, by kind", "irrelevant_by_kind", "Kind"),
        ("Rows rejected, by reason (see rejects.csv)", "rejected_by_reason", "Reason"),
    ):
        data = rows_in.get(key, {})
        detail.append(
            Table(
                caption,
                (head, "Rows"),
                tuple(Row(k, (sup.count(data[k], ("input", key, k)),)) for k in sorted(data)),
            )
        )
    lead = (
        "Every input row ends up in exactly one place: a conviction or another used event, a "
        "row judged irrelevant, or rejects.csv with its line and reason.",
    )
    return Section("input", "Input rows", lead, (Part(chart, (table,)), Part(None, tuple(detail))))
