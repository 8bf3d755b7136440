"""The impact report's additive groups: which counts on the page add up to which.

Every count the page shows has a display key: where it sits in ``summary.json``
(``("by_level", "felony", "review")``), or a row total (``("row_total", "by_level",
"felony")``). Two display keys that always show the same number (``convictions.dismissed``
and ``by_outcome.dismiss_and_seal``) name one figure, so they are hidden together. A group
(a total and its parts) is kept only when this run's numbers add up, so every group listed
is one a reader can use. Sums the page never shows but a reader can still reason with (the
cannabis-related convictions of one outcome, a column sum of the stacked tables) are
*virtual* figures: unknown to the reader, never negative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cmr_reason.reasoner.report.compare import FIGURES
from cmr_reason.reasoner.report.figures import (
    LEVELS,
    OUTCOME_ORDER,
    OUTCOMES,
    RELIEF_OUTCOMES,
    Key,
    ordered,
)
from cmr_reason.reasoner.report.suppression.audit import Group
from cmr_reason.reasoner.report.suppression.remedy_groups import remedy_figures

Summary = dict[str, Any]
CANNABIS_TABLES = ("by_level", "by_decade", "by_code_section")
DISMISSED_LEVELS = {
    "dismissed_felonies": "felony",
    "dismissed_misdemeanors": "misdemeanor",
    "dismissed_infractions": "infraction",
}
SAME_OUTCOME = {"dismissed": "dismiss_and_seal", "resentenced": "resentence",
                "review": "review", "not_eligible": "not_eligible"}  # fmt: skip


def figure_of(key: Key) -> Key:
    """The figure a display key shows, when it is the same number as another key's."""
    match key:
        case ("convictions", name) if name in SAME_OUTCOME:
            return ("by_outcome", SAME_OUTCOME[name])
        case ("convictions", name) if name in DISMISSED_LEVELS:
            return ("by_level", DISMISSED_LEVELS[name], "dismiss_and_seal")
        case ("relieved_by_level", outcome, level):
            return ("by_level", level, outcome)
        case ("reviews_by_reason", reason):
            return ("by_reason", "review", reason)
        case ("not_eligible_by_reason", reason):
            return ("by_reason", "not_eligible", reason)
    return key


@dataclass
class PageFigures:
    """The page's figures, what they show, and the groups they form."""

    values: dict[Key, int] = field(default_factory=dict)  # figure -> value
    shown_as: dict[Key, Key] = field(default_factory=dict)  # display key -> figure
    counts: list[Key] = field(default_factory=list)  # figures the page shows, in page order
    virtual: list[Key] = field(default_factory=list)  # figures it never shows
    differences: dict[Key, tuple[Key, Key]] = field(default_factory=dict)  # -> (base, other)
    groups: list[Group] = field(default_factory=list)

    def count(self, key: Key, value: int) -> Key:
        """Register a shown count under its display key; return its figure."""
        figure = figure_of(key)
        if self.values.get(figure, value) != value:
            figure = key  # not the same number in this run: keep them apart
        if figure not in self.values:
            self.values[figure] = value
            self.counts.append(figure)
        self.shown_as[key] = figure
        return figure

    def add_virtual(self, key: Key, value: int) -> None:
        """Register a figure the page does not show."""
        self.values[key] = value
        self.virtual.append(key)

    def difference(self, key: Key, base: Key, other: Key) -> None:
        """Register ``other - base`` (shown only when both sides are)."""
        base, other = self.shown_as[base], self.shown_as[other]
        self.values[key] = self.values[other] - self.values[base]
        self.differences[key] = (base, other)
        self.group(other, [base, key])

    def group(self, total: Key, parts: Sequence[Key]) -> None:
        """Add ``total = sum(parts)`` (display or virtual keys) if the numbers add up.

        A key the page does not hold is a row it leaves out: a zero, so it drops out.
        """
        total_figure = self.shown_as.get(total, total)
        figures = tuple(f for p in parts if (f := self.shown_as.get(p, p)) in self.values)
        if total_figure not in self.values:
            return
        if self.values[total_figure] != sum(self.values[p] for p in figures):
            return
        if not figures or not any(self.values[k] for k in (total_figure, *figures)):
            return  # nothing to add up, or zeros only: zeros are shown
        group = Group(total_figure, figures)
        if group not in self.groups and figures != (total_figure,):
            self.groups.append(group)


def page_figures(
    summary: Summary, input_rows: list[int], other: Summary | None = None
) -> PageFigures:
    """The figures and groups of a report on ``summary`` (and ``other``, with --compare)."""
    page = PageFigures()
    if other is not None:
        _compare(page, summary, other)
    _headline(page, summary)
    _outcomes(page, summary)
    _cannabis_tables(page, summary)
    for kind in ("by_race", "by_gender"):
        _shares(page, summary, kind)
    _reasons(page, summary)
    _input(page, summary, input_rows)
    remedy_figures(page, summary)  # only a run with a remedy beside Prop 64
    _same_number(page, summary)
    if other is not None:
        _statute_links(page)
    return page


def _compare(page: PageFigures, base: Summary, other: Summary) -> None:
    """The comparison table: each figure under both runs, and their difference."""
    for _, group, key in FIGURES:
        page.count((group, key), base[group][key])
        page.count(("other", group, key), other[group][key])
        page.difference(("difference", group, key), (group, key), ("other", group, key))
    conv = base["convictions"]
    page.count(("convictions", "cannabis_related"), conv["cannabis_related"])

    def others(*keys: str) -> list[Key]:
        return [("other", "convictions", k) for k in keys]

    relieved, dismissed = others("relieved", "dismissed")
    page.group(relieved, others("dismissed", "redesignated", "resentenced"))
    page.group(dismissed, others(*DISMISSED_LEVELS))
    page.group(("convictions", "cannabis_related"), others("relieved", "review", "not_eligible"))


def _same_number(page: PageFigures, s: Summary) -> None:
    """Figures a reader may take to be the same count, linked when they are equal here.

    An outcome or reason under the policy and under the statute alone (the same figure for
    a statute run, and for convictions the policy does not touch); convictions and the
    conviction rows used; deceased people and the death rows used.
    """
    for outcome in sorted(set(s["by_outcome"]) | set(s["statutory_by_outcome"])):
        page.group(("by_outcome", outcome), [("statutory_by_outcome", outcome)])
    by, stat = s["by_reason"], s["statutory_by_reason"]
    for outcome in sorted(set(by) & set(stat)):
        for reason in sorted(set(by[outcome]) & set(stat[outcome])):
            page.group(("by_reason", outcome, reason), [("statutory_by_reason", outcome, reason)])
    used = s["input"].get("used_by_kind", {})
    if "conviction" in used:
        page.group(("convictions", "total"), [("input", "used_by_kind", "conviction")])
    if "death" in used:
        page.group(("people", "deceased"), [("input", "used_by_kind", "death")])


def _statute_links(page: PageFigures) -> None:
    """The other run's figures read off the statute column, when they match it.

    Comparing a policy with the statute, the "under HS 11361.8 alone" column of this run
    holds the other run's outcomes: a reader can take those in place of its hidden ones.
    """

    def statute(*outcomes: str) -> list[Key]:
        return [("statutory_by_outcome", o) for o in outcomes]

    for key, outcomes in (
        ("relieved", RELIEF_OUTCOMES),
        ("dismissed", ("dismiss_and_seal",)),
        ("redesignated", ("redesignate_misdemeanor", "redesignate_infraction")),
        ("resentenced", ("resentence",)),
        ("review", ("review",)),
        ("not_eligible", ("not_eligible",)),
    ):
        page.group(("other", "convictions", key), statute(*outcomes))


def _headline(page: PageFigures, s: Summary) -> None:
    """People and conviction figures, and the groups among the conviction figures."""
    for group in ("people", "convictions"):
        for key, value in s[group].items():
            page.count((group, key), value)
    by = s["by_outcome"]
    redesignated: list[Key] = [("by_outcome", "redesignate_misdemeanor"),
                               ("by_outcome", "redesignate_infraction")]  # fmt: skip
    for key in redesignated:
        page.count(key, by.get(key[1], 0))
    conv = [("convictions", k) for k in ("dismissed", "redesignated", "resentenced")]
    page.group(("convictions", "relieved"), conv)
    page.group(("convictions", "redesignated"), redesignated)


def _outcomes(page: PageFigures, s: Summary) -> None:
    """Every conviction by outcome, under the policy and under the statute alone."""
    by, stat = s["by_outcome"], s["statutory_by_outcome"]
    for name, data in (("by_outcome", by), ("statutory_by_outcome", stat)):
        keys = [(name, o) for o in ordered(sorted(set(by) | set(stat)), OUTCOMES)]
        for key in keys:
            page.count(key, data.get(key[1], 0))
        page.group(("convictions", "total"), keys)


def _cannabis_tables(page: PageFigures, s: Summary) -> None:
    """Convictions by level (all, and relieved), decade and code section, by outcome."""
    pivot: dict[str, dict[str, int]] = {}
    for outcome, levels in s["relieved_by_level"].items():
        for level, n in levels.items():
            pivot.setdefault(level, {})[outcome] = n
    _stacked(page, "relieved_by_level", pivot, ordered(sorted(pivot), LEVELS), RELIEF_OUTCOMES)
    page.group(("convictions", "relieved"),
               [("row_total", "relieved_by_level", k) for k in pivot])  # fmt: skip
    columns: dict[str, list[list[Key]]] = {}
    for name in CANNABIS_TABLES:
        data = s[name]
        keys = _row_order(name, data)
        for outcome, cells in _stacked(page, name, data, keys, OUTCOME_ORDER).items():
            columns.setdefault(outcome, []).append(cells)
        page.group(("convictions", "cannabis_related"), [("row_total", name, k) for k in keys])
    by, cannabis = s["by_outcome"], []
    for outcome in ordered(sorted(set(columns) | set(by)), OUTCOME_ORDER):
        parts: list[Key] = []
        if outcome in columns:
            column: Key = ("cannabis_by_outcome", outcome)
            first = columns[outcome][0]
            page.add_virtual(column, sum(page.values[page.shown_as[k]] for k in first))
            for cells in columns[outcome]:
                page.group(column, cells)
            cannabis.append(column)
            parts.append(column)
        rest = by.get(outcome, 0) - sum(page.values[p] for p in parts)
        if rest > 0:  # e.g. convictions that are not cannabis-related, all not applicable
            parts.append(("not_cannabis_by_outcome", outcome))
            page.add_virtual(parts[-1], rest)
        if parts and rest >= 0:
            page.group(("by_outcome", outcome), parts)
    page.group(("convictions", "cannabis_related"), cannabis)
    others = [k for k in page.virtual if k[0] == "not_cannabis_by_outcome"]
    page.group(("convictions", "total"), [("convictions", "cannabis_related"), *others])


def _row_order(name: str, data: dict[str, Any]) -> list[str]:
    """A stacked table's rows in the order the page shows them."""
    if name == "by_level":
        return ordered(sorted(data), LEVELS)
    if name == "by_decade":
        return sorted(data, key=lambda k: (k == "unknown", k))
    return sorted(data)


def _stacked(
    page: PageFigures,
    name: str,
    data: dict[str, dict[str, int]],
    keys: list[str],
    outcomes: tuple[str, ...],
) -> dict[str, list[Key]]:
    """One stacked table: its cells, each row's total; returns its cells by column."""
    present = ordered(sorted({o for k in keys for o in data.get(k, {})}), outcomes)
    columns: dict[str, list[Key]] = {o: [] for o in present}
    for key in keys:
        cells = []
        for outcome in present:
            cell = (name, outcome, key) if name == "relieved_by_level" else (name, key, outcome)
            page.count(cell, data.get(key, {}).get(outcome, 0))
            cells.append(cell)
            columns[outcome].append(cell)
        total = ("row_total", name, key)
        page.count(total, sum(data.get(key, {}).values()))
        page.group(total, cells)
    return columns


def _shares(page: PageFigures, s: Summary, kind: str) -> None:
    """People and people relieved by race or gender, adding up to everyone."""
    for column, total in (("people", "total"), ("relieved", "relieved")):
        keys = [(kind, k, column) for k in sorted(s[kind])]
        for key in keys:
            page.count(key, s[kind][key[1]].get(column, 0))
        page.group(("people", total), keys)


def _reasons(page: PageFigures, s: Summary) -> None:
    """Convictions by outcome and reason, adding up to each outcome."""
    for name in ("reviews_by_reason", "not_eligible_by_reason"):
        for reason, n in s[name].items():
            page.count((name, reason), n)
    by, stat = s["by_reason"], s["statutory_by_reason"]
    for outcome in ordered(sorted(set(by) | set(stat)), OUTCOMES):
        codes = sorted(set(by.get(outcome, {})) | set(stat.get(outcome, {})))
        for name, data, total in (
            ("by_reason", by, "by_outcome"),
            ("statutory_by_reason", stat, "statutory_by_outcome"),
        ):
            keys = [(name, outcome, code) for code in codes]
            for key in keys:
                page.count(key, data.get(outcome, {}).get(key[2], 0))
            page.group((total, outcome), keys)


def _input(page: PageFigures, s: Summary, input_rows: list[int]) -> None:
    """Input rows: read, then used, irrelevant and rejected, each by kind or reason."""
    rows = s["input"]
    page.count(("input", "rows_in"), rows["rows_in"])
    kinds = ("rows_used", "rows_irrelevant", "rows_rejected")
    for kind, detail in zip(kinds, ("used_by_kind", "irrelevant_by_kind", "rejected_by_reason"),
                            strict=True):  # fmt: skip
        page.count(("input", kind), rows[kind])
        keys = [("input", detail, k) for k in sorted(rows.get(detail, {}))]
        for key in keys:
            page.count(key, rows[detail][key[2]])
        page.group(("input", kind), keys)
    page.group(("input", "rows_in"), [("input", k) for k in kinds])
    files = [("input_file", str(i)) for i in range(len(input_rows))]
    for file_key, n in zip(files, input_rows, strict=True):
        page.count(file_key, n)
    page.group(("input", "rows_in"), files)
